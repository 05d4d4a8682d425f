"""The gRPC server with a fake model: statuses for bad input, deadlines, limits, health, reflection, metrics, drain."""

from __future__ import annotations

import threading
import time

import grpc
import numpy as np
import pytest
import requests
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.embedder.metrics import EmbedderMetrics
from services.embedder.server import SERVICE_NAME, EmbedderServicer
from services.embedder.tests.fakes import FakeModel
from veil.clients.embedder import EmbedderClient, EmbedderInvalidInput, EmbedderUnavailable
from veil.stubs import pb2

_EMBED = "/veil.embedder.v1.Embedder/Embed"


def _raw_embed(address: str, payload: bytes, timeout: float = 5.0) -> grpc.RpcError:
    """Sends bytes as an Embed request, bypassing protobuf (which would refuse to build bad input)."""
    with grpc.insecure_channel(address) as channel:
        call = channel.unary_unary(_EMBED)
        with pytest.raises(grpc.RpcError) as exc:
            call(payload, timeout=timeout)
    return exc.value


def test_embed_and_info_answer_with_the_models_vectors_name_version_and_cache_counters(start_server):
    model = FakeModel(version="v7")
    _, address = start_server(model, embedder_max_batch_size=5, embedder_max_wait_ms=3.0,
                              embedder_cache_maxsize=50)
    with EmbedderClient(address) as client:
        res = client.embed(["alpha", "beta", "alpha"])
        again = client.embed(["beta"])
        info = client.info()
    np.testing.assert_array_equal(res.vectors[0], model.vector("alpha"))
    np.testing.assert_array_equal(res.vectors[2], model.vector("alpha"))
    assert (res.model_name, res.model_version, res.cache_hits, again.cache_hits) == ("fake", "v7", 0, 1)
    assert info == {"model_name": "fake", "model_version": "v7", "dimension": 8,
                    "cache": {"hits": 1, "misses": 2, "size": 2, "maxsize": 50},
                    "max_batch_size": 5, "max_wait_ms": 3, "token_vectors": True, "precision": "float32",
                    "max_batch_tokens": 1024,
                    "token_cache": {"hits": 0, "misses": 0, "size": 0, "maxsize": 20000, "bytes": 0,
                                    "max_bytes": 128 * 1024 * 1024}}


@pytest.mark.parametrize("texts, message", [
    ([], "texts is empty"),
    (["fine", "   "], r"texts\[1\] is empty or only whitespace"),
    (["x" * 101], r"texts\[0\] is too long: 101 characters, the limit is 100"),
    (["a"] * 11, "too many texts in one call: 11, the limit is 10"),
])
def test_when_input_is_bad_then_invalid_argument_names_it_and_the_server_stays_up(start_server, texts, message):
    _, address = start_server(embedder_max_texts=10, embedder_max_text_chars=100)
    with EmbedderClient(address, chunk_size=100) as client:
        with pytest.raises(EmbedderInvalidInput, match=message) as exc:
            client.embed(texts)
        assert exc.value.code is grpc.StatusCode.INVALID_ARGUMENT
        assert client.embed(["still up"]).vectors.shape == (1, 8)


def test_when_a_text_is_not_utf8_then_invalid_argument_names_it(start_server):
    _, address = start_server()
    bad = b"\x0a\x03abc" + b"\x0a\x02\xff\xfe"  # texts = ["abc", <two bytes that are not UTF-8>]
    err = _raw_embed(address, bad)
    assert err.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert err.details() == "texts[1] is not valid UTF-8"
    err = _raw_embed(address, b"\xff\xff\xff\xff")
    assert err.code() is grpc.StatusCode.INVALID_ARGUMENT and "not a valid EmbedRequest" in err.details()
    with EmbedderClient(address) as client:
        assert client.embed(["still up"]).vectors.shape == (1, 8)


def test_when_the_caller_pins_another_model_version_then_failed_precondition(start_server):
    _, address = start_server(FakeModel(version="v2"))
    with grpc.insecure_channel(address) as channel:
        call = channel.unary_unary(_EMBED, request_serializer=pb2.EmbedRequest.SerializeToString,
                                   response_deserializer=pb2.EmbedResponse.FromString)
        with pytest.raises(grpc.RpcError) as exc:
            call(pb2.EmbedRequest(texts=["x"], expected_model_version="v1"), timeout=5)
    assert exc.value.code() is grpc.StatusCode.FAILED_PRECONDITION and "'v2'" in exc.value.details()


def test_when_a_message_is_over_the_size_limit_then_resource_exhausted_and_the_server_stays_up(start_server):
    _, address = start_server(embedder_max_message_bytes=1000)
    big = pb2.EmbedRequest(texts=["y" * 600, "z" * 600]).SerializeToString()
    err = _raw_embed(address, big)
    assert err.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    with EmbedderClient(address) as client:
        assert client.embed(["small"]).vectors.shape == (1, 8)


def test_when_the_deadline_passes_then_deadline_exceeded_and_queued_texts_never_reach_the_model(start_server):
    gate = threading.Event()
    model = FakeModel(gate=gate)
    server, address = start_server(model)
    blocker = threading.Thread(target=lambda: EmbedderClient(address, timeout=10).embed(["blocker"]))
    blocker.start()
    assert model.started.wait(5)
    with EmbedderClient(address, timeout=0.2, attempts=1) as client:
        with pytest.raises(EmbedderUnavailable) as exc:
            client.embed(["too late"])
    assert exc.value.code is grpc.StatusCode.DEADLINE_EXCEEDED
    time.sleep(0.3)  # let the handler see its deadline too
    gate.set()
    blocker.join(5)
    with EmbedderClient(address) as client:
        assert client.embed(["after"]).vectors.shape == (1, 8)
    assert "too late" not in model.texts_computed
    metrics = requests.get(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=5).text
    assert "veil_embedder_expired_texts_total 1.0" in metrics


def test_health_reports_serving_and_reflection_lists_the_services(start_server):
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

    _, address = start_server()
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for service in ("", SERVICE_NAME):
            reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        services = set(ProtoReflectionDescriptorDatabase(channel).get_services())
    assert {SERVICE_NAME, "grpc.health.v1.Health"} <= services


def test_metrics_endpoint_shows_calls_batches_and_cache_counters(start_server):
    server, address = start_server()
    with EmbedderClient(address) as client:
        client.embed(["a", "b"])
        client.embed(["a"])
    text = requests.get(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=5).text
    assert 'veil_embedder_calls_total{code="OK",method="Embed"} 2.0' in text
    assert "veil_embedder_cache_hits_total 1.0" in text
    assert "veil_embedder_cache_misses_total 2.0" in text
    assert "veil_embedder_cache_size 2.0" in text
    assert "veil_embedder_batch_size_count 1.0" in text
    assert 'veil_embedder_model_info{name="fake",version="v1"} 1.0' in text


def test_when_stopping_then_in_flight_calls_finish_and_new_calls_are_refused(start_server):
    gate = threading.Event()
    model = FakeModel(gate=gate)
    server, address = start_server(model)
    results = []
    inflight = threading.Thread(target=lambda: results.append(EmbedderClient(address).embed(["draining"])))
    inflight.start()
    assert model.started.wait(5)
    stopped = server.stop(grace=5)
    time.sleep(0.2)
    with EmbedderClient(address, timeout=1, attempts=1) as late:
        with pytest.raises(EmbedderUnavailable):
            late.embed(["refused"])
    gate.set()
    inflight.join(5)
    assert stopped.wait(5)
    assert len(results) == 1 and results[0].vectors.shape == (1, 8)


def test_when_the_model_is_still_loading_then_calls_get_unavailable():
    servicer = EmbedderServicer(EmbedderMetrics())

    class Context:
        def time_remaining(self):
            return None

        def abort(self, code, message):
            raise RuntimeError((code, message))

    with pytest.raises(RuntimeError) as exc:
        servicer.Embed(pb2.EmbedRequest(texts=["x"]), Context())
    code, message = exc.value.args[0]
    assert code is grpc.StatusCode.UNAVAILABLE and "loading" in message
