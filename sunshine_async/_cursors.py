"""Cursor pagination on the wire: the page arguments, and which cursor comes next.

A walk stops when the server says so, and fails (`PaginationError`) rather than loop
when a cursor is missing or repeats.
"""

from __future__ import annotations

from collections.abc import Collection

from ._config import CURSOR_LENGTH, DEFAULT_PAGE_SIZE, PAGE_SIZE_MAX, PAGE_SIZE_MIN
from ._exceptions import InvalidArgumentError, PaginationError

__all__ = ["next_cursor", "page_params"]


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
