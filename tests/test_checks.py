"""Tests for `sunshine_async._checks`: the checks of caller-given ids and settings.

Plain synchronous tests, no event loop.
"""

from __future__ import annotations

import pytest

from sunshine_async._checks import check_id


class TestCheckId:
    @pytest.mark.parametrize("bad", ["", None, 5, b"bytes", "x" * 1025, "a\ud800"])
    def test_rejects(self, bad: object) -> None:
        """Empty, non-str and over-long ids are an InvalidArgumentError (a ValueError)."""
        with pytest.raises(ValueError, match="app_id"):
            check_id("app_id", bad)

    def test_accepts_up_to_1024(self) -> None:
        """An external id may be 1024 characters long."""
        assert check_id("user", "x" * 1024) == "x" * 1024
