"""Tests for `sunshine_async._h11`: the HTTP/1.1 transport as a user meets it.

Through ``Session(transport="h11")`` against loopback servers that answer byte by byte
(framing, keep-alive, whether a failed request may have arrived, cancellation, limits,
secrets), and a few tests of `H11Transport` itself where a Session cannot reach: an
injected clock for idle expiry, and the pool's own counts.
"""

from __future__ import annotations

import base64
import functools
import gc
import gzip
import random
import ssl
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any, Final

import anyio
import anyio.abc
import anyio.from_thread
import anyio.lowlevel
import httpx
import pytest
import respx

import sunshine_async as sa
from sunshine_async import Session
from sunshine_async._h11 import H11Transport
from sunshine_async._responses import ApiResponse

from ._loopback import Peer, Script, canned_server, http_response, scripted_server, session_for
from .conftest import BASE_URL, KEY_ID, SECRET

pytestmark = pytest.mark.anyio

TRANSPORT: Final = "h11"
PAGE = b'{"clients":[],"meta":{"hasMore":false}}'
BASIC = base64.b64encode(f"{KEY_ID}:{SECRET}".encode()).decode()
#: Timeouts as a Session hands them to its transport (a direct test's).
TIMEOUTS = httpx.Timeout(10.0).as_dict()


def h11_session(url: str, **settings: object) -> Session:
    """A Session on the h11 transport; a stuck test ends at its timeout, not never."""
    settings.setdefault("timeout", 10.0)
    return session_for(url, TRANSPORT, **settings)


async def _no_wait(seconds: float) -> None:
    """Retries without backoff: the tests count attempts, not seconds."""


def retrying(times: int = 2) -> sa.RetryPolicy:
    return sa.RetryPolicy(max_retries=times, sleep=_no_wait)


def numbered(n: int) -> bytes:
    """A JSON body that says which request it answers."""
    return b'{"n":%d}' % n


def number_in(line: bytes) -> int:
    """The number at the end of a request line's path (``GET /v2/t/kind/17 HTTP/1.1``)."""
    return int(line.split(b" ")[1].rsplit(b"/", 1)[1])


def chunked(body: bytes, sizes: tuple[int, ...], *, trailer: bytes = b"") -> bytes:
    """``body`` as a chunked HTTP/1.1 response, cut at ``sizes`` (the rest in one chunk)."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    head += b"Transfer-Encoding: chunked\r\n\r\n"
    pieces, rest = [], body
    for size in sizes:
        pieces.append(rest[:size])
        rest = rest[size:]
    pieces.append(rest)
    framed = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in pieces if p)
    return head + framed + b"0\r\n" + trailer + b"\r\n"


@functools.cache
def gzip_bomb() -> bytes:
    """64 MiB of zeros in two gzip layers, ~1 kB: made once (it takes a while)."""
    return gzip.compress(gzip.compress(bytes(1 << 26), 9), 9)


def causes(error: BaseException) -> Iterator[BaseException]:
    """The error, then each cause or context it holds, bounded. A context a traceback
    would not show (``raise ... from None``) is still held, and an error reporter that
    walks ``__context__`` finds it: it is walked too."""
    link: BaseException | None = error
    for _ in range(10):
        if link is None:
            return
        yield link
        link = link.__cause__ or link.__context__


def assert_says_nothing_of(error: BaseException, *values: str) -> None:
    """Neither the error nor anything it chains to quotes any of ``values``."""
    for depth, link in enumerate(causes(error)):
        kind = f"{type(link).__module__}.{type(link).__qualname__}"
        for text in (str(link), repr(link), *map(repr, link.args)):
            for value in values:
                assert value not in text, f"{kind} (link {depth} of the chain) quotes it"


def answering(answer: Callable[[bytes], bytes]) -> Script:
    """A script that answers each request with ``answer(its line)``."""

    async def script(peer: Peer) -> None:
        for _ in range(1000):  # requests on one connection, bounded
            line = await peer.read_request()
            if line is None:
                return
            await peer.send(answer(line))

    return script


async def get(session: Session, path: str = "/v2/x") -> ApiResponse:
    """One GET through the Session, its response read whole."""
    return await session.request("GET", path)


class TestFraming:
    """How the transport finds where a response ends, and when a connection may go on."""

    @pytest.mark.parametrize("pieces", ["whole", "bytewise"])
    async def test_chunked_body(self, pieces: str) -> None:
        """A chunked body (extensions, a trailer) is joined; its end frees the connection."""
        body = b'{"n":1,"pad":"' + b"x" * 300 + b'"}'
        response = chunked(body, (1, 6, 200), trailer=b"X-Checksum: abc\r\n")
        # sent a byte at a time, the framing's boundaries may fall between two reads
        sent: bytes | list[bytes] = response
        if pieces == "bytewise":
            sent = [response[i : i + 1] for i in range(len(response))]
        async with canned_server(sent) as server, h11_session(server.url) as session:
            first = await get(session)
            second = await get(session)
        assert first.body == second.body == body
        assert first.data["n"] == 1
        assert server.connections == 1

    @pytest.mark.parametrize("framing", ["length", "chunked"])
    async def test_big_body_arrives_whole(self, framing: str) -> None:
        """A body of many reads (2 MiB) arrives byte for byte, and the connection goes on."""
        pad = bytes(random.Random(7).choices(b"abcdefghijklmnopqrstuvwxyz", k=2 << 20))
        body = b'{"pad":"' + pad + b'"}'
        if framing == "length":
            reply = http_response(body)
        else:
            reply = chunked(body, tuple(range(1, 60_000, 997)))
        async with canned_server(reply) as server, h11_session(server.url) as session:
            first = await get(session)
            second = await get(session)
        assert first.body == second.body == body
        assert server.connections == 1

    async def test_connection_close_is_not_reused(self) -> None:
        """After ``Connection: close`` the next request opens a new connection, though
        this server would have read on."""
        response = http_response(PAGE, headers=("Connection: close",))
        async with canned_server(response) as server, h11_session(server.url) as session:
            for _ in range(3):
                assert (await get(session)).body == PAGE
            stats = session.pool_stats()
        assert server.connections == 3
        assert server.requests == 3
        assert (stats.open_connections, stats.idle_connections) == (0, 0)

    @pytest.mark.parametrize("keep_alive", [False, True])
    async def test_http10_with_length_is_not_reused(self, keep_alive: bool) -> None:
        """An HTTP/1.0 answer ends its connection, whatever it says of keep-alive."""
        extra = b"Connection: keep-alive\r\n" if keep_alive else b""
        response = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n" + extra
        response += b"Content-Length: %d\r\n\r\n%s" % (len(PAGE), PAGE)
        async with canned_server(response) as server, h11_session(server.url) as session:
            assert (await get(session)).body == PAGE
            assert (await get(session)).body == PAGE
        assert server.connections == 2

    @pytest.mark.parametrize("version", [b"HTTP/1.0", b"HTTP/1.1"])
    async def test_body_delimited_by_close(self, version: bytes) -> None:
        """With no length and no chunking, the body is all that comes until the close."""
        body = b'{"n":7,"pad":"' + b"y" * 3000 + b'"}'

        async def script(peer: Peer) -> None:
            if await peer.read_request() is None:
                return
            await peer.send(version + b" 200 OK\r\nContent-Type: application/json\r\n\r\n")
            for start in range(0, len(body), 1000):  # in pieces: the body takes several reads
                await peer.send(body[start : start + 1000])
                await anyio.lowlevel.checkpoint()

        async with scripted_server(script) as server, h11_session(server.url) as session:
            first = await get(session)
            second = await get(session)
            stats = session.pool_stats()
        assert first.body == second.body == body
        assert server.connections == 2
        assert stats.open_connections == 0

    async def test_both_length_and_chunked_is_refused(self) -> None:
        """A response framed both by Content-Length and by chunking is a protocol error:
        the two framings would disagree on where the body ends."""
        reply = chunked(PAGE, ()).replace(
            b"Transfer-Encoding", b"Content-Length: %d\r\nTransfer-Encoding" % len(PAGE)
        )
        async with (
            canned_server(reply) as server,
            h11_session(server.url, max_retries=0) as session,
        ):
            with pytest.raises(sa.ApiConnectionError) as caught:
                await get(session)
        assert "RemoteProtocolError" in str(caught.value)

    @pytest.mark.parametrize("count", [1, 16])
    async def test_informational_responses_are_skipped(self, count: int) -> None:
        """1xx answers before the final one are passed over; the connection goes on."""
        early = b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
        informational = b"HTTP/1.1 100 Continue\r\n\r\n" + early * (count - 1)
        async with (
            canned_server(informational + http_response(PAGE)) as server,
            h11_session(server.url) as session,
        ):
            first = await get(session)
            second = await get(session)
        assert first.status_code == second.status_code == 200
        assert first.body == PAGE
        assert server.connections == 1

    @pytest.mark.parametrize("count", [17, 50])
    async def test_too_many_informational_responses(self, count: int) -> None:
        """More than 16 1xx answers: a protocol error, though a 200 would follow."""
        reply = b"HTTP/1.1 100 Continue\r\n\r\n" * count + http_response(PAGE)
        async with (
            canned_server(reply) as server,
            h11_session(server.url, max_retries=0) as session,
        ):
            with pytest.raises(sa.ApiConnectionError) as caught:
                await get(session)
        assert not isinstance(caught.value, sa.ApiTimeoutError)
        assert "RemoteProtocolError" in str(caught.value)

    async def test_no_body_statuses_keep_the_connection(self) -> None:
        """204 and 304 end at their head (a 304's Content-Length announces nothing to
        read), and the next request goes on the same connection."""

        def answer(line: bytes) -> bytes:
            if b"/204/" in line:
                return b"HTTP/1.1 204 No Content\r\n\r\n"
            if b"/304/" in line:
                return b'HTTP/1.1 304 Not Modified\r\nETag: "a"\r\nContent-Length: 10\r\n\r\n'
            return http_response(numbered(number_in(line)))

        async with (
            scripted_server(answering(answer)) as server,
            h11_session(server.url, max_retries=0) as session,
        ):
            with anyio.fail_after(5):  # waiting for a 304's announced body would hang
                empty = await get(session, "/v2/204/1")
                with pytest.raises(sa.ApiError) as caught:
                    await get(session, "/v2/304/2")
                after = await get(session, "/v2/200/3")
                again = await get(session, "/v2/204/4")
            stats = session.pool_stats()
        assert (empty.status_code, empty.data) == (204, {})
        assert caught.value.status_code == 304
        assert after.data == {"n": 3}
        assert again.status_code == 204
        assert server.connections == 1
        assert len(server.lines) == 4
        assert (stats.open_connections, stats.idle_connections) == (1, 1)

    @pytest.mark.parametrize("shape", ["one header", "many headers", "padded value"])
    async def test_head_past_the_bound(self, shape: str) -> None:
        """A head past 64 kB is a protocol error whose text quotes none of it."""
        marker = "HEADERVALUE-do-not-quote"
        if shape == "one header":
            lines: tuple[str, ...] = (f"X-Big: {marker}{'v' * 70_000}",)
        elif shape == "many headers":
            lines = tuple(f"X-H-{i}: {marker}" for i in range(3000))
        else:  # the spaces around a value are not part of it, but they are of the head
            lines = (f"X-Big:{' ' * 70_000}{marker}{'v' * 10}",)
        reply = http_response(PAGE, headers=lines)
        assert len(reply) > 64 * 1024
        async with (
            canned_server(reply) as server,
            h11_session(server.url, max_retries=0) as session,
        ):
            with pytest.raises(sa.ApiConnectionError) as caught:
                await get(session)
        assert "RemoteProtocolError" in str(caught.value)
        assert caught.value.may_have_reached_server is True
        assert_says_nothing_of(caught.value, marker, "vvvvvvvv")
        assert len(str(caught.value)) < 400

    async def test_head_under_the_bound_is_read(self) -> None:
        """A big head that still fits (32 kB) is read as any other."""
        reply = http_response(PAGE, headers=(f"X-Big: {'v' * 32_000}",))
        async with canned_server(reply) as server, h11_session(server.url) as session:
            response = await get(session)
        assert response.headers["x-big"] == "v" * 32_000


class TestReuse:
    """When a connection is kept for the next request, and when it is not."""

    async def test_keep_alive_reuses_one_connection(self) -> None:
        """Sequential requests share one connection, which stays open and idle after."""
        async with (
            canned_server(http_response(PAGE)) as server,
            h11_session(server.url, max_connections=5) as session,
        ):
            for _ in range(5):
                assert (await get(session)).body == PAGE
            stats = session.pool_stats()
            assert session.transport == TRANSPORT
        assert stats == sa.PoolStats(
            transport=TRANSPORT,
            max_connections=5,
            in_flight=0,
            waiting=0,
            open_connections=1,
            idle_connections=1,
        )
        assert server.connections == 1
        assert server.requests == 5

    async def test_idle_connection_closed_by_the_server(self) -> None:
        """The server hangs up on the idle connection: the next POST goes on a new one,
        once (a stale connection would lose it, and a lost POST is not resent)."""
        closed = anyio.Event()

        async def script(peer: Peer) -> None:
            line = await peer.read_request()
            if line is None:
                return
            await peer.send(http_response(PAGE))
            if peer.number == 1:
                await peer.stream.aclose()  # no Connection: close said: it just ends
                closed.set()
                return
            for _ in range(100):
                if await peer.read_request() is None:
                    return
                await peer.send(http_response(PAGE))

        async with (
            scripted_server(script) as server,
            h11_session(server.url, retry=retrying()) as session,
        ):
            await get(session)
            with anyio.fail_after(5):
                await closed.wait()
            created = await session.request("POST", "/v2/x", body={"a": 1})
        assert created.body == PAGE
        assert created.attempts == 1
        assert server.count("POST") == 1
        assert server.connections == 2

    @pytest.mark.parametrize("when", ["with the response", "after it"])
    async def test_junk_after_a_response(self, when: str) -> None:
        """Bytes after a complete response make the connection unfit: not reused."""
        answered = anyio.Event()
        sent = anyio.Event()

        async def script(peer: Peer) -> None:
            for _ in range(100):
                line = await peer.read_request()
                if line is None:
                    return
                reply = http_response(numbered(number_in(line)))
                if when == "with the response":  # read by the client with the response
                    await peer.send(reply + b"HTTP/1.1 200 OK\r\nJunk")
                else:  # arrives while the connection is idle in the pool
                    await peer.send(reply)
                    await answered.wait()
                    await peer.send(b"\x00\x01garbage")
                sent.set()

        async with (
            scripted_server(script) as server,
            h11_session(server.url, retry=retrying(0)) as session,
        ):
            first = await get(session, "/v2/t/1")
            answered.set()
            with anyio.fail_after(5):
                await sent.wait()
            second = await get(session, "/v2/t/2")
        assert (first.data, second.data) == ({"n": 1}, {"n": 2})
        assert server.connections == 2


def first_answered_then_hang_up() -> Script:
    """Answers the first request of each connection; reads the second and hangs up."""

    async def script(peer: Peer) -> None:
        if await peer.read_request() is None:
            return
        await peer.send(http_response(PAGE))
        await peer.read_request()

    return script


class TestSentSignal:
    """Whether a failed request may have reached the server, and so whether it is resent."""

    async def test_post_lost_on_a_reused_connection(self) -> None:
        """The server read the POST on a kept connection and hung up: not resent."""
        async with (
            scripted_server(first_answered_then_hang_up()) as server,
            h11_session(server.url, retry=retrying()) as session,
        ):
            await get(session)
            with pytest.raises(sa.ApiConnectionError) as caught:
                await session.request("POST", "/v2/x", body={"a": 1})
        assert caught.value.may_have_reached_server is True
        assert "RemoteProtocolError" in str(caught.value)
        assert server.count("POST") == 1
        assert server.connections == 1

    async def test_get_lost_on_a_reused_connection_is_retried(self) -> None:
        """The same for a GET: it is resent, on a new connection, and succeeds."""
        async with (
            scripted_server(first_answered_then_hang_up()) as server,
            h11_session(server.url, retry=retrying()) as session,
        ):
            await get(session)
            again = await get(session)
        assert again.body == PAGE
        assert again.attempts == 2
        assert server.count("GET") == 3
        assert server.connections == 2

    async def test_post_lost_on_a_new_connection(self) -> None:
        """On a fresh connection too: read, then no answer: sent once, may have arrived."""
        async with (
            canned_server(b"") as server,
            h11_session(server.url, retry=retrying()) as session,
        ):
            with pytest.raises(sa.ApiConnectionError) as caught:
                await session.request("POST", "/v2/x", body={"a": 1})
        assert caught.value.may_have_reached_server is True
        assert server.requests == 1

    @pytest.mark.parametrize("method", ["GET", "POST"])
    async def test_body_cut_short_by_a_close(self, method: str) -> None:
        """The server hangs up inside the body it announced: a GET is sent again (and
        gets its answer on a new connection), a POST is not."""

        async def script(peer: Peer) -> None:
            if await peer.read_request() is None:
                return
            reply = http_response(PAGE)
            await peer.send(reply[:-10] if peer.number == 1 else reply)

        async with (
            scripted_server(script) as server,
            h11_session(server.url, retry=retrying()) as session,
        ):
            if method == "GET":
                response = await get(session)
                assert (response.body, response.attempts) == (PAGE, 2)
            else:
                with pytest.raises(sa.ApiConnectionError) as caught:
                    await session.request("POST", "/v2/x", body={"a": 1})
                assert caught.value.may_have_reached_server is True
        assert server.count(method) == (2 if method == "GET" else 1)

    async def test_connect_stuck_past_the_deadline_is_retried(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A POST whose connect outlives the attempt's deadline never left: sent again,
        and it arrives once."""
        stuck = anyio.Event()
        original = H11Transport._connect

        async def first_connect_hangs(self: H11Transport, *args: Any) -> Any:
            if not stuck.is_set():
                stuck.set()
                await anyio.sleep_forever()
            return await original(self, *args)

        monkeypatch.setattr(H11Transport, "_connect", first_connect_hangs)
        async with (
            canned_server(http_response(PAGE)) as server,
            h11_session(server.url, timeout=0.2, retry=retrying()) as session,
        ):
            created = await session.request("POST", "/v2/x", body={"a": 1})
        assert stuck.is_set()
        assert created.attempts == 2
        assert server.requests == 1

    async def test_refused_connection_was_not_sent(self) -> None:
        """Nothing listens: each attempt fails before a byte leaves, so it never arrived."""
        listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        await listener.aclose()
        async with h11_session(f"http://127.0.0.1:{port}", retry=retrying()) as session:
            with pytest.raises(sa.ApiConnectionError) as caught:
                await session.request("POST", "/v2/x", body={"a": 1})
        assert caught.value.may_have_reached_server is False
        assert "ConnectError" in str(caught.value)


class TestCancellation:
    """Requests cancelled anywhere leave no slot taken and no connection half-used."""

    async def test_cancelled_at_every_step(self) -> None:
        """200 requests over 10 connections, many cancelled: before they connect, while
        sending, inside the head, inside the body, at random; then the pool is at rest,
        no connection with an unfinished response is used again, and later requests get
        their own answers."""
        scopes: dict[int, anyio.CancelScope] = {}
        # numbers of requests whose connection carried more bytes after the cancel
        reused: list[int] = []
        big = b"z" * (8 << 20)  # more than loopback buffers: a send that blocks

        async def cancel_and_watch(peer: Peer, n: int, allowed: int) -> None:
            # the client is cancelled now, at this point of its request; from then on
            # its connection must only close
            scopes[n].cancel()
            if await peer.drain() > allowed:
                reused.append(n)

        async def script(peer: Peer) -> None:
            for _ in range(1000):
                head = await peer.read_head()
                if head is None:
                    return
                line = head.split(b"\r\n")[0]
                kind, n = line.split(b" ")[1].split(b"/")[3].decode(), number_in(line)
                if kind == "send":  # its body left unread: the client is stuck sending
                    await cancel_and_watch(peer, n, len(big))
                    return
                await peer.read_body(head)
                body = numbered(n)
                if kind == "head":
                    await peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: appl")
                elif kind == "body":
                    await peer.send(http_response(body + b" " * 100)[:-60])
                elif kind == "chunk":
                    await peer.send(chunked(body, (3,))[:-12])
                elif kind == "slow":  # in pieces, letting the client run in between
                    reply = http_response(body)
                    for start in range(0, len(reply), 16):
                        await peer.send(reply[start : start + 16])
                        await anyio.lowlevel.checkpoint()
                    continue
                else:
                    await peer.send(http_response(body))
                    continue
                await cancel_and_watch(peer, n, 0)
                return

        kinds = ["ok", "head", "ok", "body", "ok", "chunk", "early", "ok", "slow", "ok"]
        rng = random.Random(20261207)
        answered: dict[int, object] = {}

        async def one(session: Session, n: int) -> None:
            kind = "send" if n % 40 == 17 else kinds[n % len(kinds)]
            if kind == "slow":  # cancelled at a random moment, or answered in full
                scope = anyio.CancelScope(deadline=anyio.current_time() + rng.uniform(0, 0.02))
            else:
                scope = scopes[n] = anyio.CancelScope()
            if kind == "early":
                scope.cancel()  # before it has a connection: at its first checkpoint
            with scope:
                if kind == "send":
                    await session.request(
                        "POST", f"/v2/t/send/{n}", raw=(big, "application/octet-stream")
                    )
                else:
                    answered[n] = (await get(session, f"/v2/t/{kind}/{n}")).data
            if kind not in ("ok", "slow"):
                assert scope.cancelled_caught, kind
            if kind == "ok" or (kind == "slow" and not scope.cancelled_caught):
                assert answered[n] == {"n": n}, kind

        async with (
            scripted_server(script) as server,
            h11_session(server.url, max_connections=10, max_retries=0) as session,
        ):
            with anyio.fail_after(10):
                async with anyio.create_task_group() as tg:
                    for n in range(200):
                        tg.start_soon(one, session, n)
            rest = session.pool_stats()
            with anyio.fail_after(10):
                async with anyio.create_task_group() as tg:
                    for n in range(1000, 1050):
                        tg.start_soon(one, session, n * 10)  # kind "ok"
            after = session.pool_stats()
        gc.collect()  # a socket left unclosed warns now, and warnings are errors here
        assert (rest.in_flight, rest.waiting) == (0, 0)
        assert rest.open_connections == rest.idle_connections
        assert rest.open_connections is not None
        assert rest.open_connections <= 10
        assert (after.in_flight, after.waiting) == (0, 0)
        assert after.open_connections == after.idle_connections
        assert reused == []
        assert all(answered[10 * n] == {"n": 10 * n} for n in range(1000, 1050))
        # and keep-alive survived it all: connections carried several requests each
        assert server.connections < len(server.lines) // 2


class TestDirect:
    """`H11Transport` itself, where a Session cannot reach."""

    @staticmethod
    def transport(**settings: object) -> H11Transport:
        settings.setdefault("max_connections", 4)
        return H11Transport(tls=ssl.create_default_context(), **settings)  # type: ignore[arg-type]

    @staticmethod
    async def fetch(transport: H11Transport, url: str, method: str = "GET") -> bytes:
        """The body of one request, read to its end (which frees the connection)."""
        response = await transport.send_direct(method, f"{url}/v2/x", {}, None, TIMEOUTS)
        return await response.aread()

    async def test_idle_connection_expires(self) -> None:
        """A connection idle longer than keepalive_expiry is closed, not reused."""
        now = [1000.0]
        async with canned_server(http_response(PAGE)) as server:
            transport = self.transport(keepalive_expiry=5.0, clock=lambda: now[0])
            try:
                assert await self.fetch(transport, server.url) == PAGE
                now[0] += 4.5  # still fresh
                assert await self.fetch(transport, server.url) == PAGE
                assert server.connections == 1
                now[0] += 5.5  # idle past the expiry since the last answer
                assert await self.fetch(transport, server.url) == PAGE
                assert server.connections == 2
                counts = transport.connection_counts()
            finally:
                await transport.aclose()
            closed = transport.connection_counts()
        assert counts == (1, 1)
        assert closed == (0, 0)

    async def test_connection_counts_in_use_and_idle(self) -> None:
        """While a body is being read the connection is open and busy; then idle."""
        go_on = anyio.Event()
        reply = http_response(PAGE)

        async def script(peer: Peer) -> None:
            for _ in range(10):
                if await peer.read_request() is None:
                    return
                await peer.send(reply[:-5])
                await go_on.wait()
                await peer.send(reply[-5:])

        async with scripted_server(script) as server:
            transport = self.transport()
            try:
                before = transport.connection_counts()
                response = await transport.send_direct(
                    "GET", f"{server.url}/v2/x", {}, None, TIMEOUTS
                )
                busy = transport.connection_counts()
                go_on.set()
                assert await response.aread() == PAGE
                idle = transport.connection_counts()
            finally:
                await transport.aclose()
        assert (before, busy, idle) == ((0, 0), (1, 0), (1, 1))

    async def test_on_send_tells_what_left(self) -> None:
        """``on_send`` is called once per request written, never for a refused connect."""
        sends: list[None] = []
        listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        await listener.aclose()
        transport = self.transport(on_send=lambda: sends.append(None))
        try:
            with pytest.raises(httpx.ConnectError):
                await self.fetch(transport, f"http://127.0.0.1:{port}")
            assert sends == []
            async with canned_server(http_response(PAGE)) as server:
                await self.fetch(transport, server.url)
                await self.fetch(transport, server.url)
        finally:
            await transport.aclose()
        assert len(sends) == 2

    @pytest.mark.parametrize("padding", ["value", "spaces around it"])
    async def test_head_bound_is_the_transports(self, padding: str) -> None:
        """``max_header_bytes`` is the bound: a head past it fails, one under it is read
        (a head that arrives in one read included)."""
        small = http_response(PAGE, headers=(f"X-A: {'a' * 500}",))
        if padding == "value":
            large = http_response(PAGE, headers=(f"X-A: {'a' * 2000}",))
        else:
            large = http_response(PAGE, headers=(f"X-A:{' ' * 1000}{'a' * 8}{' ' * 1000}",))
        transport = self.transport(max_header_bytes=1024)
        try:
            async with canned_server(small) as server:
                assert await self.fetch(transport, server.url) == PAGE
            async with canned_server(large) as server:
                with pytest.raises(httpx.RemoteProtocolError) as caught:
                    await self.fetch(transport, server.url)
        finally:
            await transport.aclose()
        assert "aaaa" not in str(caught.value)

    async def test_head_request_has_no_body(self) -> None:
        """A HEAD's answer ends at its head, whatever its Content-Length says."""
        reply = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
        async with canned_server(reply) as server:
            transport = self.transport()
            try:
                for _ in range(2):
                    with anyio.fail_after(5):  # waiting for the announced body would hang
                        assert await self.fetch(transport, server.url, "HEAD") == b""
            finally:
                await transport.aclose()
        assert server.connections == 1

    async def test_idle_connections_are_bounded(self) -> None:
        """Past max_connections, connections given back are closed, not kept idle."""
        all_in = anyio.Event()

        async def script(peer: Peer) -> None:
            for _ in range(10):
                if await peer.read_request() is None:
                    return
                if len(peer.server.lines) == 6:
                    all_in.set()
                await all_in.wait()  # six requests in flight at once, on six connections
                await peer.send(http_response(PAGE))

        async with scripted_server(script) as server:
            transport = self.transport(max_connections=2)
            async with httpx.AsyncClient(transport=transport) as client:
                with anyio.fail_after(5):
                    async with anyio.create_task_group() as tg:
                        for _ in range(6):
                            tg.start_soon(client.get, f"{server.url}/v2/x")
                counts = transport.connection_counts()
                again = await client.get(f"{server.url}/v2/x")
        assert counts == (2, 2)
        assert again.content == PAGE
        assert server.connections == 6

    async def test_each_origin_has_its_own_connections(self) -> None:
        """Two servers through one transport: each keeps its own connection."""
        transport = self.transport()
        try:
            async with (
                canned_server(http_response(b'{"a":1}')) as one,
                canned_server(http_response(b'{"b":2}')) as two,
            ):
                for _ in range(2):
                    assert await self.fetch(transport, one.url) == b'{"a":1}'
                    assert await self.fetch(transport, two.url) == b'{"b":2}'
                counts = transport.connection_counts()
        finally:
            await transport.aclose()
        assert (one.connections, two.connections) == (1, 1)
        assert counts == (2, 2)

    async def test_aclose_closes_connections_in_use(self) -> None:
        """aclose() closes a connection whose body is still being read; reading on
        fails with a transport error, and the server sees the close."""
        ended = anyio.Event()

        async def script(peer: Peer) -> None:
            if await peer.read_request() is None:
                return
            await peer.send(http_response(PAGE)[:-5])
            await peer.drain()
            ended.set()

        async with scripted_server(script) as server:
            transport = self.transport()
            response = await transport.send_direct("GET", f"{server.url}/v2/x", {}, None, TIMEOUTS)
            await transport.aclose()
            counts = transport.connection_counts()
            with anyio.fail_after(5):
                await ended.wait()
            with pytest.raises(httpx.TransportError):
                await response.aread()
        assert counts == (0, 0)

    async def test_invalid_request_header_is_refused_unquoted(self) -> None:
        """A header value h11 refuses: LocalProtocolError before a byte is sent, and
        no text that quotes the value."""
        sends: list[None] = []
        transport = self.transport(on_send=lambda: sends.append(None))
        try:
            async with canned_server(http_response(PAGE)) as server:
                with pytest.raises(httpx.LocalProtocolError) as caught:
                    await transport.send_direct(
                        "GET",
                        f"{server.url}/v2/x",
                        {"Authorization": f"Basic {SECRET}\r\nX-Injected: 1"},
                        None,
                        TIMEOUTS,
                    )
                counts = transport.connection_counts()
        finally:
            await transport.aclose()
        assert sends == []
        assert server.requests == 0
        assert counts == (0, 0)
        assert_says_nothing_of(caught.value, SECRET)

    async def test_fragment_is_never_sent(self) -> None:
        """The path goes out exactly as encoded, its query kept and its fragment not."""
        async with canned_server(http_response(PAGE)) as server:
            transport = self.transport()
            try:
                url = f"{server.url}/v2/a%40b/c%2Fd?x=1&y=%20#frag"
                response = await transport.send_direct("GET", url, {}, None, TIMEOUTS)
                await response.aread()
            finally:
                await transport.aclose()
        assert server.heads[0].split(b"\r\n")[0] == b"GET /v2/a%40b/c%2Fd?x=1&y=%20 HTTP/1.1"

    async def test_read_timeout_through_an_httpx_client(self) -> None:
        """As an httpx transport, a server that stops sending ends at the read timeout,
        in the head or in the body."""

        async def script(peer: Peer) -> None:
            line = await peer.read_request()
            if line is None:
                return
            if b"/body" in line:
                await peer.send(http_response(PAGE)[:-5])
            await peer.drain()

        async with scripted_server(script) as server:
            transport = self.transport()
            async with httpx.AsyncClient(transport=transport, timeout=0.2) as client:
                for where in ("head", "body"):
                    with anyio.fail_after(5), pytest.raises(httpx.ReadTimeout):
                        await client.get(f"{server.url}/v2/{where}")
                counts = transport.connection_counts()
        assert counts == (0, 0)

    async def test_request_asking_to_close_is_not_reused(self) -> None:
        """A request sent with ``Connection: close`` (through an httpx client: a Session
        sets that header itself) ends its connection, though this server would read on."""
        async with canned_server(http_response(PAGE)) as server:
            transport = self.transport()
            async with httpx.AsyncClient(transport=transport) as client:
                for _ in range(2):
                    response = await client.get(
                        f"{server.url}/v2/x", headers={"Connection": "close"}
                    )
                    assert response.content == PAGE
                counts = transport.connection_counts()
        assert server.connections == 2
        assert counts == (0, 0)

    async def test_through_an_httpx_client(self) -> None:
        """As an httpx transport (``handle_async_request``), with keep-alive."""
        async with canned_server(http_response(PAGE)) as server:
            transport = self.transport()
            async with httpx.AsyncClient(transport=transport) as client:
                first = await client.get(f"{server.url}/v2/x")
                second = await client.get(f"{server.url}/v2/y")
        assert first.content == second.content == PAGE
        assert server.connections == 1


class TestLimits:
    """The Session's limits hold on this transport."""

    async def test_big_chunked_body(self) -> None:
        """A chunked body past max_response_bytes: typed error, connection dropped."""
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        head += b"Transfer-Encoding: chunked\r\n\r\n"
        piece = b"x" * 65536
        framed = b"%x\r\n%s\r\n" % (len(piece), piece)
        async with (
            canned_server([head, *([framed] * 64), b"0\r\n\r\n"]) as server,
            h11_session(server.url, max_response_bytes=256 * 1024, max_retries=0) as session,
        ):
            for _ in range(2):
                with pytest.raises(sa.ResponseTooLargeError) as caught:
                    await get(session)
        assert caught.value.limit == 256 * 1024
        assert server.connections == 2

    async def test_gzip_bomb(self) -> None:
        """64 MiB of zeros in two gzip layers is refused just past the limit, in little memory."""
        bomb = gzip_bomb()
        reply = http_response(bomb, headers=("Content-Encoding: gzip, gzip",))
        async with canned_server(reply) as server:
            tracemalloc.start()
            try:
                async with h11_session(
                    server.url, max_response_bytes=1 << 20, max_retries=0
                ) as session:
                    with pytest.raises(sa.ResponseTooLargeError) as caught:
                        await get(session)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        assert caught.value.limit == 1 << 20
        assert peak < 16 << 20

    async def test_per_call_timeout_ends_the_attempt(self) -> None:
        """A per-call timeout ends a POST stuck in its body; it may have arrived, so it
        is not resent, and the next request gets a new connection."""

        async def script(peer: Peer) -> None:
            for _ in range(100):
                line = await peer.read_request()
                if line is None:
                    return
                if line.startswith(b"POST"):
                    await peer.send(http_response(PAGE)[:-3])
                    await peer.drain()
                    return
                await peer.send(http_response(PAGE))

        async with (
            scripted_server(script) as server,
            h11_session(server.url, timeout=30, retry=retrying()) as session,
        ):
            started = anyio.current_time()
            with pytest.raises(sa.ApiTimeoutError) as caught:
                await session.with_options(timeout=0.2).request("POST", "/v2/x", body={})
            took = anyio.current_time() - started
            assert (await get(session)).body == PAGE
            stats = session.pool_stats()
        assert took < 5
        assert caught.value.may_have_reached_server is True
        assert server.count("POST") == 1
        assert server.connections == 2
        assert (stats.in_flight, stats.open_connections, stats.idle_connections) == (0, 1, 1)


class TestSecrets:
    """No error says what the credentials are, whatever the server sends back."""

    @staticmethod
    def echoing(shape: str) -> Script:
        """A server that puts the request's Authorization value into a bad answer."""

        async def script(peer: Peer) -> None:
            head = await peer.read_head()
            if head is None:
                return
            await peer.read_body(head)
            auth = next(
                line.partition(b":")[2].strip()
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"authorization:")
            )
            if shape == "bad header line":
                reply = b"HTTP/1.1 200 OK\r\nX-Echo: " + auth + b"\r\n" + auth + b"\r\n\r\n"
            elif shape == "bad status line":
                reply = b"HTTP/1.1 2" + auth + b"\r\n\r\n"
            elif shape == "bad chunk":
                reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + auth
                reply += b"\r\n"
            else:  # a head past the bound, the value at its end
                reply = b"HTTP/1.1 200 OK\r\nX-Pad: " + b"p" * 70_000 + b"\r\nX-E: " + auth
                reply += b"\r\nContent-Length: 2\r\n\r\n{}"
            await peer.send(reply)
            await peer.drain()

        return script

    @pytest.mark.with_aiohttp
    @pytest.mark.parametrize(
        "shape", ["bad header line", "bad status line", "bad chunk", "head past the bound"]
    )
    async def test_echoed_credentials_are_not_quoted(self, shape: str, transport: str) -> None:
        """The server's bad answer quotes the request's Authorization: no error text,
        ours or one chained to it, repeats it (on every transport: httpcore's chain holds
        h11's error, which quotes the bytes)."""
        async with (
            scripted_server(self.echoing(shape)) as server,
            session_for(server.url, transport, max_retries=0, timeout=2) as session,
        ):
            error: sa.SunshineError | None = None
            try:
                await session.request("POST", "/v2/x", body={"a": 1})
            except sa.SunshineError as exc:
                error = exc
        assert server.count("POST") == 1
        if transport == "h11":
            assert error is not None  # h11 refuses every one of these answers
        if error is not None:  # the others let some through (a whole head, say)
            assert_says_nothing_of(error, SECRET, BASIC)

    async def test_transport_failures_say_nothing_of_the_secret(self) -> None:
        """Refused, lost and timed-out requests: no secret in any text."""
        listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
        port = listener.extra(anyio.abc.SocketAttribute.local_port)
        await listener.aclose()
        errors: list[BaseException] = []
        async with h11_session(f"http://127.0.0.1:{port}", max_retries=0) as session:
            with pytest.raises(sa.ApiConnectionError) as refused:
                await get(session)
            errors.append(refused.value)
        for reply in (b"", [http_response(PAGE)[:-3], b""]):
            async with (
                canned_server(reply) as server,
                h11_session(server.url, max_retries=0, timeout=0.3) as session,
            ):
                with pytest.raises(sa.ApiConnectionError) as caught:
                    await get(session)
                errors.append(caught.value)
        for error in errors:
            assert_says_nothing_of(error, SECRET, BASIC)


class TestClosing:
    """Closing a Session while requests are in flight, and using it in another loop."""

    async def test_closed_while_requests_are_in_flight(self) -> None:
        """aclose() ends requests waiting in the head and in the body: each raises
        SessionClosedError, and the server sees each connection closed."""
        ended: list[int] = []
        all_in, all_ended = anyio.Event(), anyio.Event()

        async def script(peer: Peer) -> None:
            line = await peer.read_request()
            if line is None:
                return
            if number_in(line) % 2:
                await peer.send(http_response(PAGE)[:-5])  # in the body
            if len(peer.server.lines) == 4:
                all_in.set()
            await peer.drain()
            ended.append(peer.number)
            if len(ended) == 4:
                all_ended.set()

        outcomes: list[bool] = []
        async with scripted_server(script) as server:
            session = h11_session(server.url, max_connections=4)

            async def call(n: int) -> None:
                with pytest.raises(sa.SessionClosedError) as caught:
                    await get(session, f"/v2/t/{n}")
                outcomes.append(caught.value.may_have_reached_server)

            with anyio.fail_after(5):
                async with anyio.create_task_group() as tg:
                    for n in range(4):
                        tg.start_soon(call, n)
                    await all_in.wait()
                    await session.aclose()
                await all_ended.wait()
        gc.collect()  # an unclosed socket would warn here, and warnings are errors
        assert outcomes == [True] * 4
        assert session.pool_stats().open_connections is None

    # opened in asyncio, whose ended loop says so: the Session then lets go of the
    # transport's sockets without a loop (H11Transport.abandon). A trio loop cannot be
    # told ended, and then only the Session's own loop could close them
    @pytest.mark.parametrize("close", [True, False], ids=["closed", "left-open"])
    def test_a_second_event_loop_is_refused(self, close: bool) -> None:
        """Used in another event loop, a Session on h11 refuses, sends nothing, and
        leaves no socket behind once it is gone."""
        with (
            anyio.from_thread.start_blocking_portal() as portal,
            portal.wrap_async_context_manager(canned_server(http_response(PAGE))) as server,
        ):
            refused = _use_in_two_loops(server.url, close=close)
            gc.collect()  # the Session is gone: its connection must have been closed
            assert server.requests == 1
        assert refused.may_have_reached_server is False


def _use_in_two_loops(url: str, *, close: bool) -> sa.WrongEventLoopError:
    """A request in one asyncio loop, then one in a trio loop (refused), then maybe
    aclose() there; the Session is dropped on return."""
    session = h11_session(url)

    async def use() -> None:
        await get(session)

    anyio.run(use, backend="asyncio")
    with pytest.raises(sa.WrongEventLoopError) as caught:
        anyio.run(use, backend="trio")
    if close:
        anyio.run(session.aclose, backend="trio")
        assert session.is_closed
    return caught.value


class TestChoice:
    async def test_refused_while_httpx_is_mocked(self, api: respx.MockRouter) -> None:
        """Asked for by name under respx, h11 is refused: it would go around the mock."""
        with pytest.raises(sa.InvalidArgumentError, match="mock"):
            async with h11_session(BASE_URL) as session:
                await get(session)
