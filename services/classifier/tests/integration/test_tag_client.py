"""`ClassifierClient.tag` against the classifier as deployed (gunicorn, the real embedder's token vectors,
a small token head trained on them): spans at the right characters, and the client's errors."""

from __future__ import annotations

import pytest

from services.classifier.tests.integration.tiny_tagger import publish_tiny_tagger
from tools.synthetic import tiny_head
from veil.clients.classifier import ClassifierClient, ClassifierRejected

pytestmark = [pytest.mark.model]


@pytest.fixture(scope="module")
def tagger_registry(embedder_address, tmp_path_factory):
    """phi-type (a tiny phrase head) and phi-tagger (a tiny token head), both on the real embedder's vectors."""
    from veil.clients.embedder import EmbedderClient

    root = tmp_path_factory.mktemp("tag-registry")
    with EmbedderClient(embedder_address) as client:
        tiny_head.publish_tiny(client, root)
        publish_tiny_tagger(client, root)
    return root


def test_client_tag_finds_a_name_and_a_phone_number_in_a_new_sentence(embedder_address, tagger_registry,
                                                                     start_classifier, tmp_path):
    _proc, base = start_classifier({"VEIL_EMBEDDER_ADDRESS": embedder_address,
                                    "VEIL_MODEL_REGISTRY": str(tagger_registry), "VEIL_CLASSIFIER_WORKERS": "1",
                                    "VEIL_DATABASE_URL": f"sqlite:///{tmp_path / 'inference.sqlite3'}"})
    client = ClassifierClient(base)
    text = "Please call Thomas Whitfield at (617) 555-0142 tomorrow."
    answer = client.tag("phi-tagger", [text, "Lungs clear; denies nausea."], caller="team-t")
    assert answer["model"] == "phi-tagger" and answer["version"] == "v1"
    spans = answer["results"][0]["spans"]
    assert all(0 <= s["start"] < s["end"] <= len(text) and 0 < s["score"] <= 1 for s in spans)
    found = {(text[s["start"]:s["end"]], s["type"]) for s in spans}
    assert ("Thomas Whitfield", "PERSON") in found and ("(617) 555-0142", "PHONE") in found
    assert answer["results"][1]["spans"] == []

    models = {m["name"]: m for m in client.models()["models"]}
    assert (models["phi-tagger"]["kind"], models["phi-type"]["kind"]) == ("token", "phrase")

    with pytest.raises(ClassifierRejected) as wrong:
        client.tag("phi-type", [text])
    assert (wrong.value.status, wrong.value.code) == (400, "wrong_head_kind")
    with pytest.raises(ClassifierRejected) as unknown:
        client.tag("no-such-tagger", [text])
    assert (unknown.value.status, unknown.value.code) == (404, "unknown_model")
    with pytest.raises(ClassifierRejected) as too_long:
        client.tag("phi-tagger", ["x" * 1001])
    assert (too_long.value.status, too_long.value.code) == (400, "text_too_long")
