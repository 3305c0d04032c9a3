"""Faults that `FakeSunshine` can inject, and the seeded plan that decides when they fire.

Pure: no I/O. The plan is asked once per request which faults apply to it; every random
choice comes from one `random.Random(seed)`, so the same seed and the same sequence of
requests give the same faults.
"""

from __future__ import annotations

import math
import random
from typing import Any, TypeAlias, final

import attrs

__all__ = [
    "Decision",
    "DropConnection",
    "Fault",
    "FaultPlan",
    "Latency",
    "RefuseConnection",
    "Status",
]


def _seconds(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(
            f"{type(instance).__name__}.{attribute.name} must be a finite number >= 0,"
            f" got {value!r}"
        )


def _error_status(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 400 <= value <= 599:
        raise ValueError(
            f"{type(instance).__name__}.{attribute.name} must be an int from 400 to 599,"
            f" got {value!r}"
        )


def _optional_seconds(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _seconds(instance, attribute, value)


@final
@attrs.frozen
class Latency:
    """Delay the response by ``seconds``, through the fake's ``sleep`` function.

    .. versionadded:: 0.1
    """

    seconds: float = attrs.field(validator=_seconds)


@final
@attrs.frozen
class Status:
    """Answer with this error status instead of handling the request.

    The body has the API's error shape, with code ``too_many_requests`` for 429,
    ``server_error`` for 5xx. With ``retry_after``, a ``Retry-After`` header (seconds)
    goes with it.

    .. versionadded:: 0.1
    """

    status_code: int = attrs.field(default=503, validator=_error_status)
    retry_after: float | None = attrs.field(default=None, validator=_optional_seconds)


@final
@attrs.frozen
class DropConnection:
    """Break the connection instead of sending the response.

    The request is received and handled (a create does create the client); only the
    answer is lost, as when a connection dies on the way back. In process the client
    sees `httpx.ReadError`; over a socket, a connection closed in mid-response.

    .. versionadded:: 0.1
    """


@final
@attrs.frozen
class RefuseConnection:
    """Refuse the connection: the request never reaches the app.

    Only `FakeSunshine.transport` can do this faithfully (the client sees
    `httpx.ConnectError`). Served over a socket, the request has already arrived, so
    the connection is broken without handling the request instead.

    .. versionadded:: 0.1
    """


#: Anything `FakeSunshine.inject` accepts.
Fault: TypeAlias = Latency | Status | DropConnection | RefuseConnection
_FAULT_TYPES = (Latency, Status, DropConnection, RefuseConnection)


@attrs.frozen
class Decision:
    """What happens to one request: the faults that fired, combined."""

    #: Seconds to wait before answering.
    delay: float = 0.0
    #: Refuse the connection (in process), or break it unhandled (over a socket).
    refuse: bool = False
    #: Answer with this status instead of handling the request.
    status: Status | None = None
    #: Handle the request, then break the connection instead of answering.
    drop: bool = False


@attrs.define
class _Injection:
    fault: Fault
    times: int | None
    rate: float | None


class FaultPlan:
    """The injected faults and the seeded random source that picks when they fire."""

    def __init__(self, seed: int) -> None:
        # reproducible test behaviour, not cryptography
        self._random = random.Random(seed)  # noqa: S311
        self._injections: list[_Injection] = []

    def add(self, fault: Fault, *, times: int | None, rate: float | None) -> None:
        """Add ``fault`` for the next ``times`` requests it fires on, at ``rate``."""
        given: object = fault  # callers without a type checker pass anything
        if not isinstance(given, _FAULT_TYPES):
            names = ", ".join(t.__name__ for t in _FAULT_TYPES)
            raise TypeError(f"fault must be one of {names}, got {fault!r}")
        if times is not None and (isinstance(times, bool) or not isinstance(times, int)):
            raise TypeError(f"times must be an int or None, got {times!r}")
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        if rate is not None and (
            isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1
        ):
            raise ValueError(f"rate must be a number from 0 to 1, got {rate!r}")
        self._injections.append(_Injection(fault, times, rate))

    def clear(self) -> None:
        """Forget every injected fault (the random source goes on where it was)."""
        self._injections.clear()

    def draw(self) -> Decision:
        """Decide the faults for one request, using up ``times`` of those that fire."""
        fired: list[_Injection] = []
        for injection in list(self._injections):
            # every rate-based fault draws on every request, fired or not, so that one
            # fault's outcome does not shift the draws of the faults injected with it
            if injection.rate is not None and self._random.random() >= injection.rate:
                continue
            if isinstance(injection.fault, Status) and any(
                isinstance(f.fault, Status) for f in fired
            ):
                continue  # one status per response: a later one waits for its turn
            fired.append(injection)
        for injection in fired:
            if injection.times is not None:
                injection.times -= 1
                if injection.times == 0:
                    self._injections.remove(injection)
        faults = [injection.fault for injection in fired]
        return self._decide(faults)

    @staticmethod
    def _decide(fired: list[Fault]) -> Decision:
        statuses = [f for f in fired if isinstance(f, Status)]
        return Decision(
            delay=sum(f.seconds for f in fired if isinstance(f, Latency)),
            refuse=any(isinstance(f, RefuseConnection) for f in fired),
            status=statuses[0] if statuses else None,
            drop=any(isinstance(f, DropConnection) for f in fired),
        )
