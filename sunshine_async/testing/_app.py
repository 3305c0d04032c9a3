"""`FakeSunshine`: the three Clients endpoints as a hand-written ASGI app, in memory.

Responses are built from the SDK's own models and converter, so the fake speaks exactly
the JSON the SDK reads; create bodies are checked by structuring them into
`ClientCreate`, as the SDK does with the bodies it sends.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import threading
import warnings
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from http import HTTPStatus
from typing import Any, Final, TypeAlias, final
from urllib.parse import parse_qsl, quote, unquote

import anyio
import attrs
import cattrs
import httpx

from sunshine_async._config import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    JWT_SCOPES,
    MAX_BODY_BYTES,
)
from sunshine_async._converter import CONVERTER, describe_invalid
from sunshine_async._exceptions import InvalidArgumentError
from sunshine_async._models import (
    Client,
    ClientCreate,
    ClientListResponse,
    ClientStatus,
    ClientType,
    Links,
    Meta,
)
from sunshine_async._retry import RetryPolicy
from sunshine_async._sansio import encode_query
from sunshine_async._session import Session
from sunshine_async._transport import TransportName
from sunshine_async._types import Scope as JwtScope

from ._faults import Decision, Fault, FaultPlan, Status
from ._store import ApiFailure, Page, Store, parse_page_query

__all__ = ["FakeSunshine", "FakeTransport", "RecordedRequest"]

ASGIScope: TypeAlias = MutableMapping[str, Any]
ASGIMessage: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[ASGIMessage]]
Send: TypeAlias = Callable[[ASGIMessage], Awaitable[None]]
Sleep: TypeAlias = Callable[[float], Awaitable[object]]

DEFAULT_FAKE_BASE_URL: Final = "https://fake-sunshine.test"
# the scope a key's tokens must carry, by the key id's prefix (svc_ keys: not checked)
_SCOPE_OF_KEY: Final = {"app": "app", "act": "account", "int": "integration"}
_STATUS_CODES: Final = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "too_many_requests",
}


@final
@attrs.frozen
class RecordedRequest:
    """One request the fake received (or refused), as `FakeSunshine.requests` lists it.

    Attributes:
        method: The HTTP method, e.g. ``"GET"``.
        path: The raw path, still percent-encoded, without the query.
        query: The decoded query pairs, in the order they were sent.

    .. versionadded:: 0.1
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...]


class _ConnectionDropped(httpx.ReadError):
    """Raised by the app to break the connection (the DropConnection fault).

    An `httpx.ReadError`, so that even through a bare `httpx.ASGITransport` the client
    sees what a broken connection gives.
    """


@attrs.frozen
class _Response:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def _json_response(status: int, data: object, headers: Iterable[tuple[str, str]] = ()) -> _Response:
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return _Response(status, body, tuple(headers))


def _error_response(failure: ApiFailure) -> _Response:
    errors = [{"code": code, "title": title} for code, title in failure.errors]
    return _json_response(failure.status, {"errors": errors}, failure.headers)


def _status_response(fault: Status) -> _Response:
    code = _STATUS_CODES.get(fault.status_code)
    if code is None:
        code = "server_error" if fault.status_code >= 500 else "error"
    try:
        phrase = HTTPStatus(fault.status_code).phrase
    except ValueError:
        phrase = "Error"
    headers = []
    if fault.retry_after is not None:
        seconds = float(fault.retry_after)
        headers.append(("retry-after", str(int(seconds)) if seconds.is_integer() else str(seconds)))
    title = f"{phrase} (injected fault)"
    return _error_response(ApiFailure(fault.status_code, code, title, headers=headers))


async def _send_response(send: Send, response: _Response, *, drop: bool = False) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(response.body)).encode()),
        *((name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers),
    ]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    if drop:
        # the status line and headers promise a body that never comes
        raise _ConnectionDropped("FakeSunshine broke the connection (injected fault)")
    await send({"type": "http.response.body", "body": response.body, "more_body": False})


async def _read_body(receive: Receive) -> bytes | None:
    """The request body, or None when it is larger than the API accepts."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return None if size > MAX_BODY_BYTES else b"".join(chunks)


def _parse_create_body(body: bytes | None) -> ClientCreate:
    """Check a create body the way the SDK checks what it sends; ApiFailure 400 if bad."""
    if body is None:
        raise ApiFailure(
            400, "bad_request", f"Request body is larger than {MAX_BODY_BYTES // 1000} kB"
        )
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ApiFailure(400, "bad_request", f"Request body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ApiFailure(400, "bad_request", "Request body is nested too deeply") from None
    if not isinstance(data, dict):
        raise ApiFailure(400, "bad_request", "Request body must be a JSON object")
    try:
        return CONVERTER.structure(data, ClientCreate)
    except InvalidArgumentError as exc:
        raise ApiFailure(400, "bad_request", str(exc)) from None
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        problems = describe_invalid(exc)
        first, *rest = problems or ["invalid ClientCreate"]
        raise ApiFailure(
            400, "bad_request", first, more=[("bad_request", p) for p in rest]
        ) from None


def _header(scope: ASGIScope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _decoded_query(query_string: bytes) -> tuple[tuple[str, str], ...]:
    return tuple(parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True))


def _raw_path(scope: ASGIScope) -> bytes:
    """The path as sent, still percent-encoded (``raw_path`` is optional in ASGI)."""
    raw: bytes | None = scope.get("raw_path")
    return raw if raw else quote(scope["path"], safe="/").encode("ascii")


@attrs.frozen
class _Route:
    app_id: str
    user: str
    client_id: str | None
    #: the encoded path of the clients collection, below the root path
    collection_path: str


def _route(scope: ASGIScope) -> _Route:
    path = _raw_path(scope).decode("latin-1")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    # a base URL with a path prefix (Zendesk's /sc): ids are encoded, so the first
    # literal /v2/apps/ is where the API's own path starts
    prefix_end = path.find("/v2/apps/")
    prefix, path = (path[:prefix_end], path[prefix_end:]) if prefix_end > 0 else ("", path)
    parts = path.split("/")
    if (
        len(parts) in (7, 8)
        and parts[0] == ""
        and parts[1:3] == ["v2", "apps"]
        and parts[4] == "users"
        and parts[6] == "clients"
        and all(parts[i] for i in range(3, len(parts)) if i not in (4, 6))
    ):
        return _Route(
            app_id=unquote(parts[3]),
            user=unquote(parts[5]),
            client_id=unquote(parts[7]) if len(parts) == 8 else None,
            collection_path=prefix + "/".join(parts[:7]),
        )
    raise ApiFailure(404, "not_found", "Not found")


def _method_not_allowed(method: str, allowed: tuple[str, ...]) -> ApiFailure:
    return ApiFailure(
        405,
        "method_not_allowed",
        f"Method {method} is not allowed here; use {' or '.join(allowed)}",
        headers=[("allow", ", ".join(allowed))],
    )


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


@final
class FakeSunshine:
    """An in-memory Sunshine Conversations server for the three Clients endpoints.

    It is a plain ASGI app: use it in process through `transport` / `session`, or serve
    it on a socket with `serve_in_thread` or ``python -m sunshine_async.testing``.

    Args:
        key_id: The one API key id it accepts.
        secret: That key's secret (Basic auth, or the HS256 key of a Bearer JWT).
        seed: Seeds the random source of rate-based faults.
        sleep: How `Latency` waits; pass a fake one to make tests instantaneous.
        base_url: The base URL `session` points at (any host; nothing is resolved).

    In process, prefer `transport` over a bare `httpx.ASGITransport`: only it turns
    `DropConnection` and `RefuseConnection` into the errors a real connection gives.

    Example::

        fake = FakeSunshine()
        user = fake.add_user("5d8cff3cd55b040010928b5b", user_id="user-1")
        fake.add_clients("5d8cff3cd55b040010928b5b", user, 3)
        async with fake.session() as session:
            clients = session.apps["5d8cff3cd55b040010928b5b"].users[user].clients
            assert len([c async for c in clients.list()]) == 3

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        *,
        key_id: str = "app_fake_key",
        secret: str = "fake-secret",  # noqa: S107 - a fake server's well-known default
        seed: int = 0,
        sleep: Sleep = anyio.sleep,
        base_url: str = DEFAULT_FAKE_BASE_URL,
    ) -> None:
        if not isinstance(key_id, str) or not key_id:
            raise ValueError("key_id must be a non-empty str")
        if not isinstance(secret, str) or not secret:
            raise ValueError("secret must be a non-empty str")
        self.key_id = key_id
        self.secret = secret
        self.base_url = base_url
        #: Every request received, in order, rejected and faulted ones included.
        self.requests: list[RecordedRequest] = []
        self._sleep = sleep
        self._store = Store()
        self._faults = FaultPlan(seed)
        # held only around synchronous steps, never across an await: the app may be
        # served from another thread (`serve_in_thread`) while a test seeds it
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FakeSunshine(key_id={self.key_id!r}, base_url={self.base_url!r})"

    # --- seeding and inspection ---

    def add_app(self, app_id: str | None = None) -> str:
        """Create an app and return its id (a new 24-hex-character id when not given).

        Raises:
            ValueError: the app exists already.
        """
        with self._lock:
            return self._store.add_app(app_id)

    def add_user(
        self, app_id: str, *, user_id: str | None = None, external_id: str | None = None
    ) -> str:
        """Create a user, and its app when missing; return the user's id.

        The user can then be addressed by its id or by ``external_id``.

        Raises:
            ValueError: the id or external id is taken in that app.
        """
        with self._lock:
            return self._store.add_user(app_id, user_id=user_id, external_id=external_id)

    def add_clients(
        self,
        app_id: str,
        user: str,
        n: int,
        *,
        type: ClientType | str = "whatsapp",
        status: ClientStatus | str = "active",
    ) -> list[Client]:
        """Give a user (by id or external id) ``n`` new clients; return them.

        Raises:
            KeyError: no such app or user.
        """
        with self._lock:
            try:
                return self._store.add_clients(app_id, user, n, type=type, status=status)
            except ApiFailure as failure:
                raise KeyError(f"{failure.errors[0][1]}: app {app_id!r}, user {user!r}") from None

    def clients(self, app_id: str, user: str) -> list[Client]:
        """A user's current clients (by id or external id), oldest first.

        Raises:
            KeyError: no such app or user.
        """
        with self._lock:
            try:
                return self._store.clients(app_id, user)
            except ApiFailure as failure:
                raise KeyError(f"{failure.errors[0][1]}: app {app_id!r}, user {user!r}") from None

    # --- faults ---

    def inject(self, fault: Fault, *, times: int | None = None, rate: float | None = None) -> None:
        """Apply ``fault`` to requests from now on.

        Args:
            fault: `Latency`, `Status`, `DropConnection` or `RefuseConnection`.
            times: Apply it to the next ``times`` requests it fires on, then forget it.
            rate: Fire on this fraction of requests (0..1), picked by the seeded random
                source. Without ``times`` or ``rate`` it fires on every request until
                `clear_faults`.
        """
        with self._lock:
            self._faults.add(fault, times=times, rate=rate)

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        with self._lock:
            self._faults.clear()

    # --- clients of the fake ---

    def transport(self) -> FakeTransport:
        """An httpx transport that calls this app in process, with connection faults."""
        return FakeTransport(self)

    def session(
        self,
        *,
        key_id: str | None = None,
        secret: str | None = None,
        jwt: str | None = None,
        use_jwt: bool = False,
        scope: JwtScope = "app",
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        pool_timeout: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | TransportName | None = None,
        retry_sleep: Sleep | None = None,
    ) -> Session:
        """A `Session` talking to this fake in process, with its key and base URL.

        Every argument of `Session` can be overridden; with ``jwt=`` the fake's key id
        and secret are not passed, and with ``http_client=`` or a ``transport=`` by name
        the in-process transport is not: ``fake.session(base_url=url,
        transport="aiohttp")`` talks to the fake served on a socket (`serve_in_thread`).
        ``retry_sleep`` is a shortcut for a `RetryPolicy` whose ``sleep`` it is: a test
        that injects 5xx faults passes a no-op, so that backoff costs no time.
        """
        if jwt is None:
            key_id = self.key_id if key_id is None else key_id
            secret = self.secret if secret is None else secret
        if http_client is None and transport is None:
            transport = self.transport()
        if retry_sleep is not None:
            if retry is not None:
                raise ValueError("pass retry= or retry_sleep=, not both")
            retry = RetryPolicy(
                max_retries=DEFAULT_MAX_RETRIES if max_retries is None else max_retries,
                sleep=retry_sleep,
            )
            max_retries = None
        return Session(
            key_id=key_id,
            secret=secret,
            jwt=jwt,
            use_jwt=use_jwt,
            scope=scope,
            base_url=self.base_url if base_url is None else base_url,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
            retry=retry,
            max_connections=max_connections,
            pool_timeout=pool_timeout,
            max_response_bytes=max_response_bytes,
            http_client=http_client,
            transport=transport,
        )

    # --- ASGI ---

    async def __call__(self, scope: ASGIScope, receive: Receive, send: Send) -> None:
        """The ASGI entry point (HTTP and lifespan)."""
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # websockets: the server refuses the handshake
        decision = self._begin(scope["method"], _raw_path(scope), scope.get("query_string", b""))
        await self._serve(scope, receive, send, decision)

    def _begin(self, method: str, raw_path: bytes, query_string: bytes) -> Decision:
        """Log a request and decide its faults."""
        record = RecordedRequest(
            method=method, path=raw_path.decode("latin-1"), query=_decoded_query(query_string)
        )
        with self._lock:
            self.requests.append(record)
            return self._faults.draw()

    async def _serve(
        self, scope: ASGIScope, receive: Receive, send: Send, decision: Decision
    ) -> None:
        if decision.delay > 0:
            await self._sleep(decision.delay)
        if decision.refuse:
            # over a socket the request is here already: break without handling it
            await _send_response(send, _json_response(503, {}), drop=True)
        if decision.status is not None:
            response = _status_response(decision.status)
        else:
            response = await self._respond(scope, receive)
        await _send_response(send, response, drop=decision.drop)

    async def _respond(self, scope: ASGIScope, receive: Receive) -> _Response:
        try:
            self._authenticate(_header(scope, b"authorization"))
            route = _route(scope)
            method: str = scope["method"]
            if route.client_id is None:
                if method == "GET":
                    return self._list(scope, route)
                if method == "POST":
                    request = _parse_create_body(await _read_body(receive))
                    with self._lock:
                        client = self._store.create_client(route.app_id, route.user, request)
                    return _json_response(201, {"client": CONVERTER.unstructure(client)})
                raise _method_not_allowed(method, ("GET", "POST"))
            if method == "DELETE":
                with self._lock:
                    self._store.remove_client(route.app_id, route.user, route.client_id)
                return _json_response(200, {})
            raise _method_not_allowed(method, ("DELETE",))
        except ApiFailure as failure:
            return _error_response(failure)

    def _list(self, scope: ASGIScope, route: _Route) -> _Response:
        pairs = _decoded_query(scope.get("query_string", b""))
        query = parse_page_query(pairs)
        with self._lock:
            page = self._store.page(route.app_id, route.user, query)
        others = [(k, v) for k, v in pairs if not k.startswith("page[")]
        links = Links(
            next=_page_link(scope, route, "after", page.after_cursor, query.size, others),
            prev=_page_link(scope, route, "before", page.before_cursor, query.size, others),
        )
        body = ClientListResponse(clients=page.clients, meta=_meta(page), links=links)
        return _json_response(200, CONVERTER.unstructure(body))

    # --- auth ---

    def _authenticate(self, authorization: str | None) -> None:
        if authorization is None:
            raise ApiFailure(401, "unauthorized", "Missing Authorization header")
        kind, _, credentials = authorization.strip().partition(" ")
        if kind.lower() == "basic":
            self._check_basic(credentials.strip())
        elif kind.lower() == "bearer":
            self._check_bearer(credentials.strip())
        else:
            raise ApiFailure(401, "unauthorized", "Authorization must be Basic or Bearer")

    def _check_basic(self, credentials: str) -> None:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):  # not base64 (non-ASCII too), not UTF-8
            raise ApiFailure(401, "unauthorized", "Malformed Basic credentials") from None
        key_id, _, secret = decoded.partition(":")
        # compare both, always, in constant time
        same_key = hmac.compare_digest(key_id.encode(), self.key_id.encode())
        same_secret = hmac.compare_digest(secret.encode(), self.secret.encode())
        if not (same_key and same_secret):
            raise ApiFailure(401, "unauthorized", "Invalid key id or secret")

    def _check_bearer(self, token: str) -> None:
        try:
            import jwt
        except ImportError:
            raise ApiFailure(
                401,
                "unauthorized",
                "FakeSunshine needs PyJWT to check Bearer tokens:"
                " pip install 'sunshine-async[jwt]'",
            ) from None
        try:
            header = jwt.get_unverified_header(token)
            with warnings.catch_warnings():
                # a test's short secret is not a security problem
                warnings.filterwarnings("ignore", message="The HMAC key is")
                payload = jwt.decode(token, self.secret, algorithms=["HS256"])
        except jwt.PyJWTError as exc:
            raise ApiFailure(401, "unauthorized", f"Invalid JWT: {exc}") from None
        if header.get("kid") != self.key_id:
            raise ApiFailure(401, "unauthorized", "The JWT's kid is not a known key id")
        if payload.get("scope") not in JWT_SCOPES:
            raise ApiFailure(
                401, "unauthorized", "The JWT's scope must be app, account or integration"
            )
        expected = _SCOPE_OF_KEY.get(self.key_id.partition("_")[0])
        if expected is not None and payload["scope"] != expected:
            raise ApiFailure(
                401,
                "unauthorized",
                f"A {self.key_id.partition('_')[0]}_ key signs {expected!r}-scoped tokens,"
                f" not {payload['scope']!r}",
            )


def _meta(page: Page) -> Meta:
    return Meta(
        has_more=page.has_more,
        after_cursor=page.after_cursor,
        before_cursor=page.before_cursor,
    )


def _page_link(
    scope: ASGIScope,
    route: _Route,
    direction: str,
    cursor: str | None,
    size: int,
    others: list[tuple[str, str]],
) -> str | None:
    if cursor is None:
        return None
    host = _header(scope, b"host")
    if host is None:
        server_host, server_port = scope.get("server") or ("localhost", None)
        host = server_host if server_port is None else f"{server_host}:{server_port}"
    scheme: str = scope.get("scheme", "http")
    root: str = scope.get("root_path", "")
    query = encode_query([(f"page[{direction}]", cursor), ("page[size]", str(size)), *others])
    return f"{scheme}://{host}{root}{route.collection_path}?{query}"


@final
class FakeTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends each request to a `FakeSunshine` in process.

    Made by `FakeSunshine.transport`. `RefuseConnection` raises `httpx.ConnectError`
    before the app is called and `DropConnection` raises `httpx.ReadError`, as a real
    connection would.

    .. versionadded:: 0.1
    """

    def __init__(self, fake: FakeSunshine) -> None:
        self._fake = fake

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raw_path = request.url.raw_path.split(b"?", 1)[0]
        fake = self._fake
        decision = fake._begin(request.method, raw_path, request.url.query)
        if decision.refuse:
            raise httpx.ConnectError(
                "FakeSunshine refused the connection (injected fault)", request=request
            )

        async def app(scope: ASGIScope, receive: Receive, send: Send) -> None:
            await fake._serve(scope, receive, send, decision)

        try:
            return await httpx.ASGITransport(app=app).handle_async_request(request)
        except _ConnectionDropped as exc:
            raise httpx.ReadError(str(exc), request=request) from exc
