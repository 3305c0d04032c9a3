"""Waiting for a channel link to end: by polling the user's clients, or by webhook events.

`ClientsResource.wait_for_link` checks its arguments and calls `wait_for_link` here.
`LinkWatcher` turns webhook events into outcomes a wait can take; it is public through
`sunshine_async.webhooks`.
"""

from __future__ import annotations

import logging
import math
import random as _random
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Final, final

import anyio
import attrs

from ._checks import check_count, check_id, check_seconds
from ._exceptions import (
    ApiConnectionError,
    InvalidArgumentError,
    LinkFailedError,
    LinkTimeoutError,
    RateLimitError,
    ServerError,
)
from ._generated.models import ClientAddEvent, ClientRemoveEvent, ClientUpdateEvent
from ._models import Client, ClientStatus
from ._webhooks import WebhookDelivery, WebhookEvent

__all__ = [
    "DEFAULT_LINK_TIMEOUT",
    "DEFAULT_MAX_POLL_INTERVAL",
    "DEFAULT_POLL_INTERVAL",
    "LinkOutcome",
    "LinkWatcher",
    "wait_for_link",
]

logger = logging.getLogger("sunshine_async")

#: Seconds `wait_for_link` waits by default: a person has to answer on their phone.
DEFAULT_LINK_TIMEOUT: Final = 300.0
#: Seconds before the second poll; each later wait is longer ...
DEFAULT_POLL_INTERVAL: Final = 5.0
#: ... by this factor ...
POLL_BACKOFF: Final = 1.5
#: ... up to this many seconds (or ``poll_interval``, if that is longer).
DEFAULT_MAX_POLL_INTERVAL: Final = 30.0
#: Each wait is a random point between this share and all of its scheduled length, so
#: that many waits started together do not poll together.
POLL_JITTER: Final = 0.8
#: Outcomes a `LinkWatcher` remembers by default; the oldest are forgotten first.
DEFAULT_MAX_OUTCOMES: Final = 10_000

# A poll that fails for one of these (after the Session's own retries) is tried again
# later, within the deadline: a blip must not end a five-minute wait.
_PASSING: Final = (ApiConnectionError, ServerError, RateLimitError)


@final
@attrs.frozen(kw_only=True)
class LinkOutcome:
    """How a channel link ended, as a ``client:*`` webhook event told it.

    Attributes:
        client_id: The client's id.
        client: The client as the event carried it; ``client.status`` is ``active``
            or ``blocked`` (or another status that is not ``pending``).
        reason: The event's reason: ``"confirmed"``, ``"blocked"``, ``"matched"``, ...
            for an update, ``"linkFailed"``, ``"linkCancelled"``, ``"theft"``, ... for
            a removal, ``"channelLinking"`` for a client added already linked.
        removed: True for a ``client:remove``: the link failed or was undone.
        event_id: The event's id.
        created_at: When the event happened.

    .. versionadded:: 0.2
    """

    client_id: str
    client: Client
    reason: str | None = None
    removed: bool = False
    event_id: str | None = None
    created_at: datetime | str | None = None

    @property
    def linked(self) -> bool:
        """True when the client is active: the customer confirmed the link."""
        return not self.removed and self.client.status == ClientStatus.ACTIVE


def _outcome_of(event: WebhookEvent) -> LinkOutcome | None:
    """The outcome an event tells, or None (another type, or a client still pending)."""
    if not isinstance(event, ClientAddEvent | ClientUpdateEvent | ClientRemoveEvent):
        return None
    client = event.payload.client
    if client is None or not isinstance(client.id, str) or not client.id:
        return None
    removed = isinstance(event, ClientRemoveEvent)
    if not removed and client.status == ClientStatus.PENDING:
        return None
    return LinkOutcome(
        client_id=client.id,
        client=client,
        reason=event.payload.reason,
        removed=removed,
        event_id=event.id,
        created_at=event.created_at,
    )


def _newer(old: LinkOutcome, new: LinkOutcome) -> bool:
    """Whether ``new`` happened after ``old`` (true when the dates cannot be compared).

    Deliveries are retried and arrive out of order: a late copy of an older event
    must not undo a newer outcome.
    """
    if isinstance(old.created_at, datetime) and isinstance(new.created_at, datetime):
        return new.created_at >= old.created_at
    return True


class _Waiter:
    __slots__ = ("event", "outcome")

    def __init__(self) -> None:
        self.event = anyio.Event()
        self.outcome: LinkOutcome | None = None


@final
class LinkWatcher:
    """Link outcomes from webhook events, for ``clients.wait_for_link(..., watcher=)``.

    Make one when the service starts, feed it every delivery your webhook handler
    receives, and wait on it instead of polling. It remembers the latest outcome of each
    client (up to ``max_outcomes``, the oldest forgotten first), so an outcome that
    arrives before the wait starts is not lost. Feed it and wait on it from tasks of
    one event loop (from a worker thread, go through ``anyio.from_thread.run_sync``).

    Args:
        max_outcomes: How many clients' outcomes to remember.

    Example::

        links = webhooks.LinkWatcher()

        async def handle(body: bytes, headers: Mapping[str, str]) -> None:
            links.feed(webhooks.unwrap(body, headers, secret=SECRET))

        client = await clients.create(...)
        try:
            client = await clients.wait_for_link(client, watcher=links, timeout=600)
        except LinkFailedError as exc:
            print("link failed:", exc.reason)          # "linkFailed", "linkCancelled", ...
        else:
            print(client.status, links.outcome(client.id).reason)   # active confirmed

    .. versionadded:: 0.2
    """

    __slots__ = ("_max", "_outcomes", "_waiters")

    def __init__(self, *, max_outcomes: int = DEFAULT_MAX_OUTCOMES) -> None:
        self._max = check_count("max_outcomes", max_outcomes, minimum=1)
        self._outcomes: dict[str, LinkOutcome] = {}
        self._waiters: dict[str, list[_Waiter]] = {}

    def __repr__(self) -> str:
        waiting = sum(len(waiters) for waiters in self._waiters.values())
        return f"LinkWatcher(outcomes={len(self._outcomes)}, waiting={waiting})"

    def feed(self, events: WebhookDelivery | WebhookEvent | Iterable[WebhookEvent]) -> int:
        """Take the link outcomes from a delivery (or events), and wake their waiters.

        ``client:update`` and ``client:add`` events of a client that is no longer
        pending, and ``client:remove`` events, are outcomes; every other event is
        ignored. Feeding the same delivery twice changes nothing.

        Returns:
            How many outcomes the events held.
        """
        if isinstance(events, WebhookDelivery):
            events = events.events
        elif not isinstance(events, Iterable):
            events = (events,)
        count = 0
        for event in events:
            outcome = _outcome_of(event)
            if outcome is None:
                continue
            count += 1
            old = self._outcomes.pop(outcome.client_id, None)
            if old is not None and not _newer(old, outcome):
                outcome = old
            self._outcomes[outcome.client_id] = outcome  # now the most recent entry
            while len(self._outcomes) > self._max:
                del self._outcomes[next(iter(self._outcomes))]
            for waiter in self._waiters.pop(outcome.client_id, ()):
                waiter.outcome = outcome
                waiter.event.set()
        return count

    def outcome(self, client_id: str) -> LinkOutcome | None:
        """The latest outcome fed for this client, or None."""
        return self._outcomes.get(client_id)

    def forget(self, client_id: str) -> None:
        """Drop what is remembered about this client (waiters keep waiting)."""
        self._outcomes.pop(client_id, None)

    async def wait(self, client_id: str) -> LinkOutcome:
        """Wait until an outcome for this client is fed, and return it.

        Returns at once if one was fed already. There is no deadline of its own: put
        it in ``anyio.fail_after``, or use ``clients.wait_for_link(watcher=...)``.
        """
        check_id("client_id", client_id)
        known = self._outcomes.get(client_id)
        if known is not None:
            await anyio.lowlevel.checkpoint()
            return known
        waiter = _Waiter()
        self._waiters.setdefault(client_id, []).append(waiter)
        try:
            await waiter.event.wait()
        finally:
            # cancelled: leave nothing behind for a client that may never be fed
            waiters = self._waiters.get(client_id)
            if waiters is not None and waiter in waiters:
                waiters.remove(waiter)
                if not waiters:
                    del self._waiters[client_id]
        assert waiter.outcome is not None  # set before the event, by feed
        return waiter.outcome


def client_id_of(client: object) -> str:
    """The id of a `Client` or an id, checked; raises `InvalidArgumentError`."""
    if isinstance(client, Client):
        if not client.id:  # a client read without one (its gap is in its problems)
            raise InvalidArgumentError("client has no id")
        return check_id("client.id", client.id)
    if not isinstance(client, str):
        raise InvalidArgumentError(
            f"client must be a Client or a client id, got {type(client).__name__}"
        )
    return check_id("client", client)


def _callable(name: str, value: object) -> None:
    if value is not None and not callable(value):
        raise InvalidArgumentError(f"{name} must be callable, got {type(value).__name__}")


async def wait_for_link(
    find: Callable[[str], Awaitable[Client | None]],
    client: object,
    *,
    limit: object = DEFAULT_LINK_TIMEOUT,
    poll_interval: object = DEFAULT_POLL_INTERVAL,
    max_poll_interval: object = None,
    watcher: object = None,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], Awaitable[object]] | None = None,
    random: Callable[[], float] | None = None,
) -> Client:
    """Check the arguments, then wait on the watcher or poll with ``find``.

    ``limit`` is the caller's ``timeout`` (a name the linter keeps for deadlines of
    anyio's own).

    ``find(client_id)`` returns the client as the API has it now, or None when the
    user has no such client any more.
    """
    client_id = client_id_of(client)
    seconds = check_seconds("timeout", limit)
    interval = check_seconds("poll_interval", poll_interval)
    if max_poll_interval is None:
        ceiling = max(interval, DEFAULT_MAX_POLL_INTERVAL)
    else:
        ceiling = check_seconds("max_poll_interval", max_poll_interval)
        if ceiling < interval:
            raise InvalidArgumentError(
                f"max_poll_interval ({ceiling:g}) must not be shorter than"
                f" poll_interval ({interval:g})"
            )
    if watcher is not None and not isinstance(watcher, LinkWatcher):
        raise InvalidArgumentError(
            f"watcher must be a webhooks.LinkWatcher, got {type(watcher).__name__}"
        )
    _callable("clock", clock)
    _callable("sleep", sleep)
    _callable("random", random)
    if watcher is not None:
        return await _wait_for_outcome(watcher, client_id, seconds)
    return await _poll(
        find,
        client_id,
        limit=seconds,
        interval=interval,
        ceiling=ceiling,
        clock=clock or anyio.current_time,
        sleep=sleep or anyio.sleep,
        rand=random or _random.random,
    )


async def _wait_for_outcome(watcher: LinkWatcher, client_id: str, limit: float) -> Client:
    outcome: LinkOutcome | None = None
    with anyio.move_on_after(limit):
        outcome = await watcher.wait(client_id)
    if outcome is None:
        raise LinkTimeoutError(
            f"no webhook event said how the link of client {client_id!r} ended within {limit:g} s",
            client_id=client_id,
            timeout=limit,
        )
    if outcome.removed:
        raise LinkFailedError(
            f"client {client_id!r} was removed ({outcome.reason or 'no reason given'})",
            client_id=client_id,
            reason=outcome.reason,
            client=outcome.client,
        )
    return outcome.client


async def _poll(
    find: Callable[[str], Awaitable[Client | None]],
    client_id: str,
    *,
    limit: float,
    interval: float,
    ceiling: float,
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[object]],
    rand: Callable[[], float],
) -> Client:
    deadline = clock() + limit
    last_seen: Client | None = None
    last_error: Exception | None = None
    # Each wait is at least POLL_JITTER * interval, or the rest of the time: this many
    # polls cannot fit before the deadline, whatever the clock does.
    max_polls = math.ceil(limit / (POLL_JITTER * interval)) + 2
    step = interval
    for _ in range(max_polls):
        remaining = deadline - clock()
        if remaining <= 0:
            break
        found: Client | None = None
        failed: Exception | None = None
        # the deadline also ends a poll in flight (on the event loop's clock)
        with anyio.move_on_after(remaining) as scope:
            try:
                found = await find(client_id)
            except _PASSING as exc:
                failed = exc
        if scope.cancelled_caught:
            break
        if failed is None:
            if found is None:
                raise LinkFailedError(
                    f"client {client_id!r} is no longer among the user's clients:"
                    " the link failed or was cancelled",
                    client_id=client_id,
                    client=last_seen,
                )
            if found.status != ClientStatus.PENDING:
                return found
            last_seen, last_error = found, None
        else:
            last_error = failed
            logger.info("polling client %s failed, trying again: %s", client_id, failed)
        delay = step * (POLL_JITTER + (1 - POLL_JITTER) * rand())
        step = min(ceiling, step * POLL_BACKOFF)
        if isinstance(failed, RateLimitError) and failed.retry_after is not None:
            delay = max(delay, failed.retry_after)
        delay = min(delay, deadline - clock())
        if delay > 0:
            logger.debug("client %s is still pending; next poll in %.1f s", client_id, delay)
            await sleep(delay)
    why = "" if last_error is None else f" (the last poll failed: {type(last_error).__name__})"
    raise LinkTimeoutError(
        f"client {client_id!r} was still pending after {limit:g} s{why}",
        client_id=client_id,
        timeout=limit,
        client=last_seen,
    ) from last_error
