"""The public API: authentication per team, uploads and their bad forms, job visibility, classification forwarding."""

import io
import time

import pytest

from services.gateway.app import EXTENSION
from services.gateway.tests.helpers import AUTH_A, AUTH_B, PDF, Spy
from veil.clients.classifier import ClassifierRejected, ClassifierUnavailable


def upload(client, data=PDF, headers=AUTH_A, **form):
    return client.post("/v1/deidentify", data={"file": (io.BytesIO(data), "in.pdf"), **form}, headers=headers,
                       content_type="multipart/form-data")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic key-a"},
                                     {"Authorization": "Bearer "}])
def test_when_the_key_is_missing_or_wrong_then_401_and_no_model_is_reached(client, spy_classifier, headers):
    for method, path, kwargs in (("post", "/v1/classify", {"json": {"model": "phi-type", "texts": ["x"]}}),
                                 ("post", "/v1/deidentify", {"data": PDF, "content_type": "application/pdf"}),
                                 ("get", "/v1/jobs/" + "0" * 32, {})):
        resp = getattr(client, method)(path, headers=headers, **kwargs)
        assert resp.status_code == 401, path
        assert resp.mimetype == "application/problem+json"
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert spy_classifier.calls == []


def test_health_and_metrics_need_no_key(client):
    assert client.get("/healthz").status_code == 200
    assert b"veil_gateway_stage_seconds" in client.get("/metrics").data


def test_an_upload_becomes_a_queued_job_its_team_can_see(client):
    resp = upload(client)
    assert resp.status_code == 202
    job_id = resp.json["job_id"]
    assert resp.json == {"job_id": job_id, "status": "queued"}
    assert resp.headers["Location"] == f"/v1/jobs/{job_id}"
    assert client.get(f"/v1/jobs/{job_id}", headers=AUTH_A).json == {"job_id": job_id, "status": "queued"}


def test_a_pdf_body_is_accepted_too(client):
    resp = client.post("/v1/deidentify", data=PDF, content_type="application/pdf", headers=AUTH_A)
    assert resp.status_code == 202


def test_another_teams_job_is_a_404_like_an_unknown_one(client):
    job_id = upload(client).json["job_id"]
    for path in (f"/v1/jobs/{job_id}", f"/v1/jobs/{job_id}/document", f"/v1/jobs/{job_id}/report"):
        resp = client.get(path, headers=AUTH_B)
        assert resp.status_code == 404 and resp.json["code"] == "unknown_job"
    assert client.get("/v1/jobs/" + "f" * 32, headers=AUTH_A).status_code == 404
    assert client.get("/v1/jobs/../../etc", headers=AUTH_A).status_code == 404


def test_when_the_file_is_not_a_pdf_then_415(client):
    resp = upload(client, data=b"GIF89a not a pdf")
    assert resp.status_code == 415 and resp.json["code"] == "not_a_pdf"


def test_when_the_upload_is_too_large_then_413(make_app):
    client = make_app(gateway_max_upload_bytes=1000).test_client()
    big = PDF + b"x" * 2000
    assert upload(client, data=big).status_code == 413
    resp = client.post("/v1/deidentify", data=big, content_type="application/pdf", headers=AUTH_A)
    assert resp.status_code == 413 and resp.mimetype == "application/problem+json"


def test_when_no_file_is_sent_then_400(client):
    resp = client.post("/v1/deidentify", data={"callback_url": "https://x.example"}, headers=AUTH_A,
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and resp.json["code"] == "no_file"
    resp = client.post("/v1/deidentify", data=b"", content_type="application/pdf", headers=AUTH_A)
    assert resp.status_code == 400
    resp = client.post("/v1/deidentify", json={"file": "x"}, headers=AUTH_A)
    assert resp.status_code == 415


@pytest.mark.parametrize("url, reason", [
    ("not a url", "whitespace"), ("ftp://hooks.example.com/x", "http"), ("https://user:pw@hooks.example.com/x",
                                                                          "credentials"),
    ("http://169.254.169.254/latest/meta-data", "not among the allowed"), ("https://hooks.example.com:99999/", "valid"),
    ("http:///nohost", "no host"),
])
def test_a_malformed_or_disallowed_callback_url_is_a_400(make_app, url, reason):
    client = make_app(gateway_callback_hosts=("hooks.example.com",), gateway_callback_secret="s").test_client()
    resp = upload(client, callback_url=url)
    assert resp.status_code == 400 and resp.json["code"] == "invalid_callback_url"
    assert reason in resp.json["detail"]


def test_an_allowed_callback_url_is_accepted_and_stored(make_app, app):
    app = make_app(gateway_callback_hosts=("*.example.com",), gateway_callback_secret="s")
    resp = upload(app.test_client(), callback_url="https://hooks.example.com/veil")
    assert resp.status_code == 202
    job = app.extensions[EXTENSION].store.get(resp.json["job_id"])
    assert job.callback_url == "https://hooks.example.com/veil"


def test_a_callback_url_needs_a_signing_secret_for_the_caller_s_team(make_app):
    app = make_app(gateway_callback_hosts=("*.example.com",), gateway_callback_secrets={"team-a": "secret-a"})
    client = app.test_client()
    assert upload(client, callback_url="https://hooks.example.com/veil").status_code == 202
    resp = upload(client, headers=AUTH_B, callback_url="https://hooks.example.com/veil")
    assert resp.status_code == 400 and resp.json["code"] == "invalid_callback_url"
    assert "VEIL_GATEWAY_CALLBACK_SECRETS" in resp.json["detail"]
    assert upload(client, headers=AUTH_B).status_code == 202


def test_document_and_report_wait_for_the_job_to_succeed(client):
    job_id = upload(client).json["job_id"]
    resp = client.get(f"/v1/jobs/{job_id}/document", headers=AUTH_A)
    assert resp.status_code == 409 and resp.json["code"] == "job_not_finished"


def test_an_expired_job_is_gone(app):
    store = app.extensions[EXTENSION].store
    job = store.submit("team-a", PDF, retention_s=60, now=time.time() - 120)
    assert app.test_client().get(f"/v1/jobs/{job.id}", headers=AUTH_A).status_code == 404


def test_classify_forwards_to_the_classifier_with_the_callers_team(client, spy_classifier):
    resp = client.post("/v1/classify", json={"model": "phi-type", "texts": ["Maria Gonzalez"], "top_k": 2},
                       headers=AUTH_A)
    assert resp.status_code == 200 and resp.json["predictions"][0]["label"] == "PERSON"
    assert spy_classifier.calls == [("predict", ("phi-type", ["Maria Gonzalez"]), {"top_k": 2, "caller": "team-a"})]


@pytest.mark.parametrize("body, status", [
    ({"texts": ["x"]}, 400), ({"model": "../x", "texts": ["x"]}, 400), ({"model": "m", "texts": []}, 400),
    ({"model": "m", "texts": [1]}, 400), ({"model": "m", "texts": "x"}, 400), ({"model": "m", "texts": ["x"],
                                                                               "top_k": 0}, 400),
    ({"model": "m", "texts": ["x"], "extra": 1}, 400), (["m"], 400),
])
def test_bad_classify_requests_are_400_and_reach_no_model(client, spy_classifier, body, status):
    resp = client.post("/v1/classify", json=body, headers=AUTH_A)
    assert resp.status_code == status and resp.mimetype == "application/problem+json"
    assert spy_classifier.calls == []


def test_too_many_texts_is_a_413(make_app, spy_classifier):
    client = make_app(gateway_max_classify_texts=3).test_client()
    resp = client.post("/v1/classify", json={"model": "m", "texts": ["a"] * 4}, headers=AUTH_A)
    assert resp.status_code == 413 and spy_classifier.calls == []


def test_classifier_errors_keep_their_meaning(make_app):
    down = make_app(classifier=Spy(ClassifierUnavailable("classifier", None, "unreachable"))).test_client()
    resp = down.post("/v1/classify", json={"model": "m", "texts": ["a"]}, headers=AUTH_A)
    assert resp.status_code == 503 and "Retry-After" in resp.headers
    unknown = make_app(classifier=Spy(ClassifierRejected("classifier", 404, "Unknown model", "no model 'm'",
                                                         "unknown_model"))).test_client()
    resp = unknown.post("/v1/classify", json={"model": "m", "texts": ["a"]}, headers=AUTH_A)
    assert resp.status_code == 404 and resp.json["code"] == "unknown_model"
