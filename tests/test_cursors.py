"""Tests for `sunshine_async._cursors`: page arguments and the next cursor.

Plain synchronous tests, no event loop.
"""

from __future__ import annotations

import pytest

from sunshine_async import (
    InvalidArgumentError,
    PaginationError,
)
from sunshine_async._cursors import next_cursor, page_params

CURSOR = "5ebee0975ac5304b664a12fa"


class TestPageParams:
    def test_defaults_to_100(self) -> None:
        """The SDK requests full pages of 100 unless told otherwise."""
        assert page_params(None, None, None) == (100, None, None)

    @pytest.mark.parametrize("size", [0, -1, 101, 1000])
    def test_page_size_bounds(self, size: int) -> None:
        """page_size outside 1..100 is refused."""
        with pytest.raises(InvalidArgumentError, match="page_size"):
            page_params(size, None, None)

    @pytest.mark.parametrize("size", [True, 5.0, "10"])
    def test_page_size_type(self, size: object) -> None:
        """page_size must be an int (not a bool, float or str)."""
        with pytest.raises(InvalidArgumentError, match="page_size"):
            page_params(size, None, None)  # type: ignore[arg-type]

    def test_both_cursors(self) -> None:
        """after and before together are refused."""
        with pytest.raises(InvalidArgumentError, match="not both"):
            page_params(10, CURSOR, CURSOR)

    @pytest.mark.parametrize("cursor", ["short", CURSOR + "x", ""])
    def test_cursor_length(self, cursor: str) -> None:
        """Cursors are exactly 24 characters."""
        with pytest.raises(InvalidArgumentError, match="24-character"):
            page_params(10, cursor, None)
        with pytest.raises(InvalidArgumentError, match="24-character"):
            page_params(10, None, cursor)

    def test_bounds_accepted(self) -> None:
        """1 and 100 are valid sizes."""
        assert page_params(1, CURSOR, None) == (1, CURSOR, None)
        assert page_params(100, None, CURSOR) == (100, None, CURSOR)


class TestNextCursor:
    def test_forward(self) -> None:
        """Forward walks follow afterCursor while hasMore."""
        assert (
            next_cursor(
                has_more=True,
                after_cursor="a" * 24,
                before_cursor="b" * 24,
                backwards=False,
                seen=set(),
            )
            == "a" * 24
        )

    def test_backward(self) -> None:
        """Backward walks follow beforeCursor."""
        assert (
            next_cursor(
                has_more=True,
                after_cursor="a" * 24,
                before_cursor="b" * 24,
                backwards=True,
                seen=set(),
            )
            == "b" * 24
        )

    def test_done(self) -> None:
        """hasMore false ends the walk, whatever cursor came with it."""
        assert (
            next_cursor(
                has_more=False,
                after_cursor="a" * 24,
                before_cursor=None,
                backwards=False,
                seen=set(),
            )
            is None
        )

    def test_has_more_absent(self) -> None:
        """With hasMore absent (the schema makes it optional) a cursor means go on."""
        kwargs: dict[str, object] = {"before_cursor": None, "backwards": False, "seen": set()}
        assert next_cursor(has_more=None, after_cursor="a" * 24, **kwargs) == "a" * 24  # type: ignore[arg-type]
        assert next_cursor(has_more=None, after_cursor=None, **kwargs) is None  # type: ignore[arg-type]

    def test_missing_cursor(self) -> None:
        """hasMore without a cursor is an error, not an endless loop."""
        with pytest.raises(PaginationError, match="afterCursor"):
            next_cursor(
                has_more=True,
                after_cursor=None,
                before_cursor="b" * 24,
                backwards=False,
                seen=set(),
            )

    def test_repeated_cursor(self) -> None:
        """A cursor seen before is an error, not an endless loop."""
        with pytest.raises(PaginationError, match="second time"):
            next_cursor(
                has_more=True,
                after_cursor="a" * 24,
                before_cursor=None,
                backwards=False,
                seen={"a" * 24},
            )
