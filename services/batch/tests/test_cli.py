"""`veil batch` without a cluster: input and option errors exit 2 with a message; a finished batch is not redone."""

from __future__ import annotations

import hashlib
import json

from services.batch import ledger
from services.batch.ledger import Ledger
from tools.cli import main

PDF = b"%PDF-1.7\n% done before\n%%EOF\n"


def test_when_the_input_does_not_exist_then_it_exits_2_with_a_message(tmp_path, capsys):
    assert main(["batch", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_when_the_output_is_the_input_folder_then_it_exits_2(tmp_path, capsys):
    (tmp_path / "a.pdf").write_bytes(PDF)

    assert main(["batch", str(tmp_path), "--out", str(tmp_path)]) == 2
    assert "must not be the input folder" in capsys.readouterr().err


def test_when_tls_files_are_given_without_a_scheduler_then_it_exits_2_before_reading_the_input(tmp_path, capsys):
    code = main(["batch", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"), "--tls-ca-file", "ca.pem"])

    assert code == 2
    assert "give --scheduler tls://" in capsys.readouterr().err


def test_when_a_worker_count_is_not_positive_then_argparse_refuses_it(tmp_path, capsys):
    try:
        main(["batch", str(tmp_path), "--out", str(tmp_path / "out"), "--workers", "0"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "expected a positive integer" in capsys.readouterr().err


def test_when_every_document_was_finished_before_then_a_rerun_starts_no_cluster_and_reports_them(tmp_path, capsys):
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    (inp / "done.pdf").write_bytes(PDF)
    (inp / "broken.pdf").write_bytes(b"not a pdf")
    book = Ledger(out)
    (out / "redacted").mkdir(parents=True)
    (out / "redacted" / "done.pdf").write_bytes(b"%PDF-1.7 redacted")
    book.record({"sha256": hashlib.sha256(PDF).hexdigest(), "status": ledger.DONE, "names": ["done.pdf"],
                 "outputs": ["redacted/done.pdf"], "risk": {"level": "low", "residual_risk": 0.0},
                 "counts": {"PERSON": 2}, "pages": 1})
    book.record({"sha256": hashlib.sha256(b"not a pdf").hexdigest(), "status": ledger.FAILED,
                 "kind": ledger.REJECTED, "error": "not_a_pdf: no %PDF- header", "names": ["broken.pdf"]})

    code = main(["batch", str(inp), "--out", str(out), "--no-progress"])

    captured = capsys.readouterr()
    assert code == 1  # the rejected document is still a failure of this batch
    assert "nothing to do" in captured.err
    assert "this run processed 0, skipped 2" in captured.out
    assert "FAILED broken.pdf: [rejected] not_a_pdf" in captured.out
    written = json.loads((out / "summary.json").read_text())
    assert written["documents"]["done"] == 1 and written["run"]["cluster"] is None


def test_without_a_reachable_embedder_a_remote_batch_names_the_address_it_tried(tmp_path, capsys, monkeypatch):
    from veil.procs import free_port

    address = f"127.0.0.1:{free_port()}"
    monkeypatch.setenv("VEIL_EMBEDDER_ADDRESS", address)
    monkeypatch.delenv("VEIL_BATCH_CLASSIFIER_URL", raising=False)
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "note.pdf").write_bytes(PDF)
    code = main(["batch", str(inp), "-o", str(tmp_path / "out"), "--scheduler", f"tcp://127.0.0.1:{free_port()}",
                 "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"no embedder answers at {address}" in err and "veil up --services embedder" in err
    assert "internal error" not in err
