"""An httpx transport over aiohttp (asyncio only; the ``speed`` extra).

Written for the Session's needs rather than taken from httpx-aiohttp, which decodes
the percent-encoded path again through yarl (``%40``, ``%3B`` ... reach the server
decoded), files every dropped connection under ``ConnectTimeout``, and lets some
aiohttp errors through whose repr holds the request's headers, credentials included.

This transport sends the URL exactly as encoded, keeps no cookies, never follows
redirects or retries by itself, and turns every aiohttp error into the httpx error of
the same meaning, with a short text and nothing of the request attached.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Final, TypeVar

import aiohttp
import httpx
import yarl

from ._config import MAX_EXCERPT_CHARS
from ._text import excerpt

__all__ = ["AiohttpTransport"]

T = TypeVar("T")

_CHUNK: Final = 64 * 1024


def _translate(exc: BaseException) -> httpx.TransportError | None:
    """The httpx error that means what an aiohttp error means; None if not aiohttp's."""
    if not isinstance(exc, aiohttp.ClientError):
        return None
    # the text only: the exception itself may hold the request (and its Authorization)
    text = excerpt(f"{type(exc).__name__}: {exc}", MAX_EXCERPT_CHARS)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(text)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(text)
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return httpx.ReadTimeout(text)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientResponseError):
        return httpx.RemoteProtocolError(text)
    if isinstance(exc, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(text)
    return httpx.ReadError(text)  # payload errors, resets, anything else once sent


async def _translated(step: Awaitable[T]) -> T:
    """Await ``step``; an aiohttp error comes out as its httpx equivalent."""
    translated = None
    try:
        return await step
    except Exception as exc:
        translated = _translate(exc)
        if translated is None:
            raise
    # raised out of the except block, so the aiohttp error is not its __context__
    raise translated


class _Body(httpx.AsyncByteStream):
    """The response body as aiohttp receives it, still encoded."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        content = self._response.content
        while chunk := await _translated(content.read(_CHUNK)):
            yield chunk

    async def read_whole(self) -> bytes:
        """The whole body at once (for a body of announced length, within the limit)."""
        return await _translated(self._response.read())

    def close_now(self) -> None:
        """Give the connection back (read to the end) or drop it (left half-read)."""
        if self._response.content.is_eof():
            self._response.release()
        else:
            self._response.close()

    async def aclose(self) -> None:
        self.close_now()


class _MarkingConnector(aiohttp.TCPConnector):
    """Marks the attempt as possibly sent once its request holds a connection.

    The same signal aiohttp's connection trace hooks give, without them: with any
    trace config at all, aiohttp builds and awaits its tracing for every step of every
    request, about 45 µs a request here.
    """

    def __init__(self, *, on_connection: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_connection = on_connection

    async def connect(self, *args: Any, **kwargs: Any) -> aiohttp.connector.Connection:
        connection = await super().connect(*args, **kwargs)
        self._on_connection()
        return connection


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests with one `aiohttp.ClientSession`, made in the running loop.

    ``on_connection`` is called once a request holds a connection (from then on it may
    have been sent); ``drop_transport`` closes an asyncio transport whose loop has
    ended. `_transport` passes both in, so this module never imports it back.
    """

    def __init__(
        self,
        *,
        max_connections: int,
        tls: ssl.SSLContext,
        on_connection: Callable[[], None],
        drop_transport: Callable[[object], None],
    ) -> None:
        connector = _MarkingConnector(
            on_connection=on_connection, limit=max_connections, limit_per_host=0, ssl=tls
        )
        self._drop_transport = drop_transport
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,  # the Session inflates, within its size limit
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )
        # aiohttp resends an idempotent request once by itself when a kept-alive
        # connection fails; the Session must see every attempt to judge a DELETE's 404
        if hasattr(self._session, "_retry_connection"):
            self._session._retry_connection = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts: dict[str, Any] = request.extensions.get("timeout", {})
        response = await self.send_direct(
            request.method,
            str(request.url),
            request.headers,
            request.content or None,
            timeouts,
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
        """
        response = await _translated(
            self._session.request(
                method,
                yarl.URL(url, encoded=True),  # as encoded: never re-parsed
                headers=headers,
                data=content,
                allow_redirects=False,
                compress=None,
                timeout=aiohttp.ClientTimeout(
                    sock_connect=timeouts.get("connect"), sock_read=timeouts.get("read")
                ),
            )
        )
        return httpx.Response(
            status_code=response.status,
            headers=list(response.raw_headers),
            stream=_Body(response),
        )

    @property
    def connector(self) -> aiohttp.BaseConnector | None:
        """The aiohttp connector holding the pool (for `Session.pool_stats`)."""
        return self._session.connector

    async def aclose(self) -> None:
        await self._session.close()

    def abandon(self) -> None:
        """Let go of the pool after its event loop has ended, without that loop.

        Nothing can run on a closed loop, so aiohttp cannot close its connections: their
        sockets are closed here, and the session and connector are marked closed, so
        that nothing reports an unclosed client session or connector at exit.
        """
        connector = self._session.connector
        if connector is None:
            return
        protocols = [proto for kept in connector._conns.values() for proto, _ in kept]
        protocols += list(connector._acquired)
        for protocol in protocols:
            if protocol.transport is not None:
                self._drop_transport(protocol.transport)
        connector._close()  # its loop is closed: this only marks it closed and forgets
