"""Every URL: the base URL's checks, one encoded path segment per id, the query string.

Every request path is `operation_path` of an entry of the operation table, Clients
included: no other module formats a ``/v2/`` path. A path always starts with ``/``
and can only extend the base URL, never change its host. No I/O.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from ._checks import check_id
from ._config import MAX_BASE_URL_CHARS
from ._exceptions import InvalidArgumentError
from ._types import QueryParams

if TYPE_CHECKING:
    from ._operation import Operation

__all__ = [
    "build_url",
    "encode_query",
    "is_absolute_url",
    "is_local_host",
    "normalize_base_url",
    "operation_path",
    "quote_segment",
]


def is_local_host(host: str) -> bool:
    """Loopback addresses, ``localhost``, ``*.localhost`` and ``*.test`` (RFC 6761)."""
    if host == "localhost" or host.endswith((".localhost", ".test")):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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


def operation_path(op: Operation, values: Mapping[str, str]) -> str:
    """The operation's path with each placeholder filled, one encoded segment each.

    >>> from sunshine_async._generated.operations import OPERATIONS
    >>> operation_path(OPERATIONS["GetUser"], {"appId": "a1", "userIdOrExternalId": "s b@x"})
    '/v2/apps/a1/users/s%20b%40x'

    Raises:
        InvalidArgumentError: a placeholder is missing, unknown, or not a usable id.
    """
    unknown = sorted(set(values) - set(op.path_params))
    if unknown:
        raise InvalidArgumentError(f"{op.id} has no path parameter {unknown[0]!r}")
    segments = []
    for segment in op.path.split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            name = segment[1:-1]
            if name not in values:
                raise InvalidArgumentError(f"{op.id} needs the path parameter {name!r}")
            segment = quote_segment(check_id(name, values[name]))
        segments.append(segment)
    return "/".join(segments)


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
