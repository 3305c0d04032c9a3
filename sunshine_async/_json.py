"""Decoding response bodies: orjson when it is installed, the standard library otherwise.

orjson reads a page of 100 clients in less than half the time `json.loads` takes, and
with structuring down to about 4 µs a client that difference shows. It is optional (the
``speed`` extra), and the result must not depend on whether it is installed:

- what orjson refuses (``NaN``, ``1e400``, lone surrogates, a BOM, UTF-16, deep nesting)
  is decoded again by `json.loads`, which reads it or raises its own error;
- what orjson reads differently is never given to it: it turns integers past 64 bits
  into floats, so a body that may hold a number of 19 digits or more goes to
  `json.loads`.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Final

__all__ = ["FAST_DECODER", "loads", "make_loads"]

Decoder = Callable[[bytes], object]

# A JSON number starts after one of these (or a "-", or at the very start). Mapped to
# ":", digits to "0" and the rest to " ", a long number is ":" and a run of "0"s that
# `in` finds at C speed; a regex scan costs more than orjson saves. Digits inside a
# string (a hex id of 24 zeros) follow a quote or a letter, so they do not count.
# 18 digits always fit in 64 bits; -9999999999999999999 (19) does not.
_BEFORE_NUMBER: Final = b":,[ \t\r\n-"
_NUMBERS_ONLY: Final = bytes(
    0x30 if 0x30 <= byte <= 0x39 else 0x3A if byte in _BEFORE_NUMBER else 0x20
    for byte in range(256)
)
_LONG_DIGITS: Final = b"0" * 19
_LONG_NUMBER: Final = b":" + _LONG_DIGITS


def _may_hold_a_long_number(body: bytes) -> bool:
    shape = body.translate(_NUMBERS_ONLY)
    return _LONG_NUMBER in shape or shape.startswith(_LONG_DIGITS)


def _fast_decoder() -> Decoder | None:
    try:
        orjson = importlib.import_module("orjson")
    except ImportError:
        return None
    decoder: Decoder = orjson.loads
    return decoder


def make_loads(fast: Decoder | None) -> Decoder:
    """`json.loads` on bytes, with ``fast`` (orjson's ``loads``) tried first if given."""
    if fast is None:
        return json.loads

    def loads(body: bytes) -> object:
        if _may_hold_a_long_number(body):
            return json.loads(body)
        try:
            return fast(body)
        except ValueError:  # orjson.JSONDecodeError is one
            return json.loads(body)

    return loads


#: orjson's ``loads`` when orjson is installed, else None.
FAST_DECODER: Final = _fast_decoder()

#: Decode a JSON body (bytes) exactly as `json.loads` would, faster with orjson.
loads: Final = make_loads(FAST_DECODER)
