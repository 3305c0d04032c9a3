"""Helpers for tests over real loopback sockets: a canned-response server and an ASGI
wrapper that counts requests in flight (the pool is seen through `Session.pool_stats`)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.abc
import attrs

from sunshine_async import Session

from .conftest import KEY_ID, SECRET

ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]


@attrs.define
class CannedServer:
    """Answers every request on 127.0.0.1 with the same bytes, then keeps reading.

    ``response`` is either the raw bytes to send, or a list of chunks sent one by one
    (a client that gives up stops the rest). Counts the connections it accepted.
    """

    response: bytes | list[bytes]
    url: str = ""
    connections: int = 0
    requests: int = 0
    #: Chunks a connection still had to send when the client went away.
    unsent_chunks: list[int] = attrs.field(factory=list)
    #: Each request's head (request line and headers), as received.
    heads: list[bytes] = attrs.field(factory=list)
    #: Called with each request line, as received.
    on_request: Callable[[bytes], object] | None = None

    async def _handle(self, stream: anyio.abc.SocketStream) -> None:
        self.connections += 1
        async with stream:
            try:
                await self._serve(stream)
            except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError):
                pass  # the client went away: that is what several tests are about
            except OSError:
                pass

    async def _serve(self, stream: anyio.abc.SocketStream) -> None:
        chunks = [self.response] if isinstance(self.response, bytes) else self.response
        buffer = b""
        for _ in range(100):  # requests per connection, bounded
            while b"\r\n\r\n" not in buffer:
                buffer += await stream.receive()
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            self.heads.append(head)
            if self.on_request is not None:
                self.on_request(head.split(b"\r\n")[0])
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            while len(buffer) < length:
                buffer += await stream.receive()
            buffer = buffer[length:]
            self.requests += 1
            for index, chunk in enumerate(chunks):
                try:
                    await stream.send(chunk)
                except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
                    self.unsent_chunks.append(len(chunks) - index)
                    return
            if not chunks[0]:
                return  # an empty answer: hang up on the request instead


@asynccontextmanager
async def canned_server(response: bytes | list[bytes]) -> AsyncIterator[CannedServer]:
    """Serve ``response`` on an ephemeral loopback port for the block's duration."""
    server = CannedServer(response)
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    server.url = f"http://127.0.0.1:{port}"
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, server._handle)
        try:
            yield server
        finally:
            tg.cancel_scope.cancel()  # the listener closes after its task has ended


def http_response(
    body: bytes, *, status: str = "200 OK", headers: tuple[str, ...] = (), length: bool = True
) -> bytes:
    """The bytes of an HTTP/1.1 response."""
    lines = [f"HTTP/1.1 {status}", "Content-Type: application/json", *headers]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@attrs.define
class InFlight:
    """Wraps an ASGI app; records the most requests it ever had in flight at once.

    The served app runs in the server's thread, so the count is kept under a lock.
    """

    app: ASGIApp
    now: int = 0
    most: int = 0
    _lock: threading.Lock = attrs.field(factory=threading.Lock)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            await self.app(scope, receive, send)
        finally:
            with self._lock:
                self.now -= 1


def session_for(url: str, transport: str, **settings: object) -> Session:
    """A Session with the test key, sending to ``url`` over the transport named."""
    return Session(
        key_id=KEY_ID,
        secret=SECRET,
        base_url=url,
        transport=transport,  # type: ignore[arg-type]
        **settings,  # type: ignore[arg-type]
    )
