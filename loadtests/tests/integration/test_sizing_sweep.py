"""`veil loadtest size` on the real stack: the embedder and the classifier started with their image commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.model


def test_a_one_point_sweep_starts_the_real_services_measures_them_and_reports_table_and_plot(jmeter, tmp_path):
    from services.embedder.export import build_default_model

    build_default_model()
    out = tmp_path / "sweep"
    plot = tmp_path / "copy" / "sizing.png"
    done = subprocess.run(
        [sys.executable, "-m", "tools.cli", "loadtest", "size", "--workers", "1", "--threads", "2", "--users", "1",
         "--step-seconds", "3", "--warmup", "2", "--objective-ms", "5000", "--untrained-head", "--out", str(out),
         "--plot", str(plot)],
        capture_output=True, text=True, timeout=420, env={**os.environ, "VEIL_HOME": str(tmp_path / "home")})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    report = json.loads((out / "sizing.json").read_text())
    point = report["points"][0]
    assert point["error"] is None and point["point"]["workers"] == 1 and point["point"]["threads"] == 2
    step = point["steps"][0]
    # Real predictions went through the classifier and the embedder: many requests, none failed.
    assert step["count"] > 10 and step["error_rate"] == 0 and step["throughput"] > 1
    assert report["best"] == point["point"] and report["untrained_head"] is True
    assert "| 1 | 2 | 64 | 2 |" in done.stdout and "**best**" in done.stdout
    assert "best: VEIL_CLASSIFIER_WORKERS=1 VEIL_CLASSIFIER_THREADS=2" in done.stdout
    assert plot.read_bytes()[:4] == b"\x89PNG" and (out / "sizing.png").exists()
    assert (out / "steps.csv").read_text().count("\n") == 2
    # Every service it started is gone again.
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert str(out) not in ps
