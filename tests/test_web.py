"""The HTTP plumbing every service shares: problem+json at the right code, request ids, health, metrics."""

import pytest
from flask import Flask
from prometheus_client import CollectorRegistry

from veil.web import PROBLEM_JSON, Problem, install, json_body


@pytest.fixture()
def client():
    app = Flask("t")
    ready = {"model": True}
    install(app, "testsvc", ready_check=lambda: dict(ready), registry=CollectorRegistry())

    @app.post("/echo")
    def echo():
        body = json_body(max_bytes=100)
        if not isinstance(body.get("texts"), list):
            raise Problem(400, "Invalid request", "texts must be a list", code="invalid_texts")
        return {"n": len(body["texts"])}

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    c = app.test_client()
    c.ready = ready
    return c


def test_a_problem_is_answered_as_problem_json_at_its_status(client):
    resp = client.post("/echo", json={"texts": "nope"})
    assert resp.status_code == 400 and resp.mimetype == PROBLEM_JSON
    body = resp.get_json(force=True)
    assert body["code"] == "invalid_texts" and body["detail"] == "texts must be a list"
    assert body["request_id"] == resp.headers["X-Request-ID"]


def test_malformed_json_is_a_400_that_says_so(client):
    resp = client.post("/echo", data="{not json", content_type="application/json")
    assert resp.status_code == 400 and resp.get_json(force=True)["code"] == "malformed_json"


def test_a_body_over_the_limit_is_a_413(client):
    resp = client.post("/echo", json={"texts": ["x" * 200]})
    assert resp.status_code == 413 and resp.mimetype == PROBLEM_JSON


def test_a_wrong_content_type_is_a_415(client):
    resp = client.post("/echo", data="texts", content_type="text/plain")
    assert resp.status_code == 415


def test_unknown_routes_and_methods_keep_their_codes_as_problem_json(client):
    assert client.get("/nope").status_code == 404
    resp = client.get("/echo")
    assert resp.status_code == 405 and resp.mimetype == PROBLEM_JSON and "POST" in resp.headers["Allow"]


def test_an_unexpected_error_is_a_generic_500_that_leaks_nothing(client):
    resp = client.get("/boom")
    assert resp.status_code == 500 and resp.mimetype == PROBLEM_JSON
    assert "secret internal detail" not in resp.get_data(as_text=True)


def test_the_callers_request_id_is_echoed(client):
    resp = client.post("/echo", json={"texts": []}, headers={"X-Request-ID": "caller-42"})
    assert resp.headers["X-Request-ID"] == "caller-42"


def test_health_readiness_and_metrics(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    client.ready["model"] = False
    resp = client.get("/readyz")
    assert resp.status_code == 503 and resp.get_json()["checks"] == {"model": False}
    client.post("/echo", json={"texts": []})
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'veil_http_requests_total{method="POST",route="/echo",service="testsvc",status="200"} 1.0' in metrics
