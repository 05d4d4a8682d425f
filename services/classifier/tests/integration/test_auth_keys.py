"""The classifier as deployed, with keys: no key is 401, a team key predicts but cannot roll back, an admin key can."""

from __future__ import annotations

import pytest
import requests

from veil.clients.classifier import ClassifierClient, ClassifierRejected

pytestmark = [pytest.mark.model]


def test_under_gunicorn_only_an_admin_key_reaches_model_administration(embedder_address, trained_registry,
                                                                       start_classifier, tmp_path):
    _proc, base = start_classifier({"VEIL_EMBEDDER_ADDRESS": embedder_address,
                                    "VEIL_MODEL_REGISTRY": str(trained_registry),
                                    "VEIL_DATABASE_URL": f"sqlite:///{tmp_path / 'records.sqlite3'}",
                                    "VEIL_CLASSIFIER_API_KEYS": "team-a:k-team-a",
                                    "VEIL_CLASSIFIER_ADMIN_KEYS": "ops:k-admin"})
    resp = requests.post(base + "/v1/models/phi-type/predict", json={"texts": ["Maria Gonzalez"]}, timeout=30)
    assert resp.status_code == 401 and resp.headers["Content-Type"].startswith("application/problem+json")

    team = ClassifierClient(base, api_key="k-team-a")
    assert team.predict("phi-type", ["Maria Gonzalez"])["predictions"][0]["label"] == "PERSON"
    with pytest.raises(ClassifierRejected) as refused:
        team.rollback("phi-type", "v1")
    assert refused.value.status == 403 and refused.value.code == "admin_required"

    admin = ClassifierClient(base, api_key="k-admin")
    assert admin.versions("phi-type")["active_version"] == "v2"
    assert admin.rollback("phi-type", "v1")["active_version"] == "v1"
    assert admin.rollback("phi-type", "v2")["active_version"] == "v2"
