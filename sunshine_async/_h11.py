"""An HTTP/1.1 keep-alive transport of the SDK's own: anyio streams, parsed by h11.

It runs on asyncio and trio alike, and is what ``transport="auto"`` picks on trio
(and on asyncio without aiohttp). httpcore's pool does the same job at about three
times the CPU cost per request on trio: it scans every connection several times per
request, polls each idle socket on every scan, and can hand one idle connection to two
waiters. Here the Session's slots already bound the requests in flight, so the pool is
a stack of idle connections per origin: taking one is a pop and one cheap check.

What the Session relies on:

- a connection is reused only when h11 says both sides finished their message, and
  nothing arrived after the response; anything else (``Connection: close``, HTTP/1.0,
  a body that ends at close, an error, a cancellation) closes it;
- ``on_send`` is called just before the first byte of a request is written: a failure
  before it (DNS, connect, TLS) cannot have reached the server, one after it may have;
- errors are httpx's, with a fixed short text: never a header value from either side;
- the body is handed over as received (still gzip, say): the Session inflates it within
  its size limit.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, NoReturn

import anyio
import anyio.abc
import anyio.lowlevel
import h11
import httpx
from anyio.streams.tls import TLSStream

from ._options import HEADER_NAME, HEADER_VALUE

__all__ = ["H11Transport"]

#: Bytes asked of the socket per read.
_CHUNK: Final = 64 * 1024
#: Informational (1xx) responses accepted before the final one; more is a hostile server.
_MAX_INFORMATIONAL: Final = 16
#: Methods whose empty body is still announced (``Content-Length: 0``), as servers expect.
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})
#: Origins remembered by their URL prefix; a Session talks to one or two.
_MAX_ORIGINS: Final = 64
#: A look at the next byte that leaves it there, and never blocks, even on a socket
#: some event loop left in blocking mode (MSG_DONTWAIT where the platform has it).
_PEEK: Final = socket.MSG_PEEK | getattr(socket, "MSG_DONTWAIT", 0)
#: What a request's path may hold (it is already percent-encoded).
_TARGET: Final = re.compile(r"[\x21-\x7e]+")
_END: Final = h11.EndOfMessage()
#: h11's stand-in request per method (see `_expect_response`), for this many methods.
_MAX_METHODS: Final = 16
_STAND_INS: dict[tuple[str, bool], h11.Request] = {}
_STREAM_ERRORS: Final = (
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
    OSError,  # ssl.SSLError included
)


class _Origin:
    """Where a request goes: what to connect to, and what its ``Host`` header says."""

    __slots__ = ("host", "host_header", "key", "port", "tls")

    def __init__(self, scheme: str, authority: str) -> None:
        if scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol("the URL's scheme must be http or https")
        if "@" in authority or not authority:
            raise httpx.UnsupportedProtocol("the URL must name a host, without credentials")
        self.tls = scheme == "https"
        host, port = _split_authority(authority, 443 if self.tls else 80)
        self.host = host
        self.port = port
        self.host_header = authority
        self.key = f"{scheme}://{authority}"


def _split_authority(authority: str, default_port: int) -> tuple[str, int]:
    """``host[:port]`` or ``[v6]:port`` -> the host to connect to, and the port."""
    if authority.startswith("["):
        host, _, rest = authority[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port_text = authority.partition(":")
    if not port_text:
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise httpx.InvalidURL("the URL's port is not a number from 1 to 65535")
    return host, int(port_text)


class _Connection:
    """One socket (TLS or not), its h11 state, and what is needed to close it at once."""

    __slots__ = (
        "h11",
        "head_bytes",
        "idle_since",
        "max_head",
        "origin",
        "own_copy",
        "protocol",
        "raw",
        "socket_stream",
        "stream",
        "tls_buffer",
    )

    def __init__(
        self,
        origin: _Origin,
        stream: anyio.abc.ByteStream,
        socket_stream: anyio.abc.SocketStream,
        max_header_bytes: int,
    ) -> None:
        self.origin = origin
        self.stream = stream
        self.socket_stream = socket_stream
        # h11 bounds a head only while it is incomplete; one that arrives whole is
        # measured once parsed, by the bytes it took (see `_response_head`)
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=max_header_bytes)
        self.max_head = max_header_bytes
        #: Bytes received while waiting for the current response's head.
        self.head_bytes = 0
        self.idle_since = 0.0
        self.raw, self.own_copy = _peekable(
            socket_stream.extra(anyio.abc.SocketAttribute.raw_socket, None)  # noqa: S610
        )
        # anyio's asyncio stream keeps what the loop already read in its protocol
        self.protocol: Any = getattr(socket_stream, "_protocol", None)
        # and its TLS stream what it read past the response (a server's close notice
        # often comes in the same read as the response's last bytes)
        self.tls_buffer: ssl.MemoryBIO | None = getattr(stream, "_read_bio", None)

    def quiet(self) -> bool:
        """Whether nothing arrived while it was idle: no close, no stray bytes.

        An idle HTTP/1.1 client connection has nothing to read; anything readable
        means the server closed it (or is not speaking HTTP), and a request sent on it
        would be lost. One non-blocking peek; no poll of other connections.
        """
        if self.tls_buffer is not None and self.tls_buffer.pending:
            return False
        protocol = self.protocol
        if protocol is not None and (
            protocol.read_event.is_set() or protocol.is_at_eof or protocol.exception
        ):
            return False
        if self.raw is None:
            return True
        try:
            self.raw.recv(1, _PEEK)
        except BlockingIOError:
            return True
        except OSError:
            return False
        return False  # EOF or unsolicited bytes

    def close_now(self) -> None:
        """Close the socket without awaiting: safe in a finally block and when cancelled."""
        _close_socket(self.socket_stream, self.raw)
        if self.own_copy is not None:
            self.own_copy.close()

    def abandon(self, drop_transport: Callable[[object], None]) -> None:
        """Close the socket after its event loop has ended (nothing may be scheduled)."""
        transport = getattr(self.socket_stream, "_transport", None)
        if transport is not None:
            drop_transport(transport)
        elif self.raw is not None:
            self.raw.close()
        if self.own_copy is not None:
            self.own_copy.close()


class _Body(httpx.AsyncByteStream):
    """A response body as it arrives (still encoded); frees its connection at the end."""

    __slots__ = ("_connection", "_pool", "_read_timeout")

    def __init__(
        self, pool: H11Transport, connection: _Connection, read_timeout: float | None
    ) -> None:
        self._pool = pool
        self._connection: _Connection | None = connection
        self._read_timeout = read_timeout

    def __aiter__(self) -> _Body:
        return self

    async def __anext__(self) -> bytes:
        connection = self._connection
        if connection is None:
            raise StopAsyncIteration  # read to the end, or closed half-way
        try:
            event = await _next_event(connection, self._read_timeout)
        except BaseException:
            self.close_now()
            raise
        if type(event) is h11.Data:
            return bytes(event.data)
        self.close_now()  # EndOfMessage: the connection may go back to the pool
        raise StopAsyncIteration

    async def read_whole(self) -> bytes:
        """The whole body at once (the Session checked its announced length)."""
        parts = [chunk async for chunk in self]
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def close_now(self) -> None:
        """Give the connection back (read to the end) or close it (anything else)."""
        connection = self._connection
        if connection is not None:
            self._connection = None
            self._pool._release(connection)

    async def aclose(self) -> None:
        self.close_now()


class H11Transport(httpx.AsyncBaseTransport):
    """Sends requests over pooled HTTP/1.1 connections; the Session's own transport.

    Args:
        max_connections: Idle connections kept, at most (the Session's slots bound
            the connections in use).
        tls: The TLS context of every ``https`` connection (verified, ALPN
            ``http/1.1``).
        on_send: Called just before a request's first byte is written.
        drop_transport: Closes an asyncio transport whose event loop has ended.
        keepalive_expiry: Seconds an idle connection is kept; servers and load
            balancers drop idle connections, and a request sent on one is lost.
        clock: Seconds, monotonic (tests pass their own).
        max_header_bytes: The largest response head accepted.
    """

    def __init__(
        self,
        *,
        max_connections: int,
        tls: ssl.SSLContext,
        on_send: Callable[[], None] = lambda: None,
        drop_transport: Callable[[object], None] = lambda transport: None,
        keepalive_expiry: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        max_header_bytes: int = 64 * 1024,
    ) -> None:
        self._max_idle = max_connections
        self._tls = tls
        self._on_send = on_send
        self._drop_transport = drop_transport
        self._expiry = keepalive_expiry
        self._clock = clock
        self._max_header_bytes = max_header_bytes
        self._origins: dict[str, tuple[_Origin, int]] = {}
        self._idle: dict[str, list[_Connection]] = {}
        self._idle_count = 0
        self._busy: set[_Connection] = set()
        self._connecting = 0  # connections being opened count as open, in use
        self._closed = False

    def connection_counts(self) -> tuple[int, int]:
        """``(open, idle)``: the connections held now, and those of them idle."""
        open_now = self._connecting + len(self._busy) + self._idle_count
        return open_now, self._idle_count

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        origin = _Origin(url.scheme, url.netloc.decode("ascii"))
        content = await request.aread()
        # the body is sent whole, so its length replaces any framing httpx chose (a
        # streamed body comes with Transfer-Encoding: chunked)
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in request.headers.raw
            if name.lower() not in (b"content-length", b"transfer-encoding")
        ]
        close = request.headers.get("connection", "").lower() == "close"
        data = _request_bytes(request.method, url.raw_path.decode("ascii"), headers, content)
        timeouts: Mapping[str, float | None] = request.extensions.get("timeout", {})
        response = await self._send(
            request.method,
            origin,
            data,
            timeouts.get("connect"),
            timeouts.get("read"),
            close=close,
        )
        response.request = request
        return response

    async def send_direct(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        content: bytes | None,
        timeouts: Mapping[str, float | None],
        /,
    ) -> httpx.Response:
        """Send a request given by its parts (the Session's way: no `httpx.Request`).

        ``url`` is sent exactly as encoded. The response carries no ``request``.
        Only the connect timeout is applied here: the caller bounds the whole
        exchange (the Session's attempt deadline, which its read timeout never
        undercuts), which spares a cancel scope per read.
        """
        origin, target_at = self._origin_of(url)
        target = url[target_at:] or "/"
        if "#" in target:  # a fragment stays with the client
            target = target.partition("#")[0] or "/"
        if target[0] != "/":
            target = "/" + target
        head = [("Host", origin.host_header), *headers.items()]
        data = _request_bytes(method, target, head, content)
        return await self._send(method, origin, data, timeouts.get("connect"), None)

    def _origin_of(self, url: str) -> tuple[_Origin, int]:
        """The origin of ``url`` and where its path starts (cached per URL prefix)."""
        scheme, separator, rest = url.partition("://")
        if not separator:
            raise httpx.UnsupportedProtocol("the URL has no scheme")
        end = len(rest)
        for mark in "/?#":
            found = rest.find(mark)
            if found != -1 and found < end:
                end = found
        prefix_length = len(scheme) + 3 + end
        prefix = url[:prefix_length]
        known = self._origins.get(prefix)
        if known is None:
            if len(self._origins) >= _MAX_ORIGINS:
                self._origins.clear()
            known = (_Origin(scheme.lower(), rest[:end]), prefix_length)
            self._origins[prefix] = known
        return known

    async def _send(
        self,
        method: str,
        origin: _Origin,
        data: bytes,
        connect_timeout: float | None,
        read_timeout: float | None,
        *,
        close: bool = False,
    ) -> httpx.Response:
        """One exchange on a pooled or new connection, up to the response's head.

        ``data`` is the whole request, head and body, written at once.
        ``read_timeout`` bounds the wait for the head, then each read of the body.
        ``close``: the request asked the server to close the connection after it.
        """
        self._check_open()
        connection = await self._take(origin, connect_timeout)
        try:
            self._check_open()  # aclose() may have run while this one was connecting
        except RuntimeError:
            connection.close_now()
            raise
        self._busy.add(connection)
        try:
            _expect_response(connection.h11, method, close)
            self._on_send()
            if read_timeout is None:
                event = await _exchange(connection, data)
            else:
                with anyio.move_on_after(read_timeout) as scope:
                    event = await _exchange(connection, data)
                if scope.cancelled_caught:
                    raise httpx.ReadTimeout("the server sent no response in time")
        except BaseException:
            self._release(connection)  # not done: closed, never pooled
            raise
        version = b"HTTP/" + event.http_version
        return httpx.Response(
            status_code=event.status_code,
            headers=event.headers.raw_items(),
            stream=_Body(self, connection, read_timeout),
            extensions={"http_version": version, "reason_phrase": event.reason},
        )

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the transport is closed")

    async def _take(self, origin: _Origin, connect_timeout: float | None) -> _Connection:
        """An idle connection to ``origin`` that is still good, or a new one."""
        stack = self._idle.get(origin.key)
        if stack:
            now = self._clock()
            while stack:
                connection = stack.pop()
                self._idle_count -= 1
                try:
                    good = now - connection.idle_since < self._expiry and connection.quiet()
                except Exception:  # noqa: BLE001 - a socket of a kind quiet() did not foresee
                    good = False
                if good:
                    return connection
                connection.close_now()
        return await self._connect(origin, connect_timeout)

    async def _connect(self, origin: _Origin, connect_timeout: float | None) -> _Connection:
        """A new connection (TLS when https); failures here never sent a byte."""
        socket_stream: anyio.abc.SocketStream | None = None
        self._connecting += 1
        try:
            with anyio.fail_after(connect_timeout):
                socket_stream = await anyio.connect_tcp(origin.host, origin.port)
                stream: anyio.abc.ByteStream = socket_stream
                if origin.tls:
                    stream = await TLSStream.wrap(
                        socket_stream,
                        hostname=origin.host,
                        ssl_context=self._tls,
                        standard_compatible=False,
                    )
        except TimeoutError:
            _close_half_open(socket_stream)
            raise httpx.ConnectTimeout("connecting took too long") from None
        except ssl.SSLError as exc:
            _close_half_open(socket_stream)
            reason = getattr(exc, "reason", None) or "handshake failed"
            raise httpx.ConnectError(f"TLS: {reason}") from None
        except (*_STREAM_ERRORS, anyio.EndOfStream) as exc:
            _close_half_open(socket_stream)
            raise httpx.ConnectError(_connect_failure(exc)) from None
        except BaseException:
            _close_half_open(socket_stream)
            raise
        finally:
            self._connecting -= 1
        return _Connection(origin, stream, socket_stream, self._max_header_bytes)

    def _release(self, connection: _Connection) -> None:
        """Pool the connection if its exchange ended cleanly; otherwise close it."""
        self._busy.discard(connection)
        state = connection.h11
        if (
            self._closed
            or state.our_state is not h11.DONE
            or state.their_state is not h11.DONE
            or state.trailing_data != (b"", False)
        ):
            connection.close_now()
            return
        state.start_next_cycle()
        now = self._clock()
        connection.idle_since = now
        stack = self._idle.setdefault(connection.origin.key, [])
        # the oldest idle connections are at the bottom: let the expired ones go
        while stack and now - stack[0].idle_since >= self._expiry:
            stack.pop(0).close_now()
            self._idle_count -= 1
        if self._idle_count >= self._max_idle:
            self._evict_oldest()
        stack.append(connection)
        self._idle_count += 1

    def _evict_oldest(self) -> None:
        """Close the idle connection unused the longest (only with several origins)."""
        stacks = [stack for stack in self._idle.values() if stack]
        if stacks:
            oldest = min(stacks, key=lambda stack: stack[0].idle_since)
            oldest.pop(0).close_now()
            self._idle_count -= 1

    def _all(self) -> list[_Connection]:
        """Every connection, idle or busy; the pool forgets them all."""
        connections = [c for stack in self._idle.values() for c in stack]
        connections += self._busy
        self._idle.clear()
        self._busy.clear()
        self._idle_count = 0
        return connections

    async def aclose(self) -> None:
        self._closed = True
        for connection in self._all():
            connection.close_now()
        await anyio.lowlevel.cancel_shielded_checkpoint()

    def abandon(self) -> None:
        """Let go of the pool after its event loop has ended, without that loop."""
        self._closed = True
        for connection in self._all():
            connection.abandon(self._drop_transport)


def _request_bytes(
    method: str, target: str, headers: list[tuple[str, str]], content: bytes | None
) -> bytes:
    """The request's bytes, head and body (one write), each part checked first.

    Written here rather than by h11, which checks the same at three times the cost.
    A value that would break the head (a line break, a control character) is refused;
    the error never quotes it, since it may be the credentials. ``headers`` hold
    neither Content-Length nor Transfer-Encoding: the body's length is added here.
    """
    if content or method in _BODY_METHODS:
        headers = [*headers, ("Content-Length", str(len(content) if content else 0))]
    if not HEADER_NAME.fullmatch(method) or not _TARGET.fullmatch(target):
        raise httpx.LocalProtocolError("the request's method or path is not valid HTTP/1.1")
    parts = [method, " ", target, " HTTP/1.1\r\n"]
    for name, value in headers:
        if not HEADER_NAME.fullmatch(name) or not HEADER_VALUE.fullmatch(value):
            raise httpx.LocalProtocolError("the request's headers are not valid HTTP/1.1")
        parts += (name, ": ", value, "\r\n")
    parts.append("\r\n")
    head = "".join(parts).encode("ascii")
    return head + content if content else head


def _expect_response(state: h11.Connection, method: str, close: bool) -> None:
    """Tell h11 a request went out, so that it parses the answer to it.

    What h11 needs of the request to read the response is its method (a HEAD's answer
    has no body) and whether it asked to close; the head itself was written by
    `_request_bytes`, so h11 is given a stand-in of that kind, made once.
    """
    request = _STAND_INS.get((method, close))
    if request is None:
        headers = [("Host", "-"), ("Connection", "close")] if close else [("Host", "-")]
        request = h11.Request(method=method, target="/", headers=headers)
        if len(_STAND_INS) < _MAX_METHODS:
            _STAND_INS[method, close] = request
    state.send(request)
    state.send(_END)


async def _exchange(connection: _Connection, data: bytes) -> h11.Response:
    """Write the request; the final response's head."""
    connection.head_bytes = 0
    try:
        await connection.stream.send(data)
    except _STREAM_ERRORS:
        raise httpx.WriteError("the connection broke while sending") from None
    return await _response_head(connection)


async def _response_head(connection: _Connection) -> h11.Response:
    """The final response's head; informational (1xx) ones are skipped, a few at most."""
    for _ in range(_MAX_INFORMATIONAL + 1):
        event = await _next_event(connection, None, head=True)
        final = type(event) is h11.Response
        if not final and type(event) is not h11.InformationalResponse:  # pragma: no cover
            raise httpx.RemoteProtocolError("the server's response is not valid HTTP/1.1")
        # what was received less what h11 has not parsed yet (the body's first bytes)
        size = connection.head_bytes - len(connection.h11.trailing_data[0])
        if size > connection.max_head:
            raise httpx.RemoteProtocolError(
                f"the response's head is larger than {connection.max_head} bytes"
            )
        if final:
            headers = event.headers
            if _header(headers, b"transfer-encoding") and _header(headers, b"content-length"):
                # the two framings disagree: whichever h11 believes, the Session's size
                # check read the other (RFC 9112 6.3: treat as an error)
                raise httpx.RemoteProtocolError(
                    "the response has both a Content-Length and a Transfer-Encoding"
                )
            return event  # type: ignore[no-any-return]
    raise httpx.RemoteProtocolError("the server sent too many informational responses")


async def _next_event(
    connection: _Connection, read_timeout: float | None, *, head: bool = False
) -> Any:
    """h11's next event, reading from the socket as needed.

    Bounded in time by the caller's deadline (and ``read_timeout`` per read); each
    read brings at least one byte, or the end.
    """
    state = connection.h11
    while True:
        try:
            event = state.next_event()
        except h11.RemoteProtocolError:
            event = None  # raised below, outside this block: h11's text may quote a header
        if event is None:
            _invalid(state, head)
        if event is not h11.NEED_DATA:
            return event
        if read_timeout is None:
            data = await _receive(connection.stream)
        else:
            with anyio.move_on_after(read_timeout) as scope:
                data = await _receive(connection.stream)
            if scope.cancelled_caught:
                raise httpx.ReadTimeout("the server stopped sending")
        if head:
            if not data and state.their_state is h11.SEND_RESPONSE:
                raise httpx.RemoteProtocolError(
                    "the server closed the connection without answering"
                )
            connection.head_bytes += len(data)
        state.receive_data(data)


def _invalid(state: h11.Connection, head: bool) -> NoReturn:
    """The error for what h11 refused, in words of our own (h11's may quote a header)."""
    pending, closed = state.trailing_data
    if head and closed and not pending:
        raise httpx.RemoteProtocolError(
            "the server closed the connection without answering"
        ) from None
    if closed:
        raise httpx.RemoteProtocolError("the server closed the connection mid-response") from None
    raise httpx.RemoteProtocolError("the server's response is not valid HTTP/1.1") from None


async def _receive(stream: anyio.abc.ByteStream) -> bytes:
    """The next bytes from the socket; ``b""`` at its end."""
    try:
        return await stream.receive(_CHUNK)
    except anyio.EndOfStream:
        return b""
    except _STREAM_ERRORS:
        raise httpx.ReadError("the connection broke while reading the response") from None


def _header(headers: Any, name: bytes) -> bool:
    """Whether h11's parsed headers (lower-case names) hold ``name``."""
    return any(key == name for key, _ in headers)


def _peekable(raw: object) -> tuple[socket.socket | None, socket.socket | None]:
    """The socket `_Connection.quiet` can peek at, and the copy of it to close later
    when one had to be made.

    trio hands out the socket itself; asyncio a wrapper with the socket inside; uvloop a
    stand-in whose recv() refuses, so a duplicate of its descriptor is peeked at.
    """
    if isinstance(raw, socket.socket):
        return raw, None
    inner = getattr(raw, "_sock", None)
    if isinstance(inner, socket.socket):
        return inner, None
    fileno = getattr(raw, "fileno", None)
    if fileno is None:
        return None, None
    try:
        copy = socket.socket(fileno=os.dup(fileno()))
    except (OSError, TypeError, ValueError):
        return None, None
    # left as it is: its blocking mode is the original's (one open file), and the peek
    # does not wait either way
    return copy, copy


def _close_socket(socket_stream: anyio.abc.SocketStream, raw: socket.socket | None) -> None:
    """Close a socket at once, without awaiting.

    Both anyio backends keep the native object a close can be called on
    synchronously (asyncio's transport, trio's socket); if neither is found, the
    socket is shut down so that the server sees the end, and collected later.
    """
    transport = getattr(socket_stream, "_transport", None)
    if transport is not None:
        transport.abort()
        return
    trio_socket = getattr(socket_stream, "_trio_socket", None)
    if trio_socket is not None:
        trio_socket.close()
        return
    if raw is not None:  # pragma: no cover - a future anyio
        with contextlib.suppress(OSError):
            raw.shutdown(socket.SHUT_RDWR)


def _close_half_open(socket_stream: anyio.abc.SocketStream | None) -> None:
    """Close a socket whose TLS handshake did not finish."""
    if socket_stream is not None:
        _close_socket(socket_stream, None)


def _connect_failure(exc: BaseException) -> str:
    """A short text for a failed connect: the OS's reason, never more."""
    reason = getattr(exc, "strerror", None)
    if isinstance(exc, OSError) and reason:
        return f"could not connect: {reason}"
    return "could not connect"
