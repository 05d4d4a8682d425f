"""Options on PDF jobs (types, threshold, allow and deny lists, box or label) and DELETE /v1/jobs/{id}, through the
API, a job worker and the real redactor library; the phrase model knows two names."""

from __future__ import annotations

import json

import pymupdf
import pytest
from prometheus_client import CollectorRegistry

from services.gateway import jobs
from services.gateway.app import create_app
from services.gateway.assembly import LocalRedactor, Parts
from services.gateway.job_runner import JobWorker
from services.gateway.pipeline.deidentify import Pipeline
from services.gateway.pipeline.predict import PhraseModels
from services.gateway.tests.helpers import AUTH_A, AUTH_B, KEYS, Spy
from services.gateway.tests.test_api_text import name_model
from services.redactor.tests import pdfs
from veil.contracts import normalize

LINES = ["Patient Maria Gonzalez was admitted on 03/07/2019.", "Seen at Mercy General by the ward team.",
         "Call 617-555-0134 for the results."]


@pytest.fixture()
def make(tmp_path):
    def build(**overrides):
        config = {"api_keys": KEYS, "database_url": f"sqlite:///{tmp_path / 'gateway.sqlite3'}",
                  "gateway_worker_threads": 0, "TESTING": True, **overrides}
        pipeline = Pipeline(LocalRedactor(), PhraseModels(dl=name_model))
        return create_app(config, parts=Parts(classifier=Spy(), redactor=LocalRedactor(),
                                              pipeline_factory=lambda: pipeline), metrics_registry=CollectorRegistry())
    return build


@pytest.fixture()
def app(make):
    return make()


def run_job(app, options=None, headers=AUTH_A):
    """Submits the note with `options`, runs it on a job worker here, and returns (job id, text of the output)."""
    client = app.test_client()
    data = {"file": (__import__("io").BytesIO(pdfs.pages_pdf([LINES])), "note.pdf")}
    if options is not None:
        data["options"] = json.dumps(options)
    resp = client.post("/v1/deidentify", headers=headers, data=data)
    assert resp.status_code == 202, resp.json
    state = app.extensions["veil_gateway"]
    assert JobWorker(state.store, state.pipeline_factory, lease_s=30).run_once()
    job_id = resp.json["job_id"]
    assert client.get(f"/v1/jobs/{job_id}", headers=headers).json["status"] == "succeeded"
    pdf = client.get(f"/v1/jobs/{job_id}/document", headers=headers).data
    with pymupdf.open("pdf", pdf) as doc:
        return job_id, normalize(" ".join(page.get_text() for page in doc))


def test_without_options_a_pdf_job_is_redacted_as_before(app):
    _, text = run_job(app)
    for gone in ("Maria Gonzalez", "03/07/2019", "617-555-0134"):
        assert gone not in text
    assert "[PERSON]" not in text and "Mercy General" in text


def test_entities_and_the_label_style_apply_to_the_job(app):
    job_id, text = run_job(app, {"entities": ["DATE"], "operators": {"DEFAULT": {"type": "label"}}})
    assert "03/07/2019" not in text and "[DATE]" in text
    assert "Maria Gonzalez" in text and "617-555-0134" in text
    report = json.loads(app.test_client().get(f"/v1/jobs/{job_id}/report", headers=AUTH_A).data)
    assert {e["type"] for e in report["entities"]} == {"DATE"}


def test_a_mix_of_label_and_box_operators_applies_per_type(app):
    _, text = run_job(app, {"operators": {"PERSON": {"type": "label"}, "DATE": {"type": "box"}}})
    assert "[PERSON]" in text and "[DATE]" not in text
    # A type the operators do not name (and no DEFAULT) gets the redactor's own style, a plain box.
    assert "[PHONE]" not in text
    for gone in ("Maria", "Gonzalez", "03/07/2019", "617-555-0134"):
        assert gone not in text
    assert "Mercy General" in text


def test_allow_and_deny_lists_apply_to_the_job(app):
    _, text = run_job(app, {"allow_list": ["maria gonzalez"], "deny_list": ["Mercy General"]})
    assert "Maria Gonzalez" in text and "Mercy General" not in text and "03/07/2019" not in text


def test_team_defaults_apply_to_pdf_jobs_and_keep_only_pdf_operators(make):
    app = make(gateway_team_options={"team-a": {"operators": {"PERSON": {"type": "surrogate"},
                                                              "DEFAULT": {"type": "label"}}}})
    _, text = run_job(app)
    assert "[PERSON]" in text and "Maria Gonzalez" not in text
    _, text = run_job(app, headers=AUTH_B)
    assert "[PERSON]" not in text and "Maria Gonzalez" not in text


@pytest.mark.parametrize("options, pointer", [
    ("not json", "/options"),
    ({"operators": {"PERSON": {"type": "surrogate"}}}, "/options/operators/PERSON"),
    ({"deny_list": [{"regex": "(unclosed"}]}, "/options/deny_list/0/regex"),
    ({"score_threshold": -1}, "/options/score_threshold"),
])
def test_invalid_pdf_options_are_refused_before_a_job_is_made(app, options, pointer):
    client = app.test_client()
    data = {"file": (__import__("io").BytesIO(pdfs.pages_pdf([LINES])), "note.pdf"),
            "options": options if isinstance(options, str) else json.dumps(options)}
    resp = client.post("/v1/deidentify", headers=AUTH_A, data=data)
    assert resp.status_code == 400 and resp.mimetype == "application/problem+json"
    assert resp.json["pointer"] == pointer, resp.json
    assert app.extensions["veil_gateway"].store.counts().get("queued", 0) == 0


def test_delete_removes_the_job_with_its_pdf_document_report_and_options_at_once(app):
    job_id, _ = run_job(app, {"deny_list": ["Mercy General"]})
    client = app.test_client()
    store = app.extensions["veil_gateway"].store
    assert store.file(job_id, jobs.OUTPUT) and store.file(job_id, jobs.REPORT)
    assert client.delete(f"/v1/jobs/{job_id}", headers=AUTH_B).status_code == 404   # not another team's to delete
    resp = client.delete(f"/v1/jobs/{job_id}", headers=AUTH_A)
    assert resp.status_code == 204
    for path in ("", "/document", "/report"):
        gone = client.get(f"/v1/jobs/{job_id}{path}", headers=AUTH_A)
        assert gone.status_code == 404 and gone.mimetype == "application/problem+json"
    assert all(store.file(job_id, kind) is None for kind in (jobs.INPUT, jobs.OUTPUT, jobs.REPORT, jobs.OPTIONS))
    assert client.delete(f"/v1/jobs/{job_id}", headers=AUTH_A).status_code == 404


def test_deleting_a_queued_job_drops_its_upload_and_a_worker_never_runs_it(app):
    client = app.test_client()
    data = {"file": (__import__("io").BytesIO(pdfs.pages_pdf([LINES])), "note.pdf")}
    job_id = client.post("/v1/deidentify", headers=AUTH_A, data=data).json["job_id"]
    assert client.delete(f"/v1/jobs/{job_id}", headers=AUTH_A).status_code == 204
    state = app.extensions["veil_gateway"]
    assert state.store.file(job_id, jobs.INPUT) is None
    assert not JobWorker(state.store, state.pipeline_factory, lease_s=30).run_once()


def test_a_running_job_deleted_midway_stores_nothing_when_its_worker_finishes(app):
    client = app.test_client()
    data = {"file": (__import__("io").BytesIO(pdfs.pages_pdf([LINES])), "note.pdf")}
    job_id = client.post("/v1/deidentify", headers=AUTH_A, data=data).json["job_id"]
    store = app.extensions["veil_gateway"].store
    claimed = store.claim("w1", 30)
    assert claimed.id == job_id
    assert client.delete(f"/v1/jobs/{job_id}", headers=AUTH_A).status_code == 204
    assert not store.finish(job_id, "w1", status=jobs.SUCCEEDED, files={jobs.OUTPUT: b"%PDF-x"})
    assert store.file(job_id, jobs.OUTPUT) is None
