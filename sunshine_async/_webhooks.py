"""Webhook deliveries: checking ``X-API-Key`` and reading the body into typed events.

Pure functions and frozen models only: no I/O and no event loop, so any web framework
(sync or async) can call them. `sunshine_async.webhooks` is the public face.

The 25 event classes and their payloads are generated from the spec
(`sunshine_async._generated.models`, ``WEBHOOK_EVENTS``), so the one converter reads
them like every other model: unknown fields kept in ``extra``, fields sent as ``null``
named in ``nulls``, dates read as aware datetimes (or kept as the text sent), open
enums, and a client is the SDK's own `Client`. Each event knows its ``type`` and
always has a ``payload`` (empty when absent or null). What is written here is what the
spec cannot say: checking the key, the delivery envelope, and what to do with an
event that is new or does not fit (`UnknownEvent`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final, TypeAlias, final

import attrs

from ._config import MAX_EXCERPT_CHARS
from ._converter import CONVERTER, describe_invalid, problems_in
from ._exceptions import InvalidArgumentError, WebhookParseError, WebhookVerificationError
from ._generated.models import (
    WEBHOOK_EVENTS,
    AppSubSchema,
    EventSubSchema,
    KnownWebhookEvent,
    WebhookSubSchema,
)
from ._models import _nulls, _recorded
from ._text import excerpt, short_repr
from ._types import JSONObject, JSONValue

__all__ = [
    "API_KEY_HEADER",
    "EVENT_TYPES",
    "HeadersLike",
    "UnknownEvent",
    "WebhookDelivery",
    "WebhookEvent",
    "parse",
    "unwrap",
    "verify",
]

logger = logging.getLogger("sunshine_async.webhooks")

#: The header Sunshine puts the webhook's secret in (compared ignoring case).
API_KEY_HEADER: Final = "X-API-Key"

#: Request headers as web frameworks hand them out: a mapping (dict, `httpx.Headers`,
#: Starlette's ``Headers``, aiohttp's ``CIMultiDict``) or (name, value) pairs, as str or
#: bytes (an ASGI scope's raw ``headers``, Werkzeug's ``Headers``).
HeadersLike: TypeAlias = (
    Mapping[str, str]
    | Mapping[bytes, bytes]
    | Iterable[tuple[str, str]]
    | Iterable[tuple[bytes, bytes]]
)


# --- models -------------------------------------------------------------------------


@final
@attrs.frozen(kw_only=True)
class UnknownEvent:
    """An event this SDK cannot type, with its payload as raw JSON.

    Either its type is newer than this SDK version (Sunshine adds event types over
    time), or its type is known but its payload does not match that type's schema;
    then ``problem`` says where, and a warning is logged. Either way the delivery still
    parses, and no event is lost: ``payload`` is the decoded JSON object as it came.

    .. versionadded:: 0.2
    """

    id: str | None = None
    type: str
    created_at: datetime | str | None = None
    payload: JSONObject | None = None
    #: Why a known type could not be typed (a JSON path and what was wrong), or None.
    problem: str | None = None
    extra: JSONObject = attrs.field(factory=dict, repr=False, eq=False)
    nulls: frozenset[str] = _nulls()
    problems: tuple[str, ...] = _recorded()


#: Any event a delivery holds: one of the 25 typed events, or `UnknownEvent`.
WebhookEvent: TypeAlias = KnownWebhookEvent | UnknownEvent

#: Each known event class by its ``type`` (``"client:add"`` -> `ClientAddEvent`). Each
#: class knows its type too (``ClientAddEvent().type``): both come from the spec.
EVENT_TYPES: Final[Mapping[str, type[WebhookEvent]]] = WEBHOOK_EVENTS


@final
@attrs.frozen(kw_only=True)
class WebhookDelivery:
    """One POST from Sunshine: the app, the webhook, and one or more events.

    ``events`` keeps the order of the body. Deliveries are retried, so an event can
    arrive more than once: ``event.id`` is the key to deduplicate on.

    .. versionadded:: 0.2
    """

    app: AppSubSchema
    webhook: WebhookSubSchema
    events: tuple[WebhookEvent, ...] = ()
    extra: JSONObject = attrs.field(factory=dict, repr=False, eq=False)
    nulls: frozenset[str] = _nulls()
    problems: tuple[str, ...] = _recorded()


# --- verify -------------------------------------------------------------------------


def _secrets(secret: object) -> list[bytes]:
    """The accepted secrets, each hashed; refuses what cannot be a secret.

    No message here quotes a value: a mistake could put a real secret in it.
    """
    candidates: list[object]
    if isinstance(secret, str):
        candidates = [secret]
    elif isinstance(secret, bytes | bytearray | Mapping) or not isinstance(secret, Iterable):
        raise InvalidArgumentError(
            f"secret must be a str or an iterable of str, got {type(secret).__name__}"
        )
    else:
        candidates = list(secret)
        if not candidates:
            raise InvalidArgumentError("secret is empty: give at least one webhook secret")
    digests = []
    for index, candidate in enumerate(candidates):
        where = "secret" if isinstance(secret, str) else f"secret[{index}]"
        if not isinstance(candidate, str):
            raise InvalidArgumentError(f"{where} must be a str, got {type(candidate).__name__}")
        if not candidate:
            raise InvalidArgumentError(f"{where} is an empty string")
        digests.append(_digest(candidate.encode("utf-8")))
    return digests


def _digest(value: bytes) -> bytes:
    # compare_digest takes time by length when lengths differ: compared as digests, all
    # values have one length, so the time says nothing about the secret's length either
    return hashlib.sha256(value).digest()


def _received_keys(headers: object) -> list[bytes]:
    """Every ``X-API-Key`` value in ``headers``, names compared ignoring case."""
    pairs: Iterable[object]
    if isinstance(headers, Mapping):
        pairs = headers.items()
    elif isinstance(headers, str | bytes | bytearray) or not isinstance(headers, Iterable):
        raise InvalidArgumentError(
            f"headers must be a mapping or (name, value) pairs, got {type(headers).__name__}"
        )
    else:
        pairs = headers
    found: list[bytes] = []
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise InvalidArgumentError(
                f"headers must hold (name, value) pairs, got a {type(pair).__name__}"
            )
        name, value = pair
        if isinstance(name, bytes | bytearray):
            name = bytes(name).decode("latin-1")
        if not isinstance(name, str) or name.lower() != "x-api-key":
            continue
        if isinstance(value, str):
            value = value.encode("utf-8")
        elif isinstance(value, bytearray | memoryview):
            value = bytes(value)
        elif not isinstance(value, bytes):
            raise InvalidArgumentError(
                f"the {API_KEY_HEADER} header must be str or bytes, got {type(value).__name__}"
            )
        # a header value has no surrounding whitespace (RFC 9110, 5.5)
        found.append(value.strip(b" \t"))
    return found


def verify(headers: HeadersLike, *, secret: str | Iterable[str]) -> None:
    """Check that a delivery carries one of the webhook's secrets in ``X-API-Key``.

    The header name is matched ignoring case, and the value is compared with every
    secret in constant time (as SHA-256 digests, so not even the length leaks), whether
    or not an earlier one matched. Pass several secrets while rotating: the old and the
    new one.

    Args:
        headers: The request headers: any mapping, or (name, value) pairs of str or
            bytes.
        secret: The webhook's secret (``hook.secret`` when it was created), or an
            iterable of them.

    Raises:
        WebhookVerificationError: the header is missing, given twice with different
            values, or matches no secret. The message never holds either value.
        InvalidArgumentError: ``secret`` is empty or not str, or ``headers`` has an odd
            shape; a programming error, raised before looking at the key.

    >>> verify({"x-api-key": "s3cret"}, secret=["old-secret", "s3cret"])
    >>> verify({"X-API-Key": "guess"}, secret="s3cret")
    Traceback (most recent call last):
    ...
    sunshine_async.WebhookVerificationError: the X-API-Key header matches no webhook secret

    .. versionadded:: 0.2
    """
    digests = _secrets(secret)
    received = _received_keys(headers)
    if not received:
        _refuse(f"the delivery has no {API_KEY_HEADER} header")
    if any(value != received[0] for value in received[1:]):
        _refuse(f"the delivery has several different {API_KEY_HEADER} headers")
    given = _digest(received[0])
    matched = False
    for expected in digests:
        # no short cut: every secret is compared, so the time does not say which matched
        matched |= hmac.compare_digest(given, expected)
    if not matched:
        _refuse(f"the {API_KEY_HEADER} header matches no webhook secret")


def _refuse(reason: str) -> None:
    logger.debug("webhook delivery refused: %s", reason)
    raise WebhookVerificationError(reason)


# --- parse --------------------------------------------------------------------------


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _decode(body: object) -> object:
    if isinstance(body, memoryview | bytearray):
        body = bytes(body)
    if not isinstance(body, str | bytes):
        raise InvalidArgumentError(
            f"body must be the raw request body as bytes or str, got {type(body).__name__}"
        )
    try:
        # bytes: json detects UTF-8/16/32 itself, as RFC 8259 allows
        return json.loads(body, parse_constant=_reject_constant)
    except RecursionError:
        raise WebhookParseError("the webhook body is nested too deeply to read") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError both are
        problem = excerpt(str(exc), MAX_EXCERPT_CHARS)
        raise WebhookParseError(f"the webhook body is not JSON: {problem}") from exc


def _kind(value: object) -> str:
    """A JSON value's kind for messages (never the value: it may be anything)."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"


def _problems(exc: Exception, where: str) -> str:
    """The converter's problems, with JSON paths from the root of the delivery."""
    return "; ".join(
        problem.replace(" @ $", f" @ $.{where}", 1) for problem in describe_invalid(exc)
    )


def _structure(value: object, cls: type[Any], where: str) -> Any:
    try:
        return CONVERTER.structure(value, cls)
    except Exception as exc:
        raise WebhookParseError(f"{where} is not valid: {_problems(exc, where)}") from exc


_EVENT_KEYS: Final = ("id", "type", "createdAt", "payload")


def _unknown(raw: dict[str, JSONValue], index: int, problem: str | None) -> UnknownEvent:
    """An `UnknownEvent` from the raw event; its id and date must still be right."""
    where = f"events[{index}]"
    event_type = str(raw["type"])
    head = {key: raw[key] for key in ("id", "createdAt") if key in raw}
    try:
        # the generated model of the fields every event shares: id, type, createdAt
        common = CONVERTER.structure(head, EventSubSchema)
    except Exception as exc:
        raise WebhookParseError(
            f"{where} ({event_type}) is not valid: {_problems(exc, where)}",
            index=index,
            event_type=event_type,
        ) from exc
    payload = raw.get("payload")
    if payload is not None and not isinstance(payload, dict):
        raise WebhookParseError(
            f"{where} ({event_type}) has a payload that is {_kind(payload)}, not an object",
            index=index,
            event_type=event_type,
        )
    return UnknownEvent(
        id=common.id,
        type=event_type,
        created_at=common.created_at,
        payload=payload,
        problem=problem,
        extra={key: value for key, value in raw.items() if key not in _EVENT_KEYS},
        nulls=frozenset(key for key in _EVENT_KEYS if key in raw and raw[key] is None),
    )


def _event(index: int, raw: object) -> WebhookEvent:
    where = f"events[{index}]"
    if not isinstance(raw, dict):
        raise WebhookParseError(f"{where} is {_kind(raw)}, not an object", index=index)
    event_type = raw.get("type")
    if not isinstance(event_type, str) or not event_type:
        raise WebhookParseError(f"{where} has no type", index=index)
    cls = EVENT_TYPES.get(event_type)
    if cls is None:
        return _unknown(raw, index, None)
    event_id = raw.get("id")
    if event_id is not None and type(event_id) is not str:
        # the key that repeats are told by: kept strict, or a handler that skips seen
        # ids would take two different events for one
        raise WebhookParseError(
            f"{where} ({event_type}) is not valid: expected str, got"
            f" {type(event_id).__name__} {short_repr(event_id)} @ $.{where}.id",
            index=index,
            event_type=event_type,
        )
    try:
        event: WebhookEvent = CONVERTER.structure(raw, cls)
    except Exception as exc:  # noqa: BLE001 - any failure of the converter: it does not fit
        # Odd fields are kept inside a typed event (below); what fails here is the
        # event's own shape. That must not cost the whole delivery (answered 400,
        # Sunshine drops every event in it): the event is handed on untyped, saying why.
        problem = _problems(exc, where)
        logger.warning(
            "webhook event %s (%s) does not match its schema; kept as UnknownEvent: %s",
            raw.get("id"),
            event_type,
            problem,
        )
        return _unknown(raw, index, problem)
    found = problems_in(event, f"$.{where}")
    if found:
        # typed all the same: one odd field costs that field (kept in its object's
        # `extra`), never the event; the spec's own conversation:referral example has a
        # numeric user externalId
        logger.warning(
            "webhook event %s (%s) has values not of their type, kept as sent: %s",
            raw.get("id"),
            event_type,
            "; ".join(found[:5]),
        )
    return event


def parse(body: bytes | bytearray | memoryview | str) -> WebhookDelivery:
    """Read a delivery's body into a `WebhookDelivery` of typed events.

    Lenient where the API may grow: an event type this version does not know becomes
    `UnknownEvent` with its raw payload, unknown fields are kept in ``extra``, an
    unknown enum value stays a plain str and a date that does not parse stays text. An
    event of a known type whose payload does not match that type's schema becomes an
    `UnknownEvent` too, with ``problem`` saying what is wrong (and a logged warning),
    so that one odd field costs neither the event nor the rest of the delivery.
    Strict about the shape: the body must be a JSON object with ``app`` and ``webhook``
    objects and an ``events`` array of objects that each have a ``type`` (and, if
    they have them, a string ``id`` and ``createdAt``).

    Args:
        body: The raw request body, as bytes (any UTF encoding) or str.

    Raises:
        WebhookParseError: the body is not JSON or not a delivery; the message says
            where (``events[2]``, with ``index`` and ``event_type`` set) and quotes at
            most a short excerpt.
        InvalidArgumentError: ``body`` is not bytes or str (a programming error).

    >>> delivery = parse(
    ...     '{"app": {"id": "a1"}, "webhook": {"id": "w1", "version": "v2"},'
    ...     ' "events": [{"id": "e1", "type": "client:update", "createdAt":'
    ...     ' "2021-08-27T15:53:06.744Z", "payload": {"reason": "confirmed",'
    ...     ' "client": {"id": "c1", "status": "active"}}}]}'
    ... )
    >>> event = delivery.events[0]
    >>> type(event).__name__, event.payload.reason, event.payload.client.status
    ('ClientUpdateEvent', 'confirmed', <ClientStatus.ACTIVE: 'active'>)

    .. versionadded:: 0.2
    """
    data = _decode(body)
    if not isinstance(data, dict):
        raise WebhookParseError(f"a webhook delivery is a JSON object, got {_kind(data)}")
    for key in ("app", "webhook"):
        if not isinstance(data.get(key), dict):
            found = "none" if key not in data else _kind(data[key])
            raise WebhookParseError(f"a webhook delivery has an {key!r} object, got {found}")
    raw_events = data.get("events")
    if not isinstance(raw_events, list):
        found = "none" if "events" not in data else _kind(raw_events)
        raise WebhookParseError(f"a webhook delivery has an 'events' array, got {found}")
    events = tuple(_event(index, raw) for index, raw in enumerate(raw_events))
    extra = {key: value for key, value in data.items() if key not in ("app", "webhook", "events")}
    return WebhookDelivery(
        app=_structure(data["app"], AppSubSchema, "app"),
        webhook=_structure(data["webhook"], WebhookSubSchema, "webhook"),
        events=events,
        extra=extra,
    )


def unwrap(
    body: bytes | bytearray | memoryview | str,
    headers: HeadersLike,
    *,
    secret: str | Iterable[str],
) -> WebhookDelivery:
    """`verify` the headers, then `parse` the body: the one call a handler needs.

    Nothing of the body is read before the key is checked.

    Raises:
        WebhookVerificationError: from `verify`; answer 401.
        WebhookParseError: from `parse`; answer 400 (Sunshine does not retry a 400).

    >>> delivery = unwrap(
    ...     b'{"app": {"id": "a1"}, "webhook": {"id": "w1"}, "events": []}',
    ...     {"X-Api-Key": "s3cret"},
    ...     secret="s3cret",
    ... )
    >>> delivery.app.id, delivery.events
    ('a1', ())

    .. versionadded:: 0.2
    """
    verify(headers, secret=secret)
    return parse(body)


# Resolve the string annotations while __module__ still names this module: the public
# `sunshine_async.webhooks` re-exports the classes under its own name.
for _cls in [value for value in list(globals().values()) if isinstance(value, type)]:
    if attrs.has(_cls) and _cls.__module__ == __name__:
        attrs.resolve_types(_cls, globals())
del _cls
