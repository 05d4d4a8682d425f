"""The model registry: atomic, immutable versions with their metadata, and an atomic active-version switch."""

import json
import os

import pytest

from services.classifier import registry
from services.classifier.tests.fakes import LABELS, keyword_head, metadata


def test_publish_writes_head_labels_report_and_metadata_and_activates(tmp_path, keyword_head_file):
    path = registry.publish(tmp_path, "phi-type", "v1", head=keyword_head_file, labels=LABELS,
                            metadata=metadata(), report={"weighted_f1": 0.9, "support": 10})
    assert path == tmp_path / "phi-type" / "v1"
    assert sorted(p.name for p in path.iterdir()) == ["head.keras", "labels.json", "metadata.json", "report.json"]
    assert json.loads((path / "labels.json").read_text()) == LABELS
    meta = json.loads((path / "metadata.json").read_text())
    assert meta["name"] == "phi-type" and meta["version"] == "v1" and meta["labels"] == LABELS
    assert meta["embedder_version"] == "fake-1" and meta["dimension"] == 8 and meta["created_at"]
    assert meta["metrics"] == {"weighted_f1": 0.9}
    assert registry.active_version(tmp_path, "phi-type") == "v1"


def test_a_keras_model_object_is_saved_in_native_format(tmp_path):
    path = registry.publish(tmp_path, "m", "v1", head=keyword_head(), labels=LABELS, metadata=metadata())
    import keras

    assert keras.saving.load_model(path / "head.keras").output_shape == (None, len(LABELS))


def test_a_head_without_its_embedder_in_the_metadata_is_refused(tmp_path, keyword_head_file):
    with pytest.raises(registry.RegistryError, match="embedder_version"):
        registry.publish(tmp_path, "m", "v1", head=keyword_head_file, labels=LABELS,
                         metadata={"embedder_model": "x", "dimension": 8})


def test_a_head_whose_shape_does_not_fit_labels_or_dimension_is_refused(tmp_path):
    with pytest.raises(registry.RegistryError, match="3 labels"):
        registry.publish(tmp_path, "m", "v1", head=keyword_head(), labels=["A", "B", "C"], metadata=metadata())
    with pytest.raises(registry.RegistryError, match="metadata makes it 16"):
        registry.publish(tmp_path, "m", "v1", head=keyword_head(), labels=LABELS, metadata=metadata(dimension=16))


def test_versions_are_immutable(tmp_path, keyword_head_file):
    registry.publish(tmp_path, "m", "v1", head=keyword_head_file, labels=LABELS, metadata=metadata())
    with pytest.raises(registry.RegistryError, match="immutable"):
        registry.publish(tmp_path, "m", "v1", head=keyword_head_file, labels=LABELS, metadata=metadata())


@pytest.mark.parametrize("name", ["../escape", ".hidden", "", "a/b", "x" * 200])
def test_names_that_are_not_plain_folder_names_are_refused(tmp_path, keyword_head_file, name):
    with pytest.raises(registry.RegistryError, match="invalid"):
        registry.publish(tmp_path, name, "v1", head=keyword_head_file, labels=LABELS, metadata=metadata())


def test_a_failed_publish_leaves_nothing_behind(tmp_path):
    with pytest.raises(registry.RegistryError, match="not a .keras file"):
        registry.publish(tmp_path, "m", "v1", head=tmp_path / "missing.keras", labels=LABELS, metadata=metadata())
    assert list((tmp_path / "m").iterdir()) == []
    assert registry.models(tmp_path) == []


def test_rollback_goes_to_the_version_published_before_the_active_one(tmp_path, keyword_head_file):
    for v in ("v1", "v2", "v3"):
        registry.publish(tmp_path, "m", v, head=keyword_head_file, labels=LABELS, metadata=metadata())
    assert [v.version for v in registry.versions(tmp_path, "m")] == ["v1", "v2", "v3"]
    assert registry.rollback(tmp_path, "m") == ("v3", "v2")
    assert registry.rollback(tmp_path, "m") == ("v2", "v1")
    with pytest.raises(registry.RegistryError, match="no version published before 'v1'"):
        registry.rollback(tmp_path, "m")
    assert registry.rollback(tmp_path, "m", "v3") == ("v1", "v3")
    with pytest.raises(registry.UnknownVersion):
        registry.rollback(tmp_path, "m", "v9")


def test_the_switch_replaces_the_pointer_file_in_one_step(tmp_path, keyword_head_file):
    for v in ("v1", "v2"):
        registry.publish(tmp_path, "m", v, head=keyword_head_file, labels=LABELS, metadata=metadata())
    pointer = registry.active_path(tmp_path, "m")
    before = os.stat(pointer).st_ino
    registry.set_active(tmp_path, "m", "v1")
    # A new inode: readers holding the old file see the old version whole, never a half-written one.
    assert os.stat(pointer).st_ino != before
    assert pointer.read_text() == "v1\n"
    assert [p.name for p in pointer.parent.iterdir() if p.name.startswith(".")] == []


def test_publish_without_activation_keeps_the_active_version(tmp_path, keyword_head_file):
    registry.publish(tmp_path, "m", "v1", head=keyword_head_file, labels=LABELS, metadata=metadata(),
                     activate=False)
    assert registry.active_version(tmp_path, "m") is None
    registry.set_active(tmp_path, "m", "v1")
    registry.publish(tmp_path, "m", "v2", head=keyword_head_file, labels=LABELS, metadata=metadata(),
                     activate=False)
    assert registry.active_version(tmp_path, "m") == "v1"
    assert registry.next_version(tmp_path, "m") == "v3"


def test_the_default_root_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("VEIL_MODEL_REGISTRY", str(tmp_path / "reg"))
    assert registry.default_root() == tmp_path / "reg"
    monkeypatch.delenv("VEIL_MODEL_REGISTRY")
    assert registry.default_root() == tmp_path / "veil-home" / "registry"


def test_a_heads_kind_and_precision_round_trip_with_phrase_as_the_default(tmp_path, keyword_head_file):
    from services.classifier.tests.fakes import TOKEN_LABELS

    registry.publish(tmp_path, "phrases", "v1", head=keyword_head_file, labels=LABELS, metadata=metadata())
    registry.publish(tmp_path, "tagger", "v1", head=keyword_head_file, labels=TOKEN_LABELS,
                     metadata=metadata(kind="token"))
    phrase = registry.version_info(tmp_path, "phrases", "v1")
    token = registry.version_info(tmp_path, "tagger", "v1")
    assert (phrase.kind, phrase.metadata["precision"]) == ("phrase", "float32")
    assert (token.kind, token.metadata["precision"]) == ("token", "float16")
    assert json.loads((token.path / "metadata.json").read_text())["kind"] == "token"
    assert [v.kind for v in registry.versions(tmp_path, "tagger")] == ["token"]
    # Heads published before kinds existed read as phrase heads.
    meta = registry.read_metadata(phrase.path)
    del meta["kind"]
    assert registry.kind_of(meta) == "phrase"


def test_an_unknown_kind_or_a_token_head_without_an_outside_label_is_refused(tmp_path, keyword_head_file):
    with pytest.raises(registry.RegistryError, match="kind 'sequence' is unknown"):
        registry.publish(tmp_path, "m", "v1", head=keyword_head_file, labels=LABELS, metadata=metadata(kind="sequence"))
    with pytest.raises(registry.RegistryError, match="must include 'O'"):
        registry.publish(tmp_path, "m", "v1", head=keyword_head_file, labels=LABELS, metadata=metadata(kind="token"))
    assert not registry.models(tmp_path)


def test_a_token_heads_neighbours_widen_its_input_and_only_token_heads_have_them(tmp_path):
    from services.classifier.tests.fakes import TOKEN_LABELS

    wide = keyword_head(n_labels=len(TOKEN_LABELS), dimension=8 * 3)
    path = registry.publish(tmp_path, "tagger", "v1", head=wide, labels=TOKEN_LABELS,
                            metadata=metadata(kind="token", context_tokens=1))
    assert registry.input_dimension(registry.read_metadata(path)) == 24
    with pytest.raises(registry.RegistryError, match="24-dimensional input"):
        registry.publish(tmp_path, "tagger", "v2", head=wide, labels=TOKEN_LABELS,
                         metadata=metadata(kind="token", context_tokens=2))
    with pytest.raises(registry.RegistryError, match="context_tokens"):
        registry.publish(tmp_path, "phrases", "v1", head=wide, labels=LABELS, metadata=metadata(context_tokens=1))
