"""Webhook deliveries of the fake: which webhooks get which events, and sending them.

`deliveries_for` is pure: events in, one `Delivery` per webhook out, as Sunshine groups
them (the events of one change go together, in the order they happened). The `Courier`
posts them to their targets from a thread of its own, retrying the way Sunshine
documents: up to five more tries after a failure, with growing pauses, and never again
after a 400, 401, 403, 404 or 406 (the receiver has said no for good). The `Relay` does
the same in process, in the caller's event loop: it calls an ASGI app with each
delivery as a POST (the scope built here: no socket, no server), or a plain callable,
with pauses that cost no time unless asked to.

An event is rendered by its type's schema in the spec, like an answer: only what the
schema names goes out, and nothing it marks ``writeOnly``.
"""

from __future__ import annotations

import inspect
import json
import queue
import threading
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from typing import Any, Final, Literal, TypeAlias, final

import anyio
import attrs
import httpx

from ._spec import SPEC, rendered
from ._store import Event

__all__ = [
    "Courier",
    "Delivery",
    "DeliveryAttempt",
    "Receiver",
    "Relay",
    "deliveries_for",
    "redacted",
]

#: What `FakeSunshine.deliver_to` hands deliveries to: an ASGI app, or a callable that
#: takes one `Delivery` and returns the status it answers (None: 200), or an awaitable
#: of it.
Receiver: TypeAlias = Callable[..., Any]
Sleep: TypeAlias = Callable[[float], Awaitable[object]]

#: Tries after the first failure.
MAX_RETRIES: Final = 5
#: A receiver that answers one of these has refused the delivery for good.
FINAL_REFUSALS: Final = frozenset({400, 401, 403, 404, 406})
_ATTEMPT_TIMEOUT: Final = 10.0
#: Headers whose values the fake never shows (a request's log, a delivery's repr).
_SECRET_HEADERS: Final = frozenset({"authorization", "proxy-authorization", "x-api-key", "cookie"})
REDACTED: Final = "<redacted>"
_STOP_TIMEOUT: Final = 30.0


def redacted(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Headers as the fake shows them: lower-case names, and no credential's value."""
    kept = []
    for name, value in headers:
        key = name.lower()
        if key in _SECRET_HEADERS:
            scheme, space, _ = value.strip().partition(" ")
            shown = f"{scheme} {REDACTED}" if space and key.endswith("authorization") else REDACTED
            kept.append((key, shown))
        else:
            kept.append((key, value))
    return tuple(kept)


def _headers_repr(headers: Iterable[tuple[str, str]]) -> str:
    return repr(redacted(headers))


@final
@attrs.frozen
class Delivery:
    """One webhook delivery: where it goes, the headers it carries, and its JSON body.

    ``headers`` include ``X-API-Key`` (the webhook's secret), as Sunshine sends it;
    its repr shows ``<redacted>`` in its place.

    .. versionadded:: 0.2
    """

    target: str
    headers: tuple[tuple[str, str], ...] = attrs.field(repr=_headers_repr)
    body: bytes
    #: The webhook it was made for.
    webhook_id: str

    def json(self) -> Any:
        """The body, parsed."""
        return json.loads(self.body)

    @property
    def event_types(self) -> list[str]:
        """The ``type`` of each event it holds, in order."""
        return [event["type"] for event in self.json()["events"]]


@final
@attrs.frozen
class DeliveryAttempt:
    """One try at posting a delivery: the status it got, or why it got none.

    .. versionadded:: 0.2
    """

    delivery: Delivery
    status: int | None
    error: str | None = None


def _matches(triggers: Sequence[str], event_type: str) -> bool:
    return "*" in triggers or event_type in triggers


#: event type -> the name of its schema (an event schema's title is its type)
_EVENT_SCHEMAS: Final = {
    schema["title"]: name
    for name, schema in SPEC["components"]["schemas"].items()
    if ":" in schema.get("title", "")
}


def _event_json(event: Event) -> dict[str, Any]:
    data = {
        "id": event.id,
        "type": event.type,
        "createdAt": event.created_at,
        "payload": event.payload,
    }
    schema = _EVENT_SCHEMAS.get(event.type)
    shown: dict[str, Any] = data if schema is None else rendered(schema, data)
    return shown


def deliveries_for(
    app_id: str, webhooks: Iterable[dict[str, Any]], events: Sequence[Event]
) -> list[Delivery]:
    """The deliveries some events of one app make: one per webhook whose triggers match."""
    made = []
    for hook in webhooks:
        matching = [e for e in events if e.app_id == app_id and _matches(hook["triggers"], e.type)]
        if not matching:
            continue
        body = {
            "app": {"id": app_id},
            "webhook": {"id": hook["id"], "version": hook.get("version", "v2")},
            "events": [_event_json(event) for event in matching],
        }
        made.append(
            Delivery(
                target=hook["target"],
                headers=(
                    ("content-type", "application/json"),
                    ("user-agent", "FakeSunshine"),
                    ("x-api-key", hook["secret"]),
                ),
                body=json.dumps(body, separators=(",", ":")).encode(),
                webhook_id=hook["id"],
            )
        )
    return made


def retry_pauses(first: float) -> list[float]:
    """The pause before each retry: doubling from ``first``."""
    return [first * 2**n for n in range(MAX_RETRIES)]


class Courier:
    """Posts deliveries to their targets, in order, from a background thread.

    `send` queues one; `stop` lets the queue empty (or gives up after a while), then
    ends the thread. Each try is recorded in ``attempts``.
    """

    def __init__(self, *, first_pause: float, attempts: list[DeliveryAttempt]) -> None:
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._pauses = retry_pauses(first_pause)
        self._attempts = attempts
        self._thread = threading.Thread(target=self._run, name="fake-sunshine-courier", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def send(self, delivery: Delivery) -> None:
        self._queue.put(delivery)

    def stop(self) -> None:
        """Finish what is queued, then end the thread."""
        if not self._thread.is_alive():
            return
        self._queue.put(None)
        self._thread.join(_STOP_TIMEOUT)

    def _run(self) -> None:
        anyio.run(self._main, backend="asyncio")

    async def _main(self) -> None:
        async with httpx.AsyncClient(timeout=_ATTEMPT_TIMEOUT, trust_env=False) as client:
            while True:
                delivery = await anyio.to_thread.run_sync(self._queue.get)
                if delivery is None:
                    return
                await self._deliver(client, delivery)

    async def _deliver(self, client: httpx.AsyncClient, delivery: Delivery) -> None:
        for pause in [0.0, *self._pauses]:
            if pause:
                await anyio.sleep(pause)
            try:
                response = await client.post(
                    delivery.target, content=delivery.body, headers=list(delivery.headers)
                )
            except httpx.HTTPError as exc:
                self._attempts.append(DeliveryAttempt(delivery, None, type(exc).__name__))
                continue
            self._attempts.append(DeliveryAttempt(delivery, response.status_code))
            if response.is_success or response.status_code in FINAL_REFUSALS:
                return


def _required_positionals(receiver: Receiver) -> int | None:
    """How many positional arguments ``receiver`` needs (None: it cannot be told)."""
    try:
        signature = inspect.signature(receiver)
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(
        1
        for p in signature.parameters.values()
        if p.kind in kinds and p.default is inspect.Parameter.empty
    )


def receiver_kind(receiver: Receiver) -> Literal["asgi", "callable"]:
    """Whether ``receiver`` is an ASGI app (scope, receive, send) or takes a delivery.

    Raises:
        TypeError: it is neither (not callable, or wants another number of arguments).
    """
    count = _required_positionals(receiver) if callable(receiver) else None
    if count == 3:
        return "asgi"
    if count == 1:
        return "callable"
    raise TypeError(
        "deliver_to() takes an ASGI app (scope, receive, send) or a callable taking one"
        f" Delivery, got {receiver!r}"
    )


def _is_last_try(status: int | None) -> bool:
    """Whether a try is the last one: accepted, or refused for good."""
    return status is not None and (200 <= status < 300 or status in FINAL_REFUSALS)


class Relay:
    """Hands deliveries to a receiver in process, retrying as the `Courier` does.

    The receiver runs in the caller's task: an ASGI app gets a POST as a server would
    hand it one (an exception before it answers, or no answer, is a 500; no lifespan
    events are sent), a callable gets the `Delivery`.
    Each try is bounded by the same 10 s a served delivery gets, and recorded in
    ``attempts``. Pauses between tries are ``first_pause`` doubling, waited with
    ``sleep``; with ``first_pause=0`` there are none.
    """

    def __init__(
        self,
        receiver: Receiver,
        *,
        first_pause: float,
        sleep: Sleep,
        attempts: list[DeliveryAttempt],
    ) -> None:
        self.receiver = receiver
        self._kind = receiver_kind(receiver)
        self._pauses = retry_pauses(first_pause)
        self._sleep = sleep
        self._attempts = attempts

    async def deliver(self, delivery: Delivery) -> None:
        """Try ``delivery`` until it is accepted, refused for good, or out of retries."""
        for pause in [0.0, *self._pauses]:
            if pause:
                await self._sleep(pause)
            status, error = await self._try(delivery)
            self._attempts.append(DeliveryAttempt(delivery, status, error))
            if _is_last_try(status):
                return

    async def _try(self, delivery: Delivery) -> tuple[int | None, str | None]:
        with anyio.move_on_after(_ATTEMPT_TIMEOUT):
            try:
                if self._kind == "asgi":
                    return await self._post(delivery), None
                return await self._call(delivery), None
            except Exception as exc:  # noqa: BLE001 - a receiver's failure is a failed try
                # the type only: an exception's text may quote what it was given
                return None, type(exc).__name__
        return None, "timeout"

    async def _post(self, delivery: Delivery) -> int:
        """POST ``delivery`` to the ASGI app, as a server would; the status it answered."""
        url = httpx.URL(delivery.target)
        headers = [(b"host", url.netloc), (b"content-length", str(len(delivery.body)).encode())]
        headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in delivery.headers]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?", 1)[0],
            "query_string": url.query,
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 0),
            "server": (url.host, url.port or (443 if url.scheme == "https" else 80)),
        }
        unread = [{"type": "http.request", "body": delivery.body, "more_body": False}]
        answered = anyio.Event()
        status: int | None = None

        async def receive() -> dict[str, Any]:
            if unread:
                return unread.pop()
            # the body is read: the client goes away once it has the whole answer (an
            # app that listens for that while it answers must not hear it too soon)
            await answered.wait()
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start" and status is None:
                status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                answered.set()

        try:
            await self.receiver(scope, receive, send)
        except Exception:  # noqa: BLE001 - what a server answers for a crashed app
            if status is None:
                return 500
        return 500 if status is None else status

    async def _call(self, delivery: Delivery) -> int:
        answer = self.receiver(delivery)
        if inspect.isawaitable(answer):
            answer = await answer
        if answer is None:
            return 200
        if isinstance(answer, bool) or not isinstance(answer, int):
            raise TypeError(f"a receiver returns an HTTP status (int) or None, got {answer!r}")
        return answer
