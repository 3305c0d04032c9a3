"""`Session` and its views: the engine below, with the way to every resource on top.

`_engine` does the requests and knows nothing of resources or generated code; this
module adds ``apps`` and ``token_info``, so that the core never imports upward.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import final

from ._engine import Engine, EngineView
from ._generated.models import App
from ._generated.resources import TokenInfoOperations
from ._options import RequestOptions
from ._resources import AppsResource

__all__ = ["Session", "SessionWithOptions"]


@final
class Session(Engine):
    """A connection to the Sunshine Conversations API: credentials, base URL, HTTP pool.

    Use it as an async context manager and share it between tasks; it closes the
    transport it created on exit (never an ``http_client`` passed in). Entered again
    (``async with`` inside ``async with``), it closes when the outermost block ends.
    The client is made when the session opens (``async with``, or its first request),
    for the event loop running then: a Session belongs to one event loop.

    At most ``max_connections`` requests are in flight at once; the others wait their
    turn, first come first served, without holding anything. An attempt's ``timeout``
    starts only once it holds a connection slot.

    Args:
        key_id: API key id (``app_…``, ``act_…``, ``svc_…``, ``int_…``).
        secret: The key's secret. With ``key_id``: HTTP basic auth, or minted JWTs
            with ``use_jwt=True``.
        jwt: A ready-made JWT, sent as ``Bearer`` as it is.
        use_jwt: Mint short-lived HS256 JWTs from ``key_id`` and ``secret`` (needs the
            ``jwt`` extra) and renew them before they expire.
        scope: The minted tokens' scope: ``"app"`` (default), ``"account"`` or
            ``"integration"``, matching the key.
        base_url: ``https://api.smooch.io`` by default; a Zendesk account's
            ``https://{subdomain}.zendesk.com/sc`` keeps its ``/sc`` prefix.
        timeout: Seconds one attempt may take in all (connect, send, read), counted
            from when it holds a connection slot (default 60).
        connect_timeout: Seconds to open a connection, within ``timeout`` (default 10).
        max_retries: How often a failed request is retried (default 2; 0 disables):
            a shortcut for ``retry=RetryPolicy(max_retries=...)``. GET and DELETE are
            retried on 429, 5xx, timeouts and broken connections; a POST only on 429
            or when it never left this machine.
        retry: The whole `RetryPolicy` (waits, caps, and for tests how to sleep).
        max_connections: Requests in flight at once, and connections in the pool
            (default 20).
        pool_timeout: Seconds a request may wait for a free slot before
            `PoolTimeoutError`; None (default) waits as long as it takes.
        max_response_bytes: The largest response body read, decompressed (default
            32 MiB); a larger one raises `ResponseTooLargeError`.
        http_client: An `httpx.AsyncClient` to use instead of creating one; the
            caller keeps it and closes it. Size ``max_connections`` to its pool.
        hooks: `Hooks` (or a list of them) called around every attempt, for logs,
            metrics and traces; `add_hooks` adds more later.
        transport: ``"auto"`` (default): aiohttp on asyncio when the
            ``speed`` extra is installed, else the SDK's own HTTP/1.1 transport
            (``"h11"``); httpx's own (``"httpcore"``) when the environment sets a
            proxy, and for requests sent while respx (or another mock of httpx) is
            active. ``"h11"``, ``"httpcore"`` or ``"aiohttp"`` to choose; or an httpx
            transport object such as ``httpx.MockTransport`` (for tests, proxies or
            custom TLS).

    Raises:
        InvalidArgumentError: missing or conflicting credentials, or a bad setting.
            Also, when it opens or sends, ``transport="aiohttp"`` or ``"h11"``
            while httpx is mocked, so that a test never sends around its mock.

    Example::

        async with Session(key_id="app_...", secret="...") as session:
            clients = session.apps[app_id].users[user_id].clients
            async for client in clients.list():
                print(client.id, client.type, client.status)

    .. versionadded:: 0.1
    .. versionchanged:: 0.2 ``connect_timeout``, ``max_connections``, ``pool_timeout``,
       ``max_response_bytes`` and transports by name.
    """

    __slots__ = ("apps",)

    def _attach(self) -> None:
        #: ``session.apps[app_id]``: the way to every resource.
        self.apps = AppsResource(self)

    async def token_info(self, *, options: RequestOptions | None = None) -> App:
        """The app the session's credentials belong to: a quick check that they work.

        For an account key, the app the token was made for; ``extra`` holds what the
        API adds (``subdomain`` for a Zendesk account). GET ``/v2/tokenInfo``.

        Raises:
            AuthenticationError: the credentials are not valid.
        """
        return await TokenInfoOperations(self, {}).token_info(options=options)

    def with_options(
        self,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> SessionWithOptions:
        """A view of this Session whose requests take these settings instead.

        It shares the Session's connection pool, credentials and hooks, and costs
        nothing to make: make one per call site if need be. A setting left None keeps
        the Session's; an ``options=`` given to a call wins over the view's.

        Example::

            quick = session.with_options(timeout=2.0, max_retries=0)
            user = await quick.apps[app_id].users.get(user_id)

        Raises:
            InvalidArgumentError: a bad value, a header value that is not printable
                ASCII, or a header the Session sets itself (``Authorization``,
                ``Content-Type``, ...).

        .. versionadded:: 0.2
        """
        options = RequestOptions(timeout=timeout, max_retries=max_retries, headers=headers)
        return SessionWithOptions(self, options)


@final
class SessionWithOptions(EngineView):
    """A view of a `Session` whose requests take other settings: `Session.with_options`.

    It shares the Session's pool, credentials, hooks and lifetime (closing the Session
    ends it too); it has no ``aclose`` of its own. Per-call ``options=`` win over the
    view's, and the view's over the Session's.

    .. versionadded:: 0.2
    """

    __slots__ = ("apps",)

    def _attach(self) -> None:
        #: ``view.apps[app_id]``: the way to every resource, with these options.
        self.apps = AppsResource(self)

    def with_options(
        self,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> SessionWithOptions:
        """A view with these settings on top of this view's (see `Session.with_options`)."""
        return SessionWithOptions(self._session, self.options_over(timeout, max_retries, headers))

    async def token_info(self, *, options: RequestOptions | None = None) -> App:
        """`Session.token_info` with this view's settings."""
        return await TokenInfoOperations(self, {}).token_info(options=options)
