"""Webhook deliveries of the fake: which webhooks get which events, and sending them.

`deliveries_for` is pure: events in, one `Delivery` per webhook out, as Sunshine groups
them (the events of one change go together, in the order they happened). The `Courier`
posts them to their targets from a thread of its own, retrying the way Sunshine
documents: up to five more tries after a failure, with growing pauses, and never again
after a 400, 401, 403, 404 or 406 (the receiver has said no for good).

An event is rendered by its type's schema in the spec, like an answer: only what the
schema names goes out, and nothing it marks ``writeOnly``.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterable, Sequence
from typing import Any, Final, final

import anyio
import attrs
import httpx

from ._spec import SPEC, rendered
from ._store import Event

__all__ = ["Courier", "Delivery", "DeliveryAttempt", "deliveries_for"]

#: Tries after the first failure.
MAX_RETRIES: Final = 5
#: A receiver that answers one of these has refused the delivery for good.
FINAL_REFUSALS: Final = frozenset({400, 401, 403, 404, 406})
_ATTEMPT_TIMEOUT: Final = 10.0
_STOP_TIMEOUT: Final = 30.0


@final
@attrs.frozen
class Delivery:
    """One webhook delivery: where it goes, the headers it carries, and its JSON body.

    ``headers`` include ``X-API-Key`` (the webhook's secret), as Sunshine sends it.

    .. versionadded:: 0.2
    """

    target: str
    headers: tuple[tuple[str, str], ...]
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
