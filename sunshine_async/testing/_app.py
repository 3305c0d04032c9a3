"""`FakeSunshine`: the whole v2 API in memory, for tests and demos.

The work is done by the sans-I/O `FakeCore` (routing from the spec itself, checks
against the spec's JSON Schemas, plain-dict answers). This module adds what needs I/O:
an ASGI app (served by uvicorn, see `serve_in_thread`), an httpx transport for
in-process use, injected faults, the request log, and the seeding helpers a test calls
directly.

Serving a request touches none of the SDK's models or its generated table. Only the
helpers whose contract is to hand back what the SDK would read (`FakeSunshine.session`,
and the seeding helpers that return `Client` objects) import the SDK, when called.
"""

from __future__ import annotations

import enum
import json
import threading
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    MutableMapping,
    Sequence,
)
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final, TypeAlias, final
from urllib.parse import parse_qsl, quote

import anyio
import attrs
import httpx

from sunshine_async._checks import check_id
from sunshine_async._config import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    MAX_BODY_BYTES,
)
from sunshine_async._types import JSONObject, JSONValue

from ._core import FakeCore, FakeRequest, FakeResponse, error_response, json_response
from ._delivery import (
    Courier,
    Delivery,
    DeliveryAttempt,
    Receiver,
    Relay,
    deliveries_for,
    redacted,
)
from ._faults import Decision, Fault, FaultPlan, Status
from ._spec import rendered, require_jsonschema, response_schema
from ._store import ApiFailure, Store

if TYPE_CHECKING:
    from sunshine_async._hooks import Hooks
    from sunshine_async._models import Client, ClientStatus, ClientType
    from sunshine_async._retry import RetryPolicy
    from sunshine_async._session import Session
    from sunshine_async._transport import TransportName
    from sunshine_async._types import Scope as JwtScope
    from sunshine_async.types import (
        App,
        Conversation,
        Device,
        Integration,
        Message,
        Participant,
        User,
        Webhook,
    )

__all__ = ["FakeSunshine", "FakeTransport", "FakeWebhook", "RecordedRequest"]

ASGIScope: TypeAlias = MutableMapping[str, Any]
ASGIMessage: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[ASGIMessage]]
Send: TypeAlias = Callable[[ASGIMessage], Awaitable[None]]
Sleep: TypeAlias = Callable[[float], Awaitable[object]]

DEFAULT_FAKE_BASE_URL: Final = "https://fake-sunshine.test"
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
        headers: The headers as ``(name, value)`` pairs, names in lower case, in the
            order sent. Credentials are never kept: the value of ``Authorization`` is
            its scheme and ``<redacted>`` (``"Basic <redacted>"``), and ``X-API-Key``,
            ``Proxy-Authorization`` and ``Cookie`` read ``<redacted>``. `header` looks
            one up.
        body: The body as sent (empty for none; a body over the API's 100 KB limit is
            kept up to the limit).
        json: The body decoded as JSON, or None when it is empty or not JSON (a
            multipart upload, say).

    Example::

        (sent,) = fake.requests
        assert (sent.method, sent.json) == ("POST", {"type": "personal"})
        assert sent.header("authorization") == "Basic <redacted>"

    .. versionadded:: 0.1
    .. versionchanged:: 0.4
       ``headers``, ``body`` and ``json``.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    @property
    def json(self) -> Any:
        """The body decoded as JSON, or None when it is empty or not JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:  # not JSON, or not UTF-8
            return None

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None when it was not sent."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)


@final
@attrs.frozen(kw_only=True)
class FakeWebhook:
    """A webhook `FakeSunshine.add_webhook` registered, as the API answered it.

    Attributes:
        id: Its id.
        target: Where its deliveries go.
        triggers: The event types it gets (``"*"``: all).
        secret: What every delivery to it carries in ``X-API-Key``.
        version: The payload version (``"v2"``).
        include_full_user: Whether events carry the whole user.
        include_full_source: Whether events carry the whole source.

    .. versionadded:: 0.3
    """

    id: str
    target: str
    triggers: tuple[str, ...]
    secret: str
    version: str = "v2"
    include_full_user: bool = False
    include_full_source: bool = False


#: a model's name -> the operation whose answer shows one, and the key it is under there
_READ_AS: Final = {
    "App": ("GetApp", "app"),
    "User": ("GetUser", "user"),
    "Device": ("GetDevice", "device"),
    "Conversation": ("GetConversation", "conversation"),
    "Participant": ("ListParticipants", "participants"),
    "Message": ("ListMessages", "messages"),
    "Integration": ("GetIntegration", "integration"),
    "Webhook": ("GetWebhook", "webhook"),
}


def _to_models(model: str, found: Sequence[Mapping[str, Any]]) -> list[Any]:
    """Stored records as the SDK reads them from the API's answers.

    Each is rendered as the operation of `_READ_AS` answers it (only what the spec
    shows), then read into the SDK's model of that name (the SDK is imported here).
    """
    from sunshine_async import types
    from sunshine_async._converter import CONVERTER

    operation_id, key = _READ_AS[model]
    schema = response_schema(operation_id, 200)
    assert schema is not None, operation_id
    cls = getattr(types, model)
    if key.endswith("s"):  # a list operation: its items are rendered together
        shown = rendered(schema, {key: list(found)})[key]
    else:
        shown = [rendered(schema, {key: item})[key] for item in found]
    return [CONVERTER.structure(item, cls) for item in shown]


def _to_clients(found: Sequence[Mapping[str, Any]]) -> list[Client]:
    """Clients as the SDK reads them (the SDK is imported here, for the helpers only)."""
    from sunshine_async._converter import CONVERTER
    from sunshine_async._models import Client

    return [CONVERTER.structure(client, Client) for client in found]


class _ConnectionDropped(httpx.ReadError):
    """Raised by the ASGI app to break the connection (the DropConnection fault).

    An `httpx.ReadError`, so that even through a bare `httpx.ASGITransport` the client
    sees what a broken connection gives.
    """


def _status_response(fault: Status) -> FakeResponse:
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
    return error_response(ApiFailure(fault.status_code, code, title, headers=headers))


def _wire_headers(response: FakeResponse) -> list[tuple[bytes, bytes]]:
    headers = [
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers
    ]
    if response.body or response.status != 302:
        headers.insert(0, (b"content-type", b"application/json"))
    headers.append((b"content-length", str(len(response.body)).encode()))
    return headers


async def _send_response(send: Send, response: FakeResponse, *, drop: bool = False) -> None:
    start = {"type": "http.response.start", "status": response.status}
    await send({**start, "headers": _wire_headers(response)})
    if drop:
        # the status line and headers promise a body that never comes
        raise _ConnectionDropped("FakeSunshine broke the connection (injected fault)")
    await send({"type": "http.response.body", "body": response.body, "more_body": False})


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request body (up to the API's limit), and whether it went past the limit."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk: bytes = message.get("body", b"")
        room = MAX_BODY_BYTES - size
        if room > 0:
            chunks.append(chunk[:room])
        size += len(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), size > MAX_BODY_BYTES


def _decoded_query(query_string: bytes) -> tuple[tuple[str, str], ...]:
    return tuple(parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True))


def _raw_path(scope: ASGIScope) -> bytes:
    """The path as sent, still percent-encoded (``raw_path`` is optional in ASGI)."""
    raw: bytes | None = scope.get("raw_path")
    return raw if raw else quote(scope["path"], safe="/").encode("ascii")


def _origin(scope: ASGIScope, headers: Mapping[str, str]) -> str:
    host = headers.get("host")
    if host is None:
        server_host, server_port = scope.get("server") or ("localhost", None)
        host = server_host if server_port is None else f"{server_host}:{server_port}"
    scheme: str = scope.get("scheme", "http")
    return f"{scheme}://{host}"


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _open(value: object, kind: str) -> str:
    """A client type or status as its JSON text (enum members or plain strings)."""
    text = value.value if isinstance(value, enum.Enum) else value
    if not isinstance(text, str) or not text:
        raise ValueError(f"expected a non-empty str or {kind}, got {value!r}")
    return text


@final
class FakeSunshine:
    """An in-memory Sunshine Conversations server for the whole v2 API.

    Every operation of the official spec has a route. Apps, users, clients, devices,
    conversations, participants, messages, integrations and webhooks are kept in
    memory and behave like the API's (pagination, errors, events); the other
    operations answer with the spec's example. Request bodies are checked against
    the spec's JSON Schemas, and errors use the API's shape and wording.

    It is a plain ASGI app: use it in process through `transport` / `session`, or serve
    it on a socket with `serve_in_thread` or ``python -m sunshine_async.testing``. With
    pytest, the ``sunshine_fake`` fixture gives each test a fresh one.

    What a test reads back: `requests` (what was sent, credentials redacted),
    `deliveries` and `delivery_attempts` (webhooks), and the state, as the SDK's models,
    through `apps`, `users`, `clients`, `devices`, `conversations`, `participants`,
    `messages`, `integrations` and `webhooks`. `reset` forgets all of it.
    `deliver_to` hands webhook deliveries to your own ASGI app in process.

    Args:
        key_id: The one API key id it accepts.
        secret: That key's secret (Basic auth, or the HS256 key of a Bearer JWT).
        seed: Seeds the random source of rate-based faults.
        sleep: How `Latency` waits, and the pauses between a delivery's tries in
            process (`deliver_to`); pass a fake one to make tests instantaneous.
        base_url: The base URL `session` points at (any host; nothing is resolved).
        delivery_retry_pause: Served, the pause before a failed delivery's first retry
            (doubling after each).

    Attributes:
        key_id: The API key id it accepts (``"app_fake_key"`` unless given).
        secret: That key's secret; never shown in its repr.
        base_url: Where `session` points.
        requests: Every request received (see the property below).
        deliveries: Every webhook delivery made.
        delivery_attempts: Every try at handing a delivery over.

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
        delivery_retry_pause: float = 0.2,
    ) -> None:
        require_jsonschema()
        if not isinstance(key_id, str) or not key_id:
            raise ValueError("key_id must be a non-empty str")
        if not isinstance(secret, str) or not secret:
            raise ValueError("secret must be a non-empty str")
        self.key_id = key_id
        self.secret = secret
        self.base_url = base_url
        self._requests: list[RecordedRequest] = []
        self._sleep = sleep
        self._seed = seed
        self._core = FakeCore(key_id=key_id, secret=secret)
        self._store = self._core.store
        self._faults = FaultPlan(seed)
        self._deliveries: list[Delivery] = []
        self._attempts: list[DeliveryAttempt] = []
        self._delivery_retry_pause = delivery_retry_pause
        self._courier: Courier | None = None
        self._relay: Relay | None = None
        #: deliveries the relay has yet to hand over, oldest first
        self._pending: list[Delivery] = []
        self._relaying = False
        # held only around synchronous steps, never across an await: the app may be
        # served from another thread (`serve_in_thread`) while a test seeds it
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FakeSunshine(key_id={self.key_id!r}, base_url={self.base_url!r})"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, oldest first, rejected and faulted ones included.

        Each is a `RecordedRequest`: ``method``, ``path`` (raw), ``query`` (decoded
        pairs), ``headers`` (credentials redacted), ``body`` (bytes) and ``json`` (the
        body decoded, or None). The list is the fake's own, emptied by `reset`.
        """
        return self._requests

    @property
    def deliveries(self) -> list[Delivery]:
        """Every webhook delivery made, oldest first.

        Each `Delivery` has its ``target``, ``headers`` (``X-API-Key`` included, as
        Sunshine sends it), ``body`` and ``webhook_id``. Served (`serve_in_thread`), each
        is also POSTed to its target; with `deliver_to`, handed to your app in process.
        """
        return self._deliveries

    @property
    def delivery_attempts(self) -> list[DeliveryAttempt]:
        """Each try at handing a delivery over, oldest first.

        A `DeliveryAttempt` holds the ``delivery``, the ``status`` the receiver answered
        (None when it answered nothing) and the ``error`` it failed with (the exception's
        type, ``"timeout"``, or None). Served, tries are POSTs to the targets; with
        `deliver_to`, calls of your receiver. Nothing is tried otherwise.
        """
        return self._attempts

    def reset(self) -> None:
        """Forget everything: state, requests, deliveries and their tries, and faults.

        The fake is then as new, with the same key, secret, seed and base URL, and the
        same `deliver_to` receiver (deliveries not yet handed over are dropped). The
        lists `requests`, `deliveries` and `delivery_attempts` are emptied in place.
        Served, deliveries already queued for POSTing are still sent.
        """
        with self._lock:
            self._store = self._core.store = Store()
            self._faults = FaultPlan(self._seed)
            self._requests.clear()
            self._deliveries.clear()
            self._attempts.clear()
            self._pending.clear()

    # --- seeding and inspection ---

    def add_app(self, app_id: str | None = None, *, display_name: str | None = None) -> str:
        """Create an app and return its id (a new 24-hex-character id when not given).

        Raises:
            ValueError: the app exists already.
        """
        if app_id is not None:
            check_id("app_id", app_id)
        body = {} if display_name is None else {"displayName": display_name}
        with self._lock:
            try:
                return str(self._store.create_app(body, app_id)["id"])
            except ApiFailure:
                raise ValueError(f"app {app_id!r} exists already") from None

    def add_user(
        self,
        app_id: str,
        *,
        user_id: str | None = None,
        external_id: str | None = None,
        profile: JSONObject | None = None,
    ) -> str:
        """Create a user, and its app when missing; return the user's id.

        The user can then be addressed by its id or by ``external_id``; with an
        ``email`` in ``profile`` it is found by ``users.list(email=...)``.

        Raises:
            ValueError: the id or external id is taken in that app.
        """
        if user_id is not None:
            check_id("user_id", user_id)
        body: dict[str, Any] = {"profile": dict(profile or {})}
        if external_id is not None:
            body["externalId"] = check_id("external_id", external_id)
        with self._lock:
            if self._store._apps.get(app_id) is None:
                self._store.create_app({}, check_id("app_id", app_id))
            app = self._store.app(app_id)
            if user_id is not None and app.users.get(user_id) is not None:
                raise ValueError(f"user {user_id!r} exists already in app {app_id!r}")
            if external_id is not None and external_id in app.by_external_id:
                raise ValueError(f"external id {external_id!r} is taken in app {app_id!r}")
            return str(self._store.create_user(app_id, body, user_id)["id"])

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

        The clients are returned as the SDK reads them, for a test to compare with.

        Raises:
            KeyError: no such app or user.
        """
        kind, state = _open(type, "ClientType"), _open(status, "ClientStatus")
        with self._lock:
            try:
                added = self._store.add_clients(app_id, user, n, type=kind, status=state)
            except ApiFailure as failure:
                raise KeyError(f"{failure.errors[0][1]}: app {app_id!r}, user {user!r}") from None
        return _to_clients(added)

    def clients(self, app_id: str, user: str) -> list[Client]:
        """A user's current clients (by id or external id), oldest first.

        Raises:
            KeyError: no such app or user.
        """
        with self._lock:
            try:
                found = self._store.clients(app_id, user)
            except ApiFailure as failure:
                raise KeyError(f"{failure.errors[0][1]}: app {app_id!r}, user {user!r}") from None
        return _to_clients(found)

    def devices(self, app_id: str, user: str) -> list[Device]:
        """A user's devices (by id or external id), oldest first.

        Raises:
            KeyError: no such app or user.
        """
        found = self._read(lambda: self._store.devices(app_id, user), app=app_id, user=user)
        return _to_models("Device", found)

    def apps(self) -> list[App]:
        """Every app, oldest first."""
        return _to_models("App", self._read(self._store.apps))

    def users(self, app_id: str) -> list[User]:
        """An app's users, oldest first.

        Raises:
            KeyError: no such app.
        """
        return _to_models("User", self._read(lambda: self._store.users(app_id), app=app_id))

    def conversations(self, app_id: str, user: str | None = None) -> list[Conversation]:
        """An app's conversations, oldest first; with ``user`` (id or external id), only
        those it takes part in.

        Raises:
            KeyError: no such app or user.
        """
        found = self._read(lambda: self._store.conversations(app_id, user), app=app_id, user=user)
        return _to_models("Conversation", found)

    def participants(self, app_id: str, conversation_id: str) -> list[Participant]:
        """A conversation's participants, in the order they joined.

        Raises:
            KeyError: no such app or conversation.
        """
        found = self._read(
            lambda: self._store.participants(app_id, conversation_id),
            app=app_id,
            conversation=conversation_id,
        )
        return _to_models("Participant", found)

    def messages(self, app_id: str, conversation_id: str) -> list[Message]:
        """A conversation's messages, oldest first.

        Raises:
            KeyError: no such app or conversation.
        """
        found = self._read(
            lambda: self._store.messages(app_id, conversation_id),
            app=app_id,
            conversation=conversation_id,
        )
        return _to_models("Message", found)

    def integrations(self, app_id: str) -> list[Integration]:
        """An app's integrations, oldest first, each as the class of its type
        (`sunshine_async.types.Custom`, ``Whatsapp``...).

        Raises:
            KeyError: no such app.
        """
        found = self._read(lambda: self._store.integrations(app_id), app=app_id)
        return _to_models("Integration", found)

    def webhooks(self, app_id: str, integration_id: str | None = None) -> list[Webhook]:
        """The webhooks of one custom integration, or of all of an app's, oldest first.

        Each carries its ``secret`` (shown in no repr), which its deliveries carry in
        ``X-API-Key``.

        Raises:
            KeyError: no such app or integration.
        """
        if integration_id is None:
            found = self._read(lambda: self._store.all_webhooks(app_id), app=app_id)
        else:
            found = self._read(
                lambda: self._store.webhooks(app_id, integration_id),
                app=app_id,
                integration=integration_id,
            )
        return _to_models("Webhook", found)

    def _read(self, read: Callable[[], list[dict[str, Any]]], **names: str | None) -> list[Any]:
        """What ``read`` gives under the lock; a 404 it raises becomes a KeyError."""
        with self._lock:
            try:
                return read()
            except ApiFailure as failure:
                shown = ", ".join(f"{kind} {name!r}" for kind, name in names.items() if name)
                raise KeyError(f"{failure.errors[0][1]}: {shown}") from None

    def add_integration(
        self,
        app_id: str,
        type: str = "custom",
        *,
        integration_id: str | None = None,
        display_name: str | None = None,
        **fields: JSONValue,
    ) -> str:
        """Create an integration (a channel: ``"whatsapp"``, ``"custom"``...); return its id.

        ``fields`` are more of its JSON fields, in the API's camelCase, stored as given: a
        custom integration's ``webhooks`` here get no deliveries (register one with
        `add_webhook`), where ``integrations.create`` registers them.

        Raises:
            KeyError: no such app.
        """
        body = {"type": type, "displayName": display_name, **fields}
        with self._lock:
            try:
                made = self._store.create_integration(
                    app_id, body, integration_id, register_webhooks=False
                )
                return str(made["id"])
            except ApiFailure as failure:
                raise KeyError(f"{failure.errors[0][1]}: app {app_id!r}") from None

    def add_conversation(
        self, app_id: str, user: str | None = None, *, type: str = "personal"
    ) -> str:
        """Create a conversation, with ``user`` (id or external id) as its participant.

        Raises:
            KeyError: no such app or user.
        """
        participants = [] if user is None else [{"userId": user, "userExternalId": user}]
        with self._lock:
            try:
                body = {"type": type, "participants": participants}
                conversation_id = str(self._store.create_conversation(app_id, body)["id"])
            except ApiFailure as failure:
                raise KeyError(f"{failure.errors[0][1]}: app {app_id!r}, user {user!r}") from None
            self._deliver_events()
            return conversation_id

    def add_webhook(
        self,
        app_id: str,
        integration_id: str,
        target: str,
        triggers: Sequence[str] = ("*",),
    ) -> FakeWebhook:
        """Register a webhook on a custom integration, as ``webhooks.create`` would.

        Returns it with its generated ``secret``, which every delivery to it carries in
        ``X-API-Key``.

        Raises:
            KeyError: no such app or integration.
            ValueError: the integration is not a custom one.
        """
        body = {"target": target, "triggers": list(triggers)}
        with self._lock:
            try:
                hook = self._store.create_webhook(app_id, integration_id, body)
            except ApiFailure as failure:
                if failure.status == 403:
                    raise ValueError("webhooks belong to custom integrations") from None
                raise KeyError(f"{failure.errors[0][1]}: app {app_id!r}") from None
        return FakeWebhook(
            id=hook["id"],
            target=hook["target"],
            triggers=tuple(hook["triggers"]),
            secret=hook["secret"],
            version=hook["version"],
            include_full_user=hook["includeFullUser"],
            include_full_source=hook["includeFullSource"],
        )

    # --- link tracking ---

    def confirm_link(self, app_id: str, user: str, client_id: str) -> Client:
        """The customer confirmed: a pending client becomes active.

        Webhooks with the ``client:update`` trigger get the event, reason
        ``"confirmed"``. Returns the client as it is now.

        Raises:
            KeyError: no such app, user or client.
        """
        return self._link_update(app_id, user, client_id, "active", "confirmed")

    def block_link(self, app_id: str, user: str, client_id: str) -> Client:
        """The customer blocked the business: the client becomes ``blocked``.

        Webhooks get ``client:update`` with reason ``"blocked"``.

        Raises:
            KeyError: no such app, user or client.
        """
        return self._link_update(app_id, user, client_id, "blocked", "blocked")

    def fail_link(
        self, app_id: str, user: str, client_id: str, *, reason: str = "linkFailed"
    ) -> Client:
        """The link did not happen: the client is removed.

        Webhooks with the ``client:remove`` trigger get the event with ``reason``
        (``"linkFailed"``, ``"linkCancelled"``, ``"theft"``...). Returns the removed
        client.

        Raises:
            KeyError: no such app, user or client.
            ValueError: ``reason`` is empty.
        """
        if not isinstance(reason, str) or not reason:
            raise ValueError(f"reason must be a non-empty str, got {reason!r}")
        with self._lock:
            try:
                removed = self._store.remove_client(
                    app_id, user, client_id, reason=reason, force=True
                )
            except ApiFailure as failure:
                raise KeyError(f"{failure.errors[0][1]}: client {client_id!r}") from None
            self._deliver_events()
        (client,) = _to_clients([removed])
        return client

    def _link_update(
        self, app_id: str, user: str, client_id: str, status: str, reason: str
    ) -> Client:
        with self._lock:
            try:
                client = self._store.set_client_status(
                    app_id, user, client_id, status, reason=reason
                )
            except ApiFailure as failure:
                raise KeyError(f"{failure.errors[0][1]}: client {client_id!r}") from None
            self._deliver_events()
        (changed,) = _to_clients([client])
        return changed

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
        hooks: Hooks | Sequence[Hooks] | None = None,
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
        # the SDK under test, imported only by the helper that builds one
        from sunshine_async._retry import RetryPolicy
        from sunshine_async._session import Session

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
            hooks=hooks,
        )

    # --- serving ---

    def handle(self, request: FakeRequest) -> FakeResponse:
        """Answer one request with the sans-I/O core (no faults, no log): for adapters."""
        with self._lock:
            response = self._core.handle(request)
            self._deliver_events()
            return response

    def _deliver_events(self) -> None:
        """Turn the events of the last change into deliveries (the lock is held)."""
        events = self._store.take_events()
        for app_id in dict.fromkeys(event.app_id for event in events):
            hooks = self._store.webhooks_for(app_id)
            for delivery in deliveries_for(app_id, hooks, events):
                self._deliveries.append(delivery)
                if self._courier is not None:
                    self._courier.send(delivery)
                if self._relay is not None:
                    self._pending.append(delivery)

    # --- deliveries in process ---

    def deliver_to(self, receiver: Receiver | None, *, retry_pause: float = 0.0) -> None:
        """Hand every webhook delivery from now on to ``receiver``, in process.

        ``receiver`` is an ASGI app, which gets each delivery as a POST to the path of
        its target (called directly, as a server would: no socket, no server), or a callable
        taking the `Delivery` and returning the status it answers (None means 200),
        plain or async. ``None`` stops handing deliveries over.

        A delivery is handed over before the request that caused it gets its answer, so
        once ``await clients.create(...)`` returns, your app has seen ``client:add``.
        Changes made by the fake's own helpers (`confirm_link`, `add_conversation`...),
        which are not async, are handed over by the next request, or by
        `deliver_pending`.

        Tries are retried as Sunshine retries them (up to 5 more times, never after
        400, 401, 403, 404 or 406), each recorded in `delivery_attempts`. An exception
        in your app answers 500; one in a callable counts as no answer. The pause
        before the first retry is ``retry_pause`` seconds (0: none), doubling after
        each, waited with the fake's ``sleep``.

        Example::

            receiver = WebhookReceiver([hook.secret])   # your ASGI app
            fake.deliver_to(receiver)
            client = await clients.create(...)          # client:add reaches it
            fake.confirm_link(app, user, client.id)
            await fake.deliver_pending()                # client:update reaches it

        Raises:
            TypeError: ``receiver`` is neither an ASGI app nor a one-argument callable.
            ValueError: ``retry_pause`` is negative.

        .. versionadded:: 0.4
        """
        if isinstance(retry_pause, bool) or not isinstance(retry_pause, int | float):
            raise TypeError(f"retry_pause must be a number of seconds, got {retry_pause!r}")
        if not retry_pause >= 0:
            raise ValueError(f"retry_pause must be >= 0, got {retry_pause!r}")
        relay = None
        if receiver is not None:
            relay = Relay(
                receiver, first_pause=retry_pause, sleep=self._sleep, attempts=self._attempts
            )
        with self._lock:
            self._relay = relay
            self._pending.clear()

    async def deliver_pending(self) -> None:
        """Hand the deliveries not yet handed over to the `deliver_to` receiver, in order.

        Returns once each was accepted, refused for good, or out of retries. Without a
        receiver there is nothing to do.

        .. versionadded:: 0.4
        """
        with self._lock:
            if self._relaying:
                return  # the receiver called the fake: the delivery under way goes on
            self._relaying = True
        try:
            # bounded: each turn takes one delivery, and only the receiver adds more
            while True:
                with self._lock:
                    relay = self._relay
                    if relay is None or not self._pending:
                        return
                    delivery = self._pending.pop(0)
                await relay.deliver(delivery)
        finally:
            with self._lock:
                self._relaying = False

    def _start_courier(self) -> None:
        """POST deliveries to their targets from now on (`serve_in_thread` calls this)."""
        with self._lock:
            if self._courier is None:
                courier = Courier(
                    first_pause=self._delivery_retry_pause, attempts=self.delivery_attempts
                )
                courier.start()
                self._courier = courier

    def _stop_courier(self) -> None:
        """Finish the POSTs under way and stop making new ones."""
        with self._lock:
            courier, self._courier = self._courier, None
        if courier is not None:
            courier.stop()

    def _begin(
        self,
        method: str,
        raw_path: bytes,
        query: tuple[tuple[str, str], ...],
        headers: Iterable[tuple[str, str]],
        body: bytes,
    ) -> Decision:
        """Log a request and decide its faults."""
        record = RecordedRequest(
            method=method,
            path=raw_path.decode("latin-1"),
            query=query,
            headers=redacted(headers),
            body=body,
        )
        with self._lock:
            self._requests.append(record)
            return self._faults.draw()

    async def _answer(self, decision: Decision, request: FakeRequest) -> FakeResponse:
        """The response to a logged request, faults applied (refusal aside)."""
        if decision.delay > 0:
            await self._sleep(decision.delay)
        if decision.status is not None:
            return _status_response(decision.status)
        return self.handle(request)

    async def __call__(self, scope: ASGIScope, receive: Receive, send: Send) -> None:
        """The ASGI entry point (HTTP and lifespan)."""
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # websockets: the server refuses the handshake
        raw_path = _raw_path(scope)
        query = _decoded_query(scope.get("query_string", b""))
        pairs = [
            (bytes(k).decode("latin-1"), bytes(v).decode("latin-1"))
            for k, v in scope.get("headers", ())
        ]
        body, too_large = await _read_body(receive)
        decision = self._begin(scope["method"], raw_path, query, pairs, body)
        if decision.delay > 0:
            await self._sleep(decision.delay)
        if decision.refuse:
            # over a socket the request is here already: break without handling it
            await _send_response(send, json_response(503, {}), drop=True)
        headers = {name.lower(): value for name, value in pairs}
        request = FakeRequest(
            method=scope["method"],
            path=raw_path.decode("latin-1"),
            query=query,
            headers=headers,
            body=None if too_large else body,
            origin=_origin(scope, headers),
        )
        response = await self._answer(attrs.evolve(decision, delay=0.0), request)
        await self.deliver_pending()
        await _send_response(send, response, drop=decision.drop)


@final
class FakeTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends each request to a `FakeSunshine` in process.

    Made by `FakeSunshine.transport`. `RefuseConnection` raises `httpx.ConnectError`
    before the app is called and `DropConnection` raises `httpx.ReadError` after it
    handled the request, as a real connection would.

    .. versionadded:: 0.1
    """

    def __init__(self, fake: FakeSunshine) -> None:
        self._fake = fake

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        raw_path = url.raw_path.split(b"?", 1)[0]
        query = _decoded_query(url.query)
        fake = self._fake
        body = await request.aread()
        decision = fake._begin(
            request.method, raw_path, query, request.headers.multi_items(), body[:MAX_BODY_BYTES]
        )
        if decision.refuse:
            raise httpx.ConnectError(
                "FakeSunshine refused the connection (injected fault)", request=request
            )
        answer = await fake._answer(
            decision,
            FakeRequest(
                method=request.method,
                path=raw_path.decode("latin-1"),
                query=query,
                headers={k.lower(): v for k, v in request.headers.items()},
                body=None if len(body) > MAX_BODY_BYTES else body,
                origin=f"{url.scheme}://{url.netloc.decode('ascii')}",
            ),
        )
        await fake.deliver_pending()
        if decision.drop:
            raise httpx.ReadError(
                "FakeSunshine broke the connection (injected fault)", request=request
            )
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in _wire_headers(answer)]
        return httpx.Response(
            answer.status, headers=headers, stream=_BodyStream(answer.body), request=request
        )


class _BodyStream(httpx.AsyncByteStream):
    """A body read by streaming, as off a socket (a plain ``content=`` is read eagerly)."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._body:
            yield self._body
