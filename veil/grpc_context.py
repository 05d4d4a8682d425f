"""Carries the request id and the W3C trace context over gRPC: a client interceptor sends them as metadata
(with a client span), a server interceptor binds the id and runs the handler in a server span of the caller's trace."""

from __future__ import annotations

from typing import Any, Callable

import grpc
from opentelemetry.trace import SpanKind

from veil import logs, tracing


class _ClientCallDetails(grpc.ClientCallDetails):
    def __init__(self, details: grpc.ClientCallDetails, metadata: list[tuple[str, str]]):
        self.method = details.method
        self.timeout = details.timeout
        self.metadata = metadata
        self.credentials = details.credentials
        self.wait_for_ready = getattr(details, "wait_for_ready", None)
        self.compression = getattr(details, "compression", None)


class RequestIdClientInterceptor(grpc.UnaryUnaryClientInterceptor):
    """Adds the current request id (or a new one) to every unary call's metadata."""

    def intercept_unary_unary(self, continuation: Callable, client_call_details: grpc.ClientCallDetails,
                              request: Any) -> Any:
        metadata = [m for m in (client_call_details.metadata or []) if m[0] != logs.REQUEST_ID_METADATA]
        metadata.append((logs.REQUEST_ID_METADATA, logs.current_request_id() or logs.new_request_id()))
        with tracing.span(_span_name(client_call_details.method), SpanKind.CLIENT, {"rpc.system": "grpc"}):
            carrier: dict[str, str] = {}
            tracing.inject(carrier)
            metadata = [m for m in metadata if m[0] not in carrier] + list(carrier.items())
            return continuation(_ClientCallDetails(client_call_details, metadata), request)


class RequestIdServerInterceptor(grpc.ServerInterceptor):
    """Binds the caller's request id for the duration of each unary handler."""

    def intercept_service(self, continuation: Callable, handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        metadata = dict(handler_call_details.invocation_metadata or ())
        incoming = metadata.get(logs.REQUEST_ID_METADATA)
        parent = tracing.extract(metadata)
        name = _span_name(handler_call_details.method)
        inner = handler.unary_unary

        def with_request_id(request: Any, context: grpc.ServicerContext) -> Any:
            with logs.request_context(incoming), tracing.span(name, SpanKind.SERVER, {"rpc.system": "grpc"}, parent):
                return inner(request, context)

        return grpc.unary_unary_rpc_method_handler(
            with_request_id,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def _span_name(method: str | bytes) -> str:
    """`/veil.embedder.v1.Embedder/Embed` -> `veil.embedder.v1.Embedder/Embed` (the convention for RPC spans)."""
    return (method.decode() if isinstance(method, bytes) else method).lstrip("/")
