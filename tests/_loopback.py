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
            length = content_length(head)
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
    async with on_loopback(server._handle) as server.url:
        yield server


@asynccontextmanager
async def on_loopback(
    handle: Callable[[anyio.abc.SocketStream], Awaitable[None]],
) -> AsyncIterator[str]:
    """Serve every connection to an ephemeral 127.0.0.1 port with ``handle``, for the
    block; its base URL."""
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, handle)
        try:
            yield f"http://127.0.0.1:{port}"
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


def content_length(head: bytes) -> int:
    """The Content-Length a request's head announces (0 when it announces none)."""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


#: What a peer that went away looks like to the server, on either backend.
GONE = (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError, OSError)


@attrs.define(eq=False)
class Peer:
    """One connection a `ScriptedServer` accepted, as its script sees it.

    Its reads stop at the request's own bytes, so a script can answer a request, or
    leave its body unread, or hang up in the middle, and know what the client sent.
    """

    stream: anyio.abc.SocketStream
    #: 1 for the server's first connection, 2 for the next, ...
    number: int
    server: ScriptedServer
    buffer: bytes = b""

    async def read_head(self) -> bytes | None:
        """The next request's head (its line and headers), its body left unread.

        None when the client closes (or resets) the connection before a whole head.
        """
        for _ in range(100_000):  # a head of ~6 GB at least: never reached
            if b"\r\n\r\n" in self.buffer:
                break
            try:
                self.buffer += await self.stream.receive()
            except GONE:
                return None
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        self.server.heads.append(head)
        self.server.lines.append(head.split(b"\r\n")[0])
        return head

    async def read_body(self, head: bytes) -> bytes:
        """The body ``head`` announces (by Content-Length: what a Session sends)."""
        length = content_length(head)
        for _ in range(length + 1):  # each receive brings at least one byte
            if len(self.buffer) >= length:
                break
            self.buffer += await self.stream.receive()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return body

    async def read_request(self) -> bytes | None:
        """The next request's line, its body read and dropped; None if the client left."""
        head = await self.read_head()
        if head is None:
            return None
        await self.read_body(head)
        return head.split(b"\r\n")[0]

    async def send(self, data: bytes) -> None:
        await self.stream.send(data)

    async def drain(self, limit: int = 1 << 26) -> int:
        """Read until the client closes the connection: how many bytes came meanwhile
        (those already buffered included). Stops early past ``limit`` bytes."""
        arrived = len(self.buffer)
        self.buffer = b""
        while arrived <= limit:
            try:
                arrived += len(await self.stream.receive())
            except GONE:
                break
        return arrived


#: A connection's script: what the server does with it, until it returns (then the
#: connection is closed).
Script = Callable[[Peer], Awaitable[None]]


@attrs.define(eq=False)
class ScriptedServer:
    """Runs ``script`` for every connection it accepts on 127.0.0.1.

    Counts connections, and keeps every request's head and line in arrival order.
    A failing assertion in a script ends the server's task group, and so the test.
    """

    script: Script
    url: str = ""
    connections: int = 0
    heads: list[bytes] = attrs.field(factory=list)
    lines: list[bytes] = attrs.field(factory=list)

    def count(self, method: str) -> int:
        """How many requests of ``method`` arrived."""
        prefix = method.encode() + b" "
        return sum(line.startswith(prefix) for line in self.lines)

    async def _handle(self, stream: anyio.abc.SocketStream) -> None:
        self.connections += 1
        peer = Peer(stream, self.connections, self)
        async with stream:
            try:
                await self.script(peer)
            except GONE:
                return  # the client went away mid-script: several tests are about that


@asynccontextmanager
async def scripted_server(script: Script) -> AsyncIterator[ScriptedServer]:
    """Run ``script`` on each connection to an ephemeral loopback port, for the block."""
    server = ScriptedServer(script)
    async with on_loopback(server._handle) as server.url:
        yield server
