"""A response into a result or a typed exception: the only place a status becomes an error.

`ApiResponse` is a success; `error_from_response` maps any other status and body
(read defensively: HTML, empty or odd-shaped bodies too) to its `ApiError`, with the
``Retry-After`` it gives. No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

import attrs

from ._config import MAX_ERROR_BODY_BYTES, MAX_EXCERPT_CHARS
from ._exceptions import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ErrorDetail,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestInfo,
    ResponseValidationError,
    ServerError,
)
from ._json import loads as json_loads
from ._text import excerpt
from ._types import JSONValue

if TYPE_CHECKING:
    import httpx

__all__ = [
    "ApiResponse",
    "error_from_response",
    "parse_json_object",
    "parse_retry_after",
    "undecodable_response",
    "unexpected_body",
]


@attrs.frozen
class ApiResponse:
    """A successful response: its status, headers, JSON object and the request it answers."""

    status_code: int
    headers: httpx.Headers
    data: dict[str, JSONValue]
    request: RequestInfo
    #: The raw body, for the error if ``data`` turns out not to be what was expected.
    body: bytes = b""
    #: How many attempts it took (1: no retry).
    attempts: int = attrs.field(default=1, kw_only=True)


def parse_json_object(body: bytes) -> dict[str, JSONValue] | None:
    """The body as a JSON object, or None when it is not one (HTML, empty, a list)."""
    try:
        value = json_loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python goes
        return None
    return value if isinstance(value, dict) else None


def _error_details(data: Mapping[str, object] | None) -> list[ErrorDetail]:
    # a body from a proxy or a future API version may look like anything
    raw = data.get("errors") if data is not None else None
    if not isinstance(raw, list):
        return []
    details = []
    for item in raw:
        if isinstance(item, Mapping):
            code, title = item.get("code"), item.get("title")
            details.append(
                ErrorDetail(
                    code=code if isinstance(code, str) else "",
                    title=title if isinstance(title, str) else "",
                )
            )
    return details


_ERRORS_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def error_from_response(
    status_code: int,
    headers: httpx.Headers,
    body: bytes,
    request: RequestInfo,
    *,
    now: datetime | None = None,
) -> ApiError:
    """The typed exception for an error response. Never raises itself.

    The message is one line: ``404 client_not_found: Client not found (DELETE /v2/…)``.
    """
    details = _error_details(parse_json_object(body))
    if details:
        summary = " ".join(  # one line, whatever the server put in its titles
            "; ".join(
                f"{d.code}: {d.title}" if d.code and d.title else d.code or d.title for d in details
            ).split()
        )
    else:
        summary = _REASONS.get(status_code, "error")
    message = (
        f"{status_code} {excerpt(summary, MAX_EXCERPT_CHARS)} ({request.method} {request.target})"
    )
    cls = _ERRORS_BY_STATUS.get(status_code)
    if cls is None:
        cls = ServerError if status_code >= 500 else ApiError
    return cls(
        message,
        status_code=status_code,
        errors=details,
        headers=headers,
        request=request,
        body=body[:MAX_ERROR_BODY_BYTES],
        retry_after=parse_retry_after(headers.get("retry-after"), now=now),
    )


def unexpected_body(response: ApiResponse, problem: str) -> ResponseValidationError:
    """`undecodable_response` for a response already read into an `ApiResponse`."""
    return undecodable_response(
        response.status_code, response.headers, response.body, response.request, problem
    )


def undecodable_response(
    status_code: int, headers: httpx.Headers, body: bytes, request: RequestInfo, problem: str
) -> ResponseValidationError:
    """The exception for a success whose body is not what the operation returns."""
    return ResponseValidationError(
        f"{status_code} unexpected response body: {excerpt(problem, 4 * MAX_EXCERPT_CHARS)}"
        f" ({request.method} {request.target})",
        status_code=status_code,
        headers=headers,
        request=request,
        body=body[:MAX_ERROR_BODY_BYTES],
    )


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (seconds or an HTTP date), or None.

    >>> parse_retry_after("7")
    7.0
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN or infinite
        return None
    return max(0.0, float(seconds))
