"""The published in-process classifier: `local_classifier(...).predict/.tag` and `available_heads`.

The gateway's in-process pipeline asks for a phrase head and the optional token head together;
a head that was never trained must not stop the others from working.
"""

from __future__ import annotations

import pytest

import services.classifier as classifier
from services.classifier import registry
from services.classifier.tests.fakes import LABELS, TOKEN_LABELS

TEXT = "Maria Gonzalez called from 555 on March 2023."


def test_local_tag_answers_like_the_service(tagger, registry_root, embedder):
    local = classifier.local_classifier(str(registry_root), embedder, ("phi-type", "phi-tagger"))
    answer = local.tag("phi-tagger", [TEXT], caller="gateway")
    assert answer["model"] == "phi-tagger" and answer["version"] == "v1"
    assert [(TEXT[s["start"]:s["end"]], s["type"]) for s in answer["results"][0]["spans"]] == [
        ("Maria Gonzalez", "PERSON"), ("555", "PHONE"), ("March 2023", "DATE")]
    assert local.predict("phi-type", ["Maria"])["predictions"][0]["label"] == "PERSON"


def test_local_classifier_leaves_out_a_head_that_is_not_trained_and_it_is_not_found(registry_root, embedder):
    local = classifier.local_classifier(str(registry_root), embedder, ("phi-type", "phi-tagger"))
    with pytest.raises(classifier.ModelNotFound):
        local.tag("phi-tagger", [TEXT])
    assert isinstance(classifier.ModelNotFound("x"), LookupError)  # what callers catch for "absent"
    assert local.predict("phi-type", ["Maria"])["version"] == "v2"


def test_local_classifier_fails_when_nothing_asked_for_is_trained_or_a_head_cannot_load(registry_root, embedder,
                                                                                       tmp_path):
    with pytest.raises(RuntimeError, match="none of the heads"):
        classifier.local_classifier(str(tmp_path / "empty"), embedder, ("phi-type", "phi-tagger"))
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a zip file")
    registry.publish(registry_root, "phi-tagger", "v1", head=broken, labels=TOKEN_LABELS,
                     metadata={"embedder_model": "fake-minilm", "embedder_version": "fake-1", "dimension": 8,
                               "kind": "token"})
    with pytest.raises(RuntimeError, match="phi-tagger.*could not be loaded"):
        classifier.local_classifier(str(registry_root), embedder, ("phi-type", "phi-tagger"))


def test_local_tag_and_predict_refuse_a_head_of_the_other_kind(tagger, registry_root, embedder):
    from services.classifier.validation import InvalidRequest

    local = classifier.local_classifier(str(registry_root), embedder, ("phi-type", "phi-tagger"))
    with pytest.raises(InvalidRequest) as exc:
        local.tag("phi-type", [TEXT])
    assert exc.value.code == "wrong_head_kind"
    with pytest.raises(InvalidRequest):
        local.predict("phi-tagger", [TEXT])


def test_local_tag_without_token_vectors_says_the_embedder_cannot(tagger, registry_root):
    class PoolingOnly:
        def embed(self, texts, expected_model_version=None):
            raise AssertionError("not called")

    local = classifier.local_classifier(str(registry_root), PoolingOnly(), ("phi-tagger",))
    with pytest.raises(classifier.ModelUnavailable, match="per-token vectors"):
        local.tag("phi-tagger", [TEXT])


def test_available_heads_names_the_trained_active_heads_in_the_order_asked(tagger, registry_root, keyword_head_file,
                                                                         monkeypatch):
    assert classifier.available_heads(("phi-tagger", "nope", "phi-type", "../x"), registry_root) == (
        "phi-tagger", "phi-type")
    registry.publish(registry_root, "inactive", "v1", head=keyword_head_file, labels=LABELS,
                     metadata={"embedder_model": "m", "embedder_version": "v", "dimension": 8}, activate=False)
    assert classifier.available_heads(["inactive"], str(registry_root)) == ()
    monkeypatch.setenv("VEIL_MODEL_REGISTRY", str(registry_root))
    assert classifier.available_heads(["phi-type"]) == ("phi-type",)
    assert "available_heads" in classifier.__all__
