"""Export every client of many users to a JSON Lines file, a few users at a time (trio).

    python examples/trio_export.py [clients.jsonl]

With no credentials set it exports from an embedded fake server seeded with a few users.
With SUNSHINE_KEY_ID, SUNSHINE_KEY_SECRET and SUNSHINE_APP_ID set it exports the users
listed (comma-separated) in SUNSHINE_USER_IDS from the real API.

Each line is one client in the API's JSON shape plus ``appId`` and ``userId``. A progress
line on stderr counts users and clients as they finish.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import trio

import sunshine_async
from sunshine_async import Session


async def export_clients(
    session: Session,
    app_id: str,
    user_ids: Sequence[str],
    path: Path,
    *,
    concurrency: int = 8,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Write every client of every user in ``user_ids`` to ``path``; returns the count.

    At most ``concurrency`` users are listed at once: the shared Session's connection
    pool is used by that many tasks and no more, whatever the number of users.
    """
    limiter = trio.CapacityLimiter(concurrency)
    write_lock = trio.Lock()
    done_users = 0
    exported = 0

    async with await trio.open_file(path, "w", encoding="utf-8") as out:

        async def export_user(user_id: str) -> None:
            nonlocal done_users, exported
            async with limiter:
                clients = session.apps[app_id].users[user_id].clients
                lines = [
                    json.dumps(
                        {
                            "appId": app_id,
                            "userId": user_id,
                            **client.to_dict(),
                        }
                    )
                    async for client in clients.list()
                ]
            # one write per user, so lines of different users never interleave
            async with write_lock:
                await out.write("".join(line + "\n" for line in lines))
            done_users += 1
            exported += len(lines)
            if progress is not None:
                progress(f"{done_users}/{len(user_ids)} users, {exported} clients")

        async with trio.open_nursery() as nursery:
            for user_id in user_ids:
                nursery.start_soon(export_user, user_id)
    return exported


def show_progress(line: str) -> None:
    print(f"\rexported {line}", end="", file=sys.stderr, flush=True)


async def main(path: Path) -> int:
    env = os.environ
    if not env.get("SUNSHINE_KEY_ID"):
        from sunshine_async.testing import FakeSunshine

        fake = FakeSunshine()
        app_id = fake.add_app()
        users = [fake.add_user(app_id, external_id=f"customer-{n}") for n in range(12)]
        for n, user in enumerate(users):
            fake.add_clients(app_id, user, 40 * n)
        async with fake.session() as session:
            count = await export_clients(session, app_id, users, path, progress=show_progress)
    else:
        users = [u.strip() for u in env.get("SUNSHINE_USER_IDS", "").split(",") if u.strip()]
        if not users:
            print("trio_export: set SUNSHINE_USER_IDS (comma-separated)", file=sys.stderr)
            return 2
        base_url = env.get("SUNSHINE_BASE_URL") or sunshine_async.DEFAULT_BASE_URL
        async with Session(
            key_id=env["SUNSHINE_KEY_ID"], secret=env["SUNSHINE_KEY_SECRET"], base_url=base_url
        ) as session:
            count = await export_clients(
                session, env["SUNSHINE_APP_ID"], users, path, progress=show_progress
            )
    print(f"\nwrote {count} clients to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(trio.run(main, Path(sys.argv[1] if len(sys.argv) > 1 else "clients.jsonl")))
