"""Every decision about the wire, as pure functions: no I/O, no event loop.

URLs and query strings, turning a status and a body into a result or a typed
exception (with the ``Retry-After`` it gives), and how pagination moves on. Whether
and when to retry is `_retry`'s. `_session` does the I/O and asks these modules what
to do.
"""

from __future__ import annotations

import ipaddress
import json
import reprlib
from collections.abc import Collection, Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

import attrs

from ._config import (
    CURSOR_LENGTH,
    DEFAULT_PAGE_SIZE,
    MAX_BASE_URL_CHARS,
    MAX_BODY_BYTES,
    MAX_ERROR_BODY_BYTES,
    MAX_EXCERPT_CHARS,
    MAX_ID_LENGTH,
    PAGE_SIZE_MAX,
    PAGE_SIZE_MIN,
)
from ._exceptions import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ErrorDetail,
    InvalidArgumentError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    RequestInfo,
    ResponseValidationError,
    ServerError,
)
from ._json import loads as json_loads
from ._types import JSONObject, QueryParams

if TYPE_CHECKING:
    import httpx

__all__ = [
    "ApiResponse",
    "build_url",
    "check_count",
    "check_id",
    "check_seconds",
    "clients_path",
    "encode_body",
    "encode_multipart",
    "encode_query",
    "error_from_response",
    "excerpt",
    "is_absolute_url",
    "is_local_host",
    "next_cursor",
    "normalize_base_url",
    "page_params",
    "parse_json_object",
    "parse_retry_after",
    "quote_segment",
    "short_repr",
    "undecodable_response",
    "unexpected_body",
]


# --- URLs -------------------------------------------------------------------------


def is_local_host(host: str) -> bool:
    """Loopback addresses, ``localhost``, ``*.localhost`` and ``*.test`` (RFC 6761)."""
    if host == "localhost" or host.endswith((".localhost", ".test")):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def excerpt(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out.

    >>> excerpt("abcdefgh", 4)
    'abcd… (4 more characters)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


_SHORT = reprlib.Repr()
_SHORT.maxlevel = 2
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxdict = _SHORT.maxtuple = _SHORT.maxset = 5


def short_repr(value: object, limit: int = 60) -> str:
    """``repr(value)``, made from at most ``limit`` characters of a long str or bytes.

    >>> short_repr("x" * 100, 5)
    "'xxxxx'… (95 more characters)"
    """
    if isinstance(value, str | bytes) and len(value) > limit:
        return f"{value[:limit]!r}… ({len(value) - limit} more characters)"
    # reprlib stops at a few levels and items: a huge nested value costs nothing
    return excerpt(_SHORT.repr(value), limit * 2)


def is_absolute_url(value: str) -> bool:
    """Whether ``value`` is an absolute URL (a scheme and a host, or a ``data:`` URL).

    >>> is_absolute_url("https://example.com/a.png"), is_absolute_url("/a.png")
    (True, False)
    """
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return bool(parts.scheme) and (bool(parts.netloc) or parts.scheme == "data")


def normalize_base_url(base_url: str) -> str:
    """Check a base URL and drop its trailing slashes; it may carry a path prefix.

    Plain ``http`` is accepted only for local test servers (loopback addresses,
    ``localhost``, ``*.localhost``, ``*.test``): anywhere else the credentials would
    cross the network unencrypted. No error quotes the URL: a mistyped one may hold a
    password or a token.

    >>> normalize_base_url("https://acme.zendesk.com/sc/")
    'https://acme.zendesk.com/sc'
    """
    if not isinstance(base_url, str):
        raise InvalidArgumentError(f"base_url must be a str, got {type(base_url).__name__}")
    if len(base_url) > MAX_BASE_URL_CHARS:
        # checked first: every later check scans the whole string
        raise InvalidArgumentError(
            f"base_url is {len(base_url)} characters long, more than {MAX_BASE_URL_CHARS}"
        )
    if any(ch.isspace() or not ch.isprintable() for ch in base_url):
        raise InvalidArgumentError("base_url must not hold spaces or control characters")
    # anywhere, not only before the host: "https:/user:pw@host" is a typo with a secret
    if "@" in base_url:
        raise InvalidArgumentError("base_url must not hold credentials; use key_id= and secret=")
    if "?" in base_url or "#" in base_url:
        raise InvalidArgumentError("base_url must not hold a query or a fragment")
    try:
        parts = urlsplit(base_url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise InvalidArgumentError(
            "base_url is not a valid URL (check its host and port)"
        ) from None
    if (
        parts.scheme not in ("https", "http")
        or not host
        or not base_url.startswith(f"{parts.scheme}://")
    ):
        raise InvalidArgumentError(
            "base_url must be an https URL with a host, like https://api.smooch.io"
        )
    if parts.scheme == "http" and not is_local_host(host):
        raise InvalidArgumentError(
            f"base_url must use https (plain http only for local test servers), not http://{host}"
        )
    return base_url.rstrip("/")


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


def quote_segment(value: str) -> str:
    """Percent-encode ``value`` as exactly one path segment.

    Everything but letters, digits and ``-._~`` is encoded, and a segment of only dots
    is encoded too, so that ``..`` can never climb out of the path (`check_id` refuses
    such ids anyway: some URL normalizers decode ``%2E`` before resolving dots).

    >>> quote_segment("a/b?c#d e")
    'a%2Fb%3Fc%23d%20e'
    >>> quote_segment("..")
    '%2E%2E'
    """
    if value.strip(".") == "":
        return "%2E" * len(value)
    return quote(value, safe="")


def clients_path(app_id: str, user_id: str, client_id: str | None = None) -> str:
    """The path of a user's clients, or of one client; each id one encoded segment."""
    path = f"/v2/apps/{quote_segment(app_id)}/users/{quote_segment(user_id)}/clients"
    return path if client_id is None else f"{path}/{quote_segment(client_id)}"


def encode_query(params: QueryParams) -> str:
    """Encode query parameters, keeping deepObject keys readable (``page[after]=…``).

    >>> encode_query([("page[after]", "5ebee0975ac5304b664a12fa"), ("page[size]", "100")])
    'page[after]=5ebee0975ac5304b664a12fa&page[size]=100'
    """
    return "&".join(f"{quote(key, safe='[]')}={quote(value, safe='')}" for key, value in params)


def build_url(base_url: str, path: str, params: QueryParams = ()) -> str:
    """Join the base URL (prefix included), an encoded path and the query.

    The path must start with ``/`` and hold no ``?`` or ``#``, so that it can only
    extend the base URL, never change its host.
    """
    if not path.startswith("/") or "?" in path or "#" in path:
        raise InvalidArgumentError(f"path must start with '/' and hold no query: {path!r}")
    query = encode_query(params)
    return f"{base_url}{path}?{query}" if query else f"{base_url}{path}"


def page_params(
    page_size: int | None, after: str | None, before: str | None
) -> tuple[int, str | None, str | None]:
    """Check list arguments; returns the page size to request and the cursors.

    Raises:
        InvalidArgumentError: ``page_size`` outside 1..100, both cursors, or a cursor
            that is not a 24-character string.
    """
    size = DEFAULT_PAGE_SIZE if page_size is None else page_size
    if not isinstance(size, int) or isinstance(size, bool):
        raise InvalidArgumentError(f"page_size must be an int, got {type(size).__name__}")
    if not PAGE_SIZE_MIN <= size <= PAGE_SIZE_MAX:
        raise InvalidArgumentError(
            f"page_size must be between {PAGE_SIZE_MIN} and {PAGE_SIZE_MAX}, got {size}"
        )
    if after is not None and before is not None:
        raise InvalidArgumentError("pass after= or before=, not both")
    for name, cursor in (("after", after), ("before", before)):
        if cursor is not None and (not isinstance(cursor, str) or len(cursor) != CURSOR_LENGTH):
            raise InvalidArgumentError(
                f"{name} must be a {CURSOR_LENGTH}-character cursor, got {cursor!r}"
            )
    return size, after, before


def encode_body(body: JSONObject) -> bytes:
    """Serialize a request body compactly, refusing what the API would refuse for size."""
    try:
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        data = text.encode("utf-8")
    except (TypeError, ValueError) as exc:  # a set, NaN, a lone surrogate ...
        raise InvalidArgumentError(f"the request body is not valid JSON: {exc}") from None
    if len(data) > MAX_BODY_BYTES:
        raise InvalidArgumentError(
            f"the request body is {len(data)} bytes; the API accepts at most {MAX_BODY_BYTES}"
        )
    return data


def encode_multipart(
    field: str, data: bytes, *, filename: str, content_type: str, boundary: str
) -> tuple[bytes, str]:
    """One file as ``multipart/form-data``: the body and its ``Content-Type``.

    >>> body, kind = encode_multipart(
    ...     "source", b"hi", filename="a.txt", content_type="text/plain", boundary="b1"
    ... )
    >>> kind
    'multipart/form-data; boundary=b1'
    """
    for name, value in (("field", field), ("filename", filename), ("content_type", content_type)):
        if any(ch in value for ch in '"\r\n') or not value:
            raise InvalidArgumentError(f"{name} must be non-empty, without quotes or newlines")
    if boundary.encode() in data:
        raise InvalidArgumentError("the multipart boundary occurs in the data")
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    )
    body = head.encode("utf-8") + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


# --- responses ------------------------------------------------------------------------


@attrs.frozen
class ApiResponse:
    """A successful response: its status, headers, JSON object and the request it answers."""

    status_code: int
    headers: httpx.Headers
    data: dict[str, object]
    request: RequestInfo
    #: The raw body, for the error if ``data`` turns out not to be what was expected.
    body: bytes = b""
    #: How many attempts it took (1: no retry).
    attempts: int = attrs.field(default=1, kw_only=True)


def parse_json_object(body: bytes) -> dict[str, object] | None:
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


# --- Retry-After -------------------------------------------------------------------


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


# --- pagination -----------------------------------------------------------------------


def next_cursor(
    *,
    has_more: bool | None,
    after_cursor: str | None,
    before_cursor: str | None,
    backwards: bool,
    seen: Collection[str],
) -> str | None:
    """The cursor of the next page to fetch, or None when the walk is over.

    Raises:
        PaginationError: the server says there is more but gives no cursor, or gives a
            cursor already followed, which would loop forever.
    """
    cursor = before_cursor if backwards else after_cursor
    direction = "beforeCursor" if backwards else "afterCursor"
    # every part of the response is optional: with hasMore absent, a cursor says more
    if has_more is False or (has_more is None and not cursor):
        return None
    if not cursor:
        raise PaginationError(f"the server said hasMore but sent no {direction}")
    if cursor in seen:
        raise PaginationError(f"the server sent {direction} {cursor!r} a second time")
    return cursor
