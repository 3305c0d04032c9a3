"""Tests for `sunshine_async.testing.serve_in_thread`: how quickly a served fake stops."""

from __future__ import annotations

import time

import httpx
import pytest

from sunshine_async.testing import FakeSunshine, serve_in_thread

APP = "5d8cff3cd55b040010928b5b"
USER = "user-1"
#: The bound a stop with nothing in flight must stay under (it takes a few ms).
QUICK_STOP = 0.5


class TestServeInThread:
    def test_idle_server_stops_quickly(self) -> None:
        """A server that served nothing stops well under half a second."""
        fake = FakeSunshine()
        server = serve_in_thread(fake)
        server.__enter__()
        started = time.monotonic()
        server.__exit__(None, None, None)
        assert time.monotonic() - started < QUICK_STOP

    @pytest.mark.anyio
    async def test_stops_quickly_after_serving(self) -> None:
        """After requests (and webhook deliveries made), the stop still takes no time."""
        fake = FakeSunshine()
        fake.add_user(APP, user_id=USER)
        fake.add_clients(APP, USER, 3)
        # a client that keeps its connection open, idle, when the server stops
        async with httpx.AsyncClient(trust_env=False) as idle:
            with serve_in_thread(fake) as url:
                async with fake.session(base_url=url, transport="httpcore") as session:
                    found = [c async for c in session.apps[APP].users[USER].clients.list()]
                assert (await idle.get(f"{url}/v2/apps/{APP}")).status_code == 401
                started = time.monotonic()
            elapsed = time.monotonic() - started
        assert len(found) == 3
        assert elapsed < QUICK_STOP

    def test_stop_request_wakes_the_server(self) -> None:
        """Asking to stop ends the serving thread at once, without uvicorn's 0.1 s ticks."""
        fake = FakeSunshine()
        for _ in range(3):
            with serve_in_thread(fake):
                started = time.monotonic()
            assert time.monotonic() - started < QUICK_STOP
