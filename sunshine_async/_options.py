"""`RequestOptions`: a deadline, a retry count and extra headers for some calls only.

Given per call (``options=`` on every method) or to a view of the Session
(`Session.with_options`). A value left None is not set: the next level down decides,
and the Session's own setting is the last word. No library default sits in between,
so nothing overrides what the Session was given unless the caller asked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final, final

import attrs

from ._checks import check_count, check_seconds
from ._exceptions import InvalidArgumentError

__all__ = ["HEADER_NAME", "HEADER_VALUE", "RESERVED_HEADERS", "RequestOptions"]

#: Headers the Session sets itself: an extra header may not replace them (the
#: credentials, the body's type and length, the encodings the Session can inflate).
RESERVED_HEADERS: Final = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "content-type",
        "content-length",
        "content-encoding",
        "transfer-encoding",
        "accept-encoding",
        "host",
        "connection",
    }
)
#: RFC 9110 token characters: a header name (and a method). A value is printable ASCII
#: (tabs allowed): CR, LF or NUL would break the request, and every transport would
#: encode anything past ASCII its own way, or fail on it. The SDK's h11 transport
#: checks every header it writes against the same two.
HEADER_NAME: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
HEADER_VALUE: Final = re.compile(r"[\t\x20-\x7e]*")


def _seconds(instance: object, attribute: attrs.Attribute[float | None], value: object) -> None:
    if value is not None:
        check_seconds(attribute.name, value)


def _count(instance: object, attribute: attrs.Attribute[int | None], value: object) -> None:
    if value is not None:
        check_count(attribute.name, value, minimum=0)


def _to_pairs(value: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    """Checked header pairs; a message names the header, never its value."""
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(f"headers must be a mapping, got {type(value).__name__}")
    pairs = []
    for name, text in value.items():
        if not isinstance(name, str) or HEADER_NAME.fullmatch(name) is None:
            raise InvalidArgumentError(f"headers: {name!r} is not a header name")
        if name.lower() in RESERVED_HEADERS:
            raise InvalidArgumentError(
                f"headers: {name} is set by the Session itself and cannot be replaced"
            )
        if not isinstance(text, str) or HEADER_VALUE.fullmatch(text) is None:
            raise InvalidArgumentError(
                f"headers: the value of {name} must be a str of printable ASCII,"
                " without CR, LF or NUL"
            )
        pairs.append((name, text))
    return tuple(pairs)


def _names_only(pairs: tuple[tuple[str, str], ...]) -> str:
    return repr([name for name, _ in pairs])


@final
@attrs.frozen(kw_only=True)
class RequestOptions:
    """What some calls do differently from the Session: each field None leaves it be.

    Args:
        timeout: Seconds each attempt may take (the Session's ``timeout`` otherwise).
        max_retries: Retries after the first attempt (the Session's otherwise); the
            waits in between stay the Session's `RetryPolicy`'s.
        headers: Extra request headers (a tracing id, say). The Session's own
            (``Authorization``, ``Content-Type``, ``Accept-Encoding``, ...) cannot be
            replaced: naming one raises `InvalidArgumentError`. Values are never shown
            in a repr, a log line or an error.

    >>> RequestOptions(timeout=2.0, headers={"X-Request-Id": "r-1"})
    RequestOptions(timeout=2.0, max_retries=None, headers=['X-Request-Id'])

    .. versionadded:: 0.2
    """

    timeout: float | None = attrs.field(default=None, validator=_seconds)
    max_retries: int | None = attrs.field(default=None, validator=_count)
    headers: tuple[tuple[str, str], ...] = attrs.field(
        default=None, converter=_to_pairs, repr=_names_only
    )

    def over(self, base: RequestOptions | None) -> RequestOptions:
        """These options on top of ``base``: each field set here wins; headers add up,
        a name given here replacing the same name in ``base``."""
        if base is None:
            return self
        mine = {name.lower() for name, _ in self.headers}
        kept = [pair for pair in base.headers if pair[0].lower() not in mine]
        headers = dict([*kept, *self.headers])
        return RequestOptions(
            timeout=base.timeout if self.timeout is None else self.timeout,
            max_retries=base.max_retries if self.max_retries is None else self.max_retries,
            headers=headers,
        )
