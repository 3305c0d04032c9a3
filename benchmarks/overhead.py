"""Per-request cost of the Session on an in-memory transport: no socket, no server.

What it measures is the SDK's own work per request (a slot, a deadline, headers,
reading and decoding the body, the hook checks), which a real transport's time would
hide. Run it twice, on two trees, to compare them::

    python benchmarks/overhead.py                      # this tree
    PYTHONPATH=/path/to/other/tree python benchmarks/overhead.py

Each round sends ``--requests`` GETs in a loop; the median and the best round are
printed in microseconds a request, for asyncio and trio.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence

import anyio
import httpx

import sunshine_async

APP_ID = "5d8cff3cd55b040010928b5b"
BODY = b'{"app": {"id": "5d8cff3cd55b040010928b5b", "displayName": "Acme"}}'


class InMemory(httpx.AsyncBaseTransport):
    """Answers every request with the same small JSON body, at once."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            headers=[(b"content-type", b"application/json"), (b"content-length", b"67")],
            stream=httpx.ByteStream(BODY),
        )


def nothing(event: object) -> None:
    """A hook that does nothing: the cost of calling hooks at all."""


async def one_round(requests: int, hooks: bool) -> float:
    """Microseconds a request over ``requests`` sequential calls."""
    settings: dict[str, object] = {}
    if hooks:  # four no-op hooks, on a tree that has them
        settings["hooks"] = sunshine_async.Hooks(
            on_request=nothing, on_response=nothing, on_error=nothing, on_retry=nothing
        )
    async with sunshine_async.Session(
        key_id="app_bench",
        secret="bench-secret",
        transport=InMemory(),
        **settings,  # type: ignore[arg-type]
    ) as session:
        apps = session.apps
        await apps.get(APP_ID)  # open the carrier, compile the reader
        start = time.perf_counter()
        for _ in range(requests):
            await apps.get(APP_ID)
        return (time.perf_counter() - start) / requests * 1e6


def main(argv: Sequence[str] | None = None) -> None:
    """Print the median and best µs a request on each backend."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--hooks", action="store_true", help="with four no-op hooks")
    args = parser.parse_args(argv)
    for backend in ("asyncio", "trio"):
        times = [
            anyio.run(one_round, args.requests, args.hooks, backend=backend)
            for _ in range(args.rounds)
        ]
        print(
            f"{backend:8} median {statistics.median(times):6.1f} µs/request,"
            f" best {min(times):6.1f} ({args.rounds} rounds of {args.requests})"
        )


if __name__ == "__main__":
    main()
