"""Micro-benchmark: structuring decoded JSON into the SDK's response models.

    python benchmarks/convert.py [--quick] [--repeats N] [--reference]

Structuring is dict -> model (``CONVERTER.structure``), after the JSON is decoded, so
it is timed on dicts; decoding a page is timed apart, with `json` and, when it is
installed, orjson (as the SDK decodes: `sunshine_async._json`). Each figure is the
median of several `timeit` repeats, in µs per model read. The goal (issue 10): a
typical `Client`, nulls included, structured in at most 5 µs.

``--reference`` also times the converter with its fast paths off (the reference the
tests hold them to). No figure is asserted anywhere; ``tests/test_benchmarks.py`` only
runs ``--quick``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import timeit
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: import this checkout's SDK and benchmarks
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.server import make_client

GOAL_US = 5.0
PAGE_SIZE = 100

#: A client as the API sends one (the spec's twilio client), with the nulls it sends.
TYPICAL_CLIENT: dict[str, object] = {
    "id": "61290a4f7821c3f206d690a3",
    "type": "twilio",
    "status": "active",
    "integrationId": "60bfc8fa67951336472cc57a",
    "externalId": "+15140000000",
    "lastSeen": "2021-08-27T15:53:06.721Z",
    "linkedAt": "2021-08-27T15:52:47.998Z",
    "displayName": None,
    "avatarUrl": None,
    "info": {"phoneNumber": "+15140000000", "city": "MONTREAL", "country": "CA"},
    "raw": None,
}

#: A user as the spec's examples show one: a profile, an identity, metadata, a null.
TYPICAL_USER: dict[str, object] = {
    "id": "67a11490f0305f4a391e9f8a",
    "externalId": "your-own-id",
    "zendeskId": None,
    "brandId": "9477922990333",
    "signedUpAt": "2025-02-03T19:10:08.152Z",
    "hasPaymentInfo": False,
    "identities": [{"type": "email", "value": "sue@example.org", "verification": "sso"}],
    "profile": {"locale": "en", "localeOrigin": "zendeskAccount"},
    "metadata": {},
}


def client_page(size: int = PAGE_SIZE) -> dict[str, object]:
    """A page of clients as ``benchmarks/server.py`` serves it (an unknown field, nulls)."""
    clients = [make_client(0, n) for n in range(size)]
    return {
        "clients": clients,
        "meta": {"hasMore": True, "afterCursor": clients[-1]["id"], "beforeCursor": None},
        "links": {"next": "http://127.0.0.1/v2/apps/a/users/u/clients?page[after]=x"},
    }


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    us: float  # median µs per item


def per_item_us(call: Callable[[], object], items: int, *, repeats: int, seconds: float) -> float:
    """Median µs per item of ``call`` (which reads ``items`` items), over ``repeats``."""
    timer = timeit.Timer(call)
    timer.timeit(number=3)  # warm: hooks are built on first use
    one = max(timer.timeit(number=5) / 5, 1e-9)
    number = max(1, int(seconds / one))
    runs = timer.repeat(repeat=repeats, number=number)
    return statistics.median(runs) / number / items * 1e6


def measure(
    *, quick: bool = False, repeats: int | None = None, converter: Any = None, decode: bool = True
) -> list[Figure]:
    """Time each case with ``converter`` (the SDK's own by default), and decoding."""
    from sunshine_async import Client, ClientListResponse
    from sunshine_async._converter import CONVERTER
    from sunshine_async._generated.models import User

    conv = converter if converter is not None else CONVERTER
    runs = repeats if repeats is not None else (3 if quick else 9)
    seconds = 0.01 if quick else 0.1
    page = client_page()
    body = json.dumps(page, separators=(",", ":")).encode()

    def time(call: Callable[[], object], items: int) -> float:
        return per_item_us(call, items, repeats=runs, seconds=seconds)

    figures = [
        Figure(
            "client",
            "Client, typical (3 nulls)",
            time(lambda: conv.structure(TYPICAL_CLIENT, Client), 1),
        ),
        Figure(
            "page",
            f"ClientListResponse of {PAGE_SIZE}, per client",
            time(lambda: conv.structure(page, ClientListResponse), PAGE_SIZE),
        ),
        Figure(
            "user", "User (profile, identity)", time(lambda: conv.structure(TYPICAL_USER, User), 1)
        ),
    ]
    if decode:
        figures.append(
            Figure(
                "decode-json",
                "decode the page with json, per client",
                time(lambda: json.loads(body), PAGE_SIZE),
            )
        )
    sdk_loads = _sdk_fast_loads()
    if decode and sdk_loads is not None:
        figures.append(
            Figure(
                "decode-orjson",
                "decode the page with orjson (checked), per client",
                time(lambda: sdk_loads(body), PAGE_SIZE),
            )
        )
    return figures


def _sdk_fast_loads() -> Callable[[bytes], object] | None:
    """How the SDK decodes bodies, when that is orjson (else None: json is timed already)."""
    try:
        from sunshine_async import _json as sdk_json
    except ImportError:  # an SDK from before orjson: nothing to compare
        return None
    return sdk_json.loads if sdk_json.FAST_DECODER is not None else None


def client_us(*, quick: bool = False) -> float:
    """The goal's figure alone: µs to structure `TYPICAL_CLIENT` (for ``run.py``)."""
    from sunshine_async import CONVERTER, Client

    return per_item_us(
        lambda: CONVERTER.structure(TYPICAL_CLIENT, Client),
        1,
        repeats=3 if quick else 9,
        seconds=0.01 if quick else 0.1,
    )


def goal_line(client_us: float) -> str:
    verdict = "met" if client_us <= GOAL_US else "not met"
    return f"structure a Client: {client_us:.2f} µs (goal <= {GOAL_US:g} µs): {verdict}"


def print_figures(title: str, figures: Sequence[Figure]) -> None:
    print(title)
    for figure in figures:
        print(f"  {figure.label:<52}{figure.us:>8.2f} µs")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a few short repeats (smoke test)")
    parser.add_argument("--repeats", type=int, default=None, help="timeit repeats (default 9)")
    parser.add_argument(
        "--reference", action="store_true", help="also time the converter with its fast paths off"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    figures = measure(quick=args.quick, repeats=args.repeats)
    print_figures("Structuring decoded JSON (median µs per item):", figures)
    if args.reference:
        from sunshine_async._converter import _build_converter

        reference = _build_converter(speedups=False)
        slow = measure(quick=args.quick, repeats=args.repeats, converter=reference, decode=False)
        print_figures("The same with the fast paths off (the reference):", slow)
    client = next(f.us for f in figures if f.key == "client")
    print(goal_line(client))
    return 0


if __name__ == "__main__":
    sys.exit(main())
