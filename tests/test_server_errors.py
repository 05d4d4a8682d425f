"""Every service's errors are problem+json, including those the server answers before the app sees the request
(gunicorn's 414 and 431) and the framework's own (404, 405): checked on the redactor, started as in production."""

from __future__ import annotations

import json
from typing import Iterator

import pytest
import requests

from veil.paths import REPO_ROOT
from veil.procs import ManagedProcess, free_port, http_ready, raw_http
from veil.services import SERVICES


@pytest.fixture(scope="module")
def redactor(tmp_path_factory) -> Iterator[str]:
    port = free_port()
    home = tmp_path_factory.mktemp("redactor-errors")
    env = {"VEIL_REDACTOR_HOST": "127.0.0.1", "VEIL_REDACTOR_PORT": str(port), "VEIL_REDACTOR_WORKERS": "1",
           "VEIL_REDACTOR_THREADS": "2", "VEIL_HOME": str(home)}
    proc = ManagedProcess("redactor", SERVICES["redactor"].local_argv(), env=env, cwd=REPO_ROOT,
                          log_path=home / "redactor.log")
    base = f"http://127.0.0.1:{port}"
    with proc:
        proc.wait_ready(http_ready(base + "/healthz"), timeout=90)
        yield base




@pytest.mark.parametrize("request_bytes, status", [
    (b"GET /v1/" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(200)) + b"\r\n", 431),
    (b"GET /healthz HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400),
])
def test_what_gunicorn_refuses_itself_is_problem_json(redactor, request_bytes, status):
    got, headers, body = raw_http(redactor, request_bytes)
    assert got == status and headers["Content-Type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == status and problem["title"]


def test_the_frameworks_own_errors_are_problem_json(redactor):
    missing = requests.get(f"{redactor}/nothing-here", timeout=10)
    assert missing.status_code == 404 and missing.headers["Content-Type"] == "application/problem+json"
    assert missing.json()["code"] == "not_found"
    wrong = requests.delete(f"{redactor}/healthz", timeout=10)
    assert wrong.status_code == 405 and wrong.headers["Content-Type"] == "application/problem+json"
    assert "GET" in wrong.headers["Allow"]
