"""Fixtures of the classifier's integration tests: a head trained on the real embedder's vectors (the
root conftest's `embedder_address`) and the classifier started exactly as in production (gunicorn,
the same command as the image)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator, Mapping

import pytest

from tools.synthetic import tiny_head
from veil.paths import REPO_ROOT
from veil.procs import ManagedProcess, free_port, http_ready
from veil.services import SERVICES


@pytest.fixture(scope="session")
def trained_registry(embedder_address, tmp_path_factory) -> Path:
    """phi-type v1 and v2 (v2 active): a small head trained on the real embedder's vectors."""
    from veil.clients.embedder import EmbedderClient

    root = tmp_path_factory.mktemp("registry")
    with EmbedderClient(embedder_address) as client:
        tiny_head.publish_tiny(client, root, versions=("v1", "v2"))
    return root


@pytest.fixture()
def start_classifier(tmp_path) -> Iterator[Callable[..., tuple[ManagedProcess, str]]]:
    """Starts `gunicorn -c services/classifier/gunicorn.conf.py ...` and waits for /readyz; stops it after."""
    started: list[ManagedProcess] = []

    def start(env: Mapping[str, str], log_name: str = "classifier.log") -> tuple[ManagedProcess, str]:
        port = free_port()
        child_env = {"VEIL_CLASSIFIER_HOST": "127.0.0.1", "VEIL_CLASSIFIER_PORT": str(port),
                     "VEIL_CLASSIFIER_WORKERS": "2", "VEIL_CLASSIFIER_THREADS": "4",
                     "VEIL_INFERENCE_FLUSH_SECONDS": "0.05", "VEIL_INFERENCE_RETRY_SECONDS": "0.2",
                     "VEIL_HOME": str(tmp_path / "classifier-home"), "TF_CPP_MIN_LOG_LEVEL": "2",
                     **env}
        # Open (local-development mode) unless the test configures keys, as the auth tests do.
        if not any(name.endswith("_KEYS") for name in env):
            child_env.setdefault("VEIL_CLASSIFIER_ALLOW_UNAUTHENTICATED", "1")
        proc = ManagedProcess("classifier", SERVICES["classifier"].local_argv(), env=child_env, cwd=REPO_ROOT,
                              log_path=tmp_path / log_name)
        # gunicorn.conf.py makes a fresh metrics folder per run unless one is inherited.
        proc.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        proc.start()
        started.append(proc)
        base = f"http://127.0.0.1:{port}"
        proc.wait_ready(http_ready(base + "/readyz"), timeout=120, interval=0.25)
        return proc, base

    yield start
    for proc in started:
        proc.stop()
