"""``python -m sunshine_async.testing``: serve a seeded `FakeSunshine` on a real socket.

It prints one line with the base URL once the socket is listening, and stops cleanly
(exit status 0) on Ctrl-C or SIGTERM. Run with ``--help`` for the options.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from ._app import FakeSunshine
from ._faults import Latency
from ._server import MissingUvicornError, ServerThread

__all__ = ["main"]


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def port_number(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be from 0 to 65535, got {value}")
    return value


def non_empty(text: str) -> str:
    if not text:
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sunshine_async.testing",
        description="Serve an in-memory fake of the Sunshine Conversations v2 API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=port_number, default=8080, help="port; 0 picks a free one")
    parser.add_argument(
        "--clients", type=non_negative_int, default=0, help="active clients to seed"
    )
    parser.add_argument(
        "--app-id", type=non_empty, default="5d8cff3cd55b040010928b5b", help="the app id"
    )
    parser.add_argument("--user-id", type=non_empty, default="user-1", help="the seeded user's id")
    parser.add_argument(
        "--key-id", type=non_empty, default="app_fake_key", help="the accepted key id"
    )
    parser.add_argument("--secret", type=non_empty, default="fake-secret", help="that key's secret")
    parser.add_argument(
        "--latency-ms", type=non_negative_int, default=0, help="latency added to every request"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    fake = FakeSunshine(key_id=args.key_id, secret=args.secret)
    fake.add_user(args.app_id, user_id=args.user_id)
    fake.add_clients(args.app_id, args.user_id, args.clients)
    if args.latency_ms:
        fake.inject(Latency(args.latency_ms / 1000))
    try:
        server = ServerThread(fake, args.host, args.port, quiet=False)
    except MissingUvicornError as exc:
        print(exc, file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1

    def stop(signum: int, frame: FrameType | None) -> None:
        server.request_stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.start()
        print(
            f"Fake Sunshine listening on {server.url}"
            f" (app {args.app_id}, user {args.user_id}, key {args.key_id})",
            flush=True,
        )
        server.wait()
        server.stop()
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
