"""Checks of caller-given settings and ids, each raising `InvalidArgumentError`.

Counts, seconds and ids are checked before any request is built, with a message that
names the argument, what was expected and what was given.
"""

from __future__ import annotations

from ._config import MAX_ID_LENGTH
from ._exceptions import InvalidArgumentError

__all__ = ["check_count", "check_id", "check_seconds"]


def check_count(name: str, value: object, *, minimum: int) -> int:
    """``value`` if it is an int (not a bool) of at least ``minimum``, else refused.

    >>> check_count("max_retries", 2, minimum=0)
    2
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgumentError(f"{name} must be an int >= {minimum}, got {value!r}")
    return value


def check_seconds(name: str, value: object, *, zero: bool = False) -> float:
    """``value`` as a finite number of seconds: positive, or also 0 with ``zero``.

    >>> check_seconds("timeout", 5)
    5.0
    """
    if not isinstance(value, bool) and isinstance(value, int | float):
        low = value >= 0 if zero else value > 0
        if low and value < float("inf"):  # NaN fails both comparisons
            return float(value)
    kind = "a finite number >= 0" if zero else "a positive number"
    raise InvalidArgumentError(f"{name} must be {kind}, got {value!r}")


def check_id(name: str, value: object) -> str:
    """Return ``value`` if it is a usable id, else raise `InvalidArgumentError`."""
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{name} must be a str, got {type(value).__name__}")
    if not value:
        raise InvalidArgumentError(f"{name} must not be empty")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidArgumentError(
            f"{name} must be at most {MAX_ID_LENGTH} characters, got {len(value)}"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgumentError(f"{name} is not valid Unicode text: {value!r}") from None
    if value.strip(".") == "":
        # even encoded (%2E%2E), URL normalizers in proxies turn it into a dot segment:
        # clients.remove("..") would reach them as the user's own path
        raise InvalidArgumentError(f"{name} must not be made of dots only, got {value!r}")
    return value
