"""The HTTP client under a Session: which transport, its pool, and what a failure means.

On asyncio the SDK prefers httpx over aiohttp (the ``speed`` extra) when it is
installed: httpcore's async pool costs more than the requests it carries. On trio, and
whenever a proxy from the environment applies, it uses httpx's own transport (httpcore).

Whether a failed request may have reached the server is told by a `SendTracker`, fed
by the transport's own events: httpcore's ``trace`` extension, aiohttp's trace hooks.
"""

from __future__ import annotations

import importlib.util
import urllib.request
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

import httpx
import sniffio

from ._config import MAX_EXCERPT_CHARS
from ._exceptions import InvalidArgumentError
from ._sansio import Failure, excerpt

if TYPE_CHECKING:
    import aiohttp

__all__ = [
    "SendTracker",
    "TransportKind",
    "TransportName",
    "aiohttp_installed",
    "build_client",
    "classify",
    "describe_transport_error",
    "pick_transport",
    "running_backend",
]

#: What ``Session(transport=...)`` accepts by name.
TransportName: TypeAlias = Literal["auto", "httpcore", "aiohttp"]
#: What a Session ends up with: ours (tracked) or a client/transport the user gave.
TransportKind: TypeAlias = Literal["httpcore", "aiohttp", "custom"]
TRANSPORT_NAMES: Final = ("auto", "httpcore", "aiohttp")
SPEED_HINT: Final = "pip install 'sunshine-async[speed]'"


def running_backend() -> str:
    """``"asyncio"`` or ``"trio"``: the event loop the caller runs in."""
    return sniffio.current_async_library()


def aiohttp_installed() -> bool:
    """Whether httpx's aiohttp transport (``httpx-aiohttp``) can be imported."""
    return importlib.util.find_spec("httpx_aiohttp") is not None


def environment_proxy_applies(url: str) -> bool:
    """Whether the environment names a proxy that httpx would use for ``url``."""
    proxies = urllib.request.getproxies()
    scheme = url.partition("://")[0]
    return bool(proxies.get(scheme) or proxies.get("all"))


def pick_transport(
    choice: TransportName, backend: str, *, aiohttp_ok: bool, proxy: bool
) -> Literal["httpcore", "aiohttp"]:
    """The transport a Session opens with. Pure.

    >>> pick_transport("auto", "trio", aiohttp_ok=True, proxy=False)
    'httpcore'
    >>> pick_transport("auto", "asyncio", aiohttp_ok=True, proxy=False)
    'aiohttp'

    Raises:
        InvalidArgumentError: ``"aiohttp"`` asked for where it cannot run.
    """
    if choice == "httpcore":
        return "httpcore"
    if choice == "aiohttp":
        if backend != "asyncio":
            raise InvalidArgumentError(f"transport='aiohttp' runs on asyncio only, not {backend}")
        if not aiohttp_ok:
            raise InvalidArgumentError(f"transport='aiohttp' needs httpx-aiohttp: {SPEED_HINT}")
        return "aiohttp"
    # aiohttp would ignore the environment's proxy: keep httpx's transport, which honours it
    return "aiohttp" if backend == "asyncio" and aiohttp_ok and not proxy else "httpcore"


class SendTracker:
    """Whether the current attempt may have put a byte of its request on the wire.

    Starts False; becomes True once the transport starts sending (httpcore) or holds
    a connection to send on (aiohttp). While it is False, the request cannot have
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


async def _aiohttp_connection_ready(*_: object) -> None:
    tracker = CURRENT_TRACKER.get()
    if tracker is not None:
        tracker.sent = True


def _aiohttp_session(max_connections: int) -> aiohttp.ClientSession:
    import aiohttp

    trace = aiohttp.TraceConfig()
    # from here on the request is being written on a connection of its own
    trace.on_connection_create_end.append(_aiohttp_connection_ready)
    trace.on_connection_reuseconn.append(_aiohttp_connection_ready)
    connector = aiohttp.TCPConnector(
        limit=max_connections, limit_per_host=0, ssl=httpx.create_ssl_context()
    )
    return aiohttp.ClientSession(
        connector=connector, trace_configs=[trace], auto_decompress=False, trust_env=False
    )


def build_client(
    kind: Literal["httpcore", "aiohttp"],
    *,
    max_connections: int,
    timeout: float,
    connect_timeout: float,
    trust_env: bool,
) -> httpx.AsyncClient:
    """The session's own `httpx.AsyncClient`, with ``max_connections`` pool slots."""
    timeouts = httpx.Timeout(timeout, connect=min(connect_timeout, timeout))
    # every slot the Session's limiter allows is kept alive: a smaller keep-alive pool
    # would close and reopen connections under steady load
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    if kind == "aiohttp":
        from httpx_aiohttp import AiohttpTransport

        transport = AiohttpTransport(
            limits=limits, client=lambda: _aiohttp_session(max_connections)
        )
        return httpx.AsyncClient(
            transport=transport, timeout=timeouts, follow_redirects=False, trust_env=False
        )
    return httpx.AsyncClient(
        timeout=timeouts, limits=limits, follow_redirects=False, trust_env=trust_env
    )


_INVALID: Final = (httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.InvalidURL)
_NOT_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# nothing can be read before the request is written: these always come after sending
_AFTER_SENDING: Final = (httpx.ReadError, httpx.ReadTimeout, httpx.RemoteProtocolError)


def _aiohttp_failure(cause: BaseException) -> Failure | None:
    # httpx-aiohttp maps every aiohttp.ClientConnectionError (a server that hung up
    # mid-response included) to httpx.ConnectTimeout: judge by aiohttp's own type
    if not type(cause).__module__.startswith("aiohttp"):
        return None
    import aiohttp

    if isinstance(cause, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return Failure.NOT_SENT
    if isinstance(cause, aiohttp.ServerTimeoutError):
        return Failure.TIMEOUT
    return Failure.NETWORK


def classify(exc: BaseException, *, sent: bool | None) -> Failure:
    """Why an attempt got no response, from its exception and, when known, ``sent``.

    ``sent`` is the `SendTracker`'s answer, or None for a client or transport the
    user supplied (then only the exception's type tells).

    >>> classify(httpx.ConnectError("refused"), sent=None)
    <Failure.NOT_SENT: 'not sent'>
    >>> classify(TimeoutError(), sent=True)
    <Failure.TIMEOUT: 'timeout'>
    """
    if isinstance(exc, _INVALID):
        return Failure.INVALID  # the request itself is wrong: resending cannot help
    failure = _aiohttp_failure(exc.__cause__) if exc.__cause__ is not None else None
    if failure is None and isinstance(exc, _AFTER_SENDING):
        failure = Failure.TIMEOUT if isinstance(exc, httpx.TimeoutException) else Failure.NETWORK
    if failure is not None:
        # a connect error once a connection was held cannot be: stay on the safe side
        return Failure.NETWORK if failure is Failure.NOT_SENT and sent else failure
    if sent is False or (sent is None and isinstance(exc, _NOT_SENT)):
        return Failure.NOT_SENT
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return Failure.TIMEOUT
    if isinstance(exc, httpx.TransportError | httpx.DecodingError):
        return Failure.NETWORK
    return Failure.INVALID


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
    """``ReadError: <text>``: the type and a short text, never an empty one.

    An error httpx-aiohttp translated is told by aiohttp's own type, which is the
    accurate one (see `classify`).
    """
    cause = exc.__cause__
    if isinstance(cause, Exception) and type(cause).__module__.startswith("aiohttp"):
        exc = cause
    text = excerpt(str(exc), MAX_EXCERPT_CHARS)
    if not text.strip():
        text = next(
            (words for kind, words in _DEFAULT_TEXT.items() if isinstance(exc, kind)),
            "the request failed",
        )
    return f"{type(exc).__name__}: {text}"
