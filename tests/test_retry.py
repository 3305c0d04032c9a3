"""Tests for `sunshine_async._retry`: whether and when a request is retried.

Plain synchronous tests, no event loop.
"""

from __future__ import annotations

import httpx
import pytest

from sunshine_async import (
    ApiConnectionError,
    ApiError,
    RequestInfo,
    RetryPolicy,
)
from sunshine_async._responses import error_from_response
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

REQUEST = RequestInfo(method="DELETE", url="https://api.smooch.io/v2/apps/a/users/u/clients/c")


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
