"""How to test your own code with `sunshine_async.testing.FakeSunshine`.

    python examples/testing_with_fake.py      # runs the checks below on asyncio and trio

Your code takes a `ClientsResource` (or a `Session`); your tests hand it one connected
to an in-memory fake server instead of the real API. Nothing leaves the process, and the
fake behaves like the API: pagination, 404s, validation, and the faults you inject.

In a pytest suite (with anyio's plugin), the same checks are plain async tests::

    @pytest.mark.anyio
    async def test_removes_only_stale_clients():
        await check_removes_only_stale_clients()
"""

from __future__ import annotations

import sys

import anyio

import sunshine_async
from sunshine_async.testing import FakeSunshine, Status

# --- the code under test: yours ------------------------------------------------------

STALE = {sunshine_async.ClientStatus.BLOCKED, sunshine_async.ClientStatus.INACTIVE}


async def remove_stale_clients(clients: sunshine_async.ClientsResource) -> list[str]:
    """Remove every blocked or inactive client; return their ids."""
    # collect first, then remove: removing while paging would move the cursors
    stale = [c.id async for c in clients.list() if c.status in STALE]
    for client_id in stale:
        await clients.remove(client_id)
    return stale


# --- its tests -----------------------------------------------------------------------


async def check_removes_only_stale_clients() -> None:
    """Blocked and inactive clients go; active ones stay, across several pages."""
    fake = FakeSunshine()
    app = fake.add_app()
    user = fake.add_user(app, external_id="steveb@example.com")
    active = fake.add_clients(app, user, 150, status="active")
    blocked = fake.add_clients(app, user, 120, status="blocked")
    inactive = fake.add_clients(app, user, 3, status="inactive")

    async with fake.session() as session:
        removed = await remove_stale_clients(session.apps[app].users[user].clients)

    assert sorted(removed) == sorted(c.id for c in blocked + inactive)
    assert [c.id for c in fake.clients(app, user)] == [c.id for c in active]


async def check_survives_a_flaky_api() -> None:
    """A 503 while listing is retried by the SDK; the result is the same."""
    fake = FakeSunshine()
    app = fake.add_app()
    user = fake.add_user(app)
    fake.add_clients(app, user, 5, status="blocked")
    fake.inject(Status(503), times=1)

    # retry_sleep: the SDK's backoff between retries would otherwise really wait
    async with fake.session(retry_sleep=_no_wait) as session:
        removed = await remove_stale_clients(session.apps[app].users[user].clients)

    assert len(removed) == 5
    assert fake.clients(app, user) == []
    # the request log shows what your code sent: one failed GET, its retry, 5 DELETEs
    methods = [r.method for r in fake.requests]
    assert methods == ["GET", "GET"] + ["DELETE"] * 5


async def _no_wait(delay: float) -> None:
    return None


CHECKS = (check_removes_only_stale_clients, check_survives_a_flaky_api)


async def main() -> None:
    for check in CHECKS:
        await check()
        print(f"ok  {check.__name__}")


if __name__ == "__main__":
    for backend in ("asyncio", "trio"):
        print(f"[{backend}]")
        anyio.run(main, backend=backend)
    sys.exit(0)
