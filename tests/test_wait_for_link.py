"""Tests for `ClientsResource.wait_for_link` and `webhooks.LinkWatcher`.

The API is an `httpx.MockTransport` written here; time is a fake clock whose sleep
moves it on at once, so no test waits for real (two deadline tests let a millisecond
pass: the deadline of a request in flight is the event loop's own).
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest

import sunshine_async
from sunshine_async import (
    Client,
    ClientStatus,
    InvalidArgumentError,
    LinkFailedError,
    LinkTimeoutError,
    Session,
    webhooks,
)

from .conftest import APP_ID, KEY_ID, SECRET, USER_ID

pytestmark = pytest.mark.anyio

CLIENTS_PATH = f"/v2/apps/{APP_ID}/users/steveb%40example.com/clients"
CLIENT_ID = "5ebee0975ac5304b664a12fa"
OTHERS = [{"id": f"{n:024x}", "type": "sdk", "status": "active"} for n in range(1, 6)]


def client_json(status: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": CLIENT_ID, "type": "whatsapp", "externalId": "15145555555"}
    if status is not None:
        data["status"] = status
    return data


class _Body(httpx.AsyncByteStream):
    def __init__(self, data: bytes) -> None:
        self._data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._data


def respond(status: int, data: object, headers: dict[str, str] | None = None) -> httpx.Response:
    """A response whose body is still to be read, as a transport hands it to the Session."""
    body = json.dumps(data).encode()
    headers = {"Content-Type": "application/json", **(headers or {})}
    return httpx.Response(status, headers=headers, stream=_Body(body))


class FakeApi:
    """Serves the user's clients, two per page; each poll takes the next state.

    A state is the status of the awaited client (None: the client is gone), an HTTP
    status to answer with, or an async function making the response itself. The
    last state repeats.
    """

    def __init__(self, *states: str | int | Callable[..., Any] | None) -> None:
        self.states = list(states)
        self.polls = 0
        self.requests: list[httpx.Request] = []

    def clients_for(self, state: str | None) -> list[dict[str, Any]]:
        # the awaited client sits on the last page: finding it takes every page
        return OTHERS if state is None else [*OTHERS, client_json(state)]

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert request.url.raw_path.split(b"?")[0].decode() == CLIENTS_PATH
        after = request.url.params.get("page[after]")
        if after is None:
            self.polls += 1
        state = self.states[min(self.polls, len(self.states)) - 1]
        if callable(state):
            response: httpx.Response = await state(request)
            return response
        if isinstance(state, int):
            headers = {"Retry-After": "7"} if state == 429 else {}
            return respond(state, {"errors": [{"code": "x", "title": "y"}]}, headers)
        everything = self.clients_for(state)
        start = (
            0
            if after is None
            else next(i for i, c in enumerate(everything) if c["id"] == after) + 1
        )
        page = everything[start : start + 2]
        more = start + 2 < len(everything)
        meta: dict[str, Any] = {"hasMore": more}
        if more:
            meta["afterCursor"] = page[-1]["id"]
        return respond(200, {"clients": page, "meta": meta})


class FakeClock:
    """Time that moves only when slept in, at once."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now += seconds
        await anyio.lowlevel.checkpoint()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def session_for(api: FakeApi) -> Session:
    # no retries inside the Session: its own waits would be real ones
    return Session(key_id=KEY_ID, secret=SECRET, max_retries=0, transport=httpx.MockTransport(api))


@pytest.fixture
async def make_clients() -> AsyncIterator[Callable[[FakeApi], sunshine_async.ClientsResource]]:
    sessions: list[Session] = []

    def make(api: FakeApi) -> sunshine_async.ClientsResource:
        session = session_for(api)
        sessions.append(session)
        return session.apps[APP_ID].users[USER_ID].clients

    yield make
    for session in sessions:
        await session.aclose()


def fake_time(clock: FakeClock, **more: Any) -> dict[str, Any]:
    """The keyword arguments that put a wait on the fake clock, jitter at its middle."""
    return {"clock": clock, "sleep": clock.sleep, "random": lambda: 0.5, **more}


class TestWaitForLink:
    async def test_confirmed(self, make_clients: Any, clock: FakeClock) -> None:
        """Polls until the client is active, backing off, and returns it."""
        api = FakeApi("pending", "pending", "pending", "active")
        clients = make_clients(api)
        client = await clients.wait_for_link(CLIENT_ID, **fake_time(clock))
        assert isinstance(client, Client)
        assert (client.id, client.status) == (CLIENT_ID, ClientStatus.ACTIVE)
        assert api.polls == 4
        # 5 s, then half as long again each time, each at 90 % (random() = 0.5)
        assert clock.sleeps == pytest.approx([4.5, 6.75, 10.125])
        assert str(api.requests[0].url.params) == "page%5Bsize%5D=100"

    async def test_blocked(self, make_clients: Any, clock: FakeClock) -> None:
        """A blocked link is an outcome too: the client comes back, status blocked."""
        api = FakeApi("pending", "blocked")
        client = await make_clients(api).wait_for_link(CLIENT_ID, **fake_time(clock))
        assert client.status is ClientStatus.BLOCKED
        assert api.polls == 2

    async def test_already_linked(self, make_clients: Any, clock: FakeClock) -> None:
        """The first poll is at once: a client already active returns without waiting."""
        api = FakeApi("active")
        pending = Client(id=CLIENT_ID, status=ClientStatus.PENDING)
        client = await make_clients(api).wait_for_link(pending, **fake_time(clock))
        assert client.status is ClientStatus.ACTIVE
        assert clock.sleeps == []

    async def test_unknown_status_ends_the_wait(self, make_clients: Any, clock: FakeClock) -> None:
        """Any status but pending, even one this SDK does not know, ends the wait."""
        api = FakeApi("pending", "quantum")
        client = await make_clients(api).wait_for_link(CLIENT_ID, **fake_time(clock))
        assert client.status == "quantum"

    async def test_every_page_is_read(self, make_clients: Any, clock: FakeClock) -> None:
        """The client is found on the user's last page, following the cursors."""
        api = FakeApi("active")
        await make_clients(api).wait_for_link(CLIENT_ID, **fake_time(clock))
        assert len(api.requests) == 3
        assert [r.url.params.get("page[after]") for r in api.requests] == [
            None,
            OTHERS[1]["id"],
            OTHERS[3]["id"],
        ]

    async def test_failed(self, make_clients: Any, clock: FakeClock) -> None:
        """A client that leaves the list raises LinkFailedError with its id."""
        api = FakeApi("pending", "pending", None)
        with pytest.raises(LinkFailedError) as caught:
            await make_clients(api).wait_for_link(CLIENT_ID, **fake_time(clock))
        error = caught.value
        assert isinstance(error, sunshine_async.SunshineError)
        assert error.client_id == CLIENT_ID
        assert error.reason is None
        assert error.client is not None
        assert error.client.status is ClientStatus.PENDING
        assert CLIENT_ID in str(error)
        assert api.polls == 3

    async def test_never_there(self, make_clients: Any, clock: FakeClock) -> None:
        """An id the user never had fails on the first poll."""
        api = FakeApi(None)
        with pytest.raises(LinkFailedError) as caught:
            await make_clients(api).wait_for_link("0" * 24, **fake_time(clock))
        assert caught.value.client is None
        assert clock.sleeps == []

    async def test_timeout(self, make_clients: Any, clock: FakeClock) -> None:
        """Still pending at the deadline: LinkTimeoutError, also a TimeoutError."""
        api = FakeApi("pending")
        start = clock.now
        with pytest.raises(LinkTimeoutError) as caught:
            await make_clients(api).wait_for_link(
                CLIENT_ID, timeout=60.0, poll_interval=5.0, **fake_time(clock)
            )
        error = caught.value
        assert isinstance(error, TimeoutError)
        assert isinstance(error, sunshine_async.SunshineError)
        assert (error.client_id, error.timeout) == (CLIENT_ID, 60.0)
        assert error.client is not None
        assert error.client.status is ClientStatus.PENDING
        assert error.__cause__ is None
        # it waited exactly the timeout, the last wait cut short to end on the deadline
        assert clock.now == pytest.approx(start + 60.0)
        assert sum(clock.sleeps) == pytest.approx(60.0)
        assert api.polls == len(clock.sleeps)
        assert "still pending after 60 s" in str(error)

    async def test_backoff_is_capped(self, make_clients: Any, clock: FakeClock) -> None:
        """The wait between polls grows to max_poll_interval and stays there."""
        api = FakeApi("pending")
        with pytest.raises(LinkTimeoutError):
            await make_clients(api).wait_for_link(
                CLIENT_ID,
                timeout=100.0,
                poll_interval=2.0,
                max_poll_interval=8.0,
                **fake_time(clock, random=lambda: 0.999999),
            )
        assert clock.sleeps[:4] == pytest.approx([2.0, 3.0, 4.5, 6.75], rel=1e-5)
        assert all(s <= 8.0 for s in clock.sleeps)
        assert clock.sleeps[5:-1] == pytest.approx([8.0] * len(clock.sleeps[5:-1]), rel=1e-5)

    async def test_jitter(self, make_clients: Any, clock: FakeClock) -> None:
        """The random source spreads each wait between 80 % and all of its length."""
        api = FakeApi("pending", "pending", "active")
        await make_clients(api).wait_for_link(CLIENT_ID, **fake_time(clock, random=lambda: 0.0))
        assert clock.sleeps == pytest.approx([4.0, 6.0])

    async def test_default_ceiling_follows_a_long_interval(
        self, make_clients: Any, clock: FakeClock
    ) -> None:
        """A poll_interval above 30 s is not cut down by the default ceiling."""
        api = FakeApi("pending", "active")
        await make_clients(api).wait_for_link(
            CLIENT_ID, timeout=600, poll_interval=45, **fake_time(clock, random=lambda: 0.999999)
        )
        assert clock.sleeps == pytest.approx([45.0], rel=1e-5)

    async def test_passing_errors_are_polled_through(
        self, make_clients: Any, clock: FakeClock
    ) -> None:
        """A 5xx or a timeout on one poll does not end the wait."""

        async def drop(request: httpx.Request) -> httpx.Response:
            raise httpx.ReadTimeout("slow", request=request)

        api = FakeApi("pending", 503, drop, "active")
        client = await make_clients(api).wait_for_link(CLIENT_ID, **fake_time(clock))
        assert client.status is ClientStatus.ACTIVE
        assert api.polls == 4

    async def test_rate_limit_wait_is_honoured(self, make_clients: Any, clock: FakeClock) -> None:
        """After a 429, the next poll waits at least its Retry-After."""
        api = FakeApi(429, "active")
        await make_clients(api).wait_for_link(CLIENT_ID, **fake_time(clock))
        assert clock.sleeps == [7.0]

    async def test_timeout_after_errors_has_the_cause(
        self, make_clients: Any, clock: FakeClock
    ) -> None:
        """When every poll failed, the timeout's cause is the last error."""
        api = FakeApi(503)
        with pytest.raises(LinkTimeoutError) as caught:
            await make_clients(api).wait_for_link(CLIENT_ID, timeout=20.0, **fake_time(clock))
        assert isinstance(caught.value.__cause__, sunshine_async.ServerError)
        assert caught.value.client is None
        assert "the last poll failed: ServerError" in str(caught.value)

    async def test_timeout_after_a_passed_error_has_no_cause(
        self, make_clients: Any, clock: FakeClock
    ) -> None:
        """An error that a later poll got past is not blamed for the timeout."""
        api = FakeApi(503, "pending")
        with pytest.raises(LinkTimeoutError) as caught:
            await make_clients(api).wait_for_link(CLIENT_ID, timeout=20.0, **fake_time(clock))
        assert caught.value.__cause__ is None
        assert caught.value.client is not None
        assert "failed" not in str(caught.value)

    async def test_other_errors_end_the_wait(self, make_clients: Any, clock: FakeClock) -> None:
        """An error that will not pass (404: no such user) is raised at once."""
        api = FakeApi("pending", 404)
        with pytest.raises(sunshine_async.NotFoundError):
            await make_clients(api).wait_for_link(CLIENT_ID, **fake_time(clock))
        assert api.polls == 2

    async def test_deadline_bounds_the_request_in_flight(self, make_clients: Any) -> None:
        """A poll runs under the wait's deadline, not only the Session's 60 s."""
        deadlines: list[float] = []

        async def observe(request: httpx.Request) -> httpx.Response:
            deadlines.append(anyio.current_effective_deadline() - anyio.current_time())
            return respond(200, {"clients": [client_json("active")]})

        await make_clients(FakeApi(observe)).wait_for_link(CLIENT_ID, timeout=5.0)
        assert len(deadlines) == 1
        assert 0 < deadlines[0] <= 5.0

    async def test_hanging_poll_times_out(self, make_clients: Any) -> None:
        """A poll that never answers ends at the deadline with LinkTimeoutError."""

        async def hang(request: httpx.Request) -> httpx.Response:
            await anyio.sleep_forever()
            raise AssertionError("unreachable")

        api = FakeApi(hang)
        with pytest.raises(LinkTimeoutError) as caught:
            await make_clients(api).wait_for_link(CLIENT_ID, timeout=0.001)
        assert caught.value.client is None
        assert api.polls == 1

    @pytest.mark.parametrize("where", ["poll", "sleep"])
    async def test_cancellation(self, make_clients: Any, clock: FakeClock, where: str) -> None:
        """Cancelling mid-wait (in a poll or between polls) goes through; nothing is left."""
        reached = anyio.Event()

        async def hang(request: httpx.Request) -> httpx.Response:
            reached.set()
            await anyio.sleep_forever()
            raise AssertionError("unreachable")

        async def hanging_sleep(seconds: float) -> None:
            reached.set()
            await anyio.sleep_forever()

        api = FakeApi("pending", hang) if where == "poll" else FakeApi("pending")
        clients = make_clients(api)
        tasks_before = len(anyio.get_running_tasks())
        finished: list[object] = []

        async def waiter() -> None:
            sleep = hanging_sleep if where == "sleep" else clock.sleep
            finished.append(await clients.wait_for_link(CLIENT_ID, clock=clock, sleep=sleep))

        async with anyio.create_task_group() as tg:
            tg.start_soon(waiter)
            await reached.wait()
            tg.cancel_scope.cancel()
        assert tg.cancel_scope.cancelled_caught
        assert finished == []
        assert len(anyio.get_running_tasks()) == tasks_before

    async def test_cancellation_is_not_swallowed(self, make_clients: Any, clock: FakeClock) -> None:
        """A cancel that arrives inside a poll propagates out of the wait untouched."""
        after: list[str] = []

        with anyio.CancelScope() as scope:

            async def cancel_now(request: httpx.Request) -> httpx.Response:
                scope.cancel()
                await anyio.lowlevel.checkpoint()
                raise AssertionError("unreachable")

            await make_clients(FakeApi(cancel_now)).wait_for_link(CLIENT_ID, **fake_time(clock))
            after.append("returned")
        assert scope.cancelled_caught
        assert after == []
        # nothing ran after the cancel: no wait for a next poll was even started
        assert clock.sleeps == []

    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            ({"timeout": 0}, "timeout must be a positive number, got 0"),
            ({"timeout": -1.0}, "timeout must be a positive number"),
            ({"timeout": math.nan}, "timeout must be a positive number"),
            ({"timeout": math.inf}, "timeout must be a positive number"),
            ({"timeout": "300"}, "timeout must be a positive number"),
            ({"timeout": True}, "timeout must be a positive number"),
            ({"poll_interval": 0.0}, "poll_interval must be a positive number"),
            ({"poll_interval": None}, "poll_interval must be a positive number"),
            ({"max_poll_interval": -5}, "max_poll_interval must be a positive number"),
            (
                {"poll_interval": 10, "max_poll_interval": 5},
                "max_poll_interval \\(5\\) must not be shorter than poll_interval \\(10\\)",
            ),
            ({"watcher": "links"}, "watcher must be a webhooks.LinkWatcher, got str"),
            ({"clock": 5}, "clock must be callable"),
            ({"sleep": "later"}, "sleep must be callable"),
            ({"random": 0.5}, "random must be callable"),
            ({"client": ""}, "client must not be empty"),
            ({"client": ".."}, "must not be made of dots only"),
            ({"client": 42}, "client must be a Client or a client id, got int"),
            ({"client": Client()}, "client has no id"),
        ],
    )
    async def test_bad_arguments(
        self, make_clients: Any, clock: FakeClock, arguments: dict[str, Any], message: str
    ) -> None:
        """A bad argument is refused before any request is sent."""
        api = FakeApi("active")
        arguments = dict(arguments)
        client = arguments.pop("client", CLIENT_ID)
        with pytest.raises(InvalidArgumentError, match=message):
            await make_clients(api).wait_for_link(client, **{**fake_time(clock), **arguments})
        assert api.requests == []
        assert clock.sleeps == []


# --- webhook-fed waits ------------------------------------------------------------------


def client_event(
    event_type: str,
    status: str,
    reason: str,
    *,
    client_id: str = CLIENT_ID,
    event_id: str = "ev1",
    at: str = "2021-08-27T15:53:06.744Z",
) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": event_type,
        "createdAt": at,
        "payload": {
            "user": {"id": "u1"},
            "client": {"id": client_id, "type": "whatsapp", "status": status},
            "reason": reason,
        },
    }


def delivery(*events: dict[str, Any]) -> webhooks.WebhookDelivery:
    body = {
        "app": {"id": APP_ID},
        "webhook": {"id": "wh1", "version": "v2"},
        "events": list(events),
    }
    return webhooks.unwrap(json.dumps(body), {"X-API-Key": "k"}, secret="k")


CONFIRMED = client_event("client:update", "active", "confirmed")
BLOCKED = client_event("client:update", "blocked", "blocked")
LINK_FAILED = client_event("client:remove", "pending", "linkFailed")


class TestWaitWithWatcher:
    async def _feed_when_waiting(
        self, links: webhooks.LinkWatcher, run: Callable[[], Awaitable[object]], *events: Any
    ) -> list[object]:
        """Run ``run`` in a task, feed the events once it waits, and return its result."""
        results: list[object] = []

        async def task() -> None:
            results.append(await run())

        async with anyio.create_task_group() as tg:
            tg.start_soon(task)
            await anyio.wait_all_tasks_blocked()
            assert "waiting=1" in repr(links)
            links.feed(delivery(*events))
        return results

    async def test_confirmed(self, make_clients: Any) -> None:
        """A client:update confirmed ends the wait with the event's client; no polling."""
        api = FakeApi("pending")
        clients = make_clients(api)
        links = webhooks.LinkWatcher()
        (client,) = await self._feed_when_waiting(
            links,
            lambda: clients.wait_for_link(CLIENT_ID, watcher=links),
            client_event("client:add", "pending", "channelLinking"),
            CONFIRMED,
        )
        assert isinstance(client, Client)
        assert client.status is ClientStatus.ACTIVE
        outcome = links.outcome(CLIENT_ID)
        assert outcome is not None
        assert (outcome.reason, outcome.removed, outcome.linked) == ("confirmed", False, True)
        assert outcome.event_id == "ev1"
        assert api.requests == []
        assert "waiting=0" in repr(links)

    async def test_blocked(self, make_clients: Any) -> None:
        """A client:update blocked returns the blocked client, the reason kept."""
        clients = make_clients(FakeApi("pending"))
        links = webhooks.LinkWatcher()
        (client,) = await self._feed_when_waiting(
            links, lambda: clients.wait_for_link(CLIENT_ID, watcher=links), BLOCKED
        )
        assert isinstance(client, Client)
        assert client.status is ClientStatus.BLOCKED
        outcome = links.outcome(CLIENT_ID)
        assert outcome is not None
        assert (outcome.reason, outcome.linked) == ("blocked", False)

    async def test_failed(self, make_clients: Any) -> None:
        """A client:remove raises LinkFailedError with the event's reason."""
        clients = make_clients(FakeApi("pending"))
        links = webhooks.LinkWatcher()
        links.feed(delivery(LINK_FAILED))
        with pytest.raises(LinkFailedError) as caught:
            await clients.wait_for_link(Client(id=CLIENT_ID), watcher=links)
        assert (caught.value.client_id, caught.value.reason) == (CLIENT_ID, "linkFailed")
        assert caught.value.client is not None
        assert "linkFailed" in str(caught.value)

    async def test_outcome_before_the_wait(self, make_clients: Any) -> None:
        """An outcome fed before the wait starts is not lost."""
        clients = make_clients(FakeApi("pending"))
        links = webhooks.LinkWatcher()
        assert links.feed(delivery(CONFIRMED)) == 1
        client = await clients.wait_for_link(CLIENT_ID, watcher=links)
        assert client.status is ClientStatus.ACTIVE

    async def test_timeout(self, make_clients: Any) -> None:
        """No event before the deadline: LinkTimeoutError, and no waiter is left."""
        api = FakeApi("pending")
        links = webhooks.LinkWatcher()
        links.feed(delivery(client_event("client:update", "active", "confirmed", client_id="x")))
        with pytest.raises(LinkTimeoutError) as caught:
            await make_clients(api).wait_for_link(CLIENT_ID, watcher=links, timeout=0.001)
        assert isinstance(caught.value, TimeoutError)
        assert caught.value.timeout == 0.001
        assert api.requests == []
        assert repr(links) == "LinkWatcher(outcomes=1, waiting=0)"

    async def test_cancellation(self, make_clients: Any) -> None:
        """Cancelling a wait on the watcher leaves no waiter and no task behind."""
        clients = make_clients(FakeApi("pending"))
        links = webhooks.LinkWatcher()
        tasks_before = len(anyio.get_running_tasks())
        finished: list[object] = []

        async def waiter() -> None:
            finished.append(await clients.wait_for_link(CLIENT_ID, watcher=links))

        async with anyio.create_task_group() as tg:
            tg.start_soon(waiter)
            tg.start_soon(waiter)
            await anyio.wait_all_tasks_blocked()
            assert "waiting=2" in repr(links)
            tg.cancel_scope.cancel()
        assert finished == []
        assert repr(links) == "LinkWatcher(outcomes=0, waiting=0)"
        assert len(anyio.get_running_tasks()) == tasks_before

    async def test_every_waiter_wakes(self) -> None:
        """Several tasks waiting on one client all get the outcome."""
        links = webhooks.LinkWatcher()
        outcomes: list[webhooks.LinkOutcome] = []

        async def waiter() -> None:
            outcomes.append(await links.wait(CLIENT_ID))

        async with anyio.create_task_group() as tg:
            for _ in range(3):
                tg.start_soon(waiter)
            await anyio.wait_all_tasks_blocked()
            links.feed(delivery(CONFIRMED))
        assert len(outcomes) == 3
        assert {o.reason for o in outcomes} == {"confirmed"}


class TestLinkWatcher:
    def test_feed_takes_only_link_outcomes(self) -> None:
        """Pending clients and other event types are not outcomes."""
        links = webhooks.LinkWatcher()
        count = links.feed(
            delivery(
                client_event("client:add", "pending", "channelLinking", client_id="a"),
                client_event("client:update", "pending", "matched", client_id="b"),
                {"id": "u", "type": "user:update", "payload": {}},
                {"id": "z", "type": "future:event", "payload": {}},
                {"id": "n", "type": "client:update", "payload": {"reason": "confirmed"}},
                client_event("client:add", "active", "channelLinking", client_id="c"),
                client_event("client:remove", "active", "theft", client_id="d"),
            )
        )
        assert count == 2
        assert links.outcome("a") is None
        assert links.outcome("b") is None
        added = links.outcome("c")
        removed = links.outcome("d")
        assert added is not None
        assert removed is not None
        assert (added.linked, added.reason) == (True, "channelLinking")
        assert (removed.removed, removed.linked, removed.reason) == (True, False, "theft")

    def test_events_and_iterables(self) -> None:
        """feed takes a delivery, one event, or any iterable of events."""
        links = webhooks.LinkWatcher()
        (event,) = delivery(CONFIRMED).events
        assert links.feed(event) == 1
        assert links.feed([event, event]) == 2
        assert links.feed(()) == 0
        assert repr(links) == "LinkWatcher(outcomes=1, waiting=0)"

    def test_older_events_do_not_undo_newer_ones(self) -> None:
        """A late copy of an older event keeps the newer outcome; a newer one replaces it."""
        links = webhooks.LinkWatcher()
        links.feed(
            delivery(client_event("client:remove", "active", "api", at="2021-08-27T16:00:00Z"))
        )
        links.feed(delivery(CONFIRMED))  # 15:53, older
        outcome = links.outcome(CLIENT_ID)
        assert outcome is not None
        assert outcome.reason == "api"
        links.feed(
            delivery(
                client_event("client:update", "active", "unblocked", at="2021-08-28T00:00:00Z")
            )
        )
        outcome = links.outcome(CLIENT_ID)
        assert outcome is not None
        assert outcome.reason == "unblocked"
        assert outcome.created_at == datetime(2021, 8, 28, tzinfo=timezone.utc)

    def test_memory_is_bounded(self) -> None:
        """Only the most recent max_outcomes outcomes are kept; forget drops one."""
        links = webhooks.LinkWatcher(max_outcomes=2)
        for name in ("a", "b", "c"):
            links.feed(
                delivery(client_event("client:update", "active", "confirmed", client_id=name))
            )
        assert [links.outcome(n) is not None for n in ("a", "b", "c")] == [False, True, True]
        links.forget("b")
        assert links.outcome("b") is None
        with pytest.raises(InvalidArgumentError):
            webhooks.LinkWatcher(max_outcomes=0)

    async def test_wait_checks_the_id(self) -> None:
        """LinkWatcher.wait refuses an id that cannot be one."""
        with pytest.raises(InvalidArgumentError):
            await webhooks.LinkWatcher().wait("")
