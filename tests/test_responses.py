"""Tests for `sunshine_async._responses`: a response into a result or a typed error.

Plain synchronous tests, no event loop.
"""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from sunshine_async import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestInfo,
    ServerError,
)
from sunshine_async._responses import error_from_response, parse_json_object, parse_retry_after

REQUEST = RequestInfo(method="DELETE", url="https://api.smooch.io/v2/apps/a/users/u/clients/c")


class TestErrorFromResponse:
    @pytest.mark.parametrize(
        ("status", "cls"),
        [
            (400, BadRequestError),
            (401, AuthenticationError),
            (403, PermissionDeniedError),
            (404, NotFoundError),
            (409, ConflictError),
            (429, RateLimitError),
            (500, ServerError),
            (502, ServerError),
            (503, ServerError),
            (520, ServerError),
            (418, ApiError),
            (302, ApiError),
        ],
    )
    def test_status_to_class(self, status: int, cls: type[ApiError]) -> None:
        """Each status maps to its class; unknown ones to ServerError (5xx) or ApiError."""
        error = error_from_response(status, httpx.Headers(), b"{}", REQUEST)
        assert type(error) is cls
        assert error.status_code == status

    def test_one_line_message(self) -> None:
        """str() is one useful line: status, code, title, method and path."""
        body = b'{"errors":[{"code":"client_not_found","title":"Client not found"}]}'
        error = error_from_response(404, httpx.Headers({"x-req": "1"}), body, REQUEST)
        assert str(error) == (
            "404 client_not_found: Client not found (DELETE /v2/apps/a/users/u/clients/c)"
        )
        assert error.code == "client_not_found"
        assert [(e.code, e.title) for e in error.errors] == [
            ("client_not_found", "Client not found")
        ]
        assert error.headers["x-req"] == "1"
        assert error.request == REQUEST

    def test_titles_stay_on_one_line(self) -> None:
        """A title with newlines still gives a one-line message."""
        body = b'{"errors":[{"code":"bad_request","title":"line one\\nline two"}]}'
        error = error_from_response(400, httpx.Headers(), body, REQUEST)
        assert "\n" not in str(error)
        assert "line one line two" in str(error)

    def test_several_errors(self) -> None:
        """A 400 may carry several errors; all are kept and shown."""
        body = b'{"errors":[{"code":"bad_request","title":"A"},{"code":"bad_request","title":"B"}]}'
        error = error_from_response(400, httpx.Headers(), body, REQUEST)
        assert len(error.errors) == 2
        assert "bad_request: A; bad_request: B" in str(error)

    @pytest.mark.parametrize(
        "body",
        [
            b"<html><body>502 Bad Gateway</body></html>",
            b"",
            b"[]",
            b'{"errors":"boom"}',
            b'{"errors":[1, null, "x"]}',
            b'{"errors":[{"code":5}]}',
            b"\xff\xfe",
            b"[" * 100_000,
        ],
    )
    def test_odd_bodies_never_raise(self, body: bytes) -> None:
        """Non-JSON, empty and odd-shaped error bodies still give the typed error."""
        error = error_from_response(502, httpx.Headers(), body, REQUEST)
        assert type(error) is ServerError
        assert str(error).startswith("502 ")

    def test_rate_limit_retry_after(self) -> None:
        """A 429 carries the Retry-After in seconds."""
        error = error_from_response(429, httpx.Headers({"Retry-After": "3"}), b"", REQUEST)
        assert isinstance(error, RateLimitError)
        assert error.retry_after == 3.0

    def test_every_error_keeps_retry_after_and_body(self) -> None:
        """Retry-After is read once, for any status; the raw body is kept, bounded."""
        body = b"<html>" + b"x" * 100_000
        error = error_from_response(503, httpx.Headers({"Retry-After": "2"}), body, REQUEST)
        assert error.retry_after == 2.0
        assert error.body == body[: 64 * 1024]
        assert error_from_response(400, httpx.Headers(), b"{}", REQUEST).retry_after is None


class TestParseRetryAfter:
    NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("5", 5.0),
            (" 1.5 ", 1.5),
            ("0", 0.0),
            ("-3", 0.0),
            ("Thu, 01 Jan 2026 12:00:30 GMT", 30.0),
            ("Thu, 01 Jan 2026 11:00:00 GMT", 0.0),
            ("soon", None),
            ("nan", None),
            ("inf", None),
            (None, None),
        ],
    )
    def test_values(self, value: str | None, expected: float | None) -> None:
        """Seconds and HTTP dates are understood; nonsense is ignored."""
        assert parse_retry_after(value, now=self.NOW) == expected


class TestParseJsonObject:
    def test_object_or_none(self) -> None:
        """Only a JSON object counts as a body."""
        assert parse_json_object(b'{"a":1}') == {"a": 1}
        assert parse_json_object(b"[1]") is None
        assert parse_json_object(b"<html>") is None
