"""The caller package (clients/python) as a team installs it: a fresh virtual environment with only its own
dependencies, its own tests run against the live stack, and its signature check agreeing with the gateway's."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from services.gateway.callbacks import sign
from tools.synthetic import samples
from veil.paths import REPO_ROOT

pytestmark = [pytest.mark.model]

PACKAGE = REPO_ROOT / "clients" / "python"


@pytest.fixture(scope="module")
def client_venv(tmp_path_factory):
    """python -m venv, then `pip install clients/python[test]` from the package index pip is configured with."""
    venv = tmp_path_factory.mktemp("client") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                           f"{PACKAGE}[test]"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return python


def test_the_package_installs_without_tensorflow_flask_or_the_server_code(client_venv):
    probe = ("import importlib.util as u, veil_client; "
             "print(sorted(m for m in ('tensorflow', 'flask', 'grpc', 'services', 'veil', 'tools') if u.find_spec(m)))")
    done = subprocess.run([str(client_venv), "-c", probe], capture_output=True, text=True, cwd="/")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_package_s_own_tests_pass_against_the_live_stack(client_venv, stack, tmp_path):
    pdf = tmp_path / "note.pdf"
    pdf.write_bytes(samples.generate(41, pages=1).pdf)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VEIL_", "PYTHON"))}
    env.update(VEIL_GATEWAY_URL=stack.url("gateway"), VEIL_API_KEY="key-a", VEIL_TEST_PDF=str(pdf))
    done = subprocess.run([str(client_venv), "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests"],
                          cwd=PACKAGE, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "skipped" not in done.stdout.splitlines()[-1], done.stdout[-2000:]


def test_the_package_accepts_the_gateway_s_callback_signature_and_only_under_the_team_s_secret(client_venv):
    body = b'{"job_id":"0123","status":"succeeded"}'
    header = sign("secret-of-team-a", body)
    check = ("import sys; from veil_client import verify_signature as v; "
             "body = sys.stdin.buffer.read(); "
             f"print(v('secret-of-team-a', {header!r}, body), v('secret-of-team-b', {header!r}, body))")
    done = subprocess.run([str(client_venv), "-c", check], input=body, capture_output=True, cwd="/")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().split() == ["True", "False"]
