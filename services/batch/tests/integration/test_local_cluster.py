"""Batches on a real local Dask cluster with real PDFs and models: outputs, resume, failures, a killed worker."""

from __future__ import annotations

import json
import os
import signal

import pymupdf
import pytest

from services.batch import ledger
from services.batch.ledger import Ledger
from services.batch.runner import BatchError, BatchOptions, run_batch
from tools.cli import main

OPTIONS = BatchOptions(group_size=4, progress=False)
_PATTERN_TYPES = {"EMAIL", "PHONE", "IP", "URL", "ID", "DATE"}


def _folder(root, samples_by_seed, seeds, broken=False):
    root.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        (root / f"doc-{seed}.pdf").write_bytes(samples_by_seed[seed].pdf)
    if broken:
        (root / "broken.pdf").write_bytes(b"this is not a PDF")
    return root


def _text(path):
    with pymupdf.open(path) as doc:
        return " ".join(page.get_text() for page in doc)


def test_when_a_folder_runs_then_every_document_is_redacted_written_and_summarised(cluster, spec, samples_by_seed,
                                                                                   tmp_path):
    inp = _folder(tmp_path / "in", samples_by_seed, range(100, 105), broken=True)
    (inp / "copies").mkdir()
    (inp / "copies" / "again.pdf").write_bytes(samples_by_seed[100].pdf)
    out = tmp_path / "out"

    summary = run_batch(inp, out, OPTIONS, spec=spec, connection=cluster)

    d = summary["documents"]
    assert (d["input"], d["distinct"], d["done"], d["failed"], d["processed_this_run"]) == (7, 6, 5, 1, 5)
    # Six distinct documents on two workers: units of more than one document, one of them with the broken PDF.
    assert summary["run"]["group_size"] > 1
    [failure] = summary["failures"]
    assert failure["name"] == "broken.pdf" and failure["kind"] == ledger.REJECTED and "not start like a PDF" in failure["error"]
    assert sum(summary["risk"]["levels"].values()) == 5
    assert summary["entities"]["PERSON"] > 0 and summary["entities"]["EMAIL"] > 0
    for seed in range(100, 105):
        redacted = out / "redacted" / f"doc-{seed}.pdf"
        text = _text(redacted)
        # The validated patterns find these whatever the head: none may survive.
        phi = [s.text for s in samples_by_seed[seed].spans if s.type in _PATTERN_TYPES]
        assert phi and not [p for p in phi if p in text]
        report = json.loads((out / "reports" / f"doc-{seed}.pdf.json").read_text())
        assert report["verification"]["verified"] is True and report["entities"]
    # The copy is the same content: done once, written under both names.
    assert (out / "redacted" / "copies" / "again.pdf").read_bytes() == (out / "redacted" / "doc-100.pdf").read_bytes()
    assert len(list(Ledger(out).entries())) == 6
    assert json.loads((out / "summary.json").read_text())["documents"]["done"] == 5


def test_when_a_batch_is_rerun_then_only_new_documents_are_processed(cluster, spec, samples_by_seed, tmp_path):
    inp = _folder(tmp_path / "in", samples_by_seed, range(105, 108), broken=True)
    out = tmp_path / "out"
    run_batch(inp, out, OPTIONS, spec=spec, connection=cluster)
    before = {p.name: p.stat().st_mtime_ns for p in (out / "ledger").iterdir()}
    (inp / "doc-109.pdf").write_bytes(samples_by_seed[109].pdf)
    seen = []

    summary = run_batch(inp, out, OPTIONS, spec=spec, connection=cluster, on_result=seen.append)

    assert [e["names"] for e in seen] == [["doc-109.pdf"]]
    d = summary["documents"]
    assert (d["processed_this_run"], d["skipped_finished_earlier"], d["done"], d["failed"]) == (1, 4, 4, 1)
    assert {p.name: p.stat().st_mtime_ns for p in (out / "ledger").iterdir() if p.name in before} == before

    retried = run_batch(inp, out, BatchOptions(progress=False, retry_failed=True), spec=spec, connection=cluster,
                        on_result=seen.append)

    assert [e["names"] for e in seen[1:]] == [["broken.pdf"]]
    assert retried["documents"]["failed"] == 1


def test_when_the_cli_points_at_a_scheduler_then_it_runs_there_and_prints_the_dashboard(cluster, spec,
                                                                                       samples_by_seed, tmp_path,
                                                                                       monkeypatch, capsys):
    inp = _folder(tmp_path / "in", samples_by_seed, [110])
    monkeypatch.setenv("VEIL_EMBEDDER_ADDRESS", spec.embedder_address)
    monkeypatch.setenv("VEIL_MODEL_REGISTRY", spec.registry_root)
    monkeypatch.setenv("VEIL_ML_MODELS", spec.ml_root)
    scheduler = cluster.client.scheduler.address

    code = main(["batch", str(inp), "--out", str(tmp_path / "out"), "--scheduler", scheduler, "--no-progress"])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"running on scheduler {scheduler}" in captured.err
    assert "Dask dashboard: http://127.0.0.1:" in captured.err
    assert "1 done, 0 failed" in captured.out
    assert (tmp_path / "out" / "redacted" / "doc-110.pdf").is_file()


def test_when_the_workers_cannot_load_the_head_then_the_batch_stops_before_any_document(cluster, spec,
                                                                                        samples_by_seed, tmp_path):
    from dataclasses import replace

    inp = _folder(tmp_path / "in", samples_by_seed, [111])
    empty = replace(spec, registry_root=str(tmp_path / "empty-registry"))

    with pytest.raises(BatchError, match="could not load the pipeline: .*phi-type"):
        run_batch(inp, tmp_path / "out", OPTIONS, spec=empty, connection=cluster)
    assert list(Ledger(tmp_path / "out").entries()) == []


# Near the end of the module: the restarted worker loads the models again.
def test_when_a_worker_is_killed_mid_run_then_every_document_is_done_exactly_once(cluster, spec, samples_by_seed,
                                                                                  tmp_path):
    seeds = range(112, 118)
    inp = _folder(tmp_path / "in", samples_by_seed, seeds)
    out = tmp_path / "out"
    client = cluster.client
    pids = client.run(os.getpid)
    killed: dict[str, int] = {}
    seen: list[str] = []

    def kill_a_busy_worker(entry):
        seen.append(entry["sha256"])
        if killed:
            return
        busy = [address for address, keys in client.processing().items() if keys and address in pids]
        if busy:
            killed[busy[0]] = pids[busy[0]]
            os.kill(pids[busy[0]], signal.SIGKILL)

    summary = run_batch(inp, out, BatchOptions(group_size=1, progress=False), spec=spec, connection=cluster,
                        on_result=kill_a_busy_worker)

    assert killed, "no worker was busy when the first document finished"
    d = summary["documents"]
    assert (d["done"], d["failed"], d["processed_this_run"]) == (6, 0, 6)
    assert len(seen) == 6 and len(set(seen)) == 6  # each document handled once by the client
    entries = list(Ledger(out).entries())
    assert sorted(e["sha256"] for e in entries) == sorted(set(seen))
    assert sorted(p.name for p in (out / "redacted").iterdir()) == [f"doc-{s}.pdf" for s in seeds]
    assert pids[next(iter(killed))] not in client.run(os.getpid).values()


# Last: it kills a worker too, and needs no warm worker after it.
def test_when_dask_gives_up_on_a_unit_then_its_documents_are_sent_one_by_one_and_all_finish(cluster, spec,
                                                                                           samples_by_seed,
                                                                                           tmp_path, caplog):
    import threading
    import time

    seeds = [100, 101, 102, 103, 104, 105, 106, 107]
    inp = _folder(tmp_path / "in", samples_by_seed, seeds)
    client = cluster.client
    # No second chance for a unit whose worker dies: Dask raises KilledWorker at the first death.
    before = client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures)
    client.run_on_scheduler(lambda dask_scheduler: setattr(dask_scheduler, "allowed_failures", 0))
    killed: list[int] = []
    stop = threading.Event()

    def kill_the_first_busy_worker():
        pids = client.run(os.getpid)
        while not stop.is_set() and not killed:
            for address, keys in client.processing().items():
                if address in pids and any("warm-up" not in str(k) for k in keys):
                    os.kill(pids[address], signal.SIGKILL)
                    killed.append(pids[address])
                    return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_the_first_busy_worker, daemon=True)
    try:
        with caplog.at_level("WARNING", logger="services.batch.runner"):
            killer.start()
            summary = run_batch(inp, tmp_path / "out", BatchOptions(group_size=2, progress=False), spec=spec,
                                connection=cluster)
    finally:
        stop.set()
        killer.join(5)
        client.run_on_scheduler(lambda dask_scheduler, n=before: setattr(dask_scheduler, "allowed_failures", n))

    assert killed
    assert summary["run"]["group_size"] == 2
    assert "could not run (KilledWorker); sending them one by one" in caplog.text
    d = summary["documents"]
    assert (d["done"], d["failed"]) == (8, 0)
    assert len(list(Ledger(tmp_path / "out").entries())) == 8
