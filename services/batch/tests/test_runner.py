"""The runner's work before any cluster: one batch per output folder, and done content reused under a new name."""

from __future__ import annotations

import fcntl
import hashlib
import json

import pytest

from services.batch import ledger
from services.batch.ledger import Ledger
from services.batch.runner import LOCK_FILE, BatchError, BatchOptions, run_batch

PDF = b"%PDF-1.7\n% finished earlier\n%%EOF\n"
SHA = hashlib.sha256(PDF).hexdigest()


def _finished(out):
    (out / "redacted").mkdir(parents=True)
    (out / "reports").mkdir()
    (out / "redacted" / "first.pdf").write_bytes(b"%PDF-1.7 redacted")
    (out / "reports" / "first.pdf.json").write_text(json.dumps({"document": "first.pdf", "entities": []}))
    Ledger(out).record({"sha256": SHA, "status": ledger.DONE, "names": ["first.pdf"],
                        "outputs": ["redacted/first.pdf"], "reports": ["reports/first.pdf.json"],
                        "risk": {"level": "low", "residual_risk": 0.0}, "counts": {}, "pages": 1})


def test_when_another_batch_writes_to_the_output_folder_then_a_second_one_refuses_to_start(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "first.pdf").write_bytes(PDF)
    out = tmp_path / "out"
    out.mkdir()
    with open(out / LOCK_FILE, "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(BatchError, match="another batch is writing"):
            run_batch(tmp_path / "in", out, BatchOptions(progress=False))


def test_when_done_content_appears_under_a_new_name_then_its_outputs_are_copied_without_processing(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    (inp / "first.pdf").write_bytes(PDF)
    (inp / "renamed.pdf").write_bytes(PDF)
    _finished(out)
    seen = []

    summary = run_batch(inp, out, BatchOptions(progress=False), on_result=seen.append)

    assert seen == []
    assert summary["documents"]["outputs_copied_for_duplicates"] == 1
    assert (out / "redacted" / "renamed.pdf").read_bytes() == b"%PDF-1.7 redacted"
    assert json.loads((out / "reports" / "renamed.pdf.json").read_text())["document"] == "renamed.pdf"
    assert Ledger(out).get(SHA)["names"] == ["first.pdf", "renamed.pdf"]
