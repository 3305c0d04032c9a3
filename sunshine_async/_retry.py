"""Whether and when a failed request is sent again: every retry decision, in one place.

No I/O and no event loop. `classify` turns what a transport raised (and whether the
request may have left) into a `Failure`; `decide` takes the method, that failure or the
API's status, the attempt number, ``Retry-After`` and the `RetryPolicy`, and answers:
retry after so many seconds, treat as done, or raise. `Session.request` only loops,
asks, and sleeps.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Awaitable, Callable
from typing import Any, Final, final

import anyio
import attrs
import httpx

from ._checks import check_count, check_seconds
from ._config import DEFAULT_MAX_RETRIES, RETRY_AFTER_CAP, RETRY_BASE_DELAY, RETRY_MAX_DELAY
from ._exceptions import ApiError, InvalidArgumentError, SunshineError

__all__ = [
    "Decision",
    "Failure",
    "RetryPolicy",
    "backoff_delay",
    "classify",
    "decide",
    "may_have_arrived",
    "retry_delay",
    "should_retry",
    "treat_as_success",
]


class Failure(enum.Enum):
    """Why an attempt got no response."""

    #: The request never left: connecting failed or no pooled connection was free.
    NOT_SENT = "not sent"
    #: The attempt ran out of time; the server may have acted on it.
    TIMEOUT = "timeout"
    #: The connection broke after the request was (maybe) sent.
    NETWORK = "network"
    #: httpx refused the request as built (an illegal header, say): resending cannot help.
    INVALID = "invalid"
    #: No connection slot came free within ``pool_timeout``: never sent, and the caller's
    #: bound on waiting is spent, so not retried either.
    POOL_TIMEOUT = "pool timeout"


# --- what a transport error means ------------------------------------------------------

_INVALID: Final = (httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.InvalidURL)
_NOT_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# nothing can be read before the request is written: these always come after sending
_AFTER_SENDING: Final = (httpx.ReadError, httpx.ReadTimeout, httpx.RemoteProtocolError)


def classify(exc: BaseException, *, sent: bool | None) -> Failure:
    """Why an attempt got no response, from its exception and, when known, ``sent``.

    ``sent`` is the `SendTracker`'s answer, or None for a client or transport the
    user supplied (then only the exception's type tells).

    >>> classify(httpx.ConnectError("refused"), sent=None)
    <Failure.NOT_SENT: 'not sent'>
    >>> classify(TimeoutError(), sent=True)
    <Failure.TIMEOUT: 'timeout'>
    """
    if isinstance(exc, _INVALID):
        return Failure.INVALID  # the request itself is wrong: resending cannot help
    if isinstance(exc, _AFTER_SENDING):
        return Failure.TIMEOUT if isinstance(exc, httpx.TimeoutException) else Failure.NETWORK
    if sent is False or (sent is None and isinstance(exc, _NOT_SENT)):
        return Failure.NOT_SENT
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return Failure.TIMEOUT
    if isinstance(exc, httpx.TransportError | httpx.DecodingError):
        return Failure.NETWORK
    return Failure.INVALID


# --- whether ------------------------------------------------------------------------------

_IDEMPOTENT = frozenset({"GET", "DELETE", "HEAD", "OPTIONS", "PUT"})


def may_have_arrived(status_code: int | None, failure: Failure | None) -> bool:
    """Whether a failed attempt may have been acted on by the server."""
    if failure is not None:
        return failure in (Failure.TIMEOUT, Failure.NETWORK)
    return status_code is not None and status_code >= 500


def should_retry(
    method: str, *, status_code: int | None = None, failure: Failure | None = None
) -> bool:
    """Whether an attempt that ended this way may be sent again.

    The API has no idempotency key, so a POST is resent only when it cannot have been
    acted on: on 429, or when it never left this machine.
    """
    if failure in (Failure.INVALID, Failure.POOL_TIMEOUT):
        return False
    if status_code == 429 or failure is Failure.NOT_SENT:
        return True
    if method not in _IDEMPOTENT:
        return False
    return failure is not None or (status_code is not None and status_code >= 500)


def treat_as_success(
    method: str, error: ApiError, *, earlier_may_have_arrived: bool, gone_code: str | None
) -> bool:
    """A retried DELETE that finds its target gone means an earlier attempt removed it.

    ``gone_code`` is the 404 error code that says so for this operation (for clients,
    ``client_not_found``); without one, every 404 stays an error. Only when an earlier
    attempt may have reached the server (it timed out, lost its connection or got a
    5xx): after a 429 or a refused connection, a 404 is real.
    """
    return (
        gone_code is not None
        and method == "DELETE"
        and earlier_may_have_arrived
        and error.status_code == 404
        and error.code == gone_code
    )


# --- when -----------------------------------------------------------------------------


def backoff_delay(
    attempt: int,
    *,
    rand: Callable[[], float] = random.random,
    base: float = RETRY_BASE_DELAY,
    ceiling: float = RETRY_MAX_DELAY,
) -> float:
    """Exponential backoff with jitter: between half and all of ``base * 2**attempt``.

    ``attempt`` counts retries from 0. The random half spreads out clients that failed
    together, so they do not come back together.
    """
    top = min(ceiling, base * 2.0**attempt)
    return top * (0.5 + rand() / 2)


def retry_delay(
    attempt: int,
    retry_after: float | None,
    *,
    rand: Callable[[], float] = random.random,
    cap: float = RETRY_AFTER_CAP,
    base: float = RETRY_BASE_DELAY,
    ceiling: float = RETRY_MAX_DELAY,
) -> float | None:
    """Seconds to wait before retry number ``attempt`` (from 0), or None to give up.

    A server's ``Retry-After`` wins over the backoff, up to ``cap``; asked to wait
    longer than that, the SDK gives the error to the caller instead of stalling.
    """
    if retry_after is None:
        return backoff_delay(attempt, rand=rand, base=base, ceiling=ceiling)
    return retry_after if retry_after <= cap else None


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


# --- the decision -----------------------------------------------------------------------


@final
@attrs.frozen
class Decision:
    """What to do after a failed attempt: `decide`'s answer.

    ``done``: the failure means an earlier attempt already did the job (a retried
    DELETE's 404); ``delay``: seconds to wait before the next attempt, or None to
    raise. ``may_have_arrived``: whether this or an earlier attempt may have been
    acted on by the server.
    """

    done: bool
    delay: float | None
    may_have_arrived: bool


def decide(
    policy: RetryPolicy,
    method: str,
    error: SunshineError,
    failure: Failure | None,
    *,
    retries: int,
    earlier_may_have_arrived: bool,
    gone_code: str | None = None,
) -> Decision:
    """Whether and when to send a request again after an attempt failed. Pure.

    ``error`` is what the attempt ended with: an `ApiError` carries the status and
    ``Retry-After``; ``failure`` says how an attempt without a response ended.
    ``retries`` counts the retries made so far (from 0). ``gone_code``: see
    `treat_as_success`.

    >>> from sunshine_async import ApiConnectionError, RequestInfo
    >>> reset = ApiConnectionError("reset", request=RequestInfo(method="GET", url="https://x"))
    >>> policy = RetryPolicy(random=lambda: 1.0)
    >>> decide(policy, "GET", reset, Failure.NETWORK, retries=0, earlier_may_have_arrived=False)
    Decision(done=False, delay=0.5, may_have_arrived=True)
    """
    status = error.status_code if isinstance(error, ApiError) else None
    if isinstance(error, ApiError) and treat_as_success(
        method, error, earlier_may_have_arrived=earlier_may_have_arrived, gone_code=gone_code
    ):
        return Decision(True, None, earlier_may_have_arrived)
    arrived = earlier_may_have_arrived or may_have_arrived(status, failure)
    if not should_retry(method, status_code=status, failure=failure):
        return Decision(False, None, arrived)
    retry_after = error.retry_after if isinstance(error, ApiError) else None
    return Decision(False, policy.delay(retries, retry_after), arrived)
