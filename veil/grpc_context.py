"""Carries the request id over gRPC: a client interceptor sends it as metadata, a server interceptor binds it."""

from __future__ import annotations

from typing import Any, Callable

import grpc

from veil import logs


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
        return continuation(_ClientCallDetails(client_call_details, metadata), request)


class RequestIdServerInterceptor(grpc.ServerInterceptor):
    """Binds the caller's request id for the duration of each unary handler."""

    def intercept_service(self, continuation: Callable, handler_call_details: grpc.HandlerCallDetails) -> Any:
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        incoming = dict(handler_call_details.invocation_metadata or ()).get(logs.REQUEST_ID_METADATA)
        inner = handler.unary_unary

        def with_request_id(request: Any, context: grpc.ServicerContext) -> Any:
            with logs.request_context(incoming):
                return inner(request, context)

        return grpc.unary_unary_rpc_method_handler(
            with_request_id,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
