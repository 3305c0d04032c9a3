"""Tests for `sunshine_async.otel`: client spans by the HTTP semantic conventions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import sunshine_async as sa
from sunshine_async import Session, otel

from .conftest import APP_ID, KEY_ID, SECRET, USER_ID

pytestmark = pytest.mark.anyio

USER = {"user": {"id": "5963c0d619a30a2e00de36b8"}}
GET_USER = "/v2/apps/{appId}/users/{userIdOrExternalId}"


class Answers(httpx.AsyncBaseTransport):
    """Answers with the given statuses in turn (then 200), or raises what is given."""

    def __init__(self, statuses: Sequence[int | Exception] = ()) -> None:
        self.statuses = list(statuses)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.statuses.pop(0) if self.statuses else 200
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, json=USER if answer == 200 else {})


async def no_wait(delay: float) -> None:
    """The retry policy's sleep in tests: returns at once."""


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    found = InMemorySpanExporter()
    yield found
    found.clear()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    return tracer_provider


def instrumented(transport: Answers, provider: TracerProvider, retries: int = 2) -> Session:
    session = Session(
        key_id=KEY_ID,
        secret=SECRET,
        transport=transport,
        retry=sa.RetryPolicy(max_retries=retries, sleep=no_wait),
    )
    otel.instrument(session, tracer_provider=provider)
    return session


def spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return list(exporter.get_finished_spans())


class TestSpans:
    async def test_a_success(
        self, exporter: InMemorySpanExporter, provider: TracerProvider
    ) -> None:
        """One client span named by method and template, with the conventions' attributes."""
        async with instrumented(Answers(), provider) as session:
            await session.apps[APP_ID].users.get(USER_ID)
        (span,) = spans(exporter)
        assert span.name == f"GET {GET_USER}"
        assert span.kind is SpanKind.CLIENT
        assert dict(span.attributes or {}) == {
            "http.request.method": "GET",
            "url.template": GET_USER,
            "server.address": "api.smooch.io",
            "server.port": 443,
            "http.response.status_code": 200,
        }
        assert span.status.status_code is StatusCode.UNSET
        assert span.instrumentation_scope is not None
        assert span.instrumentation_scope.name == "sunshine_async"

    async def test_one_span_per_attempt(
        self, exporter: InMemorySpanExporter, provider: TracerProvider
    ) -> None:
        """Two 503s then a 200: three spans, the resends counted, the failures marked."""
        async with instrumented(Answers([503, 503]), provider) as session:
            await session.apps[APP_ID].users.get(USER_ID)
        first, second, third = spans(exporter)
        for span in (first, second):
            assert span.status.status_code is StatusCode.ERROR
            assert span.attributes is not None
            assert span.attributes["error.type"] == "503"
            assert span.attributes["http.response.status_code"] == 503
        assert first.attributes is not None
        assert "http.request.resend_count" not in first.attributes
        assert second.attributes is not None
        assert second.attributes["http.request.resend_count"] == 1
        assert third.attributes is not None
        assert third.attributes["http.request.resend_count"] == 2
        assert "error.type" not in third.attributes

    async def test_no_response(
        self, exporter: InMemorySpanExporter, provider: TracerProvider
    ) -> None:
        """A refused connection: error.type is the error's class, no status code."""
        transport = Answers([httpx.ConnectError("refused")])
        async with instrumented(transport, provider, retries=0) as session:
            with pytest.raises(sa.ApiConnectionError):
                await session.apps[APP_ID].users.get(USER_ID)
        (span,) = spans(exporter)
        assert span.attributes is not None
        assert span.attributes["error.type"] == "ApiConnectionError"
        assert "http.response.status_code" not in span.attributes
        assert span.status.status_code is StatusCode.ERROR

    async def test_spans_are_children_of_the_callers(
        self, exporter: InMemorySpanExporter, provider: TracerProvider
    ) -> None:
        """A request made inside the caller's span is traced under it (trio too)."""
        tracer = provider.get_tracer("test")
        async with instrumented(Answers(), provider) as session:
            with tracer.start_as_current_span("handler") as parent:
                await session.apps[APP_ID].users.get(USER_ID)
        request, handler = spans(exporter)
        assert handler.name == "handler"
        assert request.parent is not None
        assert request.parent.span_id == parent.get_span_context().span_id

    async def test_no_id_and_no_secret_in_a_span(
        self, exporter: InMemorySpanExporter, provider: TracerProvider
    ) -> None:
        """Neither the ids of the call nor the credentials are recorded."""
        async with instrumented(Answers([503]), provider) as session:
            await session.apps[APP_ID].users.get(USER_ID)
        for span in spans(exporter):
            text = span.to_json()
            for secret in (SECRET, APP_ID, USER_ID, "steveb%40example.com"):
                assert secret not in text

    async def test_a_direct_request_is_named_by_its_method(
        self, exporter: InMemorySpanExporter, provider: TracerProvider
    ) -> None:
        """Session.request without an operation: the span is named by the method alone."""
        async with instrumented(Answers(), provider) as session:
            await session.request("GET", f"/v2/apps/{APP_ID}/users/x")
        (span,) = spans(exporter)
        assert span.name == "GET"
        assert span.attributes is not None
        assert "url.template" not in span.attributes
