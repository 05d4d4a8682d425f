"""`veil batch` on a local cluster with no embedder answering: it starts one, as `veil demo` does, and the batch runs."""

from __future__ import annotations

import pytest

from tools.cli import main
from veil.procs import free_port

pytestmark = [pytest.mark.model]


def test_when_no_embedder_answers_a_local_batch_starts_one_and_finishes(spec, samples_by_seed, tmp_path, monkeypatch,
                                                                       capsys):
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "doc.pdf").write_bytes(samples_by_seed[101].pdf)
    nowhere = f"127.0.0.1:{free_port()}"
    monkeypatch.setenv("VEIL_EMBEDDER_ADDRESS", nowhere)
    monkeypatch.setenv("VEIL_MODEL_REGISTRY", spec.registry_root)
    monkeypatch.setenv("VEIL_ML_MODELS", spec.ml_root)
    monkeypatch.setenv("VEIL_HOME", str(tmp_path / "home"))
    # The heads of this test were trained on the float32 model's vectors (the session embedder's).
    monkeypatch.setenv("VEIL_EMBEDDER_PRECISION", "float32")
    monkeypatch.delenv("VEIL_BATCH_SCHEDULER", raising=False)

    code = main(["batch", str(inp), "-o", str(tmp_path / "out"), "--workers", "1", "--no-progress"])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"no embedder answers at {nowhere}; starting one on this machine" in captured.err
    assert "1 done, 0 failed" in captured.out
    assert (tmp_path / "out" / "redacted" / "doc.pdf").is_file()
