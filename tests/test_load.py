"""Load and faults on one shared Session, over real loopback sockets, on both backends.

The fake runs in uvicorn on 127.0.0.1 in a background thread; the Session runs in the
test's event loop (asyncio or trio) on each transport it can use there. Every scenario
ends by checking, through `Session.pool_stats`, that the pool holds no connection in use
or connecting, that every slot of the Session's limiter is free with no one waiting,
and that the Session still works.
"""

from __future__ import annotations

import gc
import random
import warnings
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import anyio
import pytest

import sunshine_async as sa
from sunshine_async import Session
from sunshine_async.testing import (
    DropConnection,
    FakeSunshine,
    Latency,
    Status,
    serve_in_thread,
)
from sunshine_async.types import ClientCreateJSON

from ._loopback import InFlight

pytestmark = [pytest.mark.anyio, pytest.mark.with_aiohttp]


@pytest.fixture(
    params=[pytest.param(("asyncio", {}), id="asyncio"), pytest.param(("trio", {}), id="trio")]
)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, object]]:
    """Both backends, asyncio without debug mode: its per-callback bookkeeping and slow
    callback reports would dominate a load test (the other tests keep debug mode on)."""
    return request.param  # type: ignore[no-any-return]


APP = "5d8cff3cd55b040010928b5b"
USER = "user-1"
INTEGRATION = "582dedf230e788746891281a"
CONVERSATION = "029c31f25a21b47effd7be90"


@pytest.fixture
def fake() -> FakeSunshine:
    server = FakeSunshine(seed=7)
    server.add_user(APP, user_id=USER)
    return server


@pytest.fixture
def served(fake: FakeSunshine) -> Iterator[str]:
    with serve_in_thread(fake) as url:
        yield url


async def no_wait(seconds: float) -> None:
    """Retry backoff costs no time in these tests."""


def phone(index: int) -> str:
    return f"+1514{index:07d}"


def create_body(index: int) -> ClientCreateJSON:
    return {
        "matchCriteria": {
            "type": "whatsapp",
            "integrationId": INTEGRATION,
            "phoneNumber": phone(index),
        },
        "confirmation": {"type": "immediate"},
        "target": {"conversationId": CONVERSATION},
    }


async def all_at_once(count: int, job: Callable[[int], Coroutine[Any, Any, None]]) -> None:
    """Start ``count`` tasks together and wait for every one, within a minute."""
    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            for index in range(count):
                tg.start_soon(job, index)


def assert_pool_healthy(session: Session, max_connections: int) -> None:
    """No request holds or waits for a slot, and every open connection is idle (none in
    use, none connecting), as the Session's own `pool_stats` tells."""
    stats = session.pool_stats()
    assert stats.max_connections == max_connections, stats
    assert stats.in_flight == 0, stats
    assert stats.waiting == 0, stats
    assert stats.open_connections is not None, stats
    assert stats.idle_connections == stats.open_connections, stats
    assert stats.open_connections <= max_connections, stats


async def assert_still_works(session: Session, expected: int) -> None:
    clients = session.apps[APP].users[USER].clients
    assert len([c async for c in clients.list()]) == expected


async def assert_lists_what_is_stored(session: Session, fake: FakeSunshine) -> None:
    """The session still lists every stored client once, while late creates may land.

    A create whose attempt timed out on this side can still be handled by the served
    fake afterwards (it was asleep in injected latency), so the store may grow during
    the walk: the walk sees at least what was stored before it and at most what is
    stored after it, each client once.
    """
    before = {client.id for client in fake.clients(APP, USER)}
    listed = [c.id async for c in session.apps[APP].users[USER].clients.list()]
    after = {client.id for client in fake.clients(APP, USER)}
    assert len(listed) == len(set(listed))
    assert before <= set(listed) <= after


class TestFaultBurst:
    """500 creates at once on one Session, with a fifth of the requests faulted."""

    async def test_nothing_lost_nothing_duplicated(
        self, fake: FakeSunshine, served: str, transport: str
    ) -> None:
        tasks = 500
        fake.inject(Status(429, retry_after=0), rate=0.07)
        fake.inject(Status(503), rate=0.07)
        fake.inject(DropConnection(), rate=0.07)
        returned: dict[int, sa.Client] = {}
        not_created: dict[int, sa.SunshineError] = {}
        unknown: dict[int, sa.SunshineError] = {}

        async def create(index: int) -> None:
            try:
                returned[index] = await clients.create(create_body(index))
            except (sa.ServerError, sa.ApiConnectionError) as error:
                # a 5xx or a lost response: the create may or may not have happened
                maybe = getattr(error, "may_have_reached_server", True)
                (unknown if maybe else not_created)[index] = error
            except sa.RateLimitError as error:
                not_created[index] = error

        async with fake.session(
            base_url=served,
            transport=transport,  # type: ignore[arg-type]
            max_connections=50,
            timeout=10,
            retry_sleep=no_wait,
        ) as session:
            clients = session.apps[APP].users[USER].clients
            await all_at_once(tasks, create)
            fake.clear_faults()
            assert_pool_healthy(session, 50)
            stored = fake.clients(APP, USER)
            await assert_still_works(session, len(stored))

        assert len(returned) + len(not_created) + len(unknown) == tasks
        by_phone: dict[str, list[sa.Client]] = {}
        for client in stored:
            by_phone.setdefault(str(client.external_id), []).append(client)
        duplicated = [p for p, found in by_phone.items() if len(found) > 1]
        assert duplicated == []
        # every create that returned a client is stored, as returned
        for index, client in returned.items():
            assert by_phone[phone(index)] == [client]
        # nothing that was said not to exist does
        assert [i for i in not_created if phone(i) in by_phone] == []
        # a stored client nobody got back was reported as "fate unknown" to its caller
        silent = [p for p in by_phone if int(p[5:]) not in returned and int(p[5:]) not in unknown]
        assert silent == []
        # the faults really happened, and some creates were lost in transit
        assert unknown
        assert any(phone(i) in by_phone for i in unknown)
        assert len(fake.requests) > tasks

    async def test_deadlines_under_a_queue_kill_no_slot(
        self, fake: FakeSunshine, served: str, transport: str
    ) -> None:
        """Attempts whose deadline fires (slow server) while many more wait for a slot."""
        fake.inject(Latency(1.0), rate=0.05)
        fake.inject(DropConnection(), rate=0.07)
        failures: list[sa.SunshineError] = []

        async def create(index: int) -> None:
            try:
                await clients.create(create_body(index))
            except sa.SunshineError as error:
                failures.append(error)

        async with fake.session(
            base_url=served,
            transport=transport,  # type: ignore[arg-type]
            max_connections=20,
            timeout=0.3,
            retry_sleep=no_wait,
        ) as session:
            clients = session.apps[APP].users[USER].clients
            await all_at_once(300, create)
            fake.clear_faults()
            assert_pool_healthy(session, 20)
            timeouts = [f for f in failures if isinstance(f, sa.ApiTimeoutError)]
            assert timeouts
            assert all(f.may_have_reached_server for f in timeouts)
            await assert_lists_what_is_stored(session, fake)
        # the queue kept moving: with dead slots only the first few ever reached the
        # server (an attempt that timed out before the server read it may not show)
        assert len(failures) < 300
        assert sum(r.method == "POST" for r in fake.requests) >= 250


class TestCancellation:
    """1,000 list iterations abandoned or cancelled at random points."""

    async def test_random_abandon_and_cancel(
        self, fake: FakeSunshine, served: str, transport: str
    ) -> None:
        fake.add_clients(APP, USER, 120)
        fake.inject(Latency(0.002), rate=0.3)
        chance = random.Random(11)
        # half the walks get a deadline somewhere in their first 20 ms
        plans = [
            (
                chance.randrange(1, 100),
                chance.randrange(1, 130),
                chance.random() * 0.02 if chance.random() < 0.5 else float("inf"),
            )
            for _ in range(1000)
        ]
        finished = 0

        async def walk(page_size: int, stop_after: int, deadline: float) -> None:
            nonlocal finished
            with anyio.move_on_after(deadline):
                seen = 0
                async for _ in clients.list(page_size=page_size):
                    seen += 1
                    if seen >= stop_after:
                        break  # abandon the iterator mid-way
                finished += 1

        async def worker(start: int) -> None:
            for plan in plans[start::40]:
                await walk(*plan)

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            async with fake.session(
                base_url=served,
                transport=transport,  # type: ignore[arg-type]
                max_connections=10,
            ) as session:
                clients = session.apps[APP].users[USER].clients
                await all_at_once(40, worker)
                fake.clear_faults()
                assert_pool_healthy(session, 10)
                await assert_still_works(session, 120)
            gc.collect()
        assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
        # both kinds of ending happened: cancelled walks and finished ones
        assert 0 < finished < 1000


class TestBurst:
    """1,000 calls at once against a server that answers at once."""

    async def test_thousand_calls(self, fake: FakeSunshine, transport: str) -> None:
        fake.add_clients(APP, USER, 5)
        counting = InFlight(fake)
        with serve_in_thread(counting) as url:  # type: ignore[arg-type]
            async with fake.session(
                base_url=url,
                transport=transport,  # type: ignore[arg-type]
                timeout=20,
            ) as session:
                clients = session.apps[APP].users[USER].clients
                counts: list[int] = []

                most_in_flight = most_open = 0

                async def one(_: int) -> None:
                    nonlocal most_in_flight, most_open
                    counts.append(len((await clients.pages().__anext__()).clients))
                    stats = session.pool_stats()
                    most_in_flight = max(most_in_flight, stats.in_flight)
                    most_open = max(most_open, stats.open_connections or 0)

                start = anyio.current_time()
                # bounded: it took tens of seconds before the limiter, and then failed
                await all_at_once(1000, one)
                elapsed = anyio.current_time() - start
                assert_pool_healthy(session, 20)
        assert counts == [5] * 1000
        # the limiter keeps the pool from queueing (quadratic in httpcore): never more
        # requests inside it than the connections it may open
        assert 1 <= most_in_flight <= 20
        assert 1 <= most_open <= 20
        assert 1 <= counting.most <= 20
        print(f"1,000 calls on {transport}: {elapsed:.2f}s")
