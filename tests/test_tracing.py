"""Trace context across real hops with tracing off (no endpoint): a caller's W3C traceparent is passed on, not lost.

Flask app (web.install) -> HttpClient -> a second Flask app -> gRPC client interceptor -> gRPC
server interceptor: the trace id the caller sent is the one every hop sees. With an endpoint
configured the same hops record and export spans (services/gateway/tests/integration/test_tracing.py).
"""

from __future__ import annotations

import threading
from concurrent import futures

import grpc
import pytest
from flask import Flask, jsonify, request
from prometheus_client import CollectorRegistry
from werkzeug.serving import make_server

from veil import tracing, web
from veil.clients.http import HttpClient
from veil.grpc_context import RequestIdClientInterceptor, RequestIdServerInterceptor
from veil.stubs import pb2, pb2_grpc

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"


class _TraceIdServicer(pb2_grpc.EmbedderServicer):
    def Info(self, request, context):
        return pb2.InfoResponse(model_name=tracing.current_trace_id() or "")


@pytest.fixture()
def grpc_address():
    server = grpc.server(futures.ThreadPoolExecutor(2), interceptors=[RequestIdServerInterceptor()])
    pb2_grpc.add_EmbedderServicer_to_server(_TraceIdServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(0)


def _serve(app: Flask):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_port}"


@pytest.fixture()
def two_hops(grpc_address):
    """`front` calls `back` over HTTP; `back` calls the gRPC server; each answers the trace ids it saw."""
    back = Flask("back")
    web.install(back, "back", registry=CollectorRegistry())

    @back.post("/v1/hop")
    def hop():
        channel = grpc.intercept_channel(grpc.insecure_channel(grpc_address), RequestIdClientInterceptor())
        try:
            grpc_saw = pb2_grpc.EmbedderStub(channel).Info(pb2.InfoRequest(), timeout=5).model_name
        finally:
            channel.close()
        return jsonify(back=tracing.current_trace_id(), grpc=grpc_saw, traceparent=request.headers.get("traceparent"))

    back_server, back_url = _serve(back)
    front = Flask("front")
    web.install(front, "front", registry=CollectorRegistry())
    client = HttpClient(back_url, attempts=1)

    @front.post("/v1/start")
    def start():
        return jsonify(front=tracing.current_trace_id(), **client.request_json("POST", "/v1/hop", json={}))

    front_server, front_url = _serve(front)
    yield front_url
    front_server.shutdown()
    back_server.shutdown()


def test_the_callers_trace_id_reaches_every_hop_over_http_and_grpc(two_hops):
    import requests

    seen = requests.post(two_hops + "/v1/start", headers={"traceparent": TRACEPARENT}, timeout=10).json()
    assert seen["front"] == seen["back"] == seen["grpc"] == TRACE_ID
    assert seen["traceparent"].split("-")[1] == TRACE_ID


def test_without_a_traceparent_nothing_is_invented_and_requests_still_work(two_hops):
    import requests

    resp = requests.post(two_hops + "/v1/start", timeout=10)
    assert resp.status_code == 200 and resp.json()["grpc"] == ""  # tracing off: no trace to join
    assert resp.headers["X-Request-ID"]  # the request id is there regardless


def test_work_handed_to_a_thread_stays_in_the_trace():
    parent = tracing.extract({"traceparent": TRACEPARENT})
    with tracing.span("job", parent=parent):
        in_thread = tracing.in_this_context(tracing.current_trace_id)
    with futures.ThreadPoolExecutor(1) as pool:
        assert pool.submit(in_thread).result() == TRACE_ID
        assert pool.submit(tracing.current_trace_id).result() is None
