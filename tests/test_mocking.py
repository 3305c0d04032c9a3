"""Sessions over test doubles: httpx.MockTransport (as ``transport=`` or inside a given
``http_client``), and respx, which "auto" must never route around."""

from __future__ import annotations

import functools
import gzip
import json
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any
from unittest import mock

import httpx
import pytest
import respx
import sniffio

import sunshine_async as sa
from sunshine_async import Session
from sunshine_async._transport import httpx_mocked

from .conftest import APP_ID, BASE_URL, EXAMPLE_BODY, KEY_ID, SECRET, USER_ID

pytestmark = pytest.mark.anyio

CLIENTS_PATH = f"/v2/apps/{APP_ID}/users/steveb%40example.com/clients"
USER_PATH = f"/v2/apps/{APP_ID}/users/steveb%40example.com"
CURSOR = "5ebee0975ac5304b664a12fa"
CLIENT = {"id": "5ebee0975ac5304b664a12fb", "type": "whatsapp", "status": "pending"}

Handler = (
    Callable[[httpx.Request], httpx.Response]
    | Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]
)


def api_handler(request: httpx.Request) -> httpx.Response:
    """A tiny API: a user, two pages of clients, and creates."""
    path = request.url.raw_path.decode().partition("?")[0]
    if request.method == "GET" and path == USER_PATH:
        return httpx.Response(200, json={"user": {"id": "u1", "externalId": USER_ID}})
    if request.method == "GET" and path == CLIENTS_PATH:
        if request.url.params.get("page[after]") == CURSOR:
            page = {"clients": [{"id": "c2", "type": "sdk"}], "meta": {"hasMore": False}}
        else:
            meta = {"hasMore": True, "afterCursor": CURSOR}
            page = {"clients": [{"id": "c1", "type": "sdk"}], "meta": meta}
        return httpx.Response(200, json=page)
    if request.method == "POST" and path == CLIENTS_PATH:
        assert json.loads(request.content)["matchCriteria"]["type"] == "whatsapp"
        return httpx.Response(201, json={"client": CLIENT})
    return httpx.Response(404, json={"errors": [{"code": "not_found", "title": "nope"}]})


async def async_api_handler(request: httpx.Request) -> httpx.Response:
    return api_handler(request)


@pytest.fixture(params=["transport", "http_client"])
def form(request: pytest.FixtureRequest) -> str:
    """How the MockTransport reaches the Session."""
    return request.param  # type: ignore[no-any-return]


class MockedSession:
    """``async with``: a Session over a MockTransport, closing the client it borrows."""

    def __init__(self, form: str, handler: Handler, **settings: Any) -> None:
        self._client: httpx.AsyncClient | None = None
        mock = httpx.MockTransport(handler)
        if form == "http_client":
            self._client = httpx.AsyncClient(transport=mock)
            settings["http_client"] = self._client
        else:
            settings["transport"] = mock
        self.session = Session(key_id=KEY_ID, secret=SECRET, **settings)

    async def __aenter__(self) -> Session:
        return await self.session.__aenter__()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.session.aclose()
        if self._client is not None:
            await self._client.aclose()


@pytest.fixture
def open_session(form: str) -> Callable[..., MockedSession]:
    """Makes a Session over a MockTransport of ``handler``, in the fixture's form."""
    return functools.partial(MockedSession, form)


def clients_of(session: Session) -> sa.ClientsResource:
    return session.apps[APP_ID].users[USER_ID].clients


async def first_page(session: Session) -> sa.ClientListResponse:
    return await clients_of(session).pages().__anext__()


async def _no_wait(seconds: float) -> None:
    """Retries without backoff."""


class TestMockTransport:
    @pytest.mark.parametrize("handler", [api_handler, async_api_handler], ids=["sync", "async"])
    async def test_get_list_and_create(
        self, open_session: Callable[..., MockedSession], handler: Handler
    ) -> None:
        """The public resources work over a MockTransport, with either kind of handler."""
        async with open_session(handler) as session:
            user = await session.apps[APP_ID].users.get(USER_ID)
            assert user.id == "u1"
            assert [client.id async for client in clients_of(session).list()] == ["c1", "c2"]
            created = await clients_of(session).create(EXAMPLE_BODY)
            assert created.id == CLIENT["id"]
            assert created.status == "pending"
            assert session.transport == "custom"

    @pytest.mark.parametrize(
        "make",
        [
            pytest.param(lambda body: httpx.Response(200, content=body), id="content"),
            pytest.param(lambda body: httpx.Response(200, text=body.decode()), id="text"),
            pytest.param(lambda body: httpx.Response(200, json=json.loads(body)), id="json"),
            pytest.param(
                lambda body: httpx.Response(200, content=_async_chunks(body)), id="async-stream"
            ),
            pytest.param(
                lambda body: httpx.Response(
                    200, content=gzip.compress(body), headers={"Content-Encoding": "gzip"}
                ),
                id="gzip-content",
            ),
            pytest.param(
                lambda body: httpx.Response(
                    200,
                    stream=httpx.ByteStream(gzip.compress(body)),
                    headers={"Content-Encoding": "gzip"},
                ),
                id="gzip-stream",
            ),
        ],
    )
    async def test_every_way_to_build_a_response(
        self, open_session: Callable[..., MockedSession], make: Callable[[bytes], httpx.Response]
    ) -> None:
        """Bodies given whole, as text, as JSON, streamed or compressed all read alike."""
        body = json.dumps({"clients": [{"id": "c1"}], "meta": {"hasMore": False}}).encode()
        async with open_session(lambda request: make(body)) as session:
            page = await first_page(session)
        assert [client.id for client in page.clients] == ["c1"]

    async def test_sync_iterator_stream(self) -> None:
        """A handler may stream a plain iterator when it is the Session's transport
        (an httpx.AsyncClient refuses one by itself)."""
        body = b'{"clients": [{"id": "c1"}], "meta": {"hasMore": false}}'
        chunks = [body[:10], body[10:]]
        async with MockedSession(
            "transport", lambda request: httpx.Response(200, content=iter(chunks))
        ) as session:
            page = await first_page(session)
        assert [client.id for client in page.clients] == ["c1"]

    @pytest.mark.parametrize("kind", ["json", "streamed", "gzip-stream"])
    async def test_oversized_body_is_refused(
        self, open_session: Callable[..., MockedSession], kind: str
    ) -> None:
        """max_response_bytes holds whatever the handler returned."""
        body = json.dumps({"clients": [{"id": "c" * 2000}], "meta": {"hasMore": False}}).encode()

        def handler(request: httpx.Request) -> httpx.Response:
            if kind == "json":
                return httpx.Response(200, json=json.loads(body))
            if kind == "streamed":
                return httpx.Response(200, content=_async_chunks(body))
            compressed = httpx.ByteStream(gzip.compress(body))
            return httpx.Response(200, stream=compressed, headers={"Content-Encoding": "gzip"})

        async with open_session(handler, max_response_bytes=1000) as session:
            with pytest.raises(sa.ResponseTooLargeError) as caught:
                await first_page(session)
            assert caught.value.limit == 1000
            assert session.pool_stats().in_flight == 0  # the slot came back

    async def test_error_status_from_the_handler(
        self, open_session: Callable[..., MockedSession]
    ) -> None:
        """An error response the handler builds is the typed ApiError."""
        errors = {"errors": [{"code": "user_not_found", "title": "User not found"}]}
        async with open_session(lambda request: httpx.Response(404, json=errors)) as session:
            with pytest.raises(sa.NotFoundError, match="user_not_found"):
                await first_page(session)

    async def test_connect_error_in_the_handler(
        self, open_session: Callable[..., MockedSession]
    ) -> None:
        """An httpx ConnectError raised by the handler is a request that never left:
        ApiConnectionError, may_have_reached_server False, retried like a real one."""
        calls: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            calls.append(request)
            raise httpx.ConnectError("refused", request=request)

        retry = sa.RetryPolicy(max_retries=2, sleep=_no_wait)
        async with open_session(handler, retry=retry) as session:
            with pytest.raises(sa.ApiConnectionError, match="refused") as caught:
                await first_page(session)
        assert caught.value.may_have_reached_server is False
        assert "event loop" not in str(caught.value)
        assert len(calls) == 3

    async def test_timeout_in_the_handler(self, open_session: Callable[..., MockedSession]) -> None:
        """An httpx ReadTimeout raised by the handler is an ApiTimeoutError."""

        def handler(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("slow", request=request)

        async with open_session(handler, max_retries=0) as session:
            with pytest.raises(sa.ApiTimeoutError) as caught:
                await first_page(session)
        assert caught.value.may_have_reached_server is True

    async def test_bug_in_the_handler_is_not_disguised(
        self, open_session: Callable[..., MockedSession]
    ) -> None:
        """Any other exception is the double's own bug: it comes out as it is, not as a
        network failure to retry, and the session still works afterwards."""
        failing = True

        def handler(request: httpx.Request) -> httpx.Response:
            if failing:
                raise KeyError("no such fixture")
            return api_handler(request)

        async with open_session(handler) as session:
            with pytest.raises(KeyError, match="no such fixture"):
                await first_page(session)
            failing = False
            assert [client.id for client in (await first_page(session)).clients] == ["c1"]

    async def test_runtime_error_without_a_loop_hint(
        self, open_session: Callable[..., MockedSession]
    ) -> None:
        """A RuntimeError that is not about the event loop gets no event-loop hint."""

        def handler(request: httpx.Request) -> httpx.Response:
            raise RuntimeError("the double ran out of answers")

        async with open_session(handler, max_retries=0) as session:
            with pytest.raises(sa.ApiConnectionError, match="ran out of answers") as caught:
                await first_page(session)
        assert "event loop" not in str(caught.value)


async def _async_chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 7):
        yield body[start : start + 7]


def _expected_unmocked() -> str:
    """What "auto" picks with aiohttp installed and nothing mocked."""
    return "aiohttp" if sniffio.current_async_library() == "asyncio" else "h11"


@pytest.mark.with_aiohttp
class TestRespxIsNeverBypassed:
    """With the ``speed`` extra installed, as a user's test suite would have it."""

    @pytest.mark.parametrize("using", ["httpcore", "httpx"])
    async def test_auto_session_is_seen_by_respx(self, using: str) -> None:
        """A default Session opened under respx.mock sends every request to respx, with
        either of respx's mockers; once the mock ends, "auto" picks aiohttp again."""
        page = {"clients": [{"id": "c1"}], "meta": {"hasMore": False}}
        with respx.mock(
            base_url=BASE_URL, using=using, assert_all_called=True, assert_all_mocked=True
        ) as router:
            route = router.get(CLIENTS_PATH).respond(200, json=page)
            async with Session(key_id=KEY_ID, secret=SECRET) as session:
                assert session.transport == "httpcore"
                assert [c.id for c in (await first_page(session)).clients] == ["c1"]
                assert [c.id async for c in clients_of(session).list()] == ["c1"]
        assert route.call_count == 2
        async with Session(key_id=KEY_ID, secret=SECRET) as session:
            assert session.transport == _expected_unmocked()

    async def test_auto_picks_aiohttp_when_nothing_is_mocked(self) -> None:
        """Without a mock in place, a default Session keeps today's fast transport."""
        async with Session(key_id=KEY_ID, secret=SECRET) as session:
            assert session.transport == _expected_unmocked()

    async def test_aiohttp_by_name_under_respx_is_refused(self) -> None:
        """Asking for aiohttp while respx is active fails at open, before any request,
        and the error names neither the secret nor the request."""
        if sniffio.current_async_library() != "asyncio":
            pytest.skip("aiohttp runs on asyncio only")
        with respx.mock(assert_all_called=False, assert_all_mocked=True):
            session = Session(key_id=KEY_ID, secret=SECRET, transport="aiohttp")
            with pytest.raises(sa.InvalidArgumentError, match="respx") as caught:
                await first_page(session)
            await session.aclose()
        assert SECRET not in str(caught.value)

    @pytest.mark.parametrize("using", ["httpcore", "httpx"])
    async def test_session_opened_before_the_mock(self, using: str) -> None:
        """A default Session opened before the mock started (a fixture, say) sends its
        requests under the mock through httpx's transport, which the mock sees."""
        page = {"clients": [], "meta": {"hasMore": False}}
        async with Session(key_id=KEY_ID, secret=SECRET) as session:
            opened_on = session.transport
            assert opened_on == _expected_unmocked()
            with respx.mock(
                base_url=BASE_URL, using=using, assert_all_called=True, assert_all_mocked=True
            ) as router:
                route = router.get(CLIENTS_PATH).respond(200, json=page)
                assert (await first_page(session)).clients == ()
                assert [c.id async for c in clients_of(session).list()] == []
                assert route.call_count == 2
            # the Session's own transport is still the one it reports
            assert session.transport == opened_on

    @pytest.mark.parametrize("using", ["httpcore", "httpx"])
    async def test_own_transport_by_name_opened_before_the_mock(self, using: str) -> None:
        """Asked for by name, h11 is not switched under a later mock: it refuses to send
        rather than go around the mock, and the error names no secret."""
        page = {"clients": [], "meta": {"hasMore": False}}
        async with Session(key_id=KEY_ID, secret=SECRET, transport="h11") as session:
            with respx.mock(
                base_url=BASE_URL, using=using, assert_all_called=False, assert_all_mocked=True
            ) as router:
                route = router.get(CLIENTS_PATH).respond(200, json=page)
                with pytest.raises(
                    sa.InvalidArgumentError, match="open the Session inside"
                ) as caught:
                    await first_page(session)
                assert route.call_count == 0
        assert SECRET not in str(caught.value)

    async def test_any_replaced_transport_method_is_honoured(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A double that replaces httpx's transport method, as pytest-httpx does, is
        used too."""
        seen: list[str] = []

        async def fake_send(
            self: httpx.AsyncHTTPTransport, request: httpx.Request
        ) -> httpx.Response:
            seen.append(request.url.path)
            return httpx.Response(200, json={"clients": [], "meta": {"hasMore": False}})

        monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", fake_send)
        async with Session(key_id=KEY_ID, secret=SECRET) as session:
            assert (await first_page(session)).clients == ()
        assert seen == [CLIENTS_PATH.replace("%40", "@")]


class TestHttpxMocked:
    def test_nothing_mocked(self) -> None:
        """Outside any mock, httpx's own methods are found in place."""
        assert httpx_mocked() is None

    def test_respx_mockers(self) -> None:
        """Each of respx's mockers is found, and only while it is active."""
        with respx.mock(assert_all_called=False):
            assert httpx_mocked() == "transport"
        with respx.mock(using="httpx", assert_all_called=False):
            assert httpx_mocked() == "client"
        assert httpx_mocked() is None

    def test_mock_objects_are_found(self) -> None:
        """A unittest.mock patch of the transport method counts as a mock."""
        with mock.patch.object(httpx.AsyncHTTPTransport, "handle_async_request"):
            assert httpx_mocked() == "transport"

    def test_identity_keeping_wrapper_is_not_a_mock(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A tracing wrapper that keeps the original's name sends for real: "auto" may
        keep aiohttp in production where one is installed."""
        original = httpx.AsyncHTTPTransport.handle_async_request

        @functools.wraps(original)
        async def traced(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
            return await original(self, request)

        monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", traced)
        assert httpx_mocked() is None

    def test_respx_is_never_imported(self) -> None:
        """Looking does not import respx (a production process need not have it)."""
        saved = {name: module for name, module in sys.modules.items() if name == "respx"}
        try:
            sys.modules.pop("respx", None)
            assert httpx_mocked() is None
            assert "respx" not in sys.modules
        finally:
            sys.modules.update(saved)
