"""A token head end to end on real parts: seeded paragraphs in PostgreSQL -> the real embedder's EmbedTokens ->
a head over token vectors -> span reports -> the registry (kind token) -> tag() in process and over HTTP.

A few hundred rows and few epochs: these tests check the plumbing, the artifacts and that the
head learned the obvious; the README's figures come from `veil train phi-tagger` on the full seed.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json

import numpy as np
import pytest

from services.classifier import available_heads, local_classifier, registry
from services.classifier.training import config, pipeline
from tools.synthetic import seed
from veil.contracts import ENTITY_TYPES

pytestmark = [pytest.mark.postgres, pytest.mark.model]

_NOW = dt.datetime.now(dt.timezone.utc)
SENTENCE = "Patient name: John Miller. Phone: (617) 555-0142. Follow up in clinic."


@pytest.fixture()
def env(postgres_url, embedder_address, tmp_path):
    seed.seed(postgres_url, ["phi-tagger"], scale=0.05, now=_NOW)  # 400 paragraphs
    return pipeline.Environment(database_url=postgres_url, artifacts_root=tmp_path / "artifacts", region="local",
                                registry_root=tmp_path / "registry", ml_root=tmp_path / "ml-models",
                                embedder_address=embedder_address)


@pytest.fixture()
def tagger_config():
    cfg = config.load(config.resolve("phi-tagger"))
    return dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, history_days=None, min_rows_per_class=5),
                               training=dataclasses.replace(cfg.training, epochs=12, patience=3))


def test_a_token_head_is_trained_on_embed_tokens_scored_by_span_and_published_as_kind_token(env, tagger_config,
                                                                                           tmp_path):
    from veil.clients.embedder import EmbedderClient

    result = pipeline.train(tagger_config, env, now=_NOW)
    out = result.artifact_dir

    # The vectors on disk are EmbedTokens' own answer (float16 as sent), row after row.
    meta = json.loads((out / "metadata.json").read_text())
    tokens = np.load(out / "processed" / "tokens.npz")
    dim = int(tokens["dimension"])
    stored = np.memmap(out / "processed" / "token_vectors.f16", dtype="<f2", mode="r").reshape(-1, dim)
    assert len(stored) == len(tokens["row"]) == tokens["row_ptr"][-1]
    with open(out / "raw" / "rows.csv", newline="", encoding="utf-8") as f:
        rows_csv = list(csv.DictReader(f))
    assert len(rows_csv) == len(tokens["row_ptr"]) - 1
    longest = max(range(len(rows_csv)), key=lambda r: len(rows_csv[r]["text"]))
    lo, hi = int(tokens["row_ptr"][longest]), int(tokens["row_ptr"][longest + 1])
    with EmbedderClient(env.embedder_address) as client:
        served = client.embed_tokens([rows_csv[longest]["text"]], expected_model_version=meta["embedder_version"])[0]
    assert np.array_equal(stored[lo:hi], served.vectors.astype(np.float16))
    assert tokens["starts"][lo:hi].tolist() == served.starts.tolist()

    # Reports: token-level and span-level (exact and overlap) per type on the held-out rows.
    report = json.loads((out / "reports" / "test_report.json").read_text())
    assert report["kind"] == "token" and report["rows"] == result.sizes["test"] > 0
    types = [label for label in report["per_class"] if label != "O"]
    assert set(types) <= set(ENTITY_TYPES) and {"PERSON", "PHONE", "DATE"} <= set(types)
    for t in types:
        per_type = report["spans"]["per_type"][t]
        assert {"gold", "predicted", "exact", "overlap"} <= set(per_type)
        assert per_type["overlap"]["recall"] >= per_type["exact"]["recall"]
    assert report["span_f1_overlap"] > 0.5  # a few epochs on 400 paragraphs; it learned something
    summary = result.summary()
    assert summary["kind"] == "token" and set(summary["per_type"]) == set(types)

    # Published as a token head, with the embedder, precision and neighbours it was trained with.
    info = registry.version_info(env.registry_root, "phi-tagger", result.version)
    assert info.kind == "token" and info.labels[0] == "O"
    assert (info.metadata["precision"], info.metadata["embedder_model"]) == ("float16", "minilm-l6-v2")
    assert info.metadata["context_tokens"] == tagger_config.model.context_tokens
    assert available_heads(["phi-type", "phi-tagger"], env.registry_root) == ("phi-tagger",)

    # In process (the gateway's way) and over HTTP, a clearly labelled name and phone number are found.
    with EmbedderClient(env.embedder_address) as client:
        local = local_classifier(str(env.registry_root), client, ("phi-type", "phi-tagger"))
        answer = local.tag("phi-tagger", [SENTENCE])
    found = [(SENTENCE[s["start"]:s["end"]], s["type"]) for s in answer["results"][0]["spans"]]
    assert any(t == "PERSON" and "Miller" in text for text, t in found), found
    assert any(t == "PHONE" and "555-0142" in text for text, t in found), found

    from services.classifier.app import create_app

    app = create_app({"TESTING": True, "model_registry": str(env.registry_root),
                      "embedder_address": env.embedder_address,
                      "database_url": f"sqlite:///{tmp_path / 'inference.sqlite3'}",
                      "inference_spool_dir": str(tmp_path / "spool"),
                      "classifier_allow_unauthenticated": True})  # a local check of the trained head, no keys
    try:
        http = app.test_client()
        resp = http.post("/v1/models/phi-tagger/tag", json={"texts": [SENTENCE]})
        assert resp.status_code == 200, resp.get_json()
        assert resp.get_json()["results"] == answer["results"]
        assert http.get("/v1/models").get_json()["models"][0]["kind"] == "token"
    finally:
        app.extensions["veil_classifier"].close()
