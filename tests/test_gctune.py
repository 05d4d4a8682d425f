"""The collector settings of the document-heavy services: applied by their gunicorn workers and the job worker."""

from __future__ import annotations

import gc
import subprocess
import sys

from veil import gctune
from veil.paths import REPO_ROOT


def test_tuning_freezes_what_is_loaded_and_collects_the_young_generation_less_often():
    # In a child process: the test process keeps the interpreter's defaults.
    code = ("import gc; from veil import gctune; assert gc.get_freeze_count() == 0; gctune.tune_for_throughput(); "
            "print(gc.get_threshold(), gc.get_freeze_count() > 1000)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    assert out.stdout.split("\n")[0] == f"{gctune.THRESHOLDS} True"
    assert gc.get_threshold() != gctune.THRESHOLDS


def test_freezing_alone_keeps_the_interpreters_thresholds():
    code = ("import gc; from veil import gctune; before = gc.get_threshold(); gctune.freeze_loaded(); "
            "print(gc.get_threshold() == before, gc.get_freeze_count() > 1000)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    assert out.stdout.split("\n")[0] == "True True"


def test_the_redactor_and_gateway_workers_tune_after_loading_the_app():
    for service in ("redactor", "gateway"):
        text = (REPO_ROOT / "services" / service / "gunicorn.conf.py").read_text()
        assert "post_worker_init = tune_gc" in text, service
