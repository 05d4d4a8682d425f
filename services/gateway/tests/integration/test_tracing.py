"""One trace from the caller through the gateway and the classifier to the embedder, exported over OTLP.

The four services run as `veil up` runs them, with VEIL_OTLP_ENDPOINT pointing at an OTLP/HTTP
receiver in this test (what a collector is in production). A classify request carrying a W3C
`traceparent` must come back as spans of all three services in the caller's trace, each hop
a child of the one before, and with the request id still echoed.
"""

from __future__ import annotations

import threading
import time

import pytest
import requests
from flask import Flask, request
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from werkzeug.serving import make_server

pytestmark = [pytest.mark.model]

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@pytest.fixture()
def collector():
    """An OTLP/HTTP trace receiver: every span it gets, as (service, trace id, span id, parent id, name)."""
    spans: list[tuple[str, str, str, str, str]] = []
    app = Flask("collector")

    @app.post("/v1/traces")
    def traces():
        export = trace_service_pb2.ExportTraceServiceRequest.FromString(request.get_data())
        for resource_spans in export.resource_spans:
            service = next(a.value.string_value for a in resource_spans.resource.attributes
                           if a.key == "service.name")
            for scope in resource_spans.scope_spans:
                for s in scope.spans:
                    spans.append((service, s.trace_id.hex(), s.span_id.hex(), s.parent_span_id.hex(), s.name))
        return trace_service_pb2.ExportTraceServiceResponse().SerializeToString(), 200, {
            "Content-Type": "application/x-protobuf"}

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"endpoint": f"http://127.0.0.1:{server.server_port}", "spans": spans}
    server.shutdown()
    thread.join(5)


@pytest.fixture()
def traced_stack(phrase_models, collector, tmp_path):
    from tools.commands.stack import Stack

    env = {"VEIL_HOME": str(tmp_path / "home"), "VEIL_MODEL_REGISTRY": str(phrase_models["registry"]),
           "VEIL_ML_MODELS": str(phrase_models["ml"]), "VEIL_OTLP_ENDPOINT": collector["endpoint"],
           "OTEL_BSP_SCHEDULE_DELAY": "100",
           # the tiny head was trained on the session embedder's float32 vectors
           "VEIL_EMBEDDER_PRECISION": "float32"}
    with Stack(env=env, log_dir=tmp_path / "logs", api_keys="team-a:key-a") as stack:
        yield stack


def test_a_classify_request_is_one_trace_from_the_gateway_through_the_classifier_to_the_embedder(traced_stack,
                                                                                                  collector):
    resp = requests.post(traced_stack.url("gateway") + "/v1/classify",
                         headers={"Authorization": "Bearer key-a", "traceparent": TRACEPARENT,
                                  "X-Request-ID": "trace-test-1"},
                         json={"model": "phi-type", "texts": ["Maria Gonzalez", "seen on 03/14/2021"]}, timeout=60)
    assert resp.status_code == 200, resp.text
    assert resp.headers["X-Request-ID"] == "trace-test-1"  # the request id stays beside the trace

    def ours() -> list:
        return [s for s in collector["spans"] if s[1] == TRACE_ID]

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and {s[0] for s in ours()} < {"veil-gateway", "veil-classifier",
                                                                    "veil-embedder"}:
        time.sleep(0.1)
    spans = ours()
    services = {s[0] for s in spans}
    assert {"veil-gateway", "veil-classifier", "veil-embedder"} <= services, spans
    by_id = {s[2]: s for s in spans}

    def chain(span) -> list[str]:
        names = []
        while span is not None:
            names.append(f"{span[0]}:{span[4]}")
            span = by_id.get(span[3])
        return names

    embedder_server = next(s for s in spans if s[0] == "veil-embedder")
    path = chain(embedder_server)
    # embedder server <- classifier's gRPC client <- classifier's HTTP server <- gateway's client <- gateway's server
    assert [p.split(":")[0] for p in path] == ["veil-embedder", "veil-classifier", "veil-classifier",
                                                "veil-gateway", "veil-gateway"], path
    assert path[-1] == "veil-gateway:POST /v1/classify"
    gateway_server = next(s for s in spans if s[0] == "veil-gateway" and s[4] == "POST /v1/classify")
    assert gateway_server[3] == "00f067aa0ba902b7"  # the caller's span is the parent of the gateway's
