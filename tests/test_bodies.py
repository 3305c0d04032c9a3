"""Tests for `sunshine_async._bodies`: request bodies on the wire.

Plain synchronous tests, no event loop.
"""

from __future__ import annotations

import pytest

from sunshine_async import InvalidArgumentError
from sunshine_async._bodies import encode_body


class TestEncodeBody:
    def test_compact_utf8(self) -> None:
        """Bodies are compact JSON in UTF-8."""
        assert encode_body({"a": "é", "b": [1]}) == '{"a":"é","b":[1]}'.encode()

    @pytest.mark.parametrize("body", [{"a": {1, 2}}, {"a": float("nan")}, {"a": "\ud800"}])
    def test_not_json(self, body: dict[str, object]) -> None:
        """Sets, NaN and lone surrogates are refused before sending."""
        with pytest.raises(InvalidArgumentError, match="not valid JSON"):
            encode_body(body)  # type: ignore[arg-type]

    def test_size_limit(self) -> None:
        """Bodies over 100 kB are refused before sending."""
        with pytest.raises(InvalidArgumentError, match="100000"):
            encode_body({"a": "x" * 100_000})
