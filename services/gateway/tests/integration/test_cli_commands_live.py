"""The `veil` commands that talk to a running stack, against the real one: results on stdout (JSON with
--json), logs on stderr, admin commands refused to a team key, jobs followed and deleted."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tools.synthetic import samples
from veil.paths import REPO_ROOT

pytestmark = [pytest.mark.model]


def _veil(stack, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "VEIL_GATEWAY_URL": stack.url("gateway"), "VEIL_CLASSIFIER_URL": stack.url("classifier"),
           "VEIL_API_KEY": "key-a", "VEIL_LOG_LEVEL": "INFO"}
    env.pop("VEIL_CLASSIFIER_ADMIN_KEY", None)
    return subprocess.run([sys.executable, "-m", "tools.cli", *args], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


def test_a_job_is_followed_as_json_on_stdout_and_deleted(stack, tmp_path):
    from veil_client import VeilClient

    job_id = VeilClient(stack.url("gateway"), "key-a").submit_pdf(samples.generate(43, pages=1).pdf)["job_id"]
    done = _veil(stack, "jobs", "wait", job_id, "--timeout", "300", "--json")
    assert done.returncode == 0, done.stderr
    job = json.loads(done.stdout)  # nothing else on stdout
    assert job["job_id"] == job_id and job["status"] == "succeeded" and "risk" in job["result"]
    assert _veil(stack, "jobs", "delete", job_id).returncode == 0
    gone = _veil(stack, "jobs", "status", job_id)
    assert gone.returncode == 1 and "404" in gone.stderr


def test_texts_and_phrases_go_through_the_caller_package(stack):
    done = _veil(stack, "deidentify", "--text", "Call 617-555-0142 today.", "--options",
                 '{"entities": ["PHONE"], "operators": {"PHONE": {"type": "replace"}}}')
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["text"] == "Call [PHONE] today." and answer["entities"][0]["type"] == "PHONE"
    done = _veil(stack, "classify", "phi-type", "Maria Gonzalez", "chest pain", "--json")
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["predictions"]) == 2


def test_model_administration_needs_the_admin_key(stack):
    listed = _veil(stack, "models", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert "phi-type" in {m["name"] for m in json.loads(listed.stdout)["models"]}
    refused = _veil(stack, "models", "versions", "phi-type")
    assert refused.returncode == 1 and "403" in refused.stderr and "admin key" in refused.stderr
    admin = _veil(stack, "models", "versions", "phi-type", "--api-key", stack.admin_key)
    assert admin.returncode == 0, admin.stderr
    assert admin.stdout.splitlines()[1].startswith("* ")  # the active version is marked
