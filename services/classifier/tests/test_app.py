"""The classifier's HTTP API with real Keras heads, a real SQLite store and a fake embedder client."""

from __future__ import annotations

import json
import logging

import pytest

from services.classifier import registry
from services.classifier.inference import InferenceStore
from services.classifier.tests.fakes import LABELS, metadata
from veil.stores.db import Database

PROBLEM = "application/problem+json"


def _predict(client, texts, model="phi-type", **extra):
    return client.post(f"/v1/models/{model}/predict", json={"texts": texts, **extra})


def _stored(app, tmp_path) -> list:
    service = app.extensions["veil_classifier"]
    assert service.recorder.flush(10)
    store = InferenceStore(Database(f"sqlite:///{tmp_path / 'veil.sqlite3'}"))
    try:
        return store.records()
    finally:
        store.close()


def test_predict_labels_every_text_in_order_with_one_embedder_call(client, embedder):
    resp = _predict(client, ["Maria Gonzalez", "seen on March 3 2023", "call 555 0100", "chest pain"])
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["model"] == "phi-type" and body["version"] == "v2"
    assert [p["label"] for p in body["predictions"]] == ["PERSON", "DATE", "PHONE", "NONE"]
    assert all(0.5 < p["probability"] <= 1.0 for p in body["predictions"])
    assert all("top_k" not in p for p in body["predictions"])
    assert embedder.calls == [["Maria Gonzalez", "seen on March 3 2023", "call 555 0100", "chest pain"]]


def test_top_k_lists_the_k_most_likely_labels_best_first(client):
    body = _predict(client, ["Maria"], top_k=3).get_json()
    top = body["predictions"][0]["top_k"]
    assert len(top) == 3 and top[0]["label"] == "PERSON"
    assert [t["probability"] for t in top] == sorted((t["probability"] for t in top), reverse=True)
    assert body["predictions"][0]["probability"] == top[0]["probability"]


def test_every_prediction_is_recorded_with_request_id_caller_and_version(make_app, tmp_path):
    # The gateway's service key may name the team it calls for.
    app = make_app(classifier_service_keys={"k-gateway": "gateway"})
    client = app.test_client()
    resp = client.post("/v1/models/phi-type/predict", json={"texts": ["Maria Gonzalez", "chest pain"], "top_k": 2},
                       headers={"X-Request-ID": "req-abc", "X-Veil-Caller": "team-a",
                                "Authorization": "Bearer k-gateway"})
    assert resp.status_code == 200
    records = sorted(_stored(app, tmp_path), key=lambda r: r.position)
    assert [(r.request_id, r.caller, r.model, r.version, r.input_text, r.label, r.position) for r in records] == [
        ("req-abc", "team-a", "phi-type", "v2", "Maria Gonzalez", "PERSON", 0),
        ("req-abc", "team-a", "phi-type", "v2", "chest pain", "NONE", 1)]
    assert records[0].top_k[0]["label"] == "PERSON" and len(records[0].top_k) == 2
    assert records[0].latency_ms > 0
    assert len({r.record_id for r in records}) == 2


@pytest.mark.parametrize("body, status, code, pointer", [
    ({"texts": ["ok", ""]}, 400, "empty_text", "/texts/1"),
    ({"texts": ["   \t\n"]}, 400, "empty_text", "/texts/0"),
    ({"texts": ["ok", "x" * 1001]}, 400, "text_too_long", "/texts/1"),
    ({"texts": ["ok"] * 2049}, 413, "too_many_texts", "/texts"),
    ({"texts": ["ok", 7]}, 400, "not_a_string", "/texts/1"),
    ({"texts": ["ok", None]}, 400, "not_a_string", "/texts/1"),
    ({"texts": [["nested"]]}, 400, "not_a_string", "/texts/0"),
    ({"texts": "just one string"}, 400, "invalid_texts", "/texts"),
    ({"texts": []}, 400, "empty_texts", "/texts"),
    ({"text": ["typo in the key"]}, 400, "missing_texts", "/texts"),
    (["not", "an", "object"], 400, "invalid_body", None),
    ({"texts": ["ok"], "top_k": 0}, 400, "invalid_top_k", "/top_k"),
    ({"texts": ["ok"], "top_k": "3"}, 400, "invalid_top_k", "/top_k"),
    ({"texts": ["ok"], "top_k": True}, 400, "invalid_top_k", "/top_k"),
    ({"texts": ["ok"], "top_k": 99}, 400, "invalid_top_k", "/top_k"),
    ({"texts": ["nul \u0000 inside"]}, 400, "invalid_character", "/texts/0"),
])
def test_bad_input_gets_a_problem_naming_the_offending_item(client, embedder, body, status, code, pointer):
    resp = client.post("/v1/models/phi-type/predict", json=body)
    assert resp.status_code == status
    assert resp.mimetype == PROBLEM
    problem = resp.get_json()
    assert problem["code"] == code and problem["status"] == status
    if pointer is not None:
        assert problem["pointer"] == pointer
        index = pointer.rsplit("/", 1)[1]
        if index.isdigit():
            assert f"texts[{index}]" in problem["detail"]
    assert embedder.calls == []


@pytest.mark.parametrize("raw, content_type, status, code", [
    (b'{"texts": ["unclosed"', "application/json", 400, "malformed_json"),
    (b"\xff\xfe not utf-8", "application/json", 400, "malformed_json"),
    (b"[" * 100_000, "application/json", 400, "malformed_json"),
    (b'{"texts": ["a lone \\ud800 surrogate"]}', "application/json", 400, "invalid_character"),
    (b'{"texts": ["ok"]}', "text/plain", 415, "unsupported_media_type"),
])
def test_bodies_that_are_not_usable_json_get_a_4xx_problem(client, raw, content_type, status, code):
    resp = client.post("/v1/models/phi-type/predict", data=raw, content_type=content_type)
    assert resp.status_code == status
    assert resp.mimetype == PROBLEM
    assert resp.get_json()["code"] == code


def test_a_body_over_the_limit_is_413(make_app):
    client = make_app(classifier_max_body_bytes=1000).test_client()
    resp = _predict(client, ["x" * 500, "y" * 500])
    assert resp.status_code == 413
    assert resp.mimetype == PROBLEM


def test_an_unknown_model_is_404(client):
    for path in ("/v1/models/nope/predict", "/v1/models/nope/rollback"):
        resp = client.post(path, json={"texts": ["Maria"]})
        assert resp.status_code == 404, path
        assert resp.get_json()["code"] == "unknown_model"
    assert client.get("/v1/models/nope/versions").status_code == 404


def test_when_the_embedder_is_down_predict_is_503_with_retry_after_and_recovers_without_restart(client, embedder):
    embedder.down = True
    resp = _predict(client, ["Maria"])
    assert resp.status_code == 503
    assert resp.mimetype == PROBLEM
    assert int(resp.headers["Retry-After"]) > 0
    assert resp.get_json()["code"] == "embedder_unavailable"
    embedder.down = False
    assert _predict(client, ["Maria"]).status_code == 200


def test_models_lists_name_kind_active_version_labels_and_metrics(client):
    models = client.get("/v1/models").get_json()["models"]
    assert models == [{"name": "phi-type", "kind": "phrase", "active_version": "v2", "labels": LABELS,
                       "metrics": {"weighted_f1": 0.87}, "dimension": 8, "precision": "float32",
                       "embedder_model": "fake-minilm", "embedder_version": "fake-1", "status": "serving"}]


def test_versions_lists_every_version_and_marks_the_active_one(client):
    body = client.get("/v1/models/phi-type/versions").get_json()
    assert body["active_version"] == "v2"
    assert [(v["version"], v["active"], v["metrics"]["weighted_f1"]) for v in body["versions"]] == [
        ("v1", False, 0.81), ("v2", True, 0.87)]


def test_rollback_switches_to_the_previous_version_and_back_by_name(client):
    resp = client.post("/v1/models/phi-type/rollback")
    assert resp.status_code == 200
    assert resp.get_json() == {"model": "phi-type", "previous_version": "v2", "active_version": "v1"}
    assert _predict(client, ["Maria"]).get_json()["version"] == "v1"
    resp = client.post("/v1/models/phi-type/rollback", json={})
    assert resp.status_code == 409 and resp.get_json()["code"] == "rollback_impossible"
    resp = client.post("/v1/models/phi-type/rollback", json={"version": "v2"})
    assert resp.get_json()["active_version"] == "v2"
    assert _predict(client, ["Maria"]).get_json()["version"] == "v2"
    resp = client.post("/v1/models/phi-type/rollback", json={"version": "v7"})
    assert resp.status_code == 404 and resp.get_json()["code"] == "unknown_version"
    resp = client.post("/v1/models/phi-type/rollback", json={"version": 3})
    assert resp.status_code == 400 and resp.get_json()["pointer"] == "/version"


def test_a_rollback_in_one_process_is_seen_by_another_on_its_next_request(make_app):
    # Two apps on one registry share nothing but the files, like two gunicorn workers.
    first, second = make_app().test_client(), make_app().test_client()
    assert _predict(second, ["Maria"]).get_json()["version"] == "v2"
    assert first.post("/v1/models/phi-type/rollback").status_code == 200
    assert _predict(second, ["Maria"]).get_json()["version"] == "v1"


def test_a_head_trained_against_another_embedder_is_refused_with_a_clear_message(registry_root, keyword_head_file,
                                                                                 make_app):
    registry.publish(registry_root, "other-embedder", "v1", head=keyword_head_file, labels=LABELS,
                     metadata=metadata(model_version="fake-2"))
    client = make_app().test_client()
    resp = _predict(client, ["Maria"], model="other-embedder")
    assert resp.status_code == 409
    problem = resp.get_json()
    assert problem["code"] == "model_unavailable"
    assert "fake-2" in problem["detail"] and "fake-1" in problem["detail"]
    models = {m["name"]: m for m in client.get("/v1/models").get_json()["models"]}
    assert models["other-embedder"]["status"] == "unavailable"
    assert models["phi-type"]["status"] == "serving"
    # A refused head cannot be made active either.
    registry.publish(registry_root, "phi-type", "v3", head=keyword_head_file, labels=LABELS,
                     metadata=metadata(model_version="fake-2"), activate=False)
    resp = client.post("/v1/models/phi-type/rollback", json={"version": "v3"})
    assert resp.status_code == 409
    assert registry.active_version(registry_root, "phi-type") == "v2"


def test_a_head_file_that_cannot_load_makes_only_that_model_unavailable(registry_root, keyword_head_file, make_app,
                                                                      tmp_path):
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a zip file")
    registry.publish(registry_root, "broken", "v1", head=broken, labels=LABELS, metadata=metadata())
    client = make_app().test_client()
    resp = _predict(client, ["Maria"], model="broken")
    assert resp.status_code == 409 and "could not be loaded" in resp.get_json()["detail"]
    assert _predict(client, ["Maria"]).status_code == 200
    # The other models keep the instance in the load balancer.
    assert client.get("/readyz").status_code == 200


def test_an_instance_serves_only_the_models_it_is_configured_for(registry_root, keyword_head_file, make_app):
    registry.publish(registry_root, "icd-chapter", "v1", head=keyword_head_file, labels=LABELS, metadata=metadata())
    both = make_app().test_client()
    assert [m["name"] for m in both.get("/v1/models").get_json()["models"]] == ["icd-chapter", "phi-type"]
    only = make_app(classifier_models=("icd-chapter",)).test_client()
    assert [m["name"] for m in only.get("/v1/models").get_json()["models"]] == ["icd-chapter"]
    assert _predict(only, ["Maria"], model="phi-type").status_code == 404
    assert _predict(only, ["Maria"], model="icd-chapter").status_code == 200


def test_with_keys_configured_a_missing_or_wrong_key_is_401_and_reaches_no_model(make_app, embedder, tmp_path):
    app = make_app(classifier_api_keys={"k-team-a": "team-a"})
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "k-team-a"}):
        resp = client.post("/v1/models/phi-type/predict", json={"texts": ["Maria"]}, headers=headers)
        assert resp.status_code == 401 and resp.mimetype == PROBLEM
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert embedder.calls == []
    assert client.get("/healthz").status_code == 200
    resp = client.post("/v1/models/phi-type/predict", json={"texts": ["Maria"]},
                       headers={"Authorization": "Bearer k-team-a", "X-Veil-Caller": "spoofed"})
    assert resp.status_code == 200
    assert [r.caller for r in _stored(app, tmp_path)] == ["team-a"]


def test_when_the_database_is_unreachable_predictions_still_succeed_and_records_are_spooled(make_app, tmp_path):
    from veil.procs import free_port

    app = make_app(database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere")
    client = app.test_client()
    for _ in range(5):
        assert _predict(client, ["Maria", "chest pain"]).status_code == 200
    recorder = app.extensions["veil_classifier"].recorder
    assert recorder.flush(15)
    assert recorder.spool.depth().records == 10
    assert recorder.database_up is False


def test_an_instance_with_no_model_that_can_serve_is_not_ready(make_app, tmp_path):
    client = make_app(model_registry=str(tmp_path / "empty-registry")).test_client()
    resp = client.get("/readyz")
    assert resp.status_code == 503 and resp.get_json()["checks"] == {"embedder": True, "models": False}
    assert client.get("/v1/models").get_json() == {"models": []}


def test_health_readiness_and_metrics(client, embedder):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").get_json()["checks"] == {"embedder": True, "models": True}
    _predict(client, ["Maria"])
    text = client.get("/metrics").get_data(as_text=True)
    for name in ("veil_classifier_predict_seconds_bucket{", 'model="phi-type"', "veil_classifier_embedder_seconds",
                 "veil_inference_spool_records", "veil_inference_store_lag_seconds"):
        assert name in text
    embedder.down = True
    resp = client.get("/readyz")
    assert resp.status_code == 503 and resp.get_json()["checks"]["embedder"] is False


def test_request_text_never_reaches_the_log(client, caplog, embedder):
    secret = "Zebediah Quintrell-Oyelaran"
    with caplog.at_level(logging.DEBUG):
        _predict(client, [secret, ""])
        _predict(client, [secret])
        embedder.down = True
        _predict(client, [secret])
    assert secret not in caplog.text
    assert secret.split()[0] not in json.dumps([r.__dict__ for r in caplog.records], default=str)
