"""`Session`: credentials, base URL and the one HTTP connection pool; the only I/O."""

from __future__ import annotations

import enum
import logging
import random
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import final

import anyio
import httpx

from ._auth import Credentials, make_credentials
from ._config import DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, USER_AGENT
from ._exceptions import (
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    InvalidArgumentError,
    RequestInfo,
    SessionClosedError,
    SunshineError,
)
from ._resources import AppsResource
from ._sansio import (
    ApiResponse,
    Failure,
    build_url,
    encode_body,
    error_from_response,
    is_local_host,
    may_have_arrived,
    normalize_base_url,
    parse_json_object,
    parse_retry_after,
    retry_delay,
    should_retry,
    treat_as_success,
)
from ._types import JSONObject, Method, QueryParams, Scope

__all__ = ["Session"]

logger = logging.getLogger("sunshine_async")


class _State(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


def _classify(exc: Exception) -> Failure:
    # connect failures and pool waits happen before a byte of the request is written
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return Failure.NOT_SENT
    if isinstance(exc, httpx.TimeoutException):
        return Failure.TIMEOUT
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError | httpx.DecodingError):
        return Failure.NETWORK
    # LocalProtocolError, UnsupportedProtocol, InvalidURL, ...: the request itself is wrong
    return Failure.INVALID


def _scrub(exc: Exception, authorization: str) -> None:
    """Take the credentials out of an httpx error's text (an illegal header is quoted)."""
    secret_parts = [authorization, authorization.partition(" ")[2]]
    text = str(exc)
    for part in secret_parts:
        if part and part in text:
            text = text.replace(part, "[secure]")
    if text != str(exc):
        exc.args = (text,)


@final
class Session:
    """A connection to the Sunshine Conversations API: credentials, base URL, HTTP pool.

    Use it as an async context manager and share it between tasks; it closes the
    `httpx.AsyncClient` it created on exit (never one passed in as ``http_client``).

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
        timeout: Seconds one attempt may take in all (connect, send, read).
        max_retries: How often a failed request is retried (default 2; 0 disables).
            GET and DELETE are retried on 429, 5xx, timeouts and broken connections; a
            POST only on 429 or when it never left this machine.
        http_client: An `httpx.AsyncClient` to use instead of creating one; the
            caller keeps it and closes it.
        transport: An httpx transport for the client the session creates (for tests,
            proxies or custom TLS).

    Raises:
        InvalidArgumentError: missing or conflicting credentials, or a bad setting.

    Example::

        async with Session(key_id="app_...", secret="...") as session:
            clients = session.apps[app_id].users[user_id].clients
            async for client in clients.list():
                print(client.id, client.type, client.status)

    .. versionadded:: 0.1
    """

    __slots__ = (
        "_base_url",
        "_client",
        "_credentials",
        "_max_retries",
        "_owns_client",
        "_rand",
        "_sleep",
        "_state",
        "_timeout",
        "apps",
    )

    def __init__(
        self,
        *,
        key_id: str | None = None,
        secret: str | None = None,
        jwt: str | None = None,
        use_jwt: bool = False,
        scope: Scope = "app",
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._credentials: Credentials = make_credentials(
            key_id=key_id, secret=secret, jwt=jwt, use_jwt=use_jwt, scope=scope
        )
        self._base_url = normalize_base_url(base_url)
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not 0 < timeout < float("inf")
        ):
            raise InvalidArgumentError(f"timeout must be a positive number, got {timeout!r}")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InvalidArgumentError(f"max_retries must be an int >= 0, got {max_retries!r}")
        if http_client is not None and transport is not None:
            raise InvalidArgumentError("pass http_client= or transport=, not both")
        self._timeout = float(timeout)
        self._max_retries = max_retries
        self._owns_client = http_client is None
        self._client = http_client or httpx.AsyncClient(
            transport=transport,
            timeout=self._timeout,
            follow_redirects=False,
            # a proxy from the environment must not catch a local test server (and see
            # its credentials): httpx does not exempt loopback by itself
            trust_env=not is_local_host(httpx.URL(self._base_url).host),
        )
        self._state = _State.OPEN
        # seams for tests: how to wait and where jitter comes from
        self._sleep: Callable[[float], Awaitable[object]] = anyio.sleep
        self._rand: Callable[[], float] = random.random
        #: ``session.apps[app_id]``: the way to every resource.
        self.apps = AppsResource(self)

    def __repr__(self) -> str:
        return (
            f"Session(base_url={self._base_url!r}, credentials={self._credentials!r},"
            f" state={self._state.value!r})"
        )

    @property
    def base_url(self) -> str:
        """The base URL requests go to, without a trailing slash."""
        return self._base_url

    @property
    def is_closed(self) -> bool:
        """Whether `aclose` has been called (or the ``async with`` block has ended)."""
        return self._state is _State.CLOSED

    async def __aenter__(self) -> Session:
        if self._state is _State.CLOSED:
            raise SessionClosedError("this Session is closed and cannot be entered again")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the session and, if the session created it, its HTTP client. Idempotent."""
        if self._state is _State.CLOSED:
            return
        self._state = _State.CLOSED
        if self._owns_client:
            # finish closing even when the surrounding task is being cancelled
            with anyio.CancelScope(shield=True):
                await self._client.aclose()

    async def request(
        self,
        method: Method,
        path: str,
        *,
        params: QueryParams = (),
        body: JSONObject | None = None,
    ) -> ApiResponse:
        """Send one API request, with retries; return the success or raise a typed error.

        ``path`` starts with ``/v2/`` and is already encoded. The resources call this;
        it is public for endpoints this SDK does not cover yet.
        """
        url = build_url(self._base_url, path, params)
        info = RequestInfo(method=method, url=url)
        content = None if body is None else encode_body(body)
        attempt = 0
        earlier_may_have_arrived = False
        while True:
            self._check_open()
            response, error, failure = await self._attempt(info, content)
            if error is None:
                assert response is not None
                return response
            status = error.status_code if isinstance(error, ApiError) else None
            if isinstance(error, ApiError) and treat_as_success(
                method, error, earlier_may_have_arrived=earlier_may_have_arrived
            ):
                logger.info("%s %s: already removed by an earlier attempt", method, info.target)
                return ApiResponse(error.status_code, error.headers, {}, info)
            earlier_may_have_arrived |= may_have_arrived(status, failure)
            if attempt < self._max_retries and should_retry(
                method, status_code=status, failure=failure
            ):
                retry_after = (
                    parse_retry_after(error.headers.get("retry-after"))
                    if isinstance(error, ApiError)
                    else None
                )
                delay = retry_delay(attempt, retry_after, rand=self._rand)
                if delay is not None:
                    attempt += 1
                    logger.info(
                        "%s; retry %d of %d in %.2fs", error, attempt, self._max_retries, delay
                    )
                    await self._sleep(delay)
                    continue
            raise error from error.__cause__

    def _check_open(self) -> None:
        if self._state is _State.CLOSED:
            raise SessionClosedError("this Session is closed; create a new one")
        if self._client.is_closed:
            raise SessionClosedError("the http_client given to this Session has been closed")

    async def _attempt(
        self, info: RequestInfo, content: bytes | None
    ) -> tuple[ApiResponse | None, SunshineError | None, Failure | None]:
        """One try: a success, or the error it ended with (and how, if it got no response)."""
        authorization = self._credentials.authorization()
        headers = {
            "Authorization": authorization,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if content is not None:
            headers["Content-Type"] = "application/json"
        try:
            request = self._client.build_request(
                info.method, info.url, content=content, headers=headers
            )
            with anyio.fail_after(self._timeout):
                response = await self._client.send(request)
        except TimeoutError as exc:
            error: SunshineError = ApiTimeoutError(
                f"no response within {self._timeout:g}s ({info.method} {info.target})",
                request=info,
            )
            error.__cause__ = exc
            return None, error, Failure.TIMEOUT
        except (httpx.RequestError, httpx.InvalidURL) as exc:
            _scrub(exc, authorization)
            kind = (
                ApiTimeoutError if isinstance(exc, httpx.TimeoutException) else ApiConnectionError
            )
            error = kind(
                f"{type(exc).__name__}: {exc or 'connection failed'} ({info.method} {info.target})",
                request=info,
            )
            error.__cause__ = exc
            return None, error, _classify(exc)
        except RuntimeError as exc:
            if self._client.is_closed:
                # closed by another task (aclose) while this request was on its way
                raise SessionClosedError("the Session was closed during the request") from exc
            # most often "Event loop is closed": the pool's connections belong to the
            # loop the Session was first used in
            _scrub(exc, authorization)
            error = ApiConnectionError(
                f"RuntimeError: {exc} ({info.method} {info.target}); a Session works in"
                " one event loop: create it inside the loop that uses it",
                request=info,
            )
            error.__cause__ = exc
            return None, error, Failure.INVALID
        logger.debug("%s %s -> %d", info.method, info.target, response.status_code)
        if not response.is_success:
            return (
                None,
                error_from_response(response.status_code, response.headers, response.content, info),
                None,
            )
        # an empty success body is read as {}: nothing to decode, nothing lost
        data = parse_json_object(response.content) if response.content else {}
        if data is None:
            return (
                None,
                ApiError(
                    f"{response.status_code} the response body is not a JSON object"
                    f" ({info.method} {info.target})",
                    status_code=response.status_code,
                    headers=response.headers,
                    request=info,
                ),
                None,
            )
        return ApiResponse(response.status_code, response.headers, data, info), None, None
