"""The gateway under gunicorn, as in production, checked against its own OpenAPI document by schemathesis: every
generated request (valid and invalid bodies, paths, parameters) gets a documented status and never a 500. Also
gunicorn's own refusals (a URI or headers too long) are problem+json like the app's.

The gateway runs alone: the classifier and redactor addresses are closed ports, so requests that reach them are
answered 503, a documented status, and the run needs no model.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
import requests

from veil.paths import REPO_ROOT
from veil.procs import ManagedProcess, free_port, http_ready, raw_http
from veil.services import SERVICES

AUTH = {"Authorization": "Bearer key-a"}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory) -> Iterator[str]:
    port = free_port()
    home = tmp_path_factory.mktemp("gateway-openapi")
    closed = f"http://127.0.0.1:{free_port()}"
    env = {"VEIL_GATEWAY_HOST": "127.0.0.1", "VEIL_GATEWAY_PORT": str(port), "VEIL_GATEWAY_WORKERS": "1",
           "VEIL_GATEWAY_THREADS": "4", "VEIL_GATEWAY_WORKER_THREADS": "0", "VEIL_HOME": str(home),
           "VEIL_DATABASE_URL": f"sqlite:///{home / 'gateway.sqlite3'}", "VEIL_API_KEYS": "team-a:key-a",
           "VEIL_CLASSIFIER_URL": closed, "VEIL_REDACTOR_URL": closed, "VEIL_GATEWAY_USE_ML_MODEL": "false",
           "VEIL_GATEWAY_TAGGER_MODEL": "off", "VEIL_GATEWAY_HASH_SECRET": "openapi-secret"}
    proc = ManagedProcess("gateway", SERVICES["gateway"].local_argv(), env=env, cwd=REPO_ROOT,
                          log_path=home / "gateway.log")
    base = f"http://127.0.0.1:{port}"
    with proc:
        proc.wait_ready(http_ready(base + "/healthz"), timeout=90)
        yield base




def test_a_uri_too_long_for_gunicorn_is_a_414_problem(gateway):
    status, headers, body = raw_http(gateway, b"GET /v1/jobs/" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 414 and headers["Content-Type"] == "application/problem+json"
    assert json.loads(body)["status"] == 414


def test_headers_too_large_for_gunicorn_are_a_431_problem(gateway):
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(200))
    status, headers, body = raw_http(gateway, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    assert status == 431 and headers["Content-Type"] == "application/problem+json"
    assert json.loads(body)["status"] == 431


def test_the_live_document_is_the_one_in_docs(gateway):
    served = requests.get(f"{gateway}/v1/openapi.json", timeout=10)
    assert served.text == (REPO_ROOT / "docs" / "openapi" / "gateway.json").read_text(encoding="utf-8")


def test_every_generated_request_gets_a_documented_answer_and_never_a_500(gateway, tmp_path):
    # No operation documents a 500, so status_code_conformance fails on any; schemathesis' not_a_server_error
    # is left out because a 503 (the classifier is a closed port here) is a documented answer.
    assert '"500"' not in requests.get(f"{gateway}/v1/openapi.json", timeout=10).text
    # The CLI, not the pytest plugin: the plugin does not load under this pytest. A fixed seed makes a failure
    # reproducible; the report names each failing request as a curl command.
    st = Path(sys.executable).with_name("schemathesis")
    run = subprocess.run(
        [str(st), "run", f"{gateway}/v1/openapi.json", "--header", f"Authorization: {AUTH['Authorization']}",
         "--checks", "status_code_conformance,content_type_conformance,"
                     "response_schema_conformance",
         "--max-examples", "30", "--seed", "19", "--request-timeout", "60", "--suppress-health-check", "all",
         "--no-color"],
        capture_output=True, text=True, timeout=900, cwd=tmp_path)
    failures = run.stdout.split("== FAILURES ==", 1)[-1].split("== SUMMARY ==", 1)[0]
    assert run.returncode == 0, failures[-8000:] + run.stderr[-2000:]
