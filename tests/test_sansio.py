"""Tests for the sans-I/O modules (`_urls`, `_checks`, `_cursors`, `_bodies`, `_responses`,
`_text`) and `_retry`: plain synchronous tests, no event loop."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from sunshine_async import (
    ApiConnectionError,
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InvalidArgumentError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    RequestInfo,
    RetryPolicy,
    ServerError,
)
from sunshine_async._bodies import encode_body
from sunshine_async._checks import check_id
from sunshine_async._cursors import next_cursor, page_params
from sunshine_async._generated.operations import OPERATIONS
from sunshine_async._responses import error_from_response, parse_json_object, parse_retry_after
from sunshine_async._retry import (
    Decision,
    Failure,
    backoff_delay,
    classify,
    decide,
    may_have_arrived,
    retry_delay,
    should_retry,
    treat_as_success,
)
from sunshine_async._urls import (
    build_url,
    encode_query,
    normalize_base_url,
    operation_path,
    quote_segment,
)


def clients_path(app_id: str, user_id: str, client_id: str | None = None) -> str:
    """The Clients' paths, built from the operation table as the SDK builds them."""
    ids = {"appId": app_id, "userIdOrExternalId": user_id}
    if client_id is None:
        return operation_path(OPERATIONS["ListClients"], ids)
    return operation_path(OPERATIONS["RemoveClient"], {**ids, "clientId": client_id})


REQUEST = RequestInfo(method="DELETE", url="https://api.smooch.io/v2/apps/a/users/u/clients/c")
CURSOR = "5ebee0975ac5304b664a12fa"


class TestQuoteSegment:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("plain-id_1.x~", "plain-id_1.x~"),
            ("a/b", "a%2Fb"),
            ("a?b=c", "a%3Fb%3Dc"),
            ("a#b", "a%23b"),
            ("steve b", "steve%20b"),
            ("a+b", "a%2Bb"),
            ("100%", "100%25"),
            ("é", "%C3%A9"),
            ("..", "%2E%2E"),
            (".", "%2E"),
            ("...", "%2E%2E%2E"),
            ("../etc", "..%2Fetc"),
        ],
    )
    def test_encodes_one_segment(self, value: str, expected: str) -> None:
        """Every reserved, space and non-ASCII character, and dot-only segments, are encoded."""
        assert quote_segment(value) == expected

    @pytest.mark.parametrize("hostile", ["../..", "a/../../b", "?x=1", "#frag", "a b/c"])
    def test_hostile_ids_stay_in_their_segment(self, hostile: str) -> None:
        """An id can never change which URL is called, even after httpx normalises it."""
        url = httpx.URL(build_url("https://h/sc", clients_path("app", hostile, "cli")))
        assert url.path.startswith("/sc/v2/apps/app/users/")
        assert url.raw_path.decode().split("/")[1:] == [
            "sc",
            "v2",
            "apps",
            "app",
            "users",
            quote_segment(hostile),
            "clients",
            "cli",
        ]
        assert url.query == b""
        assert url.fragment == ""


class TestCheckId:
    @pytest.mark.parametrize("bad", ["", None, 5, b"bytes", "x" * 1025, "a\ud800"])
    def test_rejects(self, bad: object) -> None:
        """Empty, non-str and over-long ids are an InvalidArgumentError (a ValueError)."""
        with pytest.raises(ValueError, match="app_id"):
            check_id("app_id", bad)

    def test_accepts_up_to_1024(self) -> None:
        """An external id may be 1024 characters long."""
        assert check_id("user", "x" * 1024) == "x" * 1024


class TestUrls:
    def test_clients_paths_from_the_table(self) -> None:
        """The Clients' paths from the operation table follow the reference exactly."""
        assert clients_path("a", "u") == "/v2/apps/a/users/u/clients"
        assert clients_path("a", "u", "c") == "/v2/apps/a/users/u/clients/c"

    def test_encode_query_keeps_deep_object_keys(self) -> None:
        """Query keys are page[after]=…, never a JSON object; values are encoded."""
        query = encode_query([("page[after]", CURSOR), ("page[size]", "100"), ("brandId", "a&b")])
        assert query == f"page[after]={CURSOR}&page[size]=100&brandId=a%26b"

    @pytest.mark.parametrize("path", ["x.evil.example/v2", "@evil.example/v2", "/v2?x=1", "/v2#f"])
    def test_build_url_path_cannot_change_host(self, path: str) -> None:
        """A path that could change the host or add a query is refused."""
        with pytest.raises(InvalidArgumentError, match="path"):
            build_url("https://api.smooch.io", path)

    def test_build_url_with_prefix(self) -> None:
        """A base URL path prefix (/sc) comes before /v2."""
        url = build_url("https://acme.zendesk.com/sc", "/v2/x", [("page[size]", "5")])
        assert url == "https://acme.zendesk.com/sc/v2/x?page[size]=5"
        assert build_url("https://h", "/v2/x") == "https://h/v2/x"

    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            ("https://api.smooch.io", "https://api.smooch.io"),
            ("https://api.smooch.io/", "https://api.smooch.io"),
            ("https://acme.zendesk.com/sc/", "https://acme.zendesk.com/sc"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://[::1]:8080/", "http://[::1]:8080"),
            ("http://localhost:8080", "http://localhost:8080"),
            ("http://fake.test", "http://fake.test"),
        ],
    )
    def test_normalize_base_url(self, given: str, expected: str) -> None:
        """Trailing slashes go; the prefix stays."""
        assert normalize_base_url(given) == expected

    @pytest.mark.parametrize(
        "bad",
        [
            "api.smooch.io",
            "ftp://x",
            "https://h/?q=1",
            "https://user:pw@h",
            "",
            "https://",
            "https://[::1",
            "https://h:99999",
            "http://api.smooch.io",
            "http://10.0.0.5:8080",
        ],
    )
    def test_normalize_base_url_rejects(self, bad: str) -> None:
        """A base URL without scheme, with a query or with credentials is refused."""
        with pytest.raises(InvalidArgumentError):
            normalize_base_url(bad)


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


class TestEncodeBody:
    def test_compact_utf8(self) -> None:
        """Bodies are compact JSON in UTF-8."""
        assert encode_body({"a": "é", "b": [1]}) == '{"a":"é","b":[1]}'.encode()

    @pytest.mark.parametrize("body", [{"a": {1, 2}}, {"a": float("nan")}, {"a": "\ud800"}])
    def test_not_json(self, body: dict[str, object]) -> None:
        """Sets, NaN and lone surrogates are refused before sending."""
        with pytest.raises(InvalidArgumentError, match="not valid JSON"):
            encode_body(body)

    def test_size_limit(self) -> None:
        """Bodies over 100 kB are refused before sending."""
        with pytest.raises(InvalidArgumentError, match="100000"):
            encode_body({"a": "x" * 100_000})


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


class TestTreatAsSuccess:
    def test_retried_delete_404(self) -> None:
        """A retried DELETE finding client_not_found means the first attempt worked."""
        body = b'{"errors":[{"code":"client_not_found","title":"Client not found"}]}'
        error = error_from_response(404, httpx.Headers(), body, REQUEST)
        gone = "client_not_found"
        assert treat_as_success("DELETE", error, earlier_may_have_arrived=True, gone_code=gone)
        assert not treat_as_success("DELETE", error, earlier_may_have_arrived=False, gone_code=gone)
        assert not treat_as_success("GET", error, earlier_may_have_arrived=True, gone_code=gone)
        # an operation that names no such code keeps every 404
        assert not treat_as_success("DELETE", error, earlier_may_have_arrived=True, gone_code=None)

    def test_other_404_codes_stay_errors(self) -> None:
        """A user_not_found on a retried DELETE is still an error."""
        body = b'{"errors":[{"code":"user_not_found","title":"User not found"}]}'
        error = error_from_response(404, httpx.Headers(), body, REQUEST)
        assert not treat_as_success(
            "DELETE", error, earlier_may_have_arrived=True, gone_code="client_not_found"
        )

    def test_may_have_arrived(self) -> None:
        """Timeouts, broken connections and 5xx may have been acted on; 429 and refusals not."""
        assert may_have_arrived(None, Failure.TIMEOUT)
        assert may_have_arrived(None, Failure.NETWORK)
        assert may_have_arrived(503, None)
        assert not may_have_arrived(429, None)
        assert not may_have_arrived(None, Failure.NOT_SENT)
        assert not may_have_arrived(None, Failure.INVALID)


class TestShouldRetry:
    @pytest.mark.parametrize("method", ["GET", "DELETE"])
    def test_idempotent(self, method: str) -> None:
        """GET and DELETE retry on 429, 5xx, timeouts and any connection failure."""
        for status in (429, 500, 502, 503, 504):
            assert should_retry(method, status_code=status)
        for failure in (Failure.NOT_SENT, Failure.TIMEOUT, Failure.NETWORK):
            assert should_retry(method, failure=failure)
        assert not should_retry(method, failure=Failure.INVALID)
        for status in (400, 401, 403, 404, 409):
            assert not should_retry(method, status_code=status)

    def test_post(self) -> None:
        """POST retries only on 429 and on a request that never left."""
        assert should_retry("POST", status_code=429)
        assert should_retry("POST", failure=Failure.NOT_SENT)
        assert not should_retry("POST", failure=Failure.TIMEOUT)
        assert not should_retry("POST", failure=Failure.NETWORK)
        for status in (500, 502, 503, 504, 400):
            assert not should_retry("POST", status_code=status)


class TestClassify:
    @pytest.mark.parametrize(
        ("exc", "sent", "expected"),
        [
            (httpx.ConnectError("refused"), None, Failure.NOT_SENT),
            (httpx.ConnectError("refused"), False, Failure.NOT_SENT),
            (httpx.ConnectError("reset"), True, Failure.NETWORK),
            (httpx.PoolTimeout("full"), None, Failure.NOT_SENT),
            (httpx.ReadTimeout("slow"), False, Failure.TIMEOUT),
            (httpx.ReadError("reset"), None, Failure.NETWORK),
            (httpx.RemoteProtocolError("cut"), False, Failure.NETWORK),
            (httpx.WriteError("reset"), True, Failure.NETWORK),
            (httpx.WriteTimeout("slow"), None, Failure.TIMEOUT),
            (TimeoutError(), True, Failure.TIMEOUT),
            (TimeoutError(), False, Failure.NOT_SENT),
            (httpx.LocalProtocolError("bad header"), False, Failure.INVALID),
            (httpx.UnsupportedProtocol("ftp"), None, Failure.INVALID),
            (RuntimeError("odd"), True, Failure.INVALID),
        ],
    )
    def test_failures(self, exc: Exception, sent: bool | None, expected: Failure) -> None:
        """What an exception means, told by whether the request may have left."""
        assert classify(exc, sent=sent) is expected


def _api_error(status: int, body: bytes = b"", retry_after: str | None = None) -> ApiError:
    headers = httpx.Headers({} if retry_after is None else {"Retry-After": retry_after})
    return error_from_response(status, headers, body, REQUEST)


class TestDecide:
    POLICY = RetryPolicy(max_retries=2, random=lambda: 1.0)
    RESET = ApiConnectionError("reset", request=REQUEST)

    def test_idempotent_5xx_backs_off(self) -> None:
        """A GET's 503 is retried after the backoff; the server may have seen it."""
        decision = decide(
            self.POLICY, "GET", _api_error(503), None, retries=1, earlier_may_have_arrived=False
        )
        assert decision == Decision(done=False, delay=1.0, may_have_arrived=True)

    def test_post_5xx_raises(self) -> None:
        """A POST's 503 is not resent, and is known to have maybe arrived."""
        decision = decide(
            self.POLICY, "POST", _api_error(503), None, retries=0, earlier_may_have_arrived=False
        )
        assert decision == Decision(done=False, delay=None, may_have_arrived=True)

    def test_retry_after_wins(self) -> None:
        """A 429's Retry-After is the wait, for a POST too; nothing arrived."""
        error = _api_error(429, retry_after="3")
        decision = decide(
            self.POLICY, "POST", error, None, retries=0, earlier_may_have_arrived=False
        )
        assert decision == Decision(done=False, delay=3.0, may_have_arrived=False)

    def test_retry_after_past_the_cap_raises(self) -> None:
        """Asked to wait longer than retry_after_cap, the error goes to the caller."""
        error = _api_error(429, retry_after="61")
        decision = decide(
            self.POLICY, "GET", error, None, retries=0, earlier_may_have_arrived=False
        )
        assert decision.delay is None

    def test_retries_spent(self) -> None:
        """After max_retries retries, the next failure raises."""
        decision = decide(
            self.POLICY,
            "GET",
            self.RESET,
            Failure.NETWORK,
            retries=2,
            earlier_may_have_arrived=False,
        )
        assert decision == Decision(done=False, delay=None, may_have_arrived=True)

    def test_never_sent_carries_earlier_arrival(self) -> None:
        """A refused retry keeps what an earlier attempt may have done."""
        decision = decide(
            self.POLICY,
            "POST",
            self.RESET,
            Failure.NOT_SENT,
            retries=0,
            earlier_may_have_arrived=True,
        )
        assert decision == Decision(done=False, delay=0.5, may_have_arrived=True)

    def test_pool_timeout_raises(self) -> None:
        """A request that waited out pool_timeout is neither sent nor retried."""
        decision = decide(
            self.POLICY,
            "GET",
            self.RESET,
            Failure.POOL_TIMEOUT,
            retries=0,
            earlier_may_have_arrived=False,
        )
        assert decision == Decision(done=False, delay=None, may_have_arrived=False)

    def test_retried_delete_already_done(self) -> None:
        """A retried DELETE's client_not_found, after a maybe-arrived attempt, is success."""
        body = b'{"errors":[{"code":"client_not_found","title":"Client not found"}]}'
        error = _api_error(404, body)
        decision = decide(
            self.POLICY,
            "DELETE",
            error,
            None,
            retries=1,
            earlier_may_have_arrived=True,
            gone_code="client_not_found",
        )
        assert decision.done
        first = decide(
            self.POLICY,
            "DELETE",
            error,
            None,
            retries=0,
            earlier_may_have_arrived=False,
            gone_code="client_not_found",
        )
        assert first == Decision(done=False, delay=None, may_have_arrived=False)


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


class TestDelays:
    def test_backoff_grows_with_jitter(self) -> None:
        """Delays double per attempt, between half and all of the ceiling, capped at 8 s."""
        assert backoff_delay(0, rand=lambda: 0.0) == 0.25
        assert backoff_delay(0, rand=lambda: 1.0) == 0.5
        assert backoff_delay(1, rand=lambda: 1.0) == 1.0
        assert backoff_delay(2, rand=lambda: 0.5) == 1.5
        assert backoff_delay(20, rand=lambda: 1.0) == 8.0

    def test_retry_after_wins_up_to_cap(self) -> None:
        """Retry-After replaces the backoff; beyond the cap the SDK gives up."""
        assert retry_delay(0, 12.0, rand=lambda: 0.0) == 12.0
        assert retry_delay(0, None, rand=lambda: 1.0) == 0.5
        assert retry_delay(0, 61.0) is None
        assert retry_delay(0, 5.0, cap=4.0) is None


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


class TestParseJsonObject:
    def test_object_or_none(self) -> None:
        """Only a JSON object counts as a body."""
        assert parse_json_object(b'{"a":1}') == {"a": 1}
        assert parse_json_object(b"[1]") is None
        assert parse_json_object(b"<html>") is None
