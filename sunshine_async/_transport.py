"""The HTTP client under a Session: which transport, its pool, and whether a request left.

On asyncio the SDK prefers aiohttp (the ``speed`` extra, through `_aiohttp`) when it is
installed; on trio, and on asyncio without aiohttp, its own HTTP/1.1 transport (`_h11`):
httpcore's async pool costs more than the requests it carries. httpx's own transport
(httpcore) stays for a proxy from the environment, and while a test double mocks httpx.

A test double that replaces httpx's way of sending (respx, pytest-httpx) is never
routed around: while one is in place, "auto" keeps to httpx's transport, and asking for
one of the SDK's own (h11, aiohttp) by name is refused.

Whether a failed request may have reached the server is told by a `SendTracker`, fed
by the transport's own events: httpcore's ``trace`` extension, aiohttp's connector,
the h11 transport's ``on_send``.
What a failure then means for a retry is `_retry.classify`'s to say.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import ssl
import sys
import typing
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any, Final, Literal, Protocol, TypeAlias, final

import attrs
import httpcore
import httpx
import sniffio

from ._config import MAX_EXCERPT_CHARS
from ._exceptions import InvalidArgumentError
from ._text import excerpt

__all__ = [
    "Carrier",
    "PoolStats",
    "SendTracker",
    "TransportKind",
    "TransportName",
    "aiohttp_installed",
    "describe_transport_error",
    "httpx_mocked",
    "open_carrier",
    "pick_transport",
    "running_backend",
]

#: What ``Session(transport=...)`` accepts by name.
TransportName: TypeAlias = Literal["auto", "h11", "httpcore", "aiohttp"]
#: What a Session ends up with: ours (tracked) or a client/transport the user gave.
TransportKind: TypeAlias = Literal["h11", "httpcore", "aiohttp", "custom"]
#: The transports of the SDK's own that go around httpx (and so around its mocks).
_OUR_OWN: Final = frozenset({"h11", "aiohttp"})
TRANSPORT_NAMES: Final = typing.get_args(TransportName)
SPEED_HINT: Final = "pip install 'sunshine-async[speed]'"


def running_backend() -> str:
    """``"asyncio"`` or ``"trio"``: the event loop the caller runs in."""
    return sniffio.current_async_library()


def loop_identity() -> Callable[[], object]:
    """The running event loop's cheapest way to name itself: asyncio's running loop,
    or trio's token. Called from another kind of loop, it raises `RuntimeError`.

    Taken from the loaded module (the loop runs, so it is loaded), never imported here.
    """
    backend = running_backend()
    if backend == "asyncio":
        get_running_loop: Callable[[], object] = sys.modules["asyncio"].get_running_loop
        return get_running_loop
    if backend == "trio":
        current_trio_token: Callable[[], object] = sys.modules["trio"].lowlevel.current_trio_token
        return current_trio_token
    return _any_loop  # pragma: no cover - anyio knows no other backend today


def _any_loop() -> object:
    import anyio.lowlevel

    return anyio.lowlevel.current_token().native_token


def aiohttp_installed() -> bool:
    """Whether aiohttp (the ``speed`` extra) can be imported."""
    return importlib.util.find_spec("aiohttp") is not None


def environment_proxy_applies(url: str) -> bool:
    """Whether the environment names a proxy that httpx would use for ``url``."""
    proxies = urllib.request.getproxies()
    scheme = url.partition("://")[0]
    return bool(proxies.get(scheme) or proxies.get("all"))


#: Where test doubles put themselves: (class, method) pairs of httpx's sending path.
#: respx replaces httpcore's pool method (its default) or the client's transport lookup
#: (``using="httpx"``); pytest-httpx replaces httpx's transport method.
_SEND_PATH: Final = (
    (httpcore.AsyncConnectionPool, "handle_async_request"),
    (httpx.AsyncHTTPTransport, "handle_async_request"),
)
_CLIENT_PATH: Final = (httpx.AsyncClient, "_transport_for_url")


def _replaced(owner: type, name: str) -> bool:
    # a mock puts a function of its own (or a Mock object) where httpx's was, and its
    # name and package give it away; wrappers that copy the original's identity
    # (functools.wraps, wrapt: tracing, not mocking) pass for the original. The owner's
    # __module__ is the public package ("httpx"), the method's the private module.
    method = getattr(owner, name, None)
    if method is None:
        return False  # a later httpx without this method: nothing there to mock
    package = str(getattr(method, "__module__", None)).partition(".")[0]
    qualname = getattr(method, "__qualname__", None)
    return package != owner.__module__.partition(".")[0] or (
        qualname != f"{owner.__qualname__}.{name}"
    )


def httpx_mocked() -> Literal["client", "transport"] | None:
    """Whether a test double has replaced part of httpx's way of sending, and where.

    ``"client"``: only requests sent through an `httpx.AsyncClient` reach it (respx's
    ``using="httpx"``); ``"transport"``: requests sent by httpx's transport do (respx's
    default, pytest-httpx); None: nothing is mocked. Costs a few attribute lookups and
    imports nothing, respx included.
    """
    if _replaced(*_CLIENT_PATH):
        return "client"
    if any(_replaced(owner, name) for owner, name in _SEND_PATH):
        return "transport"
    return None


#: Test doubles known to replace httpx's sending. Until one of them is imported, a
#: request pays one dict lookup each for the check that no mock is being bypassed.
_MOCK_MODULES: Final = ("respx", "pytest_httpx")


def pick_transport(
    choice: TransportName, backend: str, *, aiohttp_ok: bool, proxy: bool, mocked: bool = False
) -> Literal["h11", "httpcore", "aiohttp"]:
    """The transport a Session opens with. Pure.

    ``mocked`` tells that a test double (respx) has replaced httpx's sending: the SDK's
    own transports would go around it, to the real network.

    >>> pick_transport("auto", "trio", aiohttp_ok=True, proxy=False)
    'h11'
    >>> pick_transport("auto", "asyncio", aiohttp_ok=True, proxy=False)
    'aiohttp'
    >>> pick_transport("auto", "asyncio", aiohttp_ok=False, proxy=False)
    'h11'
    >>> pick_transport("auto", "asyncio", aiohttp_ok=True, proxy=False, mocked=True)
    'httpcore'

    Raises:
        InvalidArgumentError: ``"aiohttp"`` asked for where it cannot run, or an
            own transport asked for by name while httpx is mocked.
    """
    if choice == "httpcore":
        return "httpcore"
    if choice == "h11":
        if mocked:
            raise _bypass_refused(choice)
        return "h11"
    if choice == "aiohttp":
        if backend != "asyncio":
            raise InvalidArgumentError(f"transport='aiohttp' runs on asyncio only, not {backend}")
        if not aiohttp_ok:
            raise InvalidArgumentError(f"transport='aiohttp' needs aiohttp: {SPEED_HINT}")
        if mocked:
            raise _bypass_refused(choice)
        return "aiohttp"
    # the SDK's own transports would ignore the environment's proxy, and any mock of
    # httpx: keep httpx's transport, which honours both
    if proxy or mocked:
        return "httpcore"
    if backend == "asyncio" and aiohttp_ok:
        return "aiohttp"
    return "h11"


def _bypass_refused(choice: str) -> InvalidArgumentError:
    # refused rather than switched: the caller asked for a transport by name, and
    # honouring it would send the test's requests (and credentials) for real
    return InvalidArgumentError(
        f"transport={choice!r} would bypass the httpx mock (respx) active now;"
        " use transport='auto' or 'httpcore' in tests that mock httpx"
    )


class SendTracker:
    """Whether the current attempt may have put a byte of its request on the wire.

    Starts False; becomes True once the transport starts sending (httpcore, h11) or
    holds a connection to send on (aiohttp). While it is False, the request cannot have
    reached the server, whatever went wrong.
    """

    __slots__ = ("sent",)

    def __init__(self) -> None:
        self.sent = False

    async def httpcore_trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's ``trace`` extension: called on each step of a request."""
        if event.endswith(".send_request_headers.started"):
            self.sent = True


#: The tracker of the attempt running in this task (aiohttp's hooks find it here).
CURRENT_TRACKER: ContextVar[SendTracker | None] = ContextVar("sunshine_async_tracker", default=None)


def mark_connection_held() -> None:
    """Tell the running attempt's `SendTracker` that its request may now be sent (the
    SDK's aiohttp transport calls this once it holds a connection, and its h11 one just
    before the first byte is written)."""
    tracker = CURRENT_TRACKER.get()
    if tracker is not None:
        tracker.sent = True


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # built once per process: loading the CA bundle takes tens of milliseconds, and a
    # context can serve every connection of every session. Each of the SDK's transports
    # speaks HTTP/1.1 only, and says so in the handshake (httpcore sets the same)
    context = httpx.create_ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    return context


def _limits(max_connections: int) -> httpx.Limits:
    # every slot the Session's limiter allows is kept alive: a smaller keep-alive pool
    # would close and reopen connections under steady load
    return httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)


class DirectSend(Protocol):
    """A transport's way to send without an `httpx.Request` (see `Carrier`)."""

    def __call__(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        content: bytes | None,
        timeouts: Mapping[str, float | None],
        /,
    ) -> Awaitable[httpx.Response]: ...


class Carrier:
    """Carries a Session's requests: straight to an httpx transport, or through a client.

    The Session does what httpx's client layer would (credentials, deadlines, no
    redirects, no cookies), so its own transports are called directly, which halves
    httpx's cost per request. A client is used where it adds something: the caller's
    own ``http_client``, or a proxy named by the environment.
    """

    __slots__ = ("_client", "_closed", "_direct", "_owned", "_timeouts", "kind", "transport")

    def __init__(
        self,
        kind: TransportKind,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        client: httpx.AsyncClient | None = None,
        owned: bool,
        timeouts: httpx.Timeout,
    ) -> None:
        #: ``"h11"``, ``"httpcore"`` or ``"aiohttp"`` (the SDK's own), or ``"custom"``
        #: (the caller's).
        self.kind = kind
        #: The transport called directly, or None when a client carries the requests.
        self.transport = transport
        self._client = client
        self._owned = owned
        self._timeouts = timeouts.as_dict()
        self._closed = False
        # the SDK's own transports take the request's parts as they are: no
        # httpx.Request to build, and no URL to parse again (a third of their cost)
        self._direct: DirectSend | None = getattr(transport, "send_direct", None)

    def bypasses_mock(self) -> bool:
        """Whether a test double that now replaces httpx's sending would miss this
        carrier's requests (it was opened before the mock started).

        A transport or client the caller gave is theirs to answer for.
        """
        if self.kind == "custom" or not any(name in sys.modules for name in _MOCK_MODULES):
            return False
        mocked = httpx_mocked()
        if mocked is None:
            return False
        return self.kind in _OUR_OWN or (mocked == "client" and self._client is None)

    @property
    def tracked(self) -> bool:
        """Whether a `SendTracker` learns from this carrier when a request leaves."""
        return self.kind != "custom"

    @property
    def is_closed(self) -> bool:
        """Whether it can carry no more requests (a given client may be closed by its owner)."""
        return self._client.is_closed if self._client is not None else self._closed

    async def send(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None,
        headers: dict[str, str],
        trace: SendTracker | None,
        timeouts: dict[str, float | None] | None = None,
    ) -> httpx.Response:
        """Send the request; the response's body is left to read (``aiter_raw``).

        ``timeouts`` replace the carrier's own for this request (a per-call timeout).
        """
        extensions: dict[str, Any] = {} if trace is None else {"trace": trace.httpcore_trace}
        if timeouts is None:
            timeouts = self._timeouts
        client = self._client
        if client is not None:
            if timeouts is not self._timeouts:
                extensions["timeout"] = timeouts
            request = client.build_request(
                method, url, content=content, headers=headers, extensions=extensions
            )
            return await client.send(request, stream=True)
        if self._direct is not None:
            return await self._direct(method, url, headers, content, timeouts)
        assert self.transport is not None
        extensions["timeout"] = timeouts
        request = httpx.Request(
            method, url, content=content, headers=headers, extensions=extensions
        )
        response = await self.transport.handle_async_request(request)
        response.request = request
        return response

    def abandon(self) -> None:
        """Give up the pool after its event loop has ended (no I/O can close it now).

        The SDK's own transports close their sockets without the loop; otherwise
        the connections are left to the garbage collector.
        """
        self._closed = True
        if not self._owned:
            return
        abandon = getattr(self.transport, "abandon", None)
        if abandon is not None:
            abandon()
            return
        # httpcore's pool: each connection's socket stream, found by what httpcore
        # keeps (private names, looked up defensively: a change only leaves the GC to it)
        pool = getattr(self.transport, "_pool", None)
        for connection in getattr(pool, "connections", ()):
            inner = getattr(connection, "_connection", None)
            stream = getattr(getattr(inner, "_network_stream", None), "_stream", None)
            transport = getattr(stream, "_transport", None)
            if transport is not None:
                drop_transport(transport)

    async def aclose(self) -> None:
        """Close what this carrier made (never a client or transport it was given)."""
        self._closed = True
        if not self._owned:
            return
        if self._client is not None:
            await self._client.aclose()
        elif self.transport is not None:
            await self.transport.aclose()


@final
@attrs.frozen(kw_only=True)
class PoolStats:
    """A snapshot of a Session's connection pool: `Session.pool_stats`.

    Costs no I/O and changes nothing, so a health check may call it as often as it
    likes. A pool at rest has ``in_flight == waiting == 0``, and then every open
    connection is idle.

    Args:
        transport: What carries the requests (see `Session.transport`); None before
            the Session opens.
        max_connections: Requests in flight at once, at most.
        in_flight: Requests holding a connection slot now: connecting, sending, or
            reading their response.
        waiting: Requests waiting for a free slot.
        open_connections: Connections the pool holds open, in use or idle; None
            where the SDK cannot tell (a client or transport you passed).
        idle_connections: Open connections kept alive for the next request; None
            where ``open_connections`` is.

    .. versionadded:: 0.2
    """

    transport: TransportKind | None
    max_connections: int
    in_flight: int
    waiting: int
    open_connections: int | None
    idle_connections: int | None


def pool_connections(carrier: Carrier) -> tuple[int, int] | None:
    """``(open, idle)``: the connections of the SDK's own pool; None for the caller's.

    The one place that looks inside the pools, read-only. The SDK's h11 transport
    counts its own. httpx keeps its httpcore
    pool private (``AsyncHTTPTransport._pool``), though the pool's ``connections`` and
    their ``is_idle()``/``is_closed()`` are httpcore's public API; aiohttp's
    `TCPConnector` has no public count at all (``_conns``: idle per host,
    ``_acquired``: in use). Looked up defensively: a change in either only makes this
    return None.
    """
    if carrier.kind == "custom" or carrier.transport is None or carrier.is_closed:
        return None
    counts = getattr(carrier.transport, "connection_counts", None)
    if counts is not None:  # the SDK's h11 transport counts its own
        open_and_idle: tuple[int, int] = counts()
        return open_and_idle
    connector = getattr(carrier.transport, "connector", None)
    if connector is not None:  # the SDK's aiohttp transport
        kept = getattr(connector, "_conns", None)
        acquired = getattr(connector, "_acquired", None)
        if kept is None or acquired is None:
            return None
        idle = sum(len(protocols) for protocols in kept.values())
        return idle + len(acquired), idle
    pool = getattr(carrier.transport, "_pool", None)
    if not isinstance(pool, httpcore.AsyncConnectionPool):
        return None
    alive = [connection for connection in pool.connections if not connection.is_closed()]
    return len(alive), sum(connection.is_idle() for connection in alive)


def drop_transport(transport: object) -> None:
    """Close an asyncio transport whose event loop has ended, without that loop.

    ``abort()`` marks it closing, then fails to schedule its end on the closed loop;
    that end (closing the socket) is run here instead, so no socket is left to the GC.
    """
    with contextlib.suppress(Exception):
        transport.abort()  # type: ignore[attr-defined]
    lost = getattr(transport, "_call_connection_lost", None)
    if lost is not None:
        with contextlib.suppress(Exception):
            lost(None)


def open_carrier(
    choice: httpx.AsyncBaseTransport | TransportName,
    *,
    client: httpx.AsyncClient | None,
    base_url: str,
    local: bool,
    max_connections: int,
    timeout: float,
    connect_timeout: float,
) -> Carrier:
    """The carrier a Session opens with, for the event loop running now."""
    timeouts = httpx.Timeout(timeout, connect=min(connect_timeout, timeout))
    if client is not None:
        return Carrier("custom", client=client, owned=False, timeouts=timeouts)
    if isinstance(choice, httpx.AsyncBaseTransport):
        return Carrier("custom", transport=choice, owned=False, timeouts=timeouts)
    # a proxy from the environment must not catch a local test server (and see its
    # credentials): httpx does not exempt loopback by itself
    proxy = not local and environment_proxy_applies(base_url)
    mocked = httpx_mocked()
    kind = pick_transport(
        choice,
        running_backend(),
        aiohttp_ok=aiohttp_installed(),
        proxy=proxy,
        mocked=mocked is not None,
    )
    if kind == "aiohttp":
        from ._aiohttp import AiohttpTransport

        # aiohttp binds to the running loop here: a Session belongs to one loop
        aiohttp_transport = AiohttpTransport(
            max_connections=max_connections,
            tls=_tls_context(),
            on_connection=mark_connection_held,
            drop_transport=drop_transport,
        )
        return Carrier("aiohttp", transport=aiohttp_transport, owned=True, timeouts=timeouts)
    if kind == "h11":
        from ._h11 import H11Transport

        h11_transport = H11Transport(
            max_connections=max_connections,
            tls=_tls_context(),
            on_send=mark_connection_held,
            drop_transport=drop_transport,
        )
        return Carrier("h11", transport=h11_transport, owned=True, timeouts=timeouts)
    if proxy or mocked == "client":
        # httpx's client turns the environment's proxy settings into its mounts, and
        # is where a mock of the client (respx's using="httpx") sees the requests
        own_client = httpx.AsyncClient(
            verify=_tls_context(),
            timeout=timeouts,
            limits=_limits(max_connections),
            follow_redirects=False,
            trust_env=proxy,
        )
        return Carrier("httpcore", client=own_client, owned=True, timeouts=timeouts)
    httpcore_transport = httpx.AsyncHTTPTransport(
        verify=_tls_context(), limits=_limits(max_connections), trust_env=False
    )
    return Carrier("httpcore", transport=httpcore_transport, owned=True, timeouts=timeouts)


_DEFAULT_TEXT: Final[dict[type[Exception], str]] = {
    httpx.ConnectError: "could not connect",
    httpx.ConnectTimeout: "connecting took too long",
    httpx.ReadError: "the connection broke while reading the response",
    httpx.WriteError: "the connection broke while sending the request",
    httpx.ReadTimeout: "the server stopped sending",
    httpx.WriteTimeout: "sending the request took too long",
    httpx.RemoteProtocolError: "the server closed the connection without a complete response",
    httpx.PoolTimeout: "no free connection",
}


def describe_transport_error(exc: Exception) -> str:
    """``ReadError: <text>``: the type and a short text, never an empty one."""
    text = excerpt(str(exc), MAX_EXCERPT_CHARS)
    if not text.strip():
        text = next(
            (words for kind, words in _DEFAULT_TEXT.items() if isinstance(exc, kind)),
            "the request failed",
        )
    return f"{type(exc).__name__}: {text}"
