"""Fixtures of the classifier's unit tests: a registry with real Keras heads, a fake embedder, the app."""

from __future__ import annotations

import pytest

from services.classifier import registry
from services.classifier.tests.fakes import LABELS, TOKEN_LABELS, FakeEmbedder, keyword_head, metadata


@pytest.fixture(scope="session")
def keyword_head_file(tmp_path_factory):
    """One real .keras head for the session (building it imports TensorFlow once)."""
    path = tmp_path_factory.mktemp("heads") / "keyword.keras"
    keyword_head().save(path)
    return path


@pytest.fixture()
def registry_root(tmp_path, keyword_head_file):
    """phi-type v1 and v2 published (v2 active), both trained against the fake embedder."""
    root = tmp_path / "registry"
    registry.publish(root, "phi-type", "v1", head=keyword_head_file, labels=LABELS, metadata=metadata(),
                     report={"weighted_f1": 0.81})
    registry.publish(root, "phi-type", "v2", head=keyword_head_file, labels=LABELS, metadata=metadata(),
                     report={"weighted_f1": 0.87})
    return root


@pytest.fixture()
def tagger(registry_root, keyword_head_file):
    """phi-tagger v1, a token head (the keyword kernel over TOKEN_LABELS), beside phi-type in the registry."""
    registry.publish(registry_root, "phi-tagger", "v1", head=keyword_head_file, labels=TOKEN_LABELS,
                     metadata=metadata(kind="token"), report={"span_f1": 0.9})
    return "phi-tagger"


@pytest.fixture()
def embedder():
    return FakeEmbedder()


@pytest.fixture()
def make_app(registry_root, embedder, tmp_path):
    """Builds apps on the test's registry and SQLite store; closes them (flushing the recorder) afterwards."""
    from services.classifier.app import create_app

    apps = []

    def make(**overrides):
        config = {"TESTING": True, "model_registry": str(registry_root), "embedder": embedder,
                  "database_url": f"sqlite:///{tmp_path / 'veil.sqlite3'}",
                  "inference_spool_dir": str(tmp_path / "spool"), "inference_flush_seconds": 0.02,
                  "inference_retry_seconds": 0.1}
        # Tests about predictions run the classifier open (local-development mode); tests that
        # configure keys get the production behaviour: no key, no call.
        keyed = any(k in overrides for k in ("classifier_api_keys", "classifier_admin_keys",
                                             "classifier_service_keys"))
        config["classifier_allow_unauthenticated"] = not keyed
        config.update(overrides)
        app = create_app(config)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["veil_classifier"].close()


@pytest.fixture()
def app(make_app):
    return make_app()


@pytest.fixture()
def client(app):
    return app.test_client()
