"""Edges of the h11 transport found in review: framings that disagree, sockets that
cannot be peeked at directly, bodies httpx streams, and closing while connecting."""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest

import sunshine_async as sa
from sunshine_async._h11 import H11Transport, _peekable

from ._loopback import canned_server, http_response, session_for

pytestmark = pytest.mark.anyio

PAGE = b'{"clients": [], "meta": {"hasMore": false}}'
TIMEOUTS = {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}
LIST = "/v2/apps/app/users/u/clients"


def _transport(**settings: Any) -> H11Transport:
    settings.setdefault("max_connections", 4)
    return H11Transport(tls=ssl.create_default_context(), **settings)


class TestFramingsThatDisagree:
    async def test_length_and_chunked_together_is_refused(self) -> None:
        """A response announcing a small length but sent chunked is an error, never a
        body read past the size the Session checked (RFC 9112 6.3)."""
        chunk = b"x" * 4096
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(64)) + b"0\r\n\r\n"
        reply = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + body
        )
        async with (
            canned_server(reply) as server,
            session_for(server.url, "h11", max_retries=0, max_response_bytes=1024) as session,
        ):
            with pytest.raises(sa.ApiConnectionError) as caught:
                await session.request("GET", LIST)
            stats = session.pool_stats()
        assert "Content-Length and a Transfer-Encoding" in str(caught.value)
        assert caught.value.may_have_reached_server is True
        assert stats.idle_connections == 0  # the connection was not kept


class TestPeekableSocket:
    def test_a_real_socket_is_used_as_it_is(self) -> None:
        left, right = socket.socketpair()
        with left, right:
            assert _peekable(left) == (left, None)

    def test_a_wrapper_is_looked_into(self) -> None:
        """asyncio's TransportSocket keeps the socket in ``_sock``."""
        left, right = socket.socketpair()

        class Wrapper:
            _sock = left

        with left, right:
            assert _peekable(Wrapper()) == (left, None)

    def test_a_stand_in_without_recv_is_duplicated(self) -> None:
        """uvloop's stand-in refuses recv(): a duplicate of its descriptor is peeked at,
        and sees what the original would."""
        left, right = socket.socketpair()

        class StandIn:
            def fileno(self) -> int:
                return left.fileno()

            def recv(self, *args: object) -> bytes:
                raise TypeError("transport sockets do not support recv()")

        with left, right:
            peek, copy = _peekable(StandIn())
            assert peek is not None
            assert copy is peek
            assert peek.fileno() != left.fileno()
            left.setblocking(False)
            with pytest.raises(BlockingIOError):
                peek.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            right.sendall(b"!")
            assert peek.recv(1, socket.MSG_PEEK) == b"!"
            assert left.recv(1) == b"!"  # the peek left it there
            copy.close()
            right.sendall(b"?")
            assert left.recv(1) == b"?"  # closing the copy leaves the original open

    def test_nothing_to_peek_at(self) -> None:
        assert _peekable(None) == (None, None)
        assert _peekable(object()) == (None, None)

    async def test_a_quiet_check_that_fails_costs_the_connection_only(self) -> None:
        """If looking at an idle connection raises, the connection is closed and a new
        one opened; the request never sees the error."""
        async with canned_server(http_response(PAGE)) as server:
            transport = _transport()
            try:
                first = await transport.send_direct("GET", server.url + LIST, {}, None, TIMEOUTS)
                assert await first.aread() == PAGE
                (idle,) = transport._idle[next(iter(transport._idle))]

                class Broken:
                    def recv(self, *args: object) -> bytes:
                        raise TypeError("not a socket")

                idle.protocol = None
                idle.tls_buffer = None
                idle.raw = Broken()  # type: ignore[assignment]
                second = await transport.send_direct("GET", server.url + LIST, {}, None, TIMEOUTS)
                assert await second.aread() == PAGE
                counts = transport.connection_counts()
            finally:
                await transport.aclose()
        assert server.connections == 2
        assert counts == (1, 1)


class TestThroughAnHttpxClient:
    async def test_a_streamed_body_is_sent_with_its_length(self) -> None:
        """httpx frames a body given as an async iterator as chunked; the transport
        sends it whole, so it announces its length instead."""

        async def parts() -> AsyncIterator[bytes]:
            yield b'{"a":'
            yield b"1}"

        async with canned_server(http_response(PAGE)) as server:
            transport = _transport()
            async with httpx.AsyncClient(transport=transport) as client:
                response = await client.post(server.url + LIST, content=parts())
                again = await client.get(server.url + LIST)
        assert response.status_code == again.status_code == 200
        head = server.heads[0].lower()
        assert b"transfer-encoding" not in head
        assert b"content-length: 7" in head
        assert server.connections == 1  # both sides still agree where messages end

    async def test_connection_close_asked_by_the_request_is_honoured(self) -> None:
        """A request that asks the server to close is not followed by another on the
        same connection."""
        async with canned_server(http_response(PAGE)) as server:
            transport = _transport()
            async with httpx.AsyncClient(transport=transport) as client:
                await client.get(server.url + LIST, headers={"Connection": "close"})
                counts = transport.connection_counts()
                await client.get(server.url + LIST)
        assert counts == (0, 0)
        assert server.connections == 2


class TestClosing:
    async def test_aclose_while_connecting_sends_nothing(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A request whose connection opens after aclose() is refused, and the new
        connection closed: nothing reaches the server."""
        connecting = anyio.Event()
        go_on = anyio.Event()
        original = anyio.connect_tcp

        async def slow_connect(*args: Any, **kwargs: Any) -> Any:
            connecting.set()
            await go_on.wait()
            return await original(*args, **kwargs)

        monkeypatch.setattr(anyio, "connect_tcp", slow_connect)
        failures: list[BaseException] = []
        async with canned_server(http_response(PAGE)) as server:
            transport = _transport()

            async def send() -> None:
                try:
                    await transport.send_direct("POST", server.url + LIST, {}, b"{}", TIMEOUTS)
                except RuntimeError as exc:
                    failures.append(exc)

            async with anyio.create_task_group() as tg:
                tg.start_soon(send)
                await connecting.wait()
                await transport.aclose()
                go_on.set()
            counts = transport.connection_counts()
        assert [str(f) for f in failures] == ["the transport is closed"]
        assert server.requests == 0
        assert counts == (0, 0)
