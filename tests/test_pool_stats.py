"""Tests for `Session.pool_stats`: the pool as the SDK itself reports it, over loopback."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import anyio.lowlevel
import attrs
import httpx
import pytest

import sunshine_async as sa
from sunshine_async import PoolStats, Session

from ._loopback import canned_server, http_response, session_for
from .conftest import APP_ID, KEY_ID, SECRET, USER_ID

pytestmark = [pytest.mark.anyio, pytest.mark.with_aiohttp]

PAGE = b'{"clients":[],"meta":{"hasMore":false}}'


async def first_page(session: Session) -> None:
    await session.apps[APP_ID].users[USER_ID].clients.pages().__anext__()


class TestPoolStats:
    """`Session.pool_stats`."""

    async def test_before_opening(self) -> None:
        """A Session not yet opened has nothing in flight and no pool to count."""
        session = Session(key_id=KEY_ID, secret=SECRET, max_connections=7)
        assert session.pool_stats() == PoolStats(
            transport=None,
            max_connections=7,
            in_flight=0,
            waiting=0,
            open_connections=None,
            idle_connections=None,
        )
        await session.aclose()

    async def test_at_rest_after_requests(self, transport: str) -> None:
        """After three requests one kept-alive connection is open, idle, and no slot is held."""
        async with (
            canned_server(http_response(PAGE)) as server,
            session_for(server.url, transport, max_connections=5) as session,
        ):
            for _ in range(3):
                await first_page(session)
            stats = session.pool_stats()
        assert stats == PoolStats(
            transport=transport,  # type: ignore[arg-type]
            max_connections=5,
            in_flight=0,
            waiting=0,
            open_connections=1,
            idle_connections=1,
        )
        assert server.connections == 1

    async def test_in_flight_and_waiting(self, transport: str) -> None:
        """With the only slot held by a stalled request, the next one is counted waiting."""
        # the head and part of the body, then nothing: the first request holds its slot
        stalled = [http_response(PAGE)[:-5], b""]
        async with (
            canned_server(stalled) as server,
            session_for(server.url, transport, max_connections=1) as session,
        ):

            async def holder() -> None:
                with anyio.move_on_after(30):
                    await first_page(session)

            async with anyio.create_task_group() as tg:
                tg.start_soon(holder)
                await wait_until(lambda: session.pool_stats().in_flight == 1)
                tg.start_soon(holder)
                await wait_until(lambda: session.pool_stats().waiting == 1)
                busy = session.pool_stats()
                tg.cancel_scope.cancel()
            after = session.pool_stats()
        assert (busy.in_flight, busy.waiting, busy.max_connections) == (1, 1, 1)
        assert busy.open_connections == 1
        assert busy.idle_connections == 0
        assert (after.in_flight, after.waiting) == (0, 0)
        assert after.idle_connections == after.open_connections

    async def test_closed_session(self, transport: str) -> None:
        """A closed Session reports no connections, and nothing in flight."""
        async with (
            canned_server(http_response(PAGE)) as server,
            session_for(server.url, transport) as session,
        ):
            await first_page(session)
        stats = session.pool_stats()
        assert (stats.in_flight, stats.waiting) == (0, 0)
        assert stats.open_connections is None
        assert stats.idle_connections is None

    async def test_a_given_transport_is_not_looked_into(self) -> None:
        """For a transport the caller passed, only the SDK's own counts are given."""

        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, content=PAGE)

        given = httpx.MockTransport(handler)
        async with Session(key_id=KEY_ID, secret=SECRET, transport=given) as session:
            await first_page(session)
            stats = session.pool_stats()
        assert stats.transport == "custom"
        assert (stats.in_flight, stats.waiting, stats.max_connections) == (0, 0, 20)
        assert stats.open_connections is None
        assert stats.idle_connections is None

    def test_is_a_frozen_public_value(self) -> None:
        """PoolStats is exported under its public path, frozen, and compares by value."""
        stats = sa.PoolStats(
            transport="httpcore",
            max_connections=2,
            in_flight=1,
            waiting=0,
            open_connections=1,
            idle_connections=0,
        )
        assert PoolStats.__module__ == "sunshine_async"
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            stats.in_flight = 2  # type: ignore[misc]
        assert stats == attrs.evolve(stats)


async def wait_until(condition: Callable[[], bool]) -> None:
    """Let other tasks run until ``condition()`` holds (checkpoints only, no sleeps)."""
    with anyio.fail_after(10):
        while not condition():
            await anyio.lowlevel.checkpoint()
