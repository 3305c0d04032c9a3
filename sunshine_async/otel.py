"""OpenTelemetry client spans for a Session's requests: ``pip install 'sunshine-async[otel]'``.

One span per attempt, as the HTTP semantic conventions ask of a client that resends:
named ``{method} {url.template}`` (``GET /v2/apps/{appId}/users/{userIdOrExternalId}``),
of kind CLIENT, with ``http.request.method``, ``url.template``, ``server.address``,
``server.port``, ``http.response.status_code``, ``http.request.resend_count`` (on a
retry) and ``error.type`` (on a failure, with the span's status set to ERROR). The URL
itself is not recorded: it holds the ids of users and conversations.

Example::

    from sunshine_async import otel

    session = Session(key_id=..., secret=...)
    otel.instrument(session)   # the global tracer provider, or tracer_provider=...

The spans are built from the Session's hooks (`Hooks`), so they cover every transport
(aiohttp's too, which httpx's own instrumentation cannot see). A request cancelled
mid-attempt ends no span: it is dropped unfinished.

.. versionadded:: 0.2
"""

from __future__ import annotations

from typing import TYPE_CHECKING

try:
    from opentelemetry import trace
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "sunshine_async.otel needs OpenTelemetry: pip install 'sunshine-async[otel]'"
    ) from exc

from ._hooks import Hooks, RequestEvent
from ._version import __version__

if TYPE_CHECKING:
    from ._session import Session

__all__ = ["hooks", "instrument"]

_SPAN = "otel.span"
#: The version of the HTTP semantic conventions these spans follow.
SCHEMA_URL = "https://opentelemetry.io/schemas/1.26.0"


def hooks(*, tracer_provider: trace.TracerProvider | None = None) -> Hooks:
    """`Hooks` that record each attempt as an OpenTelemetry client span.

    Args:
        tracer_provider: Where the spans go; the global provider by default.

    .. versionadded:: 0.2
    """
    tracer = trace.get_tracer(
        "sunshine_async", __version__, tracer_provider=tracer_provider, schema_url=SCHEMA_URL
    )

    def on_request(event: RequestEvent) -> None:
        template = event.path_template
        attributes: dict[str, str | int] = {
            "http.request.method": event.method,
            "server.address": event.server_address,
            "server.port": event.server_port,
        }
        if template is not None:
            attributes["url.template"] = template
        if event.attempt > 1:
            attributes["http.request.resend_count"] = event.attempt - 1
        name = event.method if template is None else f"{event.method} {template}"
        event.state[_SPAN] = tracer.start_span(
            name, kind=trace.SpanKind.CLIENT, attributes=attributes
        )

    def on_response(event: RequestEvent) -> None:
        span = event.state.pop(_SPAN, None)
        if isinstance(span, trace.Span):
            if event.status_code is not None:
                span.set_attribute("http.response.status_code", event.status_code)
            span.end()

    def on_error(event: RequestEvent) -> None:
        span = event.state.pop(_SPAN, None)
        if not isinstance(span, trace.Span):
            return
        if event.status_code is not None:
            span.set_attribute("http.response.status_code", event.status_code)
            error_type = str(event.status_code)
        else:
            error_type = type(event.error).__name__ if event.error is not None else "_OTHER"
        span.set_attribute("error.type", error_type)
        span.set_status(trace.StatusCode.ERROR)
        span.end()

    return Hooks(on_request=on_request, on_response=on_response, on_error=on_error)


def instrument(session: Session, *, tracer_provider: trace.TracerProvider | None = None) -> None:
    """Record every attempt of ``session``'s requests as an OpenTelemetry client span.

    Adds `hooks` to the session (after any it has); call it once per session.

    .. versionadded:: 0.2
    """
    session.add_hooks(hooks(tracer_provider=tracer_provider))
