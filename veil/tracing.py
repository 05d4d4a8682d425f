"""OpenTelemetry tracing: W3C `traceparent` across HTTP and gRPC hops, spans per request, stage and model call.

Each service calls `configure()` once at start. With VEIL_OTLP_ENDPOINT (or the standard
OTEL_EXPORTER_OTLP_ENDPOINT) set, spans are batched and exported over OTLP/HTTP to
`<endpoint>/v1/traces`, so other teams' tracing systems (a collector, Jaeger, Tempo, X-Ray
through the ADOT collector) see Veil's hops in their callers' traces. Unset, tracing is off:
nothing is recorded or exported, and yet an incoming `traceparent` is still passed on to the
next hop (the API's no-op spans carry their parent's context), so a trace that goes through
Veil is not broken. The request id (X-Request-ID, logs) stays as it is, independent of this.
"""

from __future__ import annotations

import atexit
import contextvars
import logging
import os
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping, MutableMapping

from opentelemetry import context, propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

_log = logging.getLogger(__name__)

_TRACER = "veil"
_configured: str | None = None


def endpoint_from_env(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return (env.get("VEIL_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or "").strip()


def configure(service: str, endpoint: str | None = None, exporter: Any = None) -> bool:
    """Installs this process's tracer provider once; True when spans are now recorded.

    `endpoint` defaults to the environment; `exporter` (tests: an in-memory one) replaces OTLP.
    """
    global _configured
    endpoint = endpoint_from_env() if endpoint is None else endpoint
    if _configured is not None or not (endpoint or exporter):
        return _configured is not None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": f"veil-{service}",
                                                        "service.namespace": "veil"}))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        # Batched in a background thread: a slow or absent collector never slows a request.
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")))
        _log.info("tracing on: %s exports spans to %s", service, endpoint)
    trace.set_tracer_provider(provider)
    atexit.register(provider.shutdown)
    _configured = service
    return True


def tracer() -> trace.Tracer:
    return trace.get_tracer(_TRACER)


@contextmanager
def span(name: str, kind: SpanKind = SpanKind.INTERNAL, attributes: Mapping[str, Any] | None = None,
         parent: context.Context | None = None) -> Iterator[trace.Span]:
    """A span around the block, child of the current one (or of `parent`); an exception marks it failed."""
    with tracer().start_as_current_span(name, context=parent, kind=kind, attributes=dict(attributes or {}),
                                        record_exception=True, set_status_on_exception=True) as current:
        yield current


def inject(carrier: MutableMapping[str, str]) -> None:
    """Writes the current trace context (traceparent, tracestate) into headers or gRPC metadata."""
    propagate.inject(carrier)


def extract(carrier: Mapping[str, str]) -> context.Context:
    """The trace context a caller sent (an empty one when it sent none)."""
    return propagate.extract(carrier)


def current_trace_id() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None


def mark_error(current: trace.Span, status_code: int) -> None:
    """Server spans: a 5xx is the span's error; a 4xx is the caller's and leaves the span unset."""
    current.set_attribute("http.response.status_code", status_code)
    if status_code >= 500:
        current.set_status(Status(StatusCode.ERROR))


def in_this_context(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` run, in whatever thread, in a copy of the context it was wrapped in (the current span, the request id).

    Thread pools do not carry context variables into their threads by themselves.
    """
    captured = contextvars.copy_context()

    def run(*args: Any, **kwargs: Any) -> Any:
        return captured.copy().run(fn, *args, **kwargs)

    return run


# Probes and scrapes come every few seconds from load balancers and Prometheus: no traces for them.
_UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def start_server_span(service: str, method: str, path: str, route: str,
                      headers: Mapping[str, str]) -> tuple[trace.Span, object] | None:
    """The span of one incoming HTTP request, current until `end_server_span` (None for probes)."""
    if path in _UNTRACED_PATHS:
        return None
    parent = extract(headers)
    current = tracer().start_span(f"{method} {route}", context=parent, kind=SpanKind.SERVER,
                                  attributes={"http.request.method": method, "http.route": route,
                                              "veil.service": service})
    return current, context.attach(trace.set_span_in_context(current, parent))


def end_server_span(started: tuple[trace.Span, object] | None, status_code: int | None) -> None:
    if started is None:
        return
    current, token = started
    if status_code is not None:
        mark_error(current, status_code)
    current.end()
    context.detach(token)
