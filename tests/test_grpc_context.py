"""The request id crosses a real gRPC hop: client interceptor -> metadata -> server interceptor."""

from concurrent import futures

import grpc

from veil import logs
from veil.grpc_context import RequestIdClientInterceptor, RequestIdServerInterceptor
from veil.stubs import pb2, pb2_grpc


class _EchoIdServicer(pb2_grpc.EmbedderServicer):
    def Info(self, request, context):
        return pb2.InfoResponse(model_name=logs.current_request_id() or "")


def test_the_request_id_bound_on_the_client_is_bound_on_the_server():
    server = grpc.server(futures.ThreadPoolExecutor(2), interceptors=[RequestIdServerInterceptor()])
    pb2_grpc.add_EmbedderServicer_to_server(_EchoIdServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        channel = grpc.intercept_channel(grpc.insecure_channel(f"127.0.0.1:{port}"), RequestIdClientInterceptor())
        stub = pb2_grpc.EmbedderStub(channel)
        with logs.request_context("req-from-http"):
            assert stub.Info(pb2.InfoRequest(), timeout=5).model_name == "req-from-http"
        # without a bound id, the client makes one: the server still sees an id
        assert len(stub.Info(pb2.InfoRequest(), timeout=5).model_name) == 32
        channel.close()
    finally:
        server.stop(0)
