"""POST /v1/models/{name}/tag: a token head's spans over the HTTP API, its errors, records and metrics.

Real Keras heads and a real SQLite store; the embedder is the fake client, whose tokens are
words and punctuation marks with one-hot vectors, so the spans a head must answer are known.
"""

from __future__ import annotations

import pytest

from services.classifier.inference import InferenceStore
from services.classifier.tests.fakes import TOKEN_LABELS, metadata
from veil.stores.db import Database

PROBLEM = "application/problem+json"
TEXT = "Maria Gonzalez called from 555 on March 2023, re chest pain."


def _tag(client, texts, model="phi-tagger", **headers):
    return client.post(f"/v1/models/{model}/tag", json={"texts": texts}, headers=headers)


def test_tag_answers_spans_with_character_offsets_merged_from_consecutive_tokens(tagger, client, embedder):
    other = "no identifiers here"
    resp = _tag(client, [TEXT, other])
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["model"] == "phi-tagger" and body["version"] == "v1"
    assert len(body["results"]) == 2
    found = [(TEXT[s["start"]:s["end"]], s["type"]) for s in body["results"][0]["spans"]]
    assert found == [("Maria Gonzalez", "PERSON"), ("555", "PHONE"), ("March 2023", "DATE")]
    for span in body["results"][0]["spans"]:
        assert set(span) == {"start", "end", "type", "score"}
        assert 0 <= span["start"] < span["end"] <= len(TEXT)
        assert 0.9 < span["score"] <= 1.0
    assert body["results"][1] == {"spans": []}
    assert embedder.calls == [[TEXT, other]]  # one embedder call for the request


def test_tag_keeps_offsets_into_the_text_as_sent_whatever_its_script_and_spacing(tagger, client):
    text = "  Ärztin:\tMaria   Gonzalez — 555\n"
    spans = _tag(client, [text]).get_json()["results"][0]["spans"]
    assert [(text[s["start"]:s["end"]], s["type"]) for s in spans] == [("Maria   Gonzalez", "PERSON"), ("555", "PHONE")]


def test_every_tagged_text_is_recorded_with_its_spans(tagger, make_app, tmp_path):
    app = make_app(classifier_service_keys={"k-gateway": "gateway"})
    client = app.test_client()
    resp = _tag(client, [TEXT, "nothing"], **{"X-Veil-Caller": "team-b", "X-Request-ID": "req-tag",
                                              "Authorization": "Bearer k-gateway"})
    assert resp.status_code == 200
    service = app.extensions["veil_classifier"]
    assert service.recorder.flush(10)
    store = InferenceStore(Database(f"sqlite:///{tmp_path / 'veil.sqlite3'}"))
    try:
        records = sorted(store.records(), key=lambda r: r.position)
    finally:
        store.close()
    assert [(r.request_id, r.caller, r.model, r.version, r.input_text, r.label) for r in records] == [
        ("req-tag", "team-b", "phi-tagger", "v1", TEXT, "PERSON,PHONE,DATE"),
        ("req-tag", "team-b", "phi-tagger", "v1", "nothing", "O")]
    assert records[0].top_k == resp.get_json()["results"][0]["spans"]
    assert records[0].probability == min(s["score"] for s in records[0].top_k)
    assert 0.9 < records[1].probability <= 1.0 and records[1].top_k == []


def test_a_head_of_the_other_kind_answers_400_wrong_head_kind(tagger, client, embedder):
    resp = _tag(client, [TEXT], model="phi-type")
    assert resp.status_code == 400 and resp.mimetype == PROBLEM
    problem = resp.get_json()
    assert problem["code"] == "wrong_head_kind" and "/v1/models/phi-type/predict" in problem["detail"]
    resp = client.post("/v1/models/phi-tagger/predict", json={"texts": [TEXT]})
    assert resp.status_code == 400
    problem = resp.get_json()
    assert problem["code"] == "wrong_head_kind" and "/v1/models/phi-tagger/tag" in problem["detail"]
    assert embedder.calls == []


def test_an_unknown_model_is_404_unknown_model(tagger, client):
    resp = _tag(client, [TEXT], model="nope")
    assert resp.status_code == 404 and resp.mimetype == PROBLEM
    assert resp.get_json()["code"] == "unknown_model"


@pytest.mark.parametrize("body, status, code, pointer", [
    ({"texts": ["ok"] * 2049}, 413, "too_many_texts", "/texts"),
    ({"texts": ["ok", "x" * 1001]}, 400, "text_too_long", "/texts/1"),
    ({"texts": ["ok", " "]}, 400, "empty_text", "/texts/1"),
    ({"texts": ["ok", 3]}, 400, "not_a_string", "/texts/1"),
    ({"texts": []}, 400, "empty_texts", "/texts"),
    ({"text": ["typo"]}, 400, "missing_texts", "/texts"),
    ({"texts": ["nul \u0000"]}, 400, "invalid_character", "/texts/0"),
])
def test_tag_checks_input_with_the_same_limits_as_predict(tagger, client, embedder, body, status, code, pointer):
    resp = client.post("/v1/models/phi-tagger/tag", json=body)
    assert resp.status_code == status and resp.mimetype == PROBLEM
    problem = resp.get_json()
    assert problem["code"] == code and problem["pointer"] == pointer
    assert embedder.calls == []


def test_a_tag_body_over_the_byte_limit_is_413(tagger, make_app):
    client = make_app(classifier_max_body_bytes=1000).test_client()
    assert _tag(client, ["x" * 600, "y" * 600]).status_code == 413


def test_tag_needs_the_key_when_keys_are_configured_and_records_the_keys_team(tagger, make_app, embedder):
    client = make_app(classifier_api_keys={"k-team-a": "team-a"}).test_client()
    resp = _tag(client, [TEXT])
    assert resp.status_code == 401 and embedder.calls == []
    assert _tag(client, [TEXT], Authorization="Bearer k-team-a").status_code == 200


def test_when_the_embedder_is_down_tag_is_503_and_recovers(tagger, client, embedder):
    embedder.down = True
    resp = _tag(client, [TEXT])
    assert resp.status_code == 503 and resp.get_json()["code"] == "embedder_unavailable"
    assert int(resp.headers["Retry-After"]) > 0
    embedder.down = False
    assert _tag(client, [TEXT]).status_code == 200


def test_a_token_head_trained_against_another_embedder_is_409(registry_root, keyword_head_file, make_app):
    from services.classifier import registry

    registry.publish(registry_root, "old-tagger", "v1", head=keyword_head_file, labels=TOKEN_LABELS,
                     metadata=metadata(model_version="fake-0", kind="token"))
    resp = _tag(make_app().test_client(), [TEXT], model="old-tagger")
    assert resp.status_code == 409 and resp.get_json()["code"] == "model_unavailable"
    assert "fake-0" in resp.get_json()["detail"]


def test_models_and_versions_show_each_heads_kind(tagger, client):
    models = {m["name"]: m for m in client.get("/v1/models").get_json()["models"]}
    assert (models["phi-type"]["kind"], models["phi-tagger"]["kind"]) == ("phrase", "token")
    assert models["phi-tagger"]["labels"] == TOKEN_LABELS and models["phi-tagger"]["precision"] == "float16"
    versions = client.get("/v1/models/phi-tagger/versions").get_json()["versions"]
    assert [(v["version"], v["kind"]) for v in versions] == [("v1", "token")]


def _samples(client) -> dict[tuple[str, tuple], float]:
    from prometheus_client.parser import text_string_to_metric_families

    text = client.get("/metrics").get_data(as_text=True)
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_tag_requests_are_counted_and_timed_like_predictions(tagger, client):
    keys = [("veil_classifier_predict_requests_total", (("model", "phi-tagger"), ("outcome", "ok"))),
            ("veil_classifier_texts_total", (("model", "phi-tagger"), ("version", "v1"))),
            ("veil_classifier_head_seconds_count", (("model", "phi-tagger"),)),
            ("veil_classifier_request_texts_sum", (("model", "phi-tagger"),))]
    before = _samples(client)
    assert _tag(client, [TEXT, "nothing"]).status_code == 200
    assert _tag(client, [TEXT], model="phi-type").status_code == 400
    after = _samples(client)
    assert [after[k] - before.get(k, 0.0) for k in keys] == [1.0, 2.0, 1.0, 2.0]
    assert any(name == "veil_http_requests_total" and "/v1/models/<name>/tag" in str(labels)
               for name, labels in after)


def test_a_large_request_is_tagged_in_bounded_groups_with_the_same_answer(tagger, client, embedder, monkeypatch):
    from services.classifier import predictor

    texts = [TEXT, "nothing here", "Gonzalez phone 555", TEXT]
    whole = _tag(client, texts).get_json()
    embedder.calls.clear()
    monkeypatch.setattr(predictor, "_TAG_GROUP_CHARS", 70)  # about one text per embedder call
    monkeypatch.setattr(predictor, "_HEAD_ROWS", 3)  # a head call every three tokens
    grouped = _tag(client, texts).get_json()
    assert grouped == whole
    assert len(embedder.calls) > 1 and [t for call in embedder.calls for t in call] == texts
