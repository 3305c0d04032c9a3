"""Goal 6 of issue 10: listing a million clients keeps memory flat.

    python benchmarks/memory.py --base-url http://127.0.0.1:PORT --user big --expected N

Walks one user's clients with ``clients.list()`` on one Session, dropping each client
as it comes (as an export that writes them out would), and prints one JSON line: the
resident set size after a warm-up stretch, at the end, and the growth in between. The
warm-up (the first 20,000 clients) lets the pools, caches and compiled readers settle,
so that what grows after it is what the walk keeps. Run it in a process of its own:
`run.py` does, against a server holding a million clients.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import anyio

if __package__ in (None, ""):  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.contenders import APP_ID, KEY_ID, SECRET

WARM_CLIENTS = 20_000
GOAL_MB = 20.0


def rss_bytes() -> int:
    """This process's resident set size now (Linux ``/proc``; 0 where there is none)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


async def walk(base_url: str, user: str, expected: int) -> dict[str, object]:
    import sunshine_async

    count = 0
    warm_rss = 0
    async with sunshine_async.Session(key_id=KEY_ID, secret=SECRET, base_url=base_url) as session:
        clients = session.apps[APP_ID].users[user].clients
        async for client in clients.list(page_size=100):
            count += 1
            del client
            if count == min(WARM_CLIENTS, expected // 2):
                gc.collect()
                warm_rss = rss_bytes()
        transport = session.transport
    gc.collect()
    end_rss = rss_bytes()
    return {
        "clients": count,
        "expected": expected,
        "transport": transport,
        "warm_rss_mb": warm_rss / 2**20,
        "end_rss_mb": end_rss / 2**20,
        "growth_mb": (end_rss - warm_rss) / 2**20,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--user", default="big")
    parser.add_argument("--expected", type=int, required=True)
    args = parser.parse_args(argv)
    result = anyio.run(walk, args.base_url, args.user, args.expected)
    print(json.dumps(result))
    return 0 if result["clients"] == args.expected else 1


if __name__ == "__main__":
    sys.exit(main())
