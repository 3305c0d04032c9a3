"""Tests for `sunshine_async._session`: lifecycle, headers, errors, retries, cancellation."""

from __future__ import annotations

import base64
import contextlib
import gc
import logging
import pickle
import traceback
from collections.abc import AsyncIterator
from typing import Any

import anyio
import anyio.abc
import anyio.from_thread
import attrs
import httpx
import jwt as pyjwt
import pytest
import respx

import sunshine_async as sa
from sunshine_async import Session
from sunshine_async.types import ClientCreateJSON

from ._loopback import canned_server, http_response, on_loopback
from .conftest import APP_ID, BASE_URL, KEY_ID, SECRET, USER_ID

pytestmark = pytest.mark.anyio

CLIENTS_PATH = f"/v2/apps/{APP_ID}/users/steveb%40example.com/clients"
CLIENT_PATH = f"{CLIENTS_PATH}/5ebee0975ac5304b664a12fa"
CREATE_BODY: ClientCreateJSON = {
    "matchCriteria": {"type": "twilio", "integrationId": "i", "phoneNumber": "+1 212-555-2368"},
    "confirmation": {"type": "immediate"},
    "target": {"conversationId": "c"},
}
NOT_FOUND = {"errors": [{"code": "client_not_found", "title": "Client not found"}]}
BASIC = base64.b64encode(f"{KEY_ID}:{SECRET}".encode()).decode()


class SleepRecorder:
    """Stands in for anyio.sleep: records the delays and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
async def session(sleeps: SleepRecorder) -> AsyncIterator[Session]:
    retry = sa.RetryPolicy(sleep=sleeps, random=lambda: 1.0)
    async with Session(key_id=KEY_ID, secret=SECRET, retry=retry) as s:
        yield s


@pytest.fixture
async def once() -> AsyncIterator[Session]:
    """A session that never retries."""
    async with Session(key_id=KEY_ID, secret=SECRET, max_retries=0) as s:
        yield s


def clients_of(session: Session) -> sa.ClientsResource:
    return session.apps[APP_ID].users[USER_ID].clients


class TestLifecycle:
    async def test_nested_async_with_closes_at_the_outermost(self, api: respx.MockRouter) -> None:
        """Entering again does not close the session under the outer block."""
        api.delete(CLIENT_PATH).respond(200, json={})
        async with Session(key_id=KEY_ID, secret=SECRET) as session:
            async with session as inner:
                assert inner is session
            assert not session.is_closed
            await clients_of(session).remove("5ebee0975ac5304b664a12fa")
        assert session.is_closed

    @pytest.mark.with_aiohttp
    async def test_closes_its_own_transport(
        self, transport: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The session closes the httpx transport (and so the pool) it created."""
        from sunshine_async._h11 import H11Transport

        closed: list[object] = []
        kind: type[httpx.AsyncBaseTransport] = httpx.AsyncHTTPTransport
        if transport == "h11":
            kind = H11Transport
        elif transport == "aiohttp":
            from sunshine_async._aiohttp import AiohttpTransport

            kind = AiohttpTransport
        original = kind.aclose

        async def spy(self: httpx.AsyncBaseTransport) -> None:
            closed.append(self)
            await original(self)

        monkeypatch.setattr(kind, "aclose", spy)
        settings: dict[str, Any] = {"transport": transport}
        async with Session(key_id=KEY_ID, secret=SECRET, **settings) as session:
            carrier = session._carrier
            assert carrier is not None
            assert carrier.kind == transport
            open_inside = not carrier.is_closed
        assert open_inside
        assert carrier.is_closed
        assert closed == [carrier.transport]
        assert session.is_closed

    async def test_never_closes_a_borrowed_client(self) -> None:
        """An http_client passed in stays open after the session ends."""
        async with httpx.AsyncClient() as borrowed:
            async with Session(key_id=KEY_ID, secret=SECRET, http_client=borrowed):
                pass
            assert not borrowed.is_closed

    async def test_closed_session_refuses(self) -> None:
        """A closed session raises SessionClosedError, and cannot be re-entered."""
        session = Session(key_id=KEY_ID, secret=SECRET)
        async with session:
            pass
        with pytest.raises(sa.SessionClosedError, match="closed"):
            await clients_of(session).remove("x")
        with pytest.raises(sa.SessionClosedError):
            async with session:
                pass
        await session.aclose()  # idempotent

    async def test_closed_borrowed_client(self) -> None:
        """A borrowed client closed by its owner gives a clear SessionClosedError."""
        borrowed = httpx.AsyncClient()
        await borrowed.aclose()
        session = Session(key_id=KEY_ID, secret=SECRET, http_client=borrowed)
        with pytest.raises(sa.SessionClosedError, match="http_client"):
            await clients_of(session).remove("x")

    async def test_works_without_async_with(self, api: respx.MockRouter) -> None:
        """A session can be used directly and closed with aclose()."""
        api.delete(CLIENT_PATH).respond(200, json={})
        session = Session(key_id=KEY_ID, secret=SECRET)
        await clients_of(session).remove("5ebee0975ac5304b664a12fa")
        await session.aclose()
        assert session._carrier is not None
        assert session._carrier.is_closed

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"timeout": float("nan")},
            {"timeout": float("inf")},
            {"base_url": "http://api.smooch.io"},
            {"timeout": 0},
            {"timeout": -1},
            {"max_retries": -1},
            {"max_retries": 1.5},
            {"base_url": "api.smooch.io"},
        ],
    )
    async def test_bad_settings(self, kwargs: dict[str, object]) -> None:
        """Bad settings are refused at construction."""
        with pytest.raises(sa.InvalidArgumentError):
            Session(key_id=KEY_ID, secret=SECRET, **kwargs)  # type: ignore[arg-type]

    async def test_http_client_and_transport_conflict(self) -> None:
        """http_client= and transport= together are refused."""
        async with httpx.AsyncClient() as borrowed:
            with pytest.raises(sa.InvalidArgumentError, match="not both"):
                Session(
                    key_id=KEY_ID,
                    secret=SECRET,
                    http_client=borrowed,
                    transport=httpx.MockTransport(lambda r: httpx.Response(200)),
                )

    async def test_closed_between_retries(self, api: respx.MockRouter) -> None:
        """A session closed while a retry waits raises SessionClosedError, sends nothing more."""
        route = api.get(CLIENTS_PATH).respond(503)

        made: list[Session] = []

        async def close_instead_of_waiting(delay: float) -> None:
            await made[0].aclose()

        retry = sa.RetryPolicy(sleep=close_instead_of_waiting)
        made.append(Session(key_id=KEY_ID, secret=SECRET, retry=retry))
        with pytest.raises(sa.SessionClosedError):
            await clients_of(made[0]).pages().__anext__()
        assert route.call_count == 1

    async def test_raw_request_path_cannot_change_host(self, session: Session) -> None:
        """Session.request refuses a path that would send credentials to another host."""
        with respx.mock(assert_all_mocked=True) as router:
            with pytest.raises(sa.InvalidArgumentError, match="path"):
                await session.request("GET", ".evil.example/v2/apps")
            assert not router.calls

    async def test_local_base_url_ignores_proxy_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A proxy from the environment never sees requests (or credentials) for a local server."""
        monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
        monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
        async with Session(key_id=KEY_ID, secret=SECRET, base_url="http://127.0.0.1:9") as local:
            assert local._carrier is not None
            assert local._carrier._client is None  # straight to a transport: no proxy
        async with Session(key_id=KEY_ID, secret=SECRET) as remote:
            assert remote._carrier is not None
            assert remote._carrier._client is not None
            assert remote._carrier._client.trust_env is True

    @pytest.mark.parametrize(
        "url",
        [
            "https://app_k:TOPSECRET@api.smooch.io:99999",
            "https://app_k:TOPSECRET@api.smooch.io/?x=1",
            "htps://app_k:TOPSECRET@api.smooch.io",
        ],
    )
    async def test_base_url_credentials_never_quoted(self, url: str) -> None:
        """A base URL holding credentials is refused without repeating them."""
        with pytest.raises(sa.InvalidArgumentError, match="credentials") as info:
            Session(key_id=KEY_ID, secret=SECRET, base_url=url)
        assert "TOPSECRET" not in str(info.value)

    def test_errors_pickle(self) -> None:
        """Errors survive pickling (process pools, task queues), attributes and all."""
        info = sa.RequestInfo(method="GET", url="https://api.smooch.io/v2/x")
        errors: list[sa.ApiError | sa.ApiConnectionError] = [
            sa.RateLimitError(
                "429 x",
                status_code=429,
                headers=httpx.Headers({"a": "1"}),
                request=info,
                retry_after=3.0,
            ),
            sa.NotFoundError("404 x", status_code=404, headers=httpx.Headers(), request=info),
            sa.ApiTimeoutError("slow", request=info),
        ]
        for error in errors:
            copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
            assert type(copy) is type(error)
            assert str(copy) == str(error)
            assert copy.request == info
        assert pickle.loads(pickle.dumps(errors[0])).retry_after == 3.0  # noqa: S301


async def test_runtime_error_from_the_pool_is_a_sunshine_error() -> None:
    """A pool tied to a dead event loop ("Event loop is closed") gives ApiConnectionError."""

    class DeadLoop(httpx.AsyncBaseTransport):
        calls = 0

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            DeadLoop.calls += 1
            raise RuntimeError("Event loop is closed")

    async with Session(key_id=KEY_ID, secret=SECRET, transport=DeadLoop()) as session:
        with pytest.raises(sa.ApiConnectionError, match="one event loop") as info:
            await clients_of(session).pages().__anext__()
    assert isinstance(info.value.__cause__, RuntimeError)
    assert DeadLoop.calls == 1  # not retried: it cannot get better


class TestHeaders:
    async def test_basic_auth_and_user_agent(self, api: respx.MockRouter, session: Session) -> None:
        """Requests carry basic auth, the SDK's User-Agent and Accept: application/json."""
        route = api.delete(CLIENT_PATH).respond(200, json={})
        await clients_of(session).remove("5ebee0975ac5304b664a12fa")
        headers = route.calls.last.request.headers
        assert headers["authorization"] == f"Basic {BASIC}"
        assert headers["user-agent"] == f"sunshine-async/{sa.__version__}"
        assert headers["accept"] == "application/json"

    async def test_given_jwt(self, api: respx.MockRouter) -> None:
        """A given JWT is sent as Bearer."""
        route = api.delete(CLIENT_PATH).respond(200, json={})
        async with Session(jwt="header.payload.sig") as session:
            await clients_of(session).remove("5ebee0975ac5304b664a12fa")
        assert route.calls.last.request.headers["authorization"] == "Bearer header.payload.sig"

    async def test_minted_jwt(self, api: respx.MockRouter) -> None:
        """use_jwt=True sends an HS256 token signed with the secret, kid and scope set."""
        route = api.delete(CLIENT_PATH).respond(200, json={})
        async with Session(key_id=KEY_ID, secret=SECRET, use_jwt=True, scope="app") as session:
            await clients_of(session).remove("5ebee0975ac5304b664a12fa")
        token = route.calls.last.request.headers["authorization"].removeprefix("Bearer ")
        assert pyjwt.get_unverified_header(token)["kid"] == KEY_ID
        assert pyjwt.decode(token, SECRET, algorithms=["HS256"])["scope"] == "app"

    async def test_base_url_prefix(self) -> None:
        """A Zendesk base URL keeps its /sc prefix before /v2."""
        with respx.mock(assert_all_mocked=True) as router:
            route = router.delete(f"https://acme.zendesk.com/sc{CLIENT_PATH}").respond(200, json={})
            async with Session(
                key_id=KEY_ID, secret=SECRET, base_url="https://acme.zendesk.com/sc/"
            ) as session:
                await clients_of(session).remove("5ebee0975ac5304b664a12fa")
            assert route.called

    async def test_borrowed_client_headers_untouched(self, api: respx.MockRouter) -> None:
        """The session adds its headers per request and leaves a borrowed client unchanged."""
        route = api.delete(CLIENT_PATH).respond(200, json={})
        async with httpx.AsyncClient(headers={"X-Team": "ops"}) as borrowed:
            async with Session(key_id=KEY_ID, secret=SECRET, http_client=borrowed) as session:
                await clients_of(session).remove("5ebee0975ac5304b664a12fa")
            assert "authorization" not in borrowed.headers
        assert route.calls.last.request.headers["x-team"] == "ops"

    async def test_minted_jwt_renewed_across_requests(self, api: respx.MockRouter) -> None:
        """A session reuses its minted token, then sends a fresh one near expiry."""
        route = api.delete(CLIENT_PATH).respond(200, json={})
        now = [1_800_000_000.0]
        async with Session(key_id=KEY_ID, secret=SECRET, use_jwt=True) as session:
            session._credentials._clock = lambda: now[0]  # type: ignore[attr-defined]
            for advance in (0, 100, 500):
                now[0] += advance
                await clients_of(session).remove("5ebee0975ac5304b664a12fa")
        tokens = [c.request.headers["authorization"] for c in route.calls]
        assert tokens[0] == tokens[1]
        assert tokens[2] != tokens[1]
        claims = pyjwt.decode(
            tokens[2].removeprefix("Bearer "),
            SECRET,
            algorithms=["HS256"],
            options={"verify_exp": False},
        )
        assert claims["exp"] == 1_800_000_600 + 600


class TestErrors:
    @pytest.mark.parametrize(
        ("status", "cls"),
        [
            (400, sa.BadRequestError),
            (401, sa.AuthenticationError),
            (403, sa.PermissionDeniedError),
            (404, sa.NotFoundError),
            (409, sa.ConflictError),
        ],
    )
    async def test_status_mapping(
        self, api: respx.MockRouter, session: Session, status: int, cls: type[sa.ApiError]
    ) -> None:
        """Each documented status raises its exception, all under ApiError/SunshineError."""
        api.delete(CLIENT_PATH).respond(status, json={"errors": [{"code": "c", "title": "t"}]})
        with pytest.raises(cls) as info:
            await clients_of(session).remove("5ebee0975ac5304b664a12fa")
        assert isinstance(info.value, sa.ApiError)
        assert isinstance(info.value, sa.SunshineError)
        assert info.value.status_code == status
        assert info.value.request.method == "DELETE"
        assert info.value.request.url == BASE_URL + CLIENT_PATH

    async def test_html_502(self, api: respx.MockRouter) -> None:
        """An HTML 502 page from a proxy still gives a ServerError."""
        api.get(CLIENTS_PATH).respond(502, html="<html><h1>Bad Gateway</h1></html>")
        async with Session(key_id=KEY_ID, secret=SECRET, max_retries=0) as session:
            with pytest.raises(sa.ServerError, match="502 Bad Gateway"):
                await clients_of(session).list().__anext__()

    async def test_success_that_is_not_json(self, api: respx.MockRouter, session: Session) -> None:
        """A 200 whose body is not a JSON object: ResponseValidationError, not retried."""
        route = api.get(CLIENTS_PATH).respond(200, text="OK")
        with pytest.raises(sa.ResponseValidationError, match="not a JSON object") as caught:
            await clients_of(session).list().__anext__()
        assert caught.value.body == b"OK"
        assert route.call_count == 1

    async def test_connection_error(self, api: respx.MockRouter, once: Session) -> None:
        """A transport error becomes ApiConnectionError with the original as __cause__."""
        api.get(CLIENTS_PATH).mock(side_effect=httpx.ConnectError("refused"))
        with pytest.raises(sa.ApiConnectionError) as info:
            await clients_of(once).list().__anext__()
        assert isinstance(info.value.__cause__, httpx.ConnectError)
        assert not isinstance(info.value, sa.ApiTimeoutError)

    async def test_httpx_timeout(self, api: respx.MockRouter, once: Session) -> None:
        """An httpx timeout becomes ApiTimeoutError (an ApiConnectionError)."""
        api.get(CLIENTS_PATH).mock(side_effect=httpx.ReadTimeout("slow"))
        with pytest.raises(sa.ApiTimeoutError) as info:
            await clients_of(once).list().__anext__()
        assert isinstance(info.value.__cause__, httpx.ReadTimeout)

    async def test_deadline_bounds_each_attempt(self) -> None:
        """A server that never answers is cut off at `timeout`; the call never hangs."""

        class Silent(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                await anyio.sleep_forever()
                raise AssertionError("unreachable")

        async with Session(
            key_id=KEY_ID, secret=SECRET, transport=Silent(), timeout=0.05, max_retries=0
        ) as session:
            with anyio.fail_after(5):
                with pytest.raises(sa.ApiTimeoutError, match=r"no response within 0\.05s"):
                    await clients_of(session).remove("x")


class TestMayHaveReachedServer:
    def test_every_error_has_it(self) -> None:
        """Each exception class answers may_have_reached_server, without getattr."""
        assert sa.SunshineError("x").may_have_reached_server is False
        assert sa.InvalidArgumentError("x").may_have_reached_server is False
        assert sa.WebhookParseError("x").may_have_reached_server is False
        assert sa.WrongEventLoopError("x").may_have_reached_server is False
        assert sa.SessionClosedError("x").may_have_reached_server is False
        assert sa.PaginationError("x").may_have_reached_server is True
        info = sa.RequestInfo(method="GET", url=BASE_URL + "/v2/apps")
        too_large = sa.ResponseTooLargeError("x", status_code=200, limit=1, request=info)
        assert too_large.may_have_reached_server is True

    async def test_invalid_argument_was_not_sent(self, session: Session) -> None:
        """An argument refused before sending: False."""
        with pytest.raises(sa.InvalidArgumentError) as caught:
            await clients_of(session).remove("")
        assert caught.value.may_have_reached_server is False

    @pytest.mark.parametrize("status", [400, 404, 429, 503])
    async def test_every_api_answer_reached_it(
        self, api: respx.MockRouter, once: Session, status: int
    ) -> None:
        """An ApiError of any status: True."""
        api.delete(CLIENT_PATH).respond(status, json=NOT_FOUND)
        with pytest.raises(sa.ApiError) as caught:
            await clients_of(once).remove("5ebee0975ac5304b664a12fa")
        assert caught.value.may_have_reached_server is True

    async def test_a_body_that_does_not_decode_reached_it(
        self, api: respx.MockRouter, once: Session
    ) -> None:
        """A success that does not decode: True (the request did succeed)."""
        api.get(CLIENTS_PATH).respond(200, text="OK")
        with pytest.raises(sa.ResponseValidationError) as caught:
            await clients_of(once).list().__anext__()
        assert caught.value.may_have_reached_server is True

    async def test_closed_session_never_sent(self) -> None:
        """A request on a closed Session: SessionClosedError with False."""
        session = Session(key_id=KEY_ID, secret=SECRET)
        await session.aclose()
        with pytest.raises(sa.SessionClosedError) as caught:
            await clients_of(session).remove("x")
        assert caught.value.may_have_reached_server is False

    async def test_pool_timeout_never_sent(self) -> None:
        """No slot came free in time: PoolTimeoutError with False."""
        release = anyio.Event()

        class Held(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                await release.wait()
                return httpx.Response(200, json={})

        async with (
            Session(
                key_id=KEY_ID,
                secret=SECRET,
                transport=Held(),
                max_connections=1,
                pool_timeout=0.01,
                max_retries=0,
            ) as session,
            anyio.create_task_group() as tg,
        ):
            tg.start_soon(clients_of(session).remove, "a")
            await anyio.wait_all_tasks_blocked()
            with pytest.raises(sa.PoolTimeoutError) as caught:
                await clients_of(session).remove("b")
            release.set()
        assert caught.value.may_have_reached_server is False


class TestSecrets:
    async def test_not_in_errors_reprs_or_logs(
        self, api: respx.MockRouter, session: Session, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Neither the secret nor the auth header shows in errors, reprs or logs."""
        caplog.set_level(logging.DEBUG)
        api.delete(CLIENT_PATH).respond(
            401, json={"errors": [{"code": "unauthorized", "title": "Unauthorized"}]}
        )
        with pytest.raises(sa.AuthenticationError) as info:
            await clients_of(session).remove("5ebee0975ac5304b664a12fa")
        error = info.value
        texts = [
            str(error),
            repr(error),
            repr(error.request),
            repr(error.headers),
            repr(session),
            repr(clients_of(session)),
            caplog.text,
        ]
        for text in texts:
            assert SECRET not in text
            assert BASIC not in text
        assert not hasattr(error.request, "headers")

    async def test_minted_token_not_logged(
        self, api: respx.MockRouter, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A minted JWT appears in no log line or repr."""
        caplog.set_level(logging.DEBUG)
        route = api.delete(CLIENT_PATH).respond(200, json={})
        async with Session(key_id=KEY_ID, secret=SECRET, use_jwt=True) as session:
            await clients_of(session).remove("5ebee0975ac5304b664a12fa")
            token = route.calls.last.request.headers["authorization"].split()[1]
            assert token not in repr(session)
        assert token not in caplog.text
        assert SECRET not in caplog.text

    async def test_transport_error_text_is_scrubbed(
        self, api: respx.MockRouter, session: Session
    ) -> None:
        """An httpx error that quotes the auth header is scrubbed, cause and traceback too."""
        route = api.get(CLIENTS_PATH).mock(
            side_effect=httpx.LocalProtocolError(f"Illegal header value b'Basic {BASIC}\\n'")
        )
        with pytest.raises(sa.ApiConnectionError) as info:
            await clients_of(session).pages().__anext__()
        rendered = "".join(traceback.format_exception(info.value))
        assert "[secure]" in str(info.value)
        assert BASIC not in rendered
        assert SECRET not in rendered
        assert route.call_count == 1  # resending an illegal request cannot help

    async def test_decoding_error(
        self, api: respx.MockRouter, session: Session, once: Session
    ) -> None:
        """A corrupt compressed body becomes ApiConnectionError (and GET retries it)."""
        route = api.get(CLIENTS_PATH).mock(
            side_effect=[httpx.DecodingError("bad gzip"), httpx.Response(200, json={})]
        )
        await clients_of(session).pages().__anext__()
        assert route.call_count == 2
        api.get(CLIENT_PATH).mock(side_effect=httpx.DecodingError("bad gzip"))
        with pytest.raises(sa.ApiConnectionError, match="DecodingError"):
            await once.request("GET", CLIENT_PATH)


class TestRetryPolicy:
    def test_delays(self) -> None:
        policy = sa.RetryPolicy(
            max_retries=3, backoff_base=1.0, backoff_cap=3.0, random=lambda: 1.0
        )
        assert [policy.delay(n, None) for n in range(4)] == [1.0, 2.0, 3.0, None]
        assert policy.delay(0, 5.0) == 5.0
        assert sa.RetryPolicy(retry_after_cap=4.0).delay(0, 5.0) is None
        assert sa.RetryPolicy(random=lambda: 0.0).delay(1, None) == 0.5

    @pytest.mark.parametrize(
        "settings",
        [
            {"max_retries": -1},
            {"max_retries": True},
            {"backoff_base": float("inf")},
            {"retry_after_cap": -1},
            {"sleep": 5},
        ],
    )
    def test_refused(self, settings: dict[str, object]) -> None:
        with pytest.raises(sa.InvalidArgumentError, match="RetryPolicy"):
            sa.RetryPolicy(**settings)  # type: ignore[arg-type]

    def test_max_retries_or_retry(self) -> None:
        with pytest.raises(sa.InvalidArgumentError, match="not both"):
            Session(key_id=KEY_ID, secret=SECRET, max_retries=1, retry=sa.RetryPolicy())
        with pytest.raises(sa.InvalidArgumentError, match="RetryPolicy"):
            Session(key_id=KEY_ID, secret=SECRET, retry=3)  # type: ignore[arg-type]


class TestRetries:
    async def test_get_retries_5xx(
        self, api: respx.MockRouter, session: Session, sleeps: SleepRecorder
    ) -> None:
        """GET retries 5xx with growing backoff, then succeeds."""
        route = api.get(CLIENTS_PATH).mock(
            side_effect=[httpx.Response(503), httpx.Response(500), httpx.Response(200, json={})]
        )
        assert [c async for c in clients_of(session).list()] == []
        assert route.call_count == 3
        assert sleeps.delays == [0.5, 1.0]

    async def test_gives_up_after_max_retries(
        self, api: respx.MockRouter, session: Session, sleeps: SleepRecorder
    ) -> None:
        """Two retries by default: three attempts, then the error."""
        route = api.get(CLIENTS_PATH).respond(503)
        with pytest.raises(sa.ServerError):
            await clients_of(session).list().__anext__()
        assert route.call_count == 3
        assert len(sleeps.delays) == 2

    @pytest.mark.parametrize("retries", [0, 1, 4])
    async def test_max_retries_setting(self, api: respx.MockRouter, retries: int) -> None:
        """max_retries sets the number of retries; 0 disables them."""
        route = api.get(CLIENTS_PATH).respond(503)
        retry = sa.RetryPolicy(max_retries=retries, sleep=SleepRecorder())
        async with Session(key_id=KEY_ID, secret=SECRET, retry=retry) as session:
            with pytest.raises(sa.ServerError):
                await clients_of(session).list().__anext__()
        assert route.call_count == retries + 1

    @pytest.mark.parametrize(
        "failure",
        [
            httpx.ReadError("reset"),
            httpx.ReadTimeout("slow"),
            httpx.RemoteProtocolError("eof"),
            httpx.ConnectError("refused"),
        ],
    )
    async def test_get_and_delete_retry_transport_errors(
        self, api: respx.MockRouter, session: Session, failure: Exception
    ) -> None:
        """GET and DELETE retry timeouts and broken connections."""
        get = api.get(CLIENTS_PATH).mock(side_effect=[failure, httpx.Response(200, json={})])
        delete = api.delete(CLIENT_PATH).mock(side_effect=[failure, httpx.Response(200, json={})])
        assert [c async for c in clients_of(session).list()] == []
        await clients_of(session).remove("5ebee0975ac5304b664a12fa")
        assert get.call_count == 2
        assert delete.call_count == 2

    @pytest.mark.parametrize(
        "outcome",
        [
            httpx.Response(500),
            httpx.Response(503),
            httpx.ReadTimeout("slow"),
            httpx.ReadError("reset"),
            httpx.RemoteProtocolError("eof"),
        ],
    )
    async def test_post_not_retried_when_it_may_have_arrived(
        self, api: respx.MockRouter, session: Session, outcome: httpx.Response | Exception
    ) -> None:
        """A create is never resent once it may have reached the server (no duplicates)."""
        route = api.post(CLIENTS_PATH).mock(side_effect=[outcome])
        with pytest.raises(sa.SunshineError):
            await clients_of(session).create(CREATE_BODY)
        assert route.call_count == 1

    @pytest.mark.parametrize(
        "outcome",
        [
            httpx.Response(429),
            httpx.ConnectError("refused"),
            httpx.ConnectTimeout("slow"),
            httpx.PoolTimeout("busy"),
        ],
    )
    async def test_post_retried_when_it_never_arrived(
        self, api: respx.MockRouter, session: Session, outcome: httpx.Response | Exception
    ) -> None:
        """A create is resent on 429 and when the request never left."""
        route = api.post(CLIENTS_PATH).mock(
            side_effect=[outcome, httpx.Response(201, json={"client": {"id": "x"}})]
        )
        client = await clients_of(session).create(CREATE_BODY)
        assert client.id == "x"
        assert route.call_count == 2

    async def test_retry_after_seconds(
        self, api: respx.MockRouter, session: Session, sleeps: SleepRecorder
    ) -> None:
        """Retry-After (seconds) replaces the backoff delay."""
        api.get(CLIENTS_PATH).mock(
            side_effect=[
                httpx.Response(429, headers={"Retry-After": "7"}),
                httpx.Response(200, json={}),
            ]
        )
        await clients_of(session).pages().__anext__()
        assert sleeps.delays == [7.0]

    async def test_retry_after_date(
        self, api: respx.MockRouter, session: Session, sleeps: SleepRecorder
    ) -> None:
        """Retry-After as an HTTP date in the past means retry at once."""
        api.get(CLIENTS_PATH).mock(
            side_effect=[
                httpx.Response(503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
                httpx.Response(200, json={}),
            ]
        )
        await clients_of(session).pages().__anext__()
        assert sleeps.delays == [0.0]

    async def test_retry_after_over_cap(
        self, api: respx.MockRouter, session: Session, sleeps: SleepRecorder
    ) -> None:
        """A Retry-After over the cap is not waited out: the caller gets RateLimitError."""
        route = api.get(CLIENTS_PATH).respond(429, headers={"Retry-After": "3600"})
        with pytest.raises(sa.RateLimitError) as info:
            await clients_of(session).pages().__anext__()
        assert info.value.retry_after == 3600.0
        assert route.call_count == 1
        assert sleeps.delays == []

    async def test_retried_delete_that_finds_nothing_succeeded(
        self, api: respx.MockRouter, session: Session
    ) -> None:
        """DELETE that timed out, then gets client_not_found, counts as removed."""
        route = api.delete(CLIENT_PATH).mock(
            side_effect=[httpx.ReadTimeout("slow"), httpx.Response(404, json=NOT_FOUND)]
        )
        await clients_of(session).remove("5ebee0975ac5304b664a12fa")
        assert route.call_count == 2

    async def test_delete_404_after_429_is_an_error(
        self, api: respx.MockRouter, session: Session
    ) -> None:
        """A 429 never reached the client, so a 404 on the retry is a real NotFoundError."""
        route = api.delete(CLIENT_PATH).mock(
            side_effect=[httpx.Response(429), httpx.Response(404, json=NOT_FOUND)]
        )
        with pytest.raises(sa.NotFoundError):
            await clients_of(session).remove("5ebee0975ac5304b664a12fa")
        assert route.call_count == 2

    async def test_first_delete_404_is_an_error(
        self, api: respx.MockRouter, session: Session
    ) -> None:
        """A DELETE that gets 404 on its first attempt raises NotFoundError."""
        api.delete(CLIENT_PATH).respond(404, json=NOT_FOUND)
        with pytest.raises(sa.NotFoundError):
            await clients_of(session).remove("5ebee0975ac5304b664a12fa")


class TestCancellation:
    async def test_cancel_during_request(self) -> None:
        """Cancelling a request in flight propagates; nothing swallows it."""
        started = anyio.Event()

        class Hang(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                started.set()
                await anyio.sleep_forever()
                raise AssertionError("unreachable")

        reached_after = False
        session = Session(key_id=KEY_ID, secret=SECRET, transport=Hang())

        async def call() -> None:
            nonlocal reached_after
            await clients_of(session).remove("x")
            reached_after = True

        async with session, anyio.create_task_group() as tg:
            tg.start_soon(call)
            await started.wait()
            tg.cancel_scope.cancel()
        assert not reached_after
        assert session.is_closed

    async def test_cancel_during_backoff(self, api: respx.MockRouter) -> None:
        """Cancelling while the retry loop waits propagates, and no retry is sent."""
        route = api.get(CLIENTS_PATH).respond(503)
        waiting = anyio.Event()

        async def slow_sleep(delay: float) -> None:
            waiting.set()
            await anyio.sleep_forever()

        retry = sa.RetryPolicy(sleep=slow_sleep)
        async with Session(key_id=KEY_ID, secret=SECRET, retry=retry) as session:
            with anyio.CancelScope() as scope:
                async with anyio.create_task_group() as tg:
                    tg.start_soon(clients_of(session).pages().__anext__)
                    await waiting.wait()
                    scope.cancel()
            assert scope.cancelled_caught
        assert route.call_count == 1


@attrs.define
class SilentServer:
    """Accepts connections on 127.0.0.1 and reads what arrives, never answering."""

    url: str = ""
    #: Set once ``expected`` requests have arrived, each on its own connection.
    arrived: anyio.Event = attrs.field(factory=anyio.Event)
    #: Set when every connection accepted so far has been closed by the client.
    all_closed: anyio.Event = attrs.field(factory=anyio.Event)
    expected: int = 0
    requests: int = 0
    open_connections: int = 0

    async def handle(self, stream: anyio.abc.SocketStream) -> None:
        self.open_connections += 1
        async with stream:
            counted = False
            with contextlib.suppress(anyio.EndOfStream, anyio.BrokenResourceError, OSError):
                for _ in range(10_000):  # bounded: the client hangs up long before
                    await stream.receive()
                    if not counted:
                        counted = True
                        self.requests += 1
                        if self.requests == self.expected:
                            self.arrived.set()
        self.open_connections -= 1
        if not self.open_connections:
            self.all_closed.set()


@contextlib.asynccontextmanager
async def silent_server(expected: int) -> AsyncIterator[SilentServer]:
    server = SilentServer(expected=expected)
    async with on_loopback(server.handle) as server.url:
        yield server


@pytest.mark.with_aiohttp
class TestClose:
    async def test_aclose_ends_requests_in_flight(self, transport: str) -> None:
        """50 requests to a server that never answers: aclose() ends every one with
        SessionClosedError at once (not at the 60 s deadline), and gives back every slot."""
        async with silent_server(expected=20) as server:
            session = Session(
                key_id=KEY_ID,
                secret=SECRET,
                base_url=server.url,
                transport=transport,  # type: ignore[arg-type]
                max_connections=20,
            )
            await self._close_under_50_requests(session, server)

    async def test_aclose_ends_requests_through_a_given_client(self) -> None:
        """The same through an http_client the caller gave, which stays open."""
        async with silent_server(expected=20) as server, httpx.AsyncClient() as client:
            session = Session(key_id=KEY_ID, secret=SECRET, base_url=server.url, http_client=client)
            await self._close_under_50_requests(session, server)
            assert not client.is_closed

    @staticmethod
    async def _close_under_50_requests(session: Session, server: SilentServer) -> None:
        closed: list[sa.SessionClosedError] = []

        async def call() -> None:
            with pytest.raises(sa.SessionClosedError) as caught:
                await clients_of(session).pages().__anext__()
            closed.append(caught.value)

        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                for _ in range(50):
                    tg.start_soon(call)
                await server.arrived.wait()  # 20 sent, 30 waiting for a slot
                await session.aclose()
            await server.all_closed.wait()  # no connection is left open
        assert len(closed) == 50
        assert sum("may have reached the server" in str(error) for error in closed) == 20
        assert sum("it was not sent" in str(error) for error in closed) == 30
        assert all(SECRET not in str(error) for error in closed)
        assert session._slots is not None
        assert session._slots.value == 20

    async def test_aclose_ends_a_wait_between_retries(self, api: respx.MockRouter) -> None:
        """A request waiting to retry ends with SessionClosedError; no retry is sent."""
        route = api.get(CLIENTS_PATH).respond(503)
        waiting = anyio.Event()

        async def slow_sleep(delay: float) -> None:
            waiting.set()
            await anyio.sleep_forever()

        session = Session(key_id=KEY_ID, secret=SECRET, retry=sa.RetryPolicy(sleep=slow_sleep))
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:

                async def call() -> None:
                    with pytest.raises(sa.SessionClosedError, match="may have reached"):
                        await clients_of(session).pages().__anext__()

                tg.start_soon(call)
                await waiting.wait()
                await session.aclose()
        assert route.call_count == 1

    async def test_outer_cancellation_is_not_swallowed(self) -> None:
        """Cancelled from outside while aclose() ends it, a request is cancelled: no
        SessionClosedError takes the cancellation's place."""
        started = anyio.Event()

        class Hang(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                started.set()
                await anyio.sleep_forever()
                raise AssertionError("unreachable")

        session = Session(key_id=KEY_ID, secret=SECRET, transport=Hang())
        outcomes: list[str] = []

        async def call() -> None:
            try:
                await clients_of(session).remove("x")
            except sa.SessionClosedError:
                outcomes.append("closed")
            except anyio.get_cancelled_exc_class():
                outcomes.append("cancelled")
                raise

        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(call)
                await started.wait()
                tg.cancel_scope.cancel()
                await session.aclose()
        assert outcomes == ["cancelled"]


@pytest.mark.with_aiohttp
class TestEventLoops:
    @pytest.mark.parametrize("close", [True, False], ids=["closed", "left-open"])
    @pytest.mark.parametrize("transport", ["aiohttp", "httpcore"])
    def test_a_second_event_loop_is_refused(self, transport: str, close: bool) -> None:
        """A Session used in a second anyio.run raises WrongEventLoopError, sends nothing,
        and leaves no unclosed client session, connector or socket behind (filterwarnings
        is error, so any ResourceWarning at collection fails the test)."""
        body = b'{"app": {"id": "5d8cff3cd55b040010928b5b"}}'
        with (
            anyio.from_thread.start_blocking_portal() as portal,
            portal.wrap_async_context_manager(canned_server(http_response(body))) as server,
        ):
            _use_in_three_loops(server.url, transport, close=close)
            assert server.requests == 1
        gc.collect()  # the Session is gone: its connections must have been let go

    def test_a_session_keeps_working_in_its_own_loop(self) -> None:
        """Two requests in the same loop, opened by the first, are not refused."""

        def answer(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={"app": {"id": APP_ID}})

        async def main() -> None:
            async with Session(
                key_id=KEY_ID, secret=SECRET, transport=httpx.MockTransport(answer)
            ) as session:
                await session.apps.get(APP_ID)
                await session.apps.get(APP_ID)

        anyio.run(main)


def _use_in_three_loops(url: str, transport: str, *, close: bool) -> None:
    """Open a Session in one event loop, then use it (and maybe close it) in others."""
    session = Session(
        key_id=KEY_ID,
        secret=SECRET,
        base_url=url,
        transport=transport,  # type: ignore[arg-type]
    )

    async def use() -> None:
        await session.apps.get(APP_ID)

    anyio.run(use)
    with pytest.raises(sa.WrongEventLoopError, match="another event loop") as caught:
        anyio.run(use, backend="trio")
    assert caught.value.may_have_reached_server is False
    with pytest.raises(sa.WrongEventLoopError):
        anyio.run(use)
    if close:
        anyio.run(session.aclose)
        assert session.is_closed


@pytest.mark.with_aiohttp
class TestPerCallTimeout:
    async def test_a_call_timeout_ends_the_attempt_on_every_transport(self, transport: str) -> None:
        """A call's own short timeout cuts off a silent server on httpcore and aiohttp,
        though the Session allows a minute."""
        async with (
            silent_server(expected=1) as server,
            Session(
                key_id=KEY_ID,
                secret=SECRET,
                base_url=server.url,
                transport=transport,  # type: ignore[arg-type]
                timeout=60.0,
                max_retries=0,
            ) as session,
        ):
            with anyio.fail_after(10), pytest.raises(sa.ApiTimeoutError, match=r"0\.2s"):
                await session.apps.get(APP_ID, options=sa.RequestOptions(timeout=0.2))
            assert session.transport == transport
