"""The engine under `Session`: credentials, base URL, the one HTTP pool; the only I/O.

It knows requests, not resources: `_session` puts ``apps`` and ``token_info`` on top.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import math
import os
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from types import TracebackType
from typing import TypeAlias, TypeVar

import anyio
import attrs
import httpx

from ._auth import (
    ENV_BASE_URL,
    ENV_JWT,
    ENV_KEY_ID,
    ENV_KEY_SECRET,
    Credentials,
    credentials_from_env,
    make_credentials,
)
from ._bodies import encode_body
from ._checks import check_count, check_seconds
from ._config import (
    CLOSE_GRACE_SECONDS,
    DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    MAX_ERROR_BODY_BYTES,
    USER_AGENT,
)
from ._decoding import ACCEPT_ENCODING, BodyDecodeError, BodyTooLargeError, BoundedDecoder
from ._exceptions import (
    ApiConnectionError,
    ApiError,
    ApiTimeoutError,
    InvalidArgumentError,
    PoolTimeoutError,
    RequestInfo,
    ResponseTooLargeError,
    SessionClosedError,
    SunshineError,
    WrongEventLoopError,
)
from ._hooks import HookRunner, Hooks, RequestEvent
from ._operation import Operation
from ._options import RequestOptions
from ._responses import ApiResponse, error_from_response, parse_json_object, undecodable_response
from ._retry import Failure, RetryPolicy, classify, decide, may_have_arrived
from ._transport import (
    CURRENT_TRACKER,
    TRANSPORT_NAMES,
    Carrier,
    PoolStats,
    SendTracker,
    TransportKind,
    TransportName,
    describe_transport_error,
    loop_identity,
    open_carrier,
    pool_connections,
)
from ._types import JSONObject, Method, QueryParams, Scope
from ._urls import build_url, is_local_host, normalize_base_url

__all__ = ["Engine", "EngineView"]

logger = logging.getLogger("sunshine_async")

_E = TypeVar("_E", bound="Engine")


class _State(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


def _scrub(exc: Exception, authorization: str) -> None:
    """Take the credentials out of the text of an httpx error and of every error it
    was raised from: an illegal header is quoted, and a server may echo ours."""
    secret_parts = [part for part in (authorization, authorization.partition(" ")[2]) if part]
    link: BaseException | None = exc
    seen: set[int] = set()
    for _ in range(16):  # httpx, httpcore, h11: a chain is a few links long
        if link is None or id(link) in seen:
            break
        seen.add(id(link))
        text = str(link)
        scrubbed = text
        for part in secret_parts:
            scrubbed = scrubbed.replace(part, "[secure]")
        if scrubbed != text:
            link.args = (scrubbed,)
        link = link.__cause__ or link.__context__


class _Outgoing:
    """What every attempt of one request sends, and under which deadline."""

    __slots__ = ("content", "content_type", "extra_headers", "info", "timeout", "timeouts")

    def __init__(
        self,
        info: RequestInfo,
        content: bytes | None,
        content_type: str | None,
        timeout: float,
        timeouts: dict[str, float | None] | None,
        extra_headers: tuple[tuple[str, str], ...],
    ) -> None:
        self.info = info
        self.content = content
        self.content_type = content_type
        self.timeout = timeout
        #: The transport's own timeouts for a per-call ``timeout``; None: the Session's.
        self.timeouts = timeouts
        self.extra_headers = extra_headers


#: How an attempt ended: its response, or its error and (with no response) how it failed.
_Outcome: TypeAlias = tuple[ApiResponse | None, SunshineError | None, Failure | None]


class _Received:
    """A response whose body has been read (within the limit) and the connection freed."""

    __slots__ = ("body", "headers", "status_code")

    def __init__(self, status_code: int, headers: httpx.Headers, body: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.body = body


def _retry_policy(retry: RetryPolicy | None, max_retries: int | None) -> RetryPolicy:
    """The Session's `RetryPolicy`, from ``retry=`` or ``max_retries=`` (not both)."""
    if retry is not None and not isinstance(retry, RetryPolicy):
        raise InvalidArgumentError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
    if retry is not None and max_retries is not None:
        raise InvalidArgumentError("pass max_retries= or retry=, not both")
    if retry is not None:
        return retry
    if max_retries is None:
        return RetryPolicy(max_retries=DEFAULT_MAX_RETRIES)
    return RetryPolicy(max_retries=check_count("max_retries", max_retries, minimum=0))


def _check_transport(
    http_client: httpx.AsyncClient | None,
    transport: httpx.AsyncBaseTransport | TransportName | None,
) -> httpx.AsyncBaseTransport | TransportName:
    """The transport to open, checked with ``http_client=`` (None means ``"auto"``)."""
    if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
        raise InvalidArgumentError(
            f"http_client must be an httpx.AsyncClient, got {type(http_client).__name__}"
        )
    if transport is None:
        transport = "auto"
    if not isinstance(transport, httpx.AsyncBaseTransport) and transport not in (TRANSPORT_NAMES):
        raise InvalidArgumentError(
            "transport must be 'auto', 'h11', 'httpcore', 'aiohttp' or an"
            f" httpx.AsyncBaseTransport, got {transport!r}"
        )
    if http_client is not None and transport != "auto":
        raise InvalidArgumentError("pass http_client= or transport=, not both")
    return transport


class Engine:
    """Everything a `Session` is below the resources: pool, state, attempts, retries.

    `sunshine_async.Session` (in `_session`) adds ``apps`` and ``token_info`` on top;
    this layer never imports the resources or the generated code.
    """

    __slots__ = (
        "_base_url",
        "_carrier",
        "_connect_timeout",
        "_credentials",
        "_drained",
        "_entries",
        "_given_client",
        "_hook_list",
        "_hooks",
        "_loop",
        "_loop_now",
        "_max_connections",
        "_max_response_bytes",
        "_mock_carrier",
        "_pool_timeout",
        "_retry",
        "_scopes",
        "_server",
        "_slots",
        "_state",
        "_timeout",
        "_transport",
    )

    def __init__(
        self,
        *,
        key_id: str | None = None,
        secret: str | None = None,
        jwt: str | None = None,
        use_jwt: bool = False,
        scope: Scope = "app",
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        pool_timeout: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | TransportName | None = "auto",
        hooks: Hooks | Sequence[Hooks] | None = None,
    ) -> None:
        if key_id is None and secret is None and jwt is None:
            self._credentials, env_base_url = _credentials_from_env(use_jwt=use_jwt, scope=scope)
            base_url = env_base_url if base_url is None else base_url
        else:
            self._credentials = make_credentials(
                key_id=key_id, secret=secret, jwt=jwt, use_jwt=use_jwt, scope=scope
            )
        self._base_url = normalize_base_url(DEFAULT_BASE_URL if base_url is None else base_url)
        parsed = httpx.URL(self._base_url)
        self._server = (parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80))
        self._hook_list = HookRunner.gather(hooks)
        #: None when no hook is set: the requests then skip every hook step
        self._hooks = HookRunner(self._hook_list) if self._hook_list else None
        self._timeout = check_seconds("timeout", timeout)
        self._connect_timeout = check_seconds("connect_timeout", connect_timeout)
        self._pool_timeout = (
            None if pool_timeout is None else check_seconds("pool_timeout", pool_timeout)
        )
        self._retry = _retry_policy(retry, max_retries)
        self._max_connections = check_count("max_connections", max_connections, minimum=1)
        self._max_response_bytes = check_count("max_response_bytes", max_response_bytes, minimum=1)
        self._given_client = http_client
        self._transport = _check_transport(http_client, transport)
        self._carrier: Carrier | None = None
        #: httpx's own transport, for requests sent while a mock of httpx (respx) is
        #: active that the transport "auto" picked before would go around.
        self._mock_carrier: Carrier | None = None
        #: The event loop the carrier was opened in (its native token).
        self._loop: object = None
        #: How to name the running event loop cheaply (see `loop_identity`).
        self._loop_now: Callable[[], object] = _no_loop
        self._slots: anyio.Semaphore | None = None
        self._state = _State.OPEN
        self._entries = 0
        #: The cancel scopes of the requests waiting or in flight, for aclose() to end.
        self._scopes: set[anyio.CancelScope] = set()
        self._drained: anyio.Event | None = None
        self._attach()

    def __repr__(self) -> str:
        return (
            f"Session(base_url={self._base_url!r}, credentials={self._credentials!r},"
            f" state={self._state.value!r})"
        )

    def _attach(self) -> None:
        """Set what the layer above adds (``apps``); nothing here."""

    def with_options(
        self,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> EngineView:
        """A view of this engine whose requests take these settings (`Session.with_options`)."""
        options = RequestOptions(timeout=timeout, max_retries=max_retries, headers=headers)
        return EngineView(self, options)

    def add_hooks(self, hooks: Hooks) -> None:
        """Call these hooks too, after those already set, from the next attempt on.

        `sunshine_async.otel.instrument` adds its hooks this way.

        .. versionadded:: 0.2
        """
        self._hook_list = (*self._hook_list, hooks)
        self._hooks = HookRunner(self._hook_list)

    @property
    def base_url(self) -> str:
        """The base URL requests go to, without a trailing slash."""
        return self._base_url

    @property
    def is_closed(self) -> bool:
        """Whether `aclose` has been called (or the ``async with`` block has ended)."""
        return self._state is _State.CLOSED

    @property
    def transport(self) -> TransportKind | None:
        """What carries the requests: ``"h11"``, ``"httpcore"``, ``"aiohttp"``,
        ``"custom"`` (a client or transport object you passed), or None before the
        session opens."""
        return None if self._carrier is None else self._carrier.kind

    def pool_stats(self) -> PoolStats:
        """A snapshot of the connection pool: requests in flight and waiting, and the
        connections open and idle. No I/O; for health checks, metrics and tests.

        Example::

            stats = session.pool_stats()
            if stats.waiting > stats.max_connections:
                logger.warning("the Sunshine pool is saturated: %s", stats)

        .. versionadded:: 0.2
        """
        slots = self._slots
        carrier = self._carrier
        counts = None if carrier is None else pool_connections(carrier)
        return PoolStats(
            transport=self.transport,
            max_connections=self._max_connections,
            in_flight=0 if slots is None else self._max_connections - slots.value,
            waiting=0 if slots is None else slots.statistics().tasks_waiting,
            open_connections=None if counts is None else counts[0],
            idle_connections=None if counts is None else counts[1],
        )

    async def __aenter__(self: _E) -> _E:
        self._open()
        self._entries += 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._entries -= 1
        if self._entries <= 0:
            await self.aclose()

    async def aclose(self) -> None:
        """Close the session and, if the session created it, its HTTP client. Idempotent.

        Requests still in flight, or waiting for a slot or a retry, end at once with
        `SessionClosedError` (its message says whether the request may have reached
        the server: a create that may have should be checked, as after an
        `ApiConnectionError` with ``may_have_reached_server``). ``aclose()`` returns
        once they have let go of their connections (a second at most), then closes
        the pool.
        """
        if self._state is _State.CLOSED:
            return
        self._state = _State.CLOSED
        # finish closing even when the surrounding task is being cancelled
        with anyio.CancelScope(shield=True):
            if self._scopes:
                self._drained = anyio.Event()
                for scope in list(self._scopes):
                    scope.cancel()
                # each ends at its next checkpoint and frees its connection and slot on
                # the way out; closing the pool first would race that cleanup
                with anyio.move_on_after(CLOSE_GRACE_SECONDS):
                    await self._drained.wait()
            try:
                await self._close_carrier(self._carrier)
            finally:  # the mock's carrier is closed whatever the first one did
                await self._close_carrier(self._mock_carrier)

    async def _close_carrier(self, carrier: Carrier | None) -> None:
        """Close a carrier in its own loop, or let it go if that loop has ended."""
        if carrier is None:
            return
        if self._in_own_loop():
            await carrier.aclose()
        elif _loop_ended(self._loop):
            carrier.abandon()
        # else: its loop runs on elsewhere, and only that loop can close it

    def _in_own_loop(self) -> bool:
        """Whether the event loop running now is the one the carrier was opened in."""
        try:
            return self._loop_now() is self._loop
        except RuntimeError:  # a loop of another kind runs (trio after asyncio, ...)
            return False

    def _release(self, scope: anyio.CancelScope) -> None:
        """Forget a request's scope; the last one out tells aclose() they have all gone."""
        scopes = self._scopes
        scopes.discard(scope)
        if not scopes and self._drained is not None:
            self._drained.set()

    def _open(self) -> Carrier:
        """What carries the requests, made on first use for the running event loop."""
        if self._state is _State.CLOSED:
            raise SessionClosedError("this Session is closed; create a new one")
        carrier = self._carrier
        if carrier is not None and not self._in_own_loop():
            if _loop_ended(self._loop):
                carrier.abandon()
                if self._mock_carrier is not None:
                    self._mock_carrier.abandon()
            raise WrongEventLoopError(
                "this Session was opened in another event loop, and its connections"
                " belong to that loop: create the Session inside the loop that uses it"
                " (one per anyio.run or asyncio.run)"
            )
        if carrier is None:
            self._loop_now = loop_identity()
            self._loop = self._loop_now()
            carrier = self._carrier = open_carrier(
                self._transport,
                client=self._given_client,
                base_url=self._base_url,
                local=is_local_host(httpx.URL(self._base_url).host),
                max_connections=self._max_connections,
                timeout=self._timeout,
                connect_timeout=self._connect_timeout,
            )
            # fast_acquire: a free slot is taken without yielding to the loop (the
            # request's own I/O does that), about 50 µs less a request; waiters are
            # still served first come, first served
            self._slots = anyio.Semaphore(self._max_connections, fast_acquire=True)
        if carrier.is_closed:
            raise SessionClosedError("the http_client given to this Session has been closed")
        if carrier.bypasses_mock():
            # the transport was chosen before httpx was mocked: sending on it now would
            # go around the mock to the real server, with real credentials
            carrier = self._carrier_for_mock(carrier)
        return carrier

    def _carrier_for_mock(self, carrier: Carrier) -> Carrier:
        """httpx's own transport, which the active mock sees, when "auto" allows it.

        A test that opens its Session first (a fixture) and mocks httpx after still
        gets its answers from the mock. A transport asked for by name is not switched.
        """
        fallback = self._mock_carrier
        if self._transport == "auto" and fallback is None:
            fallback = self._mock_carrier = open_carrier(
                "httpcore",
                client=None,
                base_url=self._base_url,
                local=True,  # never through a proxy: the mock answers
                max_connections=self._max_connections,
                timeout=self._timeout,
                connect_timeout=self._connect_timeout,
            )
        if fallback is None or fallback.bypasses_mock():
            raise InvalidArgumentError(
                f"this Session opened on {carrier.kind} before httpx was mocked (respx),"
                " and its requests would go around the mock: open the Session inside the"
                " mock, or give it transport='auto' or 'httpcore'"
            )
        return fallback

    async def request(
        self,
        method: Method,
        path: str,
        *,
        params: QueryParams = (),
        body: JSONObject | None = None,
        gone_code: str | None = None,
        raw: tuple[bytes, str] | None = None,
        options: RequestOptions | None = None,
        operation: Operation | None = None,
    ) -> ApiResponse:
        """Send one API request, with retries; return the success or raise a typed error.

        ``path`` starts with ``/v2/`` and is already encoded. ``gone_code`` is the 404
        error code that, on a retried DELETE, means an earlier attempt already removed
        the target (``"client_not_found"``). ``raw`` is a body already encoded, with its
        content type (a multipart upload), instead of a JSON ``body``. ``options``
        override the Session's timeout, retries and headers for this request only.
        ``operation`` is the table's entry the request is for: the hooks see its id
        and path template. The resources call this; it is public for endpoints this
        SDK does not cover yet.
        """
        outgoing, retry = self._outgoing(method, path, params, body, raw, options)
        info = outgoing.info
        hooks = self._hooks
        attempt = 0
        earlier_may_have_arrived = False
        while True:
            event = None if hooks is None else self._event(method, operation, attempt + 1)
            response, error, failure = await self._one_attempt(
                hooks, event, outgoing, earlier_may_have_arrived, attempt + 1
            )
            if error is None:
                assert response is not None
                return response
            decision = decide(
                retry,
                method,
                error,
                failure,
                retries=attempt,
                earlier_may_have_arrived=earlier_may_have_arrived,
                gone_code=gone_code,
            )
            if decision.done:
                assert isinstance(error, ApiError)
                logger.info("%s %s: already removed by an earlier attempt", method, info.target)
                return ApiResponse(error.status_code, error.headers, {}, info, attempts=attempt + 1)
            earlier_may_have_arrived = decision.may_have_arrived
            if decision.delay is not None:
                attempt += 1
                logger.info(
                    "%s; retry %d of %d in %.2fs", error, attempt, retry.max_retries, decision.delay
                )
                await self._before_retry(
                    decision.delay, hooks, event, info, earlier_may_have_arrived
                )
                continue
            if isinstance(error, ApiConnectionError) and earlier_may_have_arrived:
                # this attempt never left, but an earlier one may have been acted on
                error.may_have_reached_server = True
            raise error from error.__cause__

    def _outgoing(
        self,
        method: Method,
        path: str,
        params: QueryParams,
        body: JSONObject | None,
        raw: tuple[bytes, str] | None,
        options: RequestOptions | None,
    ) -> tuple[_Outgoing, RetryPolicy]:
        """What one request sends, with its options applied, and its retry policy."""
        if raw is not None and body is not None:
            raise InvalidArgumentError("pass body= or raw=, not both")
        info = RequestInfo(method=method, url=build_url(self._base_url, path, params))
        content, content_type = (None, None) if raw is None else raw
        if body is not None:
            content, content_type = encode_body(body), "application/json"
        outgoing = _Outgoing(info, content, content_type, self._timeout, None, ())
        retry = self._retry if options is None else self._apply(options, outgoing)
        return outgoing, retry

    async def _one_attempt(
        self,
        hooks: HookRunner | None,
        event: RequestEvent | None,
        outgoing: _Outgoing,
        earlier_may_have_arrived: bool,
        attempt: int,
    ) -> _Outcome:
        """One attempt, around its hooks when any are set (``event`` is then theirs)."""
        carrier = self._open()
        if hooks is None or event is None:
            return await self._attempt(carrier, outgoing, earlier_may_have_arrived, attempt)
        return await self._observed_attempt(
            hooks, event, carrier, outgoing, earlier_may_have_arrived
        )

    async def _before_retry(
        self,
        delay: float,
        hooks: HookRunner | None,
        event: RequestEvent | None,
        info: RequestInfo,
        earlier_may_have_arrived: bool,
    ) -> None:
        """Tell the ``on_retry`` hooks, then wait ``delay`` seconds before the next attempt."""
        if hooks is not None and event is not None:
            event.retry_delay = delay
            await hooks.call("on_retry", hooks.on_retry, event)
        await self._wait_to_retry(delay, info, earlier_may_have_arrived)

    def _apply(self, options: RequestOptions, outgoing: _Outgoing) -> RetryPolicy:
        """Put a request's options into what it sends; returns its retry policy."""
        if options.timeout is not None and options.timeout != self._timeout:
            outgoing.timeout = options.timeout
            connect = min(self._connect_timeout, options.timeout)
            outgoing.timeouts = httpx.Timeout(options.timeout, connect=connect).as_dict()
        outgoing.extra_headers = options.headers
        retry = self._retry
        if options.max_retries is not None and options.max_retries != retry.max_retries:
            retry = attrs.evolve(retry, max_retries=options.max_retries)
        return retry

    def _event(self, method: str, operation: Operation | None, attempt: int) -> RequestEvent:
        """The hooks' view of one attempt: the operation, never the ids or secrets."""
        return RequestEvent(
            method=method,
            operation_id=None if operation is None else operation.id,
            path_template=None if operation is None else operation.path,
            server_address=self._server[0],
            server_port=self._server[1],
            attempt=attempt,
        )

    async def _observed_attempt(
        self,
        hooks: HookRunner,
        event: RequestEvent,
        carrier: Carrier,
        outgoing: _Outgoing,
        earlier_may_have_arrived: bool,
    ) -> _Outcome:
        """`_attempt` with the hooks called around it: on_request, then on_response or
        on_error (also when aclose() ends the attempt)."""
        await hooks.call("on_request", hooks.on_request, event)
        started = time.perf_counter()
        try:
            response, error, failure = await self._attempt(
                carrier, outgoing, earlier_may_have_arrived, event.attempt
            )
        except SessionClosedError as closed:
            event.duration = time.perf_counter() - started
            event.error = closed
            await hooks.call("on_error", hooks.on_error, event)
            raise
        event.duration = time.perf_counter() - started
        if response is not None:
            event.status_code = response.status_code
            await hooks.call("on_response", hooks.on_response, event)
        else:
            event.status_code = getattr(error, "status_code", None)
            event.error = error
            await hooks.call("on_error", hooks.on_error, event)
        return response, error, failure

    async def _wait_to_retry(self, delay: float, info: RequestInfo, sent: bool) -> None:
        """The retry policy's wait, which aclose() ends with `SessionClosedError`."""
        if self._state is _State.CLOSED:  # the attempt ended just as aclose() began
            raise _closed_error(info, sent=sent)
        scope = anyio.CancelScope()
        self._scopes.add(scope)
        try:
            with scope:
                await self._retry.sleep(delay)
        finally:
            self._release(scope)
        if scope.cancelled_caught:  # only aclose() cancels it
            raise _closed_error(info, sent=sent)

    async def _wait_for_slot(
        self, slots: anyio.Semaphore, info: RequestInfo, sent: bool
    ) -> PoolTimeoutError | None:
        """Wait for a free slot, within ``pool_timeout``; aclose() ends the wait."""
        pool_timeout = self._pool_timeout
        deadline = math.inf if pool_timeout is None else anyio.current_time() + pool_timeout
        scope = anyio.CancelScope(deadline=deadline)
        self._scopes.add(scope)
        try:
            with scope:
                await slots.acquire()
        finally:
            self._release(scope)
        if scope.cancelled_caught:
            if self._state is _State.CLOSED:
                raise _closed_error(info, sent=sent)
            error = PoolTimeoutError(
                f"no free connection slot within {pool_timeout:g}s ({info.method} {info.target})",
                request=info,
                may_have_reached_server=False,
            )
            error.__cause__ = TimeoutError()
            return error
        if self._state is _State.CLOSED:  # closed just as the slot came free
            slots.release()
            raise _closed_error(info, sent=sent)
        return None

    async def _attempt(
        self,
        carrier: Carrier,
        outgoing: _Outgoing,
        earlier_may_have_arrived: bool,
        number: int,
    ) -> _Outcome:
        """One try: a success, or the error it ended with (and how, if it got no response).

        ``number`` counts the attempts from 1. Raises `SessionClosedError` when
        aclose() ends it.
        """
        info = outgoing.info
        authorization = self._credentials.authorization()
        headers = _request_headers(authorization, outgoing)
        tracker = SendTracker() if carrier.tracked else None
        slots = self._slots
        assert slots is not None
        try:
            # a free slot is taken without a cancel scope to set up (the common case)
            slots.acquire_nowait()
        except anyio.WouldBlock:
            pool_error = await self._wait_for_slot(slots, info, earlier_may_have_arrived)
            if pool_error is not None:
                return None, pool_error, Failure.POOL_TIMEOUT
        token = CURRENT_TRACKER.set(tracker)
        # the attempt's deadline, and what aclose() cancels: one scope for both
        scope = anyio.CancelScope(deadline=anyio.current_time() + outgoing.timeout)
        self._scopes.add(scope)
        closed = False
        try:
            with scope:
                received = await self._exchange(carrier, outgoing, headers, tracker)
            if scope.cancelled_caught:
                closed = self._state is _State.CLOSED
                if not closed:
                    raise TimeoutError
        except (TimeoutError, httpx.RequestError, httpx.InvalidURL, httpx.DecodingError) as exc:
            return _no_response(exc, outgoing, tracker, authorization)
        except ResponseTooLargeError as exc:
            return None, exc, Failure.INVALID
        except RuntimeError as exc:
            return _broken(exc, carrier, info, tracker, authorization)
        finally:
            CURRENT_TRACKER.reset(token)
            slots.release()
            self._release(scope)  # after the slot: aclose() waits for both
        if closed:
            sent = earlier_may_have_arrived or tracker is None or tracker.sent
            raise _closed_error(info, sent=sent)
        return _outcome(received, info, number)

    async def _exchange(
        self,
        carrier: Carrier,
        outgoing: _Outgoing,
        headers: dict[str, str],
        tracker: SendTracker | None,
    ) -> _Received:
        """Send the request and read its body within the size limit; always frees the
        connection (a body left unread closes it rather than return it to the pool)."""
        info = outgoing.info
        response = await carrier.send(
            info.method,
            info.url,
            content=outgoing.content,
            headers=headers,
            trace=tracker,
            timeouts=outgoing.timeouts,
        )
        try:
            ok = 200 <= response.status_code < 300
            # an error needs only its "errors": past a small limit the body is dropped
            limit = self._max_response_bytes if ok else MAX_ERROR_BODY_BYTES
            try:
                body = await _read_limited(response, limit)
            except BodyTooLargeError:
                if ok:
                    raise ResponseTooLargeError(
                        f"{response.status_code} the response body is larger than {limit} bytes"
                        f" ({info.method} {info.target})",
                        status_code=response.status_code,
                        limit=limit,
                        request=info,
                    ) from None
                body = b""
            except BodyDecodeError as exc:
                if ok:
                    raise httpx.DecodingError(str(exc)) from None
                body = b""
        finally:
            close_now = getattr(response.stream, "close_now", None)
            if close_now is not None:
                close_now()  # nothing to await: no shielded scope needed (~45 µs)
            elif not isinstance(response.stream, httpx.AsyncByteStream):
                response.close()  # a sync stream refuses aclose()
            else:
                with anyio.CancelScope(shield=True):
                    await response.aclose()
        return _Received(response.status_code, response.headers, body)


def _request_headers(authorization: str, outgoing: _Outgoing) -> dict[str, str]:
    """What every attempt of a request sends as headers (the credentials' of now)."""
    headers = {
        "Authorization": authorization,
        "Accept": "application/json",
        "Accept-Encoding": ACCEPT_ENCODING,
        "User-Agent": USER_AGENT,
    }
    if outgoing.content_type is not None:
        headers["Content-Type"] = outgoing.content_type
    if outgoing.extra_headers:
        _add_headers(headers, outgoing.extra_headers)
    return headers


def _outcome(received: _Received, info: RequestInfo, number: int) -> _Outcome:
    """A response read in full: the success, or the typed error its status or body means."""
    logger.debug("%s %s -> %d", info.method, info.target, received.status_code)
    if not 200 <= received.status_code < 300:
        return (
            None,
            error_from_response(received.status_code, received.headers, received.body, info),
            None,
        )
    # an empty success body is read as {}: nothing to decode, nothing lost
    data = parse_json_object(received.body) if received.body else {}
    if data is None:
        problem = "the body is not a JSON object"
        error = undecodable_response(
            received.status_code, received.headers, received.body, info, problem
        )
        return None, error, Failure.INVALID
    response = ApiResponse(
        received.status_code, received.headers, data, info, received.body, attempts=number
    )
    return response, None, None


def _no_response(
    exc: Exception, outgoing: _Outgoing, tracker: SendTracker | None, authorization: str
) -> _Outcome:
    """The error an attempt that got no response ends with (its deadline passed, or the
    transport failed), and what `_retry.classify` makes of it."""
    info = outgoing.info
    failure = classify(exc, sent=None if tracker is None else tracker.sent)
    error: ApiConnectionError
    if isinstance(exc, TimeoutError):
        error = ApiTimeoutError(
            f"no response within {outgoing.timeout:g}s ({info.method} {info.target})",
            request=info,
            may_have_reached_server=may_have_arrived(None, failure),
        )
    else:
        _scrub(exc, authorization)
        kind = ApiTimeoutError if failure is Failure.TIMEOUT else ApiConnectionError
        error = kind(
            f"{describe_transport_error(exc)} ({info.method} {info.target})",
            request=info,
            may_have_reached_server=may_have_arrived(None, failure),
        )
    error.__cause__ = exc
    return None, error, failure


def _broken(
    exc: RuntimeError,
    carrier: Carrier,
    info: RequestInfo,
    tracker: SendTracker | None,
    authorization: str,
) -> _Outcome:
    """The error a `RuntimeError` from the transport means (a closed client or loop).

    Raises `SessionClosedError` when the given http_client was closed by its owner
    while the request was on its way.
    """
    if carrier.is_closed:
        raise SessionClosedError(
            "the Session was closed during the request",
            may_have_reached_server=tracker is None or tracker.sent,
        ) from exc
    _scrub(exc, authorization)
    text = f"{describe_transport_error(exc)} ({info.method} {info.target})"
    if "loop" in str(exc).lower():
        # "Event loop is closed", "attached to a different loop": the pool's
        # connections belong to the loop the Session was first used in
        text += "; a Session works in one event loop: create it inside the loop that uses it"
    error = ApiConnectionError(
        text,
        request=info,
        # unknown unless the transport said it never sent: then assume it may have
        may_have_reached_server=tracker is None or tracker.sent,
    )
    error.__cause__ = exc
    return None, error, Failure.INVALID


def _add_headers(headers: dict[str, str], extra: tuple[tuple[str, str], ...]) -> None:
    """Add a request's extra headers; one of the same name as the Session's (``Accept``,
    ``User-Agent``: the others are refused when the options are made) replaces it."""
    for name, value in extra:
        lower = name.lower()
        for present in [key for key in headers if key.lower() == lower]:
            del headers[present]
        headers[name] = value


def _closed_error(info: RequestInfo, *, sent: bool) -> SessionClosedError:
    """What a request that aclose() ended raises; says whether it may have arrived."""
    where = "it may have reached the server" if sent else "it was not sent"
    return SessionClosedError(
        f"the Session was closed during the request ({info.method} {info.target}); {where}",
        may_have_reached_server=sent,
    )


def _no_loop() -> object:
    """The loop identity before the Session opens: matches no loop."""
    return None


def _loop_ended(token: object) -> bool:
    """Whether the event loop of ``token`` has ended (known for asyncio's loops only)."""
    is_closed = getattr(token, "is_closed", None)
    return callable(is_closed) and bool(is_closed())


def _credentials_from_env(*, use_jwt: bool, scope: Scope) -> tuple[Credentials, str | None]:
    """The credentials (and base URL, if set) a `Session()` given none reads from the
    environment; an error names the variables, never what they hold."""
    key_id, secret, jwt, base_url = credentials_from_env(os.environ)
    try:
        credentials = make_credentials(
            key_id=key_id, secret=secret, jwt=jwt, use_jwt=use_jwt, scope=scope
        )
    except InvalidArgumentError as exc:
        names = ENV_JWT if jwt is not None else f"{ENV_KEY_ID}/{ENV_KEY_SECRET}"
        raise InvalidArgumentError(f"from the environment ({names}): {exc}") from None
    if base_url is not None:
        try:
            normalize_base_url(base_url)
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"from the environment ({ENV_BASE_URL}): {exc}") from None
    return credentials, base_url


async def _read_limited(response: httpx.Response, limit: int) -> bytes:
    """The decoded body, or `BodyTooLargeError` as soon as it passes ``limit`` bytes."""
    if response.is_stream_consumed:
        # built with its body (httpx.Response(json=/content=/text=), as MockTransport
        # handlers return): httpx has already read and decoded it, and its stream
        # cannot be read again, so only its size is left to check
        body = response.content
        if len(body) > limit:
            raise BodyTooLargeError(f"{len(body)} bytes decoded")
        return body
    encoding = response.headers.get("content-encoding")
    length = response.headers.get("content-length")
    if encoding is None and length is not None and length.isdigit():
        if int(length) > limit:
            raise BodyTooLargeError(f"{length} bytes announced")  # no need to read them
        read_whole = getattr(response.stream, "read_whole", None)
        if read_whole is not None:
            # the SDK's aiohttp transport reads a body of announced length in one step
            # (a third of the chunk loop's cost); the transport stops at that length
            whole: bytes = await read_whole()
            return whole
    decoder = BoundedDecoder(encoding, limit=limit)
    if not isinstance(response.stream, httpx.AsyncByteStream):
        # a plain iterator a MockTransport handler streamed: nothing to await, and a
        # sync generator left half-way is closed quietly when collected
        parts = [decoder.feed(chunk) for chunk in response.iter_raw()]
    else:
        chunks = response.aiter_raw()
        try:
            parts = [decoder.feed(chunk) async for chunk in chunks]
        except BaseException:
            await _abandon(response, chunks)
            raise
    parts.append(decoder.finish())
    return b"".join(parts)


async def _abandon(response: httpx.Response, chunks: AsyncIterator[bytes]) -> None:
    """Stop reading a body half-way without leaving unfinished async generators.

    httpx reads through a chain of async generators; left suspended, trio warns about
    each when it is collected. Once the response (and so its connection) is closed,
    the next step fails at the bottom of the chain and every generator ends.
    """
    with anyio.CancelScope(shield=True):
        await response.aclose()
        # any way it ends is the end we want, StopAsyncIteration or the closed stream
        with anyio.move_on_after(1), contextlib.suppress(StopAsyncIteration, Exception):
            for _ in range(64):  # what the parser had buffered, then the failure
                await chunks.__anext__()


class EngineView:
    """A view of an `Engine` with other settings; `SessionWithOptions` adds ``apps``."""

    __slots__ = ("_options", "_session")

    def __init__(self, session: Engine, options: RequestOptions) -> None:
        self._session = session
        self._options = options
        self._attach()

    def _attach(self) -> None:
        """Set what the layer above adds (``apps``); nothing here."""

    @property
    def options(self) -> RequestOptions:
        """The settings this view gives its requests."""
        return self._options

    def __repr__(self) -> str:
        return f"SessionWithOptions({self._session!r}, {self._options!r})"

    def with_options(
        self,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> EngineView:
        """A view with these settings on top of this view's (see `Session.with_options`)."""
        return EngineView(self._session, self.options_over(timeout, max_retries, headers))

    def options_over(
        self, timeout: float | None, max_retries: int | None, headers: Mapping[str, str] | None
    ) -> RequestOptions:
        """These settings on top of this view's."""
        more = RequestOptions(timeout=timeout, max_retries=max_retries, headers=headers)
        return more.over(self._options)

    async def request(
        self,
        method: Method,
        path: str,
        *,
        params: QueryParams = (),
        body: JSONObject | None = None,
        gone_code: str | None = None,
        raw: tuple[bytes, str] | None = None,
        options: RequestOptions | None = None,
        operation: Operation | None = None,
    ) -> ApiResponse:
        """`Session.request` with this view's settings under the call's ``options``."""
        return await self._session.request(
            method,
            path,
            params=params,
            body=body,
            gone_code=gone_code,
            raw=raw,
            options=self._options if options is None else options.over(self._options),
            operation=operation,
        )
