"""Tests for `sunshine_async._options` and `Session.with_options`: per-call settings."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import anyio
import httpx
import pytest

import sunshine_async as sa
from sunshine_async import RequestOptions, Session

from .conftest import APP_ID, KEY_ID, SECRET, USER_ID

pytestmark = pytest.mark.anyio

APP = {"app": {"id": APP_ID}}
HEADER_VALUE = "trace-value-that-must-never-be-logged"


class Recorder(httpx.AsyncBaseTransport):
    """Answers at once; records each request and the deadline it was sent under."""

    def __init__(self, statuses: Sequence[int] = (), body: object = APP) -> None:
        self.statuses = list(statuses)
        self.body = body
        self.requests: list[httpx.Request] = []
        #: Seconds left before the attempt's deadline, as each request was sent.
        self.deadlines: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.deadlines.append(anyio.current_effective_deadline() - anyio.current_time())
        self.requests.append(request)
        status = self.statuses.pop(0) if self.statuses else 200
        return httpx.Response(status, json=self.body if status == 200 else {})


async def no_wait(delay: float) -> None:
    """The retry policy's sleep in tests: returns at once."""


def make_session(transport: Recorder, **settings: object) -> Session:
    retry = sa.RetryPolicy(max_retries=settings.pop("max_retries", 2), sleep=no_wait)  # type: ignore[arg-type]
    return Session(
        key_id=KEY_ID,
        secret=SECRET,
        transport=transport,
        retry=retry,
        **settings,  # type: ignore[arg-type]
    )


class TestRequestOptions:
    def test_repr_names_headers_only(self) -> None:
        """A header's value never shows in the repr; its name does."""
        options = RequestOptions(timeout=2.0, headers={"X-Trace": HEADER_VALUE})
        assert "X-Trace" in repr(options)
        assert HEADER_VALUE not in repr(options)

    @pytest.mark.parametrize(
        "name",
        ["Authorization", "authorization", "AUTHORIZATION", "Content-Type", "content-length",
         "Accept-Encoding", "Host", "Transfer-Encoding", "Proxy-Authorization"],
    )  # fmt: skip
    def test_the_sessions_own_headers_are_refused(self, name: str) -> None:
        """A header the Session sets itself cannot be replaced, in any case of its name."""
        with pytest.raises(sa.InvalidArgumentError, match="set by the Session") as caught:
            RequestOptions(headers={name: "Bearer stolen-token"})
        assert "stolen-token" not in str(caught.value)

    @pytest.mark.parametrize(
        ("headers", "match"),
        [
            ({"X-A": "one\r\nX-Injected: two"}, "without CR, LF or NUL"),
            ({"X-A": 5}, "without CR, LF or NUL"),
            ({"X-Note": "café"}, "printable ASCII"),
            ({"X-Note": "a\x7fb"}, "printable ASCII"),
            ({"bad name": "v"}, "not a header name"),
            ({"": "v"}, "not a header name"),
        ],
    )
    def test_bad_headers_are_refused(self, headers: dict[str, object], match: str) -> None:
        """A name that is not a token, or a value that could split the request, is refused."""
        with pytest.raises(sa.InvalidArgumentError, match=match):
            RequestOptions(headers=headers)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "kwargs", [{"timeout": 0}, {"timeout": -1.0}, {"timeout": "2"}, {"max_retries": -1}]
    )
    def test_bad_values_are_refused(self, kwargs: dict[str, object]) -> None:
        """A deadline must be positive and a retry count not negative."""
        with pytest.raises(sa.InvalidArgumentError):
            RequestOptions(**kwargs)  # type: ignore[arg-type]

    def test_over_lets_each_set_field_win(self) -> None:
        """Fields set on top win; unset ones fall through; headers add up by name."""
        base = RequestOptions(timeout=5.0, max_retries=1, headers={"X-A": "1", "X-B": "2"})
        top = RequestOptions(max_retries=0, headers={"x-b": "3"})
        merged = top.over(base)
        assert (merged.timeout, merged.max_retries) == (5.0, 0)
        assert merged.headers == (("X-A", "1"), ("x-b", "3"))
        assert top.over(None) is top


class TestWithOptions:
    async def test_a_view_shares_the_pool(self) -> None:
        """A view sends through the Session's one transport, and closes with it."""
        transport = Recorder()
        async with make_session(transport) as session:
            view = session.with_options(timeout=3.0)
            await view.apps.get(APP_ID)
            await session.apps.get(APP_ID)
            assert session.transport == "custom"
            assert len(transport.requests) == 2
        with pytest.raises(sa.SessionClosedError):
            await view.apps.get(APP_ID)

    async def test_every_resource_is_reached_through_a_view(self) -> None:
        """view.apps[...] reaches the nested resources, token_info too, with the view's
        settings."""
        transport = Recorder(body={"clients": [], "meta": {"hasMore": False}, "app": {}})
        async with make_session(transport, timeout=30.0) as session:
            view = session.with_options(timeout=4.0)
            async for _ in view.apps[APP_ID].users[USER_ID].clients.list():
                pass
            await view.token_info()
        assert transport.deadlines == [pytest.approx(4.0, abs=0.5)] * 2

    async def test_views_stack(self) -> None:
        """A view of a view keeps what it does not set."""
        transport = Recorder(statuses=[503, 503, 503])
        async with make_session(transport, timeout=30.0) as session:
            view = session.with_options(timeout=4.0).with_options(max_retries=0)
            assert view.options.timeout == 4.0
            with pytest.raises(sa.ServerError):
                await view.apps.get(APP_ID)
        assert transport.deadlines == [pytest.approx(4.0, abs=0.5)]

    async def test_repr_shows_no_secret(self) -> None:
        """Neither the credentials nor a header value appear in the view's repr."""
        session = make_session(Recorder())
        view = session.with_options(headers={"X-Trace": HEADER_VALUE})
        assert SECRET not in repr(view)
        assert HEADER_VALUE not in repr(view)
        assert "X-Trace" in repr(view)

    def test_a_reserved_header_is_refused_at_once(self) -> None:
        """with_options(headers={'Authorization': ...}) fails before any request."""
        session = make_session(Recorder())
        with pytest.raises(sa.InvalidArgumentError, match="Authorization"):
            session.with_options(headers={"Authorization": "Bearer x"})


class TestPrecedence:
    async def test_timeout_call_then_view_then_session(self) -> None:
        """Each attempt's deadline is the call's, else the view's, else the Session's."""
        transport = Recorder()
        async with make_session(transport, timeout=30.0) as session:
            view = session.with_options(timeout=10.0)
            await session.apps.get(APP_ID)
            await view.apps.get(APP_ID)
            await view.apps.get(APP_ID, options=RequestOptions(timeout=2.0))
            await session.apps.get(APP_ID, options=RequestOptions(timeout=3.0))
        expected = [30.0, 10.0, 2.0, 3.0]
        assert transport.deadlines == [pytest.approx(t, abs=0.5) for t in expected]

    async def test_max_retries_call_then_view_then_session(self) -> None:
        """The number of attempts follows the same order."""

        async def attempts(call: object, **options: object) -> int:
            transport = Recorder(statuses=[503] * 10)
            async with make_session(transport, max_retries=4) as session:
                target = session.with_options(max_retries=2) if call == "view" else session
                with pytest.raises(sa.ServerError):
                    await target.apps.get(APP_ID, options=RequestOptions(**options))  # type: ignore[arg-type]
            return len(transport.requests)

        assert await attempts("session") == 5
        assert await attempts("view") == 3
        assert await attempts("view", max_retries=0) == 1
        assert await attempts("session", max_retries=1) == 2

    async def test_unset_options_never_override_the_session(self) -> None:
        """The anthropic-sdk-python#606 trap: options that set only headers, and every
        method's defaults, leave the Session's timeout and retries in force."""
        transport = Recorder(statuses=[503, 503])
        async with make_session(transport, timeout=7.0, max_retries=1) as session:
            view = session.with_options(headers={"X-Trace": "t"})
            with pytest.raises(sa.ServerError):
                await view.apps.get(APP_ID, options=RequestOptions(headers={"X-Other": "o"}))
        assert transport.deadlines == [pytest.approx(7.0, abs=0.5)] * 2

    async def test_a_longer_call_timeout_reaches_the_transport(self) -> None:
        """A call given more time than the Session's gets it from the transport too
        (its read timeout), not only from the attempt's deadline."""
        transport = Recorder()
        async with make_session(transport, timeout=5.0, connect_timeout=1.0) as session:
            await session.apps.get(APP_ID, options=RequestOptions(timeout=120.0))
            await session.apps.get(APP_ID)
        first, second = (request.extensions["timeout"] for request in transport.requests)
        assert first == {"connect": 1.0, "read": 120.0, "write": 120.0, "pool": 120.0}
        assert second["read"] == 5.0

    async def test_paged_lists_carry_the_options_to_every_page(self) -> None:
        """Every page of a list is fetched with the call's options."""
        pages = [
            {"clients": [], "meta": {"hasMore": True, "afterCursor": "a" * 24}},
            {"clients": [], "meta": {"hasMore": False}},
        ]

        class Paged(Recorder):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                await super().handle_async_request(request)
                return httpx.Response(200, json=pages[len(self.requests) - 1])

        transport = Paged()
        async with make_session(transport) as session:
            clients = session.apps[APP_ID].users[USER_ID].clients
            async for _ in clients.list(options=RequestOptions(timeout=2.5)):
                pass
        assert transport.deadlines == [pytest.approx(2.5, abs=0.5)] * 2


class TestHeaders:
    async def test_extra_headers_are_sent_and_the_call_wins(self) -> None:
        """View and call headers are sent; the call's replace the view's of that name."""
        transport = Recorder()
        async with make_session(transport) as session:
            view = session.with_options(headers={"X-Team": "a", "X-Trace": "view"})
            await view.apps.get(APP_ID, options=RequestOptions(headers={"x-trace": "call"}))
        (sent,) = transport.requests
        assert sent.headers["x-team"] == "a"
        assert sent.headers.get_list("x-trace") == ["call"]
        assert sent.headers["authorization"].startswith("Basic ")

    async def test_user_agent_may_be_replaced(self) -> None:
        """User-Agent is not the Session's to keep: one given replaces it, sent once."""
        transport = Recorder()
        async with make_session(transport) as session:
            await session.apps.get(APP_ID, options=RequestOptions(headers={"user-agent": "me"}))
        assert transport.requests[0].headers.get_list("user-agent") == ["me"]

    async def test_header_values_are_never_logged(self, caplog: pytest.LogCaptureFixture) -> None:
        """Retry log lines and the final error quote no header value and no secret."""
        caplog.set_level(logging.DEBUG, logger="sunshine_async")
        transport = Recorder(statuses=[503, 503, 503])
        async with make_session(transport) as session:
            view = session.with_options(headers={"X-Trace": HEADER_VALUE})
            with pytest.raises(sa.ServerError) as caught:
                await view.apps.get(APP_ID)
        assert "retry" in caplog.text
        for text in (caplog.text, str(caught.value), repr(caught.value)):
            assert HEADER_VALUE not in text
            assert SECRET not in text


class TestClientsTakeOptions:
    async def test_create_remove_and_wait_for_link(self) -> None:
        """The hand-written Clients methods take options= too."""
        client = {"id": "5ebee0975ac5304b664a12fa", "type": "whatsapp", "status": "active"}
        transport = Recorder(body={"client": client, "clients": [client], "meta": {}})
        async with make_session(transport, timeout=30.0) as session:
            clients = session.apps[APP_ID].users[USER_ID].clients
            quick = RequestOptions(timeout=2.0)
            await clients.create(
                match_criteria={
                    "type": "whatsapp",
                    "integrationId": "i",
                    "phoneNumber": "+15145555555",
                },
                confirmation={"type": "immediate"},
                target={"conversationId": "c"},
                options=quick,
            )
            await clients.remove(client["id"], options=quick)
            found = await clients.wait_for_link(client["id"], options=quick)
            assert found.status == "active"
        assert transport.deadlines == [pytest.approx(2.0, abs=0.5)] * 3
