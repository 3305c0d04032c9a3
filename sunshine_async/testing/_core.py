"""The fake's server core, sans-I/O: a request in, a response out, nothing awaited.

`FakeCore.handle` takes the method, the raw path, the decoded query, the headers and the
body bytes, and returns the status, headers and body bytes. Routes, statuses and the
shape of every answer come from the official spec itself (`._operations`, read from
``openapi-facts.json``), never from the SDK's generated table, so that a generator
mistake cannot hide in the server that tests it. Request bodies are checked against the
spec's JSON Schemas (`._spec`), and lose what only the server sets (``readOnly``).
Answers are plain dicts, rendered by their response schema on the way out: only what the
spec names, and nothing it marks ``writeOnly``. The operations on apps, users, clients,
devices, conversations, participants, messages, integrations and webhooks work on the
in-memory `Store`; every other one answers with the spec's example response.

The two adapters on top (ASGI and an httpx transport) live in `._app`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TypeAlias
from urllib.parse import quote, unquote

import attrs

from sunshine_async._config import JWT_SCOPES, MAX_BODY_BYTES

from ._operations import OPERATIONS, Operation
from ._spec import (
    example_response,
    received,
    rendered,
    request_problems,
    request_schema,
    response_schema,
)
from ._store import ApiFailure, Page, PageQuery, Store, parse_page_query

__all__ = [
    "GENERIC_STATUSES",
    "FakeCore",
    "FakeRequest",
    "FakeResponse",
    "Route",
    "error_response",
    "json_response",
]

JSON: TypeAlias = dict[str, Any]
# the scope a key's tokens must carry, by the key id's prefix (svc_ keys: not checked)
_SCOPE_OF_KEY: Final = {"app": "app", "act": "account", "int": "integration"}
_API_ROOTS: Final = ("/v2/", "/oauth/")
_BAD_QUERY: Final = "Invalid query parameters"
#: Statuses any operation may answer, documented for it or not, as the API does: a
#: refused body or query (400), refused credentials (401), an unknown id or route
#: (404), a path served under another method (405), and an injected rate limit (429).
GENERIC_STATUSES: Final = frozenset({400, 401, 404, 405, 429})


def encode_query(params: Sequence[tuple[str, str]]) -> str:
    """A query string whose deepObject keys stay readable (``page[after]=…``)."""
    return "&".join(f"{quote(key, safe='[]')}={quote(value, safe='')}" for key, value in params)


@attrs.frozen
class FakeRequest:
    """What the core needs of a request (the adapters build it)."""

    method: str
    #: The path as sent, still percent-encoded, without the query and the root path.
    path: str
    #: The decoded query pairs, in order.
    query: tuple[tuple[str, str], ...] = ()
    #: Header names in lower case.
    headers: Mapping[str, str] = attrs.field(factory=dict)
    #: The body; None when it was larger than the API accepts.
    body: bytes | None = b""
    #: ``scheme://host[:port]`` plus any root path: where links in answers point.
    origin: str = "http://localhost"


@attrs.frozen
class FakeResponse:
    """The status, headers and body bytes of an answer."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    #: The operation that handled it (None: no route matched).
    operation_id: str | None = None

    def json(self) -> Any:
        return json.loads(self.body)


def json_response(
    status: int,
    data: object,
    headers: Sequence[tuple[str, str]] = (),
    operation_id: str | None = None,
) -> FakeResponse:
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return FakeResponse(status, body, tuple(headers), operation_id)


def error_response(failure: ApiFailure, operation_id: str | None = None) -> FakeResponse:
    errors = [{"code": code, "title": title} for code, title in failure.errors]
    return json_response(failure.status, {"errors": errors}, failure.headers, operation_id)


@attrs.frozen
class Route:
    """One operation's path template, split into segments (None: a parameter)."""

    operation: Operation
    segments: tuple[str | None, ...]

    @classmethod
    def of(cls, operation: Operation) -> Route:
        parts = operation.path.split("/")
        return cls(operation, tuple(None if p.startswith("{") else p for p in parts))

    def match(self, parts: Sequence[str]) -> dict[str, str] | None:
        if len(parts) != len(self.segments):
            return None
        values = []
        for part, segment in zip(parts, self.segments, strict=True):
            if segment is None:
                if not part:
                    return None
                values.append(unquote(part))
            elif part != segment:
                return None
        return dict(zip(self.operation.path_params, values, strict=True))


def _routes() -> list[Route]:
    routes = [Route.of(op) for op in OPERATIONS.values()]
    # a literal segment beats a parameter (…/attachments/remove before …/{id})
    routes.sort(key=lambda r: sum(s is None for s in r.segments))
    return routes


_ROUTES: Final = _routes()


@attrs.frozen
class _Call:
    """A routed request: its operation, path parameters, query and parsed body."""

    operation: Operation
    params: dict[str, str]
    query: tuple[tuple[str, str], ...]
    body: Any
    #: the checked ``page[...]`` query, for an operation that takes one
    page: PageQuery | None
    origin: str
    #: the encoded path as sent (prefix included): links point back at it
    path: str

    def filter(self, key: str) -> str | None:
        return next((v for k, v in self.query if k == f"filter[{key}]"), None)

    def arg(self, name: str) -> str | None:
        return next((v for k, v in self.query if k == name), None)


Handler: TypeAlias = Callable[["FakeCore", _Call], tuple[int, object]]
_HANDLERS: dict[str, Handler] = {}


def _handles(*operation_ids: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for operation_id in operation_ids:
            assert operation_id in OPERATIONS, operation_id
            _HANDLERS[operation_id] = handler
        return handler

    return register


class FakeCore:
    """The whole fake API, sans-I/O: call `handle` for each request.

    Not thread-safe: the caller holds a lock around `handle` when it needs one.
    """

    def __init__(self, *, key_id: str, secret: str, store: Store | None = None) -> None:
        self.key_id = key_id
        self.secret = secret
        self.store = Store() if store is None else store

    def handle(self, request: FakeRequest) -> FakeResponse:
        """Answer one request as the API would."""
        operation_id = None
        try:
            self._authenticate(request.headers.get("authorization"))
            route, params = self._route(request)
            operation_id = route.operation.id
            body = self._body(route.operation, request)
            call = _Call(
                operation=route.operation,
                params=params,
                query=request.query,
                body=body,
                page=self._check_query(route.operation, request.query),
                origin=request.origin,
                path=request.path,
            )
            handler = _HANDLERS.get(operation_id, FakeCore._example)
            status, data = handler(self, call)
            if status == 302:
                location = str(data)
                return FakeResponse(302, b"", (("location", location),), operation_id)
            schema = response_schema(operation_id, status)
            if schema is not None:
                # the one place answers are rendered: only what the spec names comes out,
                # and never what only goes in
                data = rendered(schema, data)
            return json_response(status, data, operation_id=operation_id)
        except ApiFailure as failure:
            return error_response(failure, operation_id)

    # --- routing and checks ---

    @staticmethod
    def _route(request: FakeRequest) -> tuple[Route, dict[str, str]]:
        path = request.path
        # a base URL with a path prefix (Zendesk's /sc): ids are encoded, so the first
        # literal /v2/ (or /oauth/) is where the API's own path starts
        starts = [i for i in (path.find(root) for root in _API_ROOTS) if i >= 0]
        start = min(starts, default=0)
        parts = path[start:].split("/")
        allowed: list[str] = []
        for route in _ROUTES:
            params = route.match(parts)
            if params is None:
                continue
            if route.operation.method == request.method:
                return route, params
            allowed.append(route.operation.method)
            # every route of one template matches: collect their methods
        if allowed:
            methods = ", ".join(sorted(set(allowed)))
            raise ApiFailure(
                405,
                "method_not_allowed",
                f"Method {request.method} is not allowed here; use {methods}",
                headers=[("allow", methods)],
            )
        raise ApiFailure(404, "not_found", "Resource not found")

    @staticmethod
    def _body(operation: Operation, request: FakeRequest) -> Any:
        if operation.body_kind is None:
            return None
        if request.body is None:
            raise ApiFailure(
                400, "bad_request", f"Request body is larger than {MAX_BODY_BYTES // 1000} kB"
            )
        if operation.body_kind == "multipart":
            kind = request.headers.get("content-type", "")
            if not kind.startswith("multipart/form-data") or b'name="source"' not in request.body:
                raise ApiFailure(400, "bad_request", "Bad request")
            return None
        if not request.body.strip():
            if operation.body_required:
                raise ApiFailure(400, "bad_request", "Request body is required")
            return {}
        try:
            data = json.loads(request.body)
        except ValueError as exc:
            raise ApiFailure(400, "bad_request", f"Request body is not valid JSON: {exc}") from None
        except RecursionError:
            raise ApiFailure(400, "bad_request", "Request body is nested too deeply") from None
        if not isinstance(data, dict):
            raise ApiFailure(400, "bad_request", "Request body must be a JSON object")
        try:
            problems = request_problems(operation.id, data)
        except RecursionError:
            raise ApiFailure(400, "bad_request", "Request body is nested too deeply") from None
        if problems:
            first, *rest = problems
            raise ApiFailure(400, "bad_request", first, more=[("bad_request", p) for p in rest])
        key = request_schema(operation.id)
        return data if key is None else received(key, data)

    @staticmethod
    def _check_query(operation: Operation, query: tuple[tuple[str, str], ...]) -> PageQuery | None:
        """Check the query's parameters; returns the page query, when the operation pages."""
        keys = {key for key, _ in query}
        page = None
        for param in operation.query:
            if param.name == "page":
                page = parse_page_query(query)
            elif param.required and param.keys:
                given = [k for k in param.keys if f"{param.name}[{k}]" in keys]
                # prose rules: exactly one user filter, and an email to list users
                if len(given) != 1:
                    raise ApiFailure(400, "bad_request", _BAD_QUERY)
            elif param.required and param.default is None and param.name not in keys:
                raise ApiFailure(400, "bad_request", _BAD_QUERY)
        return page

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
                " pip install 'sunshine-async[testing]'",
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

    # --- answers ---

    def _example(self, call: _Call) -> tuple[int, object]:
        """Operations the fake keeps no state for: the spec's example response."""
        if call.operation.id == "Authorize":
            target = call.arg("redirect_uri") or "https://example.org/callback"
            query = encode_query([("code", "fake-code"), ("state", call.arg("state") or "")])
            return 302, f"{target}?{query}"
        return call.operation.status, example_response(call.operation.id, call.operation.status)

    @staticmethod
    def _page(call: _Call, page: Page) -> JSON:
        """A paginated list's body: items, meta with cursors, links that can be followed."""
        assert call.page is not None
        size = call.page.size
        others = [(k, v) for k, v in call.query if not k.startswith("page[")]
        meta: JSON = {"hasMore": page.has_more}
        links: JSON = {}
        for direction, cursor, link in (
            ("after", page.after_cursor, "next"),
            ("before", page.before_cursor, "prev"),
        ):
            if cursor is not None:
                meta[f"{direction}Cursor"] = cursor
                query = encode_query(
                    [(f"page[{direction}]", cursor), ("page[size]", str(size)), *others]
                )
                links[link] = f"{call.origin}{call.path}?{query}"
        assert call.operation.items_key is not None
        return {call.operation.items_key: list(page.items), "meta": meta, "links": links}


# --- the stateful operations, as a table -----------------------------------------------
#
# Each calls the `Store` method it names with the path parameters in the path's order,
# then the body when it has one; the answer is the operation's success status with the
# result under the key the spec's response schema names (an empty object when none).

#: operation -> the Store method that does it
_STORE_METHODS: Final = {
    "CreateApp": "create_app",
    "GetApp": "get_app",
    "UpdateApp": "update_app",
    "DeleteApp": "delete_app",
    "CreateUser": "create_user",
    "GetUser": "get_user",
    "UpdateUser": "update_user",
    "DeleteUser": "delete_user",
    "DeleteUserPersonalInformation": "delete_personal_information",
    "CreateClient": "create_client",
    "RemoveClient": "remove_client",
    "ListDevices": "devices",
    "GetDevice": "device",
    "CreateConversation": "create_conversation",
    "GetConversation": "get_conversation",
    "UpdateConversation": "update_conversation",
    "DeleteConversation": "delete_conversation",
    "JoinConversation": "join",
    "LeaveConversation": "leave",
    "PostMessage": "post_message",
    "DeleteAllMessages": "delete_messages",
    "DeleteMessage": "delete_message",
    "CreateIntegration": "create_integration",
    "GetIntegration": "get_integration",
    "UpdateIntegration": "update_integration",
    "DeleteIntegration": "delete_integration",
    "CreateWebhook": "create_webhook",
    "ListWebhooks": "webhooks",
    "GetWebhook": "get_webhook",
    "UpdateWebhook": "update_webhook",
    "DeleteWebhook": "delete_webhook",
}

#: paginated operation -> (the Store method giving a page, its filters from the query)
_PAGE_METHODS: Final[dict[str, tuple[str, Callable[[_Call], dict[str, Any]]]]] = {
    "ListApps": ("apps_page", lambda call: {}),
    "ListClients": ("clients_page", lambda call: {}),
    "ListParticipants": ("participants_page", lambda call: {}),
    "ListMessages": ("messages_page", lambda call: {}),
    "ListConversations": (
        "conversations_page",
        lambda call: {
            "user_id": call.filter("userId"),
            "user_external_id": call.filter("userExternalId"),
        },
    ),
    "ListIntegrations": (
        "integrations_page",
        lambda call: {"types": _split(call.filter("types"))},
    ),
}


def _split(value: str | None) -> list[str] | None:
    return None if value is None else [part for part in value.split(",") if part]


def _stateful(core: FakeCore, call: _Call) -> tuple[int, object]:
    op = call.operation
    path = [call.params[name] for name in op.path_params]
    if op.id in _PAGE_METHODS:
        method, filters = _PAGE_METHODS[op.id]
        page = getattr(core.store, method)(*path, call.page, **filters(call))
        return op.status, core._page(call, page)
    if op.id == "ListUsers":  # not paginated: found by email
        email = call.filter("identities.email") or ""
        result: Any = core.store.users_by_email(call.params["appId"], email)
    else:
        result = getattr(core.store, _STORE_METHODS[op.id])(*path, *_body_args(call))
    if op.response_key_is_array and not isinstance(result, list):
        result = [result]  # PostMessage: the API answers a list of the messages made
    return op.status, {} if op.response_key is None else {op.response_key: result}


@_handles("GetTokenInfo")
def _token_info(core: FakeCore, call: _Call) -> tuple[int, object]:
    """The app the credentials belong to: the fake's one key serves all, so the oldest."""
    app = core.store.token_app()
    if app is None:
        return core._example(call)
    assert call.operation.response_key is not None
    return call.operation.status, {call.operation.response_key: app}


def _body_args(call: _Call) -> list[Any]:
    return [] if call.operation.body_kind is None else [call.body]


_HANDLERS.update(dict.fromkeys([*_STORE_METHODS, *_PAGE_METHODS, "ListUsers"], _stateful))


#: The operations the fake keeps state for; the others answer with the spec's example.
STATEFUL_OPERATIONS: Final = frozenset(_HANDLERS)
