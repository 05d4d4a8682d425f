"""Who may call the classifier: team, service and admin keys, the explicit open mode, and the recorded caller."""

from __future__ import annotations

import pytest

from services.classifier import registry
from services.classifier.inference import InferenceStore
from veil.stores.db import Database

PROBLEM = "application/problem+json"
KEYS = {"classifier_api_keys": {"k-team-a": "team-a"}, "classifier_admin_keys": {"k-admin": "ops"},
        "classifier_service_keys": {"k-gateway": "gateway"}}


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _callers(app, tmp_path) -> list[str]:
    assert app.extensions["veil_classifier"].recorder.flush(10)
    store = InferenceStore(Database(f"sqlite:///{tmp_path / 'veil.sqlite3'}"))
    try:
        return [r.caller for r in store.records()]
    finally:
        store.close()


def test_with_no_key_configured_and_not_opened_every_v1_call_is_401(make_app, embedder):
    client = make_app(classifier_allow_unauthenticated=False).test_client()
    for method, path in (("GET", "/v1/models"), ("POST", "/v1/models/phi-type/predict"),
                         ("GET", "/v1/models/phi-type/versions"), ("POST", "/v1/models/phi-type/rollback")):
        resp = client.open(path, method=method, json={"texts": ["Maria"]})
        assert resp.status_code == 401 and resp.mimetype == PROBLEM, path
        assert resp.get_json()["code"] == "unauthorized"
    assert embedder.calls == []
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("key", ["k-team-a", "k-gateway"])
def test_team_and_service_keys_predict_but_get_403_on_model_administration(make_app, registry_root, key):
    client = make_app(**KEYS).test_client()
    assert client.get("/v1/models", headers=_bearer(key)).status_code == 200
    assert client.post("/v1/models/phi-type/predict", json={"texts": ["Maria"]}, headers=_bearer(key)).status_code == 200
    for resp in (client.get("/v1/models/phi-type/versions", headers=_bearer(key)),
                 client.post("/v1/models/phi-type/rollback", json={"version": "v1"}, headers=_bearer(key))):
        assert resp.status_code == 403 and resp.mimetype == PROBLEM
        assert resp.get_json()["code"] == "admin_required"
    assert registry.active_version(registry_root, "phi-type") == "v2"


def test_an_admin_key_lists_versions_and_rolls_back(make_app, registry_root):
    client = make_app(**KEYS).test_client()
    versions = client.get("/v1/models/phi-type/versions", headers=_bearer("k-admin")).get_json()
    assert versions["active_version"] == "v2"
    resp = client.post("/v1/models/phi-type/rollback", json={}, headers=_bearer("k-admin"))
    assert resp.status_code == 200 and resp.get_json()["active_version"] == "v1"
    assert registry.active_version(registry_root, "phi-type") == "v1"


def test_the_caller_comes_from_the_key_and_only_a_service_key_may_name_its_team(make_app, tmp_path):
    app = make_app(**KEYS)
    client = app.test_client()

    def predict(key: str, claimed: str) -> None:
        resp = client.post("/v1/models/phi-type/predict", json={"texts": ["Maria"]},
                           headers={**_bearer(key), "X-Veil-Caller": claimed})
        assert resp.status_code == 200

    predict("k-team-a", "team-b")      # a team cannot pass itself off as another
    predict("k-gateway", "team-c")     # the gateway calls for the team it authenticated
    predict("k-admin", "team-d")
    assert sorted(_callers(app, tmp_path)) == ["ops", "team-a", "team-c"]


def test_open_mode_serves_calls_without_a_key_but_names_nobody(make_app, tmp_path):
    app = make_app(classifier_allow_unauthenticated=True)
    client = app.test_client()
    resp = client.post("/v1/models/phi-type/predict", json={"texts": ["Maria"]}, headers={"X-Veil-Caller": "team-b"})
    assert resp.status_code == 200
    assert client.get("/v1/models/phi-type/versions").status_code == 200
    assert _callers(app, tmp_path) == ["anonymous"]


def test_open_mode_still_refuses_a_wrong_key_or_another_scheme(make_app):
    client = make_app(classifier_allow_unauthenticated=True).test_client()
    for header in ("Bearer wrong", "Basic dXNlcjpwdw=="):
        resp = client.get("/v1/models", headers={"Authorization": header})
        assert resp.status_code == 401, header
    assert client.get("/v1/models", headers={"Authorization": "Bearer "}).status_code == 200
