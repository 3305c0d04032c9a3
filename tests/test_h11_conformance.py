"""The SDK's own HTTP/1.1 transport (``transport="h11"``) against a real HTTPS server.

uvicorn serves, on 127.0.0.1 in a background thread, the fake with a few raw ASGI
routes in front of it (for answers the fake never gives: chunked, gzip), over TLS with
the certificate in tests/data/tls. The Session trusts that test CA only because each
test swaps the SDK's TLS context for one that does; verification itself stays on.

What the server saw is recorded from its thread: every TLS handshake (with the name
the client sent for SNI), every request's client port, and every kept-alive connection
it closed for being idle. That is what tells one connection from several, and a stale
connection from a fresh one, without looking inside the transport.
"""

from __future__ import annotations

import gzip
import json
import ssl
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio
import attrs
import pytest
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

import sunshine_async as sa
from sunshine_async import Session
from sunshine_async._transport import _tls_context
from sunshine_async.testing import FakeSunshine
from sunshine_async.testing._server import ServerThread, _server_class
from sunshine_async.types import ClientCreateJSON

from ._loopback import ASGIApp

pytestmark = pytest.mark.anyio

TLS = Path(__file__).parent / "data" / "tls"
APP = "5d8cff3cd55b040010928b5b"
USER = "user-1"
INTEGRATION = "582dedf230e788746891281a"
CONVERSATION = "029c31f25a21b47effd7be90"
#: Upper bound on any wait for the server thread; a healthy run needs milliseconds.
PATIENCE = 5.0

#: A JSON object big enough to span several TLS records and socket reads.
PAYLOAD: dict[str, Any] = {
    "items": [{"index": index, "text": f"item {index} " + "x" * 97} for index in range(1500)]
}
PAYLOAD_BYTES = json.dumps(PAYLOAD).encode()


def pieces(data: bytes) -> list[bytes]:
    """``data`` cut at uneven places (a single byte, a chunk-size line's worth, a piece
    longer than one TLS record) so that chunk frames and reads never line up."""
    cuts = [1, 7, 16_387, 1, 40_000, 3]
    out: list[bytes] = []
    start = 0
    for size in cuts:
        if start >= len(data):
            break
        out.append(data[start : start + size])
        start += size
    if start < len(data):
        out.append(data[start:])
    return out


def create_body(index: int) -> ClientCreateJSON:
    return {
        "matchCriteria": {
            "type": "whatsapp",
            "integrationId": INTEGRATION,
            "phoneNumber": f"+1514{index:07d}",
        },
        "confirmation": {"type": "immediate"},
        "target": {"conversationId": CONVERSATION},
    }


async def no_wait(seconds: float) -> None:
    """Retry backoff costs no time here."""


@attrs.define(eq=False)
class Seen:
    """What the HTTPS server saw. Written from the server's thread only; each field is
    appended to (atomic under the GIL) or is an Event, so the test thread can read them."""

    url: str = ""
    #: The SNI name of each TLS handshake the server took part in (None: none sent).
    handshakes: list[str | None] = attrs.field(factory=list)
    #: (client port, path, accept-encoding) of each request, in arrival order.
    requests: list[tuple[int, str, str]] = attrs.field(factory=list)
    #: Set once the server has closed a kept-alive connection for being idle.
    idle_closed: threading.Event = attrs.field(factory=threading.Event)
    #: The protocol each TLS connection agreed on by ALPN (None: the client offered none).
    alpn: list[str | None] = attrs.field(factory=list)

    @property
    def ports(self) -> list[int]:
        return [port for port, _, _ in self.requests]


def recording_protocol(seen: Seen) -> type[H11Protocol]:
    """uvicorn's h11 protocol, telling ``seen`` when it drops an idle connection.

    The event is set after uvicorn's handler returns: by then the TLS close_notify has
    been written to the socket, so the client can see it the moment the test wakes up.
    """

    class Recording(H11Protocol):
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            ssl_object = transport.get_extra_info("ssl_object")
            if ssl_object is not None:
                seen.alpn.append(ssl_object.selected_alpn_protocol())

        def timeout_keep_alive_handler(self) -> None:
            super().timeout_keep_alive_handler()
            seen.idle_closed.set()

    return Recording


async def chunked_answer(send: Any, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    # no content-length and several body messages: uvicorn frames it as chunked
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    for piece in pieces(body):
        await send({"type": "http.response.body", "body": piece, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


@attrs.define(eq=False)
class Routes:
    """The fake, with a few raw answers in front of it; records every request."""

    fake: ASGIApp
    seen: Seen

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.fake(scope, receive, send)
            return
        headers = dict(scope["headers"])
        self.seen.requests.append(
            (scope["client"][1], scope["path"], headers.get(b"accept-encoding", b"").decode())
        )
        json_type = (b"content-type", b"application/json")
        squeezed = gzip.compress(PAYLOAD_BYTES, mtime=0)
        if scope["path"] == "/v2/raw/chunked":
            await chunked_answer(send, PAYLOAD_BYTES, [json_type])
        elif scope["path"] == "/v2/raw/gzip":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        json_type,
                        (b"content-encoding", b"gzip"),
                        (b"content-length", str(len(squeezed)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": squeezed})
        elif scope["path"] == "/v2/raw/gzip-chunked":
            await chunked_answer(send, squeezed, [json_type, (b"content-encoding", b"gzip")])
        else:
            await self.fake(scope, receive, send)


@contextmanager
def serve_tls(fake: FakeSunshine, *, keep_alive: int = 5) -> Iterator[Seen]:
    """Serve ``fake`` (behind `Routes`) over HTTPS on 127.0.0.1 for the block.

    `ServerThread` brings the bound socket, the thread, the courier and the quick stop;
    only its uvicorn server is swapped for one with TLS, the recording protocol and
    ``keep_alive`` (uvicorn's idle timeout, in seconds), which ``serve_in_thread`` does
    not take.
    """
    seen = Seen()
    config = uvicorn.Config(
        Routes(fake, seen),
        interface="asgi3",
        lifespan="off",
        ws="none",
        http=recording_protocol(seen),
        log_level="warning",
        access_log=False,
        log_config=None,
        timeout_keep_alive=keep_alive,
        ssl_certfile=str(TLS / "server.pem"),
        ssl_keyfile=str(TLS / "server.key"),
    )
    config.load()
    assert config.ssl is not None

    def note_sni(_obj: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        seen.handshakes.append(name)

    config.ssl.sni_callback = note_sni
    # the server would rather speak h2: it gets http/1.1 only if that is all the client
    # offers
    config.ssl.set_alpn_protocols(["h2", "http/1.1"])
    thread = ServerThread(fake, "127.0.0.1", 0, quiet=True)
    thread._server = _server_class()(config)
    port = thread.url.rsplit(":", 1)[1]
    # by name, so that the certificate's DNS name is what gets checked and sent as SNI
    seen.url = f"https://localhost:{port}"
    thread.start()
    try:
        yield seen
    finally:
        thread.stop()


@pytest.fixture
def fake() -> FakeSunshine:
    server = FakeSunshine(seed=11)
    server.add_user(APP, user_id=USER)
    return server


@pytest.fixture
def served(fake: FakeSunshine) -> Iterator[Seen]:
    with serve_tls(fake) as seen:
        yield seen


@pytest.fixture
def trusting(monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """Sessions opened in the test use the SDK's own TLS context (verified, its ALPN),
    made afresh, which also trusts the test CA."""
    context = _tls_context.__wrapped__()
    context.load_verify_locations(cafile=str(TLS / "ca.pem"))
    monkeypatch.setattr("sunshine_async._transport._tls_context", lambda: context)
    return context


@asynccontextmanager
async def h11_session(fake: FakeSunshine, url: str, **settings: Any) -> AsyncIterator[Session]:
    async with fake.session(base_url=url, transport="h11", **settings) as session:
        yield session
        assert session.transport == "h11"


@pytest.mark.usefixtures("trusting")
class TestKeepAlive:
    async def test_sequential_requests_share_one_connection(
        self, fake: FakeSunshine, served: Seen
    ) -> None:
        """Twenty requests in a row, creates and lists mixed, ride one TLS connection."""
        async with h11_session(fake, served.url) as session:
            clients = session.apps[APP].users[USER].clients
            for index in range(10):
                await clients.create(create_body(index))
                listed = [c async for c in clients.list()]
                assert len(listed) == index + 1
            stats = session.pool_stats()
        assert stats.transport == "h11"
        assert (stats.open_connections, stats.idle_connections, stats.in_flight) == (1, 1, 0)
        assert len(served.requests) == 20
        assert len(set(served.ports)) == 1, served.ports
        assert served.handshakes == ["localhost"]
        assert len(fake.clients(APP, USER)) == 10


@pytest.mark.usefixtures("trusting")
class TestStaleConnection:
    # uvicorn's idle timeout, in whole seconds. 0 closes each kept-alive connection as
    # soon as its response is out, so the close can reach the client together with
    # the response's last bytes; 1 closes it while it sits idle in the pool.
    @pytest.mark.parametrize(
        "keep_alive",
        [
            pytest.param(0, id="closed-with-response"),
            pytest.param(1, id="closed-while-idle"),
        ],
    )
    async def test_post_after_server_dropped_idle_connection(
        self, fake: FakeSunshine, keep_alive: int
    ) -> None:
        """The server drops the kept-alive connection; the next POST goes out once, on a
        fresh connection, and succeeds at its first attempt."""
        with serve_tls(fake, keep_alive=keep_alive) as seen:
            async with h11_session(fake, seen.url, retry_sleep=no_wait) as session:
                clients = session.apps[APP].users[USER].clients
                assert [c async for c in clients.list()] == []
                if keep_alive:
                    # pooled; it goes stale while it waits there
                    assert session.pool_stats().idle_connections == 1
                closed = await anyio.to_thread.run_sync(seen.idle_closed.wait, PATIENCE)
                assert closed, "the server never closed the idle connection"

                raw = await clients.with_raw_response.create(create_body(1))

        assert raw.status_code == 201
        assert raw.attempts == 1
        assert [client.id for client in fake.clients(APP, USER)] == [raw.parse().id]
        # the list, then the create on a connection of its own; no request was lost
        assert [path.rsplit("/", 1)[1] for _, path, _ in seen.requests] == ["clients"] * 2
        first, second = seen.ports
        assert first != second
        assert seen.handshakes == ["localhost", "localhost"]


@pytest.mark.usefixtures("trusting")
class TestBodies:
    async def test_chunked_response_read_whole(self, fake: FakeSunshine, served: Seen) -> None:
        """A body framed in uneven chunks arrives whole, twice on the same connection
        (so the end of the first one was found exactly)."""
        async with h11_session(fake, served.url) as session:
            for _ in range(2):
                response = await session.request("GET", "/v2/raw/chunked")
                assert response.headers.get("transfer-encoding") == "chunked"
                assert "content-length" not in response.headers
                assert response.data == PAYLOAD
            assert session.pool_stats().open_connections == 1
        assert len(set(served.ports)) == 1

    @pytest.mark.parametrize("path", ["/v2/raw/gzip", "/v2/raw/gzip-chunked"])
    async def test_gzip_response_decoded(self, fake: FakeSunshine, served: Seen, path: str) -> None:
        """A gzip body (sized, or chunked) reaches the caller inflated; the Session asked
        for gzip, and the connection stays usable after it."""
        async with h11_session(fake, served.url) as session:
            response = await session.request("GET", path)
            assert response.headers.get("content-encoding") == "gzip"
            assert response.data == PAYLOAD
            assert [c async for c in session.apps[APP].users[USER].clients.list()] == []
        port, _, accepted = served.requests[0]
        assert "gzip" in accepted
        assert served.ports == [port, port]

    async def test_sni_names_the_host(self, fake: FakeSunshine, served: Seen) -> None:
        """The TLS handshake tells the server which host is wanted."""
        async with h11_session(fake, served.url) as session:
            assert [c async for c in session.apps[APP].users[USER].clients.list()] == []
        assert served.handshakes == ["localhost"]

    async def test_alpn_asks_for_http_1_1(self, fake: FakeSunshine, served: Seen) -> None:
        """The handshake offers HTTP/1.1 only, so a server that prefers h2 agrees on it."""
        async with h11_session(fake, served.url) as session:
            assert [c async for c in session.apps[APP].users[USER].clients.list()] == []
        assert served.alpn == ["http/1.1"]


class TestVerification:
    async def test_untrusted_certificate_refused(
        self, fake: FakeSunshine, served: Seen, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without the test CA the handshake fails: no request is sent, and the error
        says the server cannot have acted on it."""
        untrusting = _tls_context.__wrapped__()  # the SDK's own, as a Session gets it
        monkeypatch.setattr("sunshine_async._transport._tls_context", lambda: untrusting)
        with anyio.fail_after(PATIENCE):
            async with h11_session(fake, served.url, retry_sleep=no_wait) as session:
                with pytest.raises(sa.ApiConnectionError) as caught:
                    await session.apps[APP].users[USER].clients.create(create_body(1))
        assert caught.value.may_have_reached_server is False
        # the server was reached and shook hands, so it is the certificate that failed
        assert served.handshakes
        assert served.requests == []
        assert fake.clients(APP, USER) == []
