"""`RetryPolicy`: how often and how long a Session waits before sending a request again.

Which failures may be retried at all is decided in `_sansio.should_retry` (a create is
never resent once it may have arrived); the policy only says how many times and when.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any, final

import anyio
import attrs

from ._config import DEFAULT_MAX_RETRIES, RETRY_AFTER_CAP, RETRY_BASE_DELAY, RETRY_MAX_DELAY
from ._exceptions import InvalidArgumentError
from ._sansio import check_count, check_seconds, retry_delay

__all__ = ["RetryPolicy"]


def _count(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_count(f"RetryPolicy.{attribute.name}", value, minimum=0)


def _seconds(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_seconds(f"RetryPolicy.{attribute.name}", value, zero=True)


def _callable(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not callable(value):
        raise InvalidArgumentError(f"RetryPolicy.{attribute.name} must be callable, got {value!r}")


@final
@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How a `Session` retries: how many times, and how long it waits in between.

    The wait before retry ``n`` (from 0) is a random point between half and all of
    ``min(backoff_cap, backoff_base * 2**n)`` seconds; a server's ``Retry-After`` wins,
    up to ``retry_after_cap`` (asked to wait longer, the error goes to the caller).

    Args:
        max_retries: Retries after the first attempt (0 disables them).
        backoff_base: The first wait's ceiling, in seconds.
        backoff_cap: No wait is longer than this (unless ``Retry-After`` says so).
        retry_after_cap: The longest ``Retry-After`` waited out.
        sleep: How to wait; tests pass one that returns at once.
        random: The source of jitter, a float in [0, 1).

    >>> RetryPolicy(max_retries=0)
    RetryPolicy(max_retries=0, backoff_base=0.5, backoff_cap=8.0, retry_after_cap=60.0)

    .. versionadded:: 0.2
    """

    max_retries: int = attrs.field(default=DEFAULT_MAX_RETRIES, validator=_count)
    backoff_base: float = attrs.field(default=RETRY_BASE_DELAY, validator=_seconds)
    backoff_cap: float = attrs.field(default=RETRY_MAX_DELAY, validator=_seconds)
    retry_after_cap: float = attrs.field(default=RETRY_AFTER_CAP, validator=_seconds)
    sleep: Callable[[float], Awaitable[object]] = attrs.field(
        default=anyio.sleep, validator=_callable, repr=False
    )
    random: Callable[[], float] = attrs.field(
        default=random.random, validator=_callable, repr=False
    )

    def delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry ``attempt`` (from 0), or None to give up now."""
        if attempt >= self.max_retries:
            return None
        return retry_delay(
            attempt,
            retry_after,
            rand=self.random,
            cap=self.retry_after_cap,
            base=self.backoff_base,
            ceiling=self.backoff_cap,
        )
