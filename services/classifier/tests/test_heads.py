"""The head catalog: each version loaded once for all threads, a switch noticed by a stat, refusals explained."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from services.classifier import registry
from services.classifier.heads import HeadCatalog, ModelNotFound, ModelUnavailable, load_keras_head
from services.classifier.tests.fakes import LABELS, metadata


class _CountingLoader:
    def __init__(self):
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, path, meta):
        with self._lock:
            self.calls.append(path.name)
        return load_keras_head(path, meta)


def test_concurrent_requests_for_a_new_version_load_it_once(registry_root):
    loader = _CountingLoader()
    catalog = HeadCatalog(registry_root, loader=loader)
    with ThreadPoolExecutor(16) as pool:
        heads = list(pool.map(lambda _: catalog.active("phi-type"), range(64)))
    assert loader.calls == ["v2"]
    assert len({id(h) for h in heads}) == 1
    registry.set_active(registry_root, "phi-type", "v1")
    with ThreadPoolExecutor(16) as pool:
        versions = set(pool.map(lambda _: catalog.active("phi-type").version, range(64)))
    assert versions == {"v1"} and loader.calls == ["v2", "v1"]
    # Switching back reuses the head already loaded.
    registry.set_active(registry_root, "phi-type", "v2")
    assert catalog.active("phi-type").version == "v2" and loader.calls == ["v2", "v1"]


def test_a_head_predicts_probabilities_for_any_batch_size(registry_root):
    head = HeadCatalog(registry_root).active("phi-type")
    for n in (1, 7, 300):
        vectors = np.zeros((n, 8), np.float32)
        vectors[:, 0] = 1.0
        probabilities = head.predict_proba(vectors)
        assert probabilities.shape == (n, len(LABELS))
        assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
        assert (probabilities.argmax(axis=1) == LABELS.index("PERSON")).all()


def test_unknown_and_unserved_models_are_not_found(registry_root):
    catalog = HeadCatalog(registry_root, names=("phi-type",))
    for name in ("nope", "..", "a b"):
        with pytest.raises(ModelNotFound):
            catalog.active(name)
    registry.publish(registry_root, "other", "v1", head=registry_root / "phi-type" / "v1" / "head.keras",
                     labels=LABELS, metadata=metadata())
    with pytest.raises(ModelNotFound, match="not served here"):
        catalog.active("other")


def test_a_head_from_another_embedder_is_refused_naming_both(registry_root):
    catalog = HeadCatalog(registry_root)
    catalog.active("phi-type")
    refused = catalog.set_embedder_info({"model_name": "minilm-l6-v2", "model_version": "abc123", "dimension": 384})
    assert len(refused) == 1  # the one head loaded so far
    with pytest.raises(ModelUnavailable) as info:
        catalog.active("phi-type")
    message = str(info.value)
    assert "fake-1" in message and "abc123" in message and "retrain" in message


def test_a_model_without_an_active_version_says_how_to_activate_one(registry_root):
    registry.publish(registry_root, "draft", "v1", head=registry_root / "phi-type" / "v1" / "head.keras",
                     labels=LABELS, metadata=metadata(), activate=False)
    with pytest.raises(ModelUnavailable, match="no active version"):
        HeadCatalog(registry_root).active("draft")
