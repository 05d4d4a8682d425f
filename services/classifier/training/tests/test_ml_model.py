"""The scikit-learn model of hybrid search: learns surface form, batch predict_proba, joblib publish and load_latest."""

from __future__ import annotations

import numpy as np
import pytest

from services.classifier import ml_model, registry
from tools.synthetic import phi_data


@pytest.fixture(scope="module")
def trained():
    rows = phi_data.generate(3000, seed=21)
    labels = sorted(phi_data.LABELS)
    ids = [labels.index(r.label) for r in rows]
    return ml_model.train([r.text for r in rows], ids, labels, c=10.0), labels


def test_word_shape_keeps_the_form_and_drops_the_content():
    assert ml_model.word_shape("Maria 03/14/2021") == "Xxxxx dd/dd/dddd"


def test_predict_proba_answers_one_row_per_text_in_the_order_of_the_labels(trained):
    model, labels = trained
    texts = ["03/14/2021", "maria.gonzalez@mercyhealth.org", "Metformin 500 mg", "192.168.4.20",
             "(617) 555-0199"]
    probs, got_labels = model.predict_proba(texts)
    assert got_labels == labels and probs.shape == (5, len(labels))
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    assert model.predict(texts) == ["DATE", "EMAIL", "NONE", "IP", "PHONE"]
    empty, _ = model.predict_proba([])
    assert empty.shape == (0, len(labels))


def test_when_published_twice_then_load_latest_serves_the_active_version_and_rollback_works(trained, tmp_path):
    model, _ = trained
    root = tmp_path / "ml"
    ml_model.publish(model, "20260101T000000Z", root)
    ml_model.publish(model, "20260201T000000Z", root)
    assert ml_model.load_latest(root).version == "20260201T000000Z"
    registry.rollback(root, ml_model.DEFAULT_NAME)
    loaded = ml_model.load_latest(root)
    assert loaded.version == "20260101T000000Z"
    assert loaded.predict(["Chief Complaint"]) == ["NONE"]


def test_load_latest_reads_the_default_root_from_the_environment(trained, tmp_path, monkeypatch):
    model, _ = trained
    monkeypatch.setenv(ml_model.ROOT_ENV, str(tmp_path / "env-root"))
    ml_model.publish(model, "v1")
    assert ml_model.load_latest().version == "v1"


def test_when_nothing_was_published_then_load_latest_says_how_to_train_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="veil train phi-type"):
        ml_model.load_latest(tmp_path / "empty")


def test_when_a_label_has_no_rows_then_training_refuses():
    with pytest.raises(ValueError, match="missing: c"):
        ml_model.train(["a b", "a c", "b d", "b e"] * 3, [0, 0, 1, 1] * 3, ["a", "b", "c"])
