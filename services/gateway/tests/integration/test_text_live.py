"""POST /v1/deidentify/text and DELETE /v1/jobs/{id} on the real stack: the real embedder, a real head on the
classifier, the redactor and the gateway under gunicorn."""

from __future__ import annotations

import re

import requests

from services.gateway.tests.integration.test_deidentify import A, B, wait_job
from tools.synthetic import samples

NOTE = ("Discharge summary. Patient Maria Gonzalez (MRN 4482913) was admitted on 03/07/2019 and discharged on "
        "03/12/2019. Contact: 617-555-0134, maria.gonzalez@example.com, 12 Elm Street, Boston.\n\n"
        "Ms. Gonzalez is to return in two weeks.")


def post(base, body, headers=A):
    resp = requests.post(f"{base}/v1/deidentify/text", headers=headers, json=body, timeout=120)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_texts_come_back_de_identified_with_entities_from_every_detector_and_risk(stack):
    base = stack.url("gateway")
    answer = post(base, {"texts": [{"id": "note", "text": NOTE}, {"id": "name", "text": "Maria Gonzalez"}]})
    note, name = answer["texts"]
    assert note["id"] == "note" and name["id"] == "name"
    for gone in ("03/07/2019", "617-555-0134", "maria.gonzalez@example.com", "4482913", "Gonzalez"):
        assert gone not in note["text"], note["text"]
    assert "return in two weeks" in note["text"] and "Discharge summary" in note["text"]
    assert {"DATE", "PHONE", "EMAIL", "ID"} <= {e["type"] for e in note["entities"]}
    assert {e["source"] for e in note["entities"]} <= {"model", "ml", "pattern", "propagated"}
    assert note["risk"]["level"] in ("low", "medium", "high")
    for e in note["entities"]:
        assert 0 <= e["start"] < e["end"] <= len(NOTE)


def test_operators_on_the_real_stack_surrogates_dates_and_hashes(stack):
    base = stack.url("gateway")
    ops = {"PERSON": {"type": "surrogate"}, "DATE": {"type": "date_shift"}, "EMAIL": {"type": "hash"}}
    note = post(base, {"text": NOTE, "operators": ops})["text"]
    dates = re.findall(r"\d{2}/\d{2}/\d{4}", note)
    assert len(dates) == 2 and "03/07/2019" not in dates
    import datetime as dt

    a, b = (dt.datetime.strptime(d, "%m/%d/%Y") for d in dates)
    assert (b - a).days == 5
    assert "[PERSON]" not in note and "Gonzalez" not in note
    hashed = re.search(r"\b[0-9a-f]{16}\b", note).group()
    other_team = post(base, {"text": NOTE, "operators": ops}, headers=B)["text"]
    assert hashed not in other_team


def test_a_deleted_job_is_gone_with_its_files(stack):
    base = stack.url("gateway")
    sample = samples.generate(5, pages=1, templates="train")
    job_id = requests.post(f"{base}/v1/deidentify", headers=A, files={"file": ("n.pdf", sample.pdf)},
                           timeout=30).json()["job_id"]
    assert wait_job(base, job_id)["status"] == "succeeded"
    assert requests.delete(f"{base}/v1/jobs/{job_id}", headers=A, timeout=10).status_code == 204
    for path in ("", "/document", "/report"):
        assert requests.get(f"{base}/v1/jobs/{job_id}{path}", headers=A, timeout=10).status_code == 404
