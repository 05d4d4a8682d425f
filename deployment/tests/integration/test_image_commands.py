"""Each image's own CMD, ENV and HEALTHCHECK, read from the Dockerfile, start the real service and pass its probe.

Without a Docker engine this is the nearest thing to running the images: the same command,
the same VEIL_* configuration and the same probe, from the checkout instead of /app. Only
what cannot hold outside a container is changed: servers bind 127.0.0.1 on free ports, state
goes to a scratch folder, and the embedder loads the default model from where `veil model
build` put it (the image has the same model at /opt/veil/model).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from veil.paths import REPO_ROOT
from veil.procs import ManagedProcess, free_port
from veil.services import SERVICES

_START_TIMEOUT = 240.0


def _local(argv: list[str]) -> list[str]:
    """An image's exec-form command with this interpreter standing in for the image's PATH."""
    head, *rest = argv
    if head == "python":
        return [sys.executable, *rest]
    if head == "gunicorn":
        return [sys.executable, "-m", "gunicorn", *rest]
    return argv


def _image_env(dockerfile, target: str, home: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in dockerfile.env(target).items() if k.startswith(("VEIL_", "PYTHON"))}
    env.pop("PYTHONPATH", None)  # /app in the image; the checkout is the cwd here
    service = SERVICES[target.removesuffix("-gpu")]
    prefix = service.port_env.removesuffix("PORT")
    env.update({prefix + "HOST": "127.0.0.1", service.port_env: str(free_port()), "VEIL_HOME": str(home),
                "TF_CPP_MIN_LOG_LEVEL": "2"})
    env.update(overrides)
    return env


def _healthy(dockerfile, target: str, env: dict[str, str]):
    probe = _local(dockerfile.stage(target).last("HEALTHCHECK").exec_form)

    def check() -> bool:
        return subprocess.run(probe, cwd=REPO_ROOT, env={**_base_env(), **env}, capture_output=True,
                              timeout=30).returncode == 0

    return check


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("VEIL_", "PROMETHEUS_MULTIPROC_DIR"))}


def _start(dockerfile, target: str, env: dict[str, str], log: Path) -> ManagedProcess:
    argv = _local(dockerfile.stage(target).last("CMD").exec_form)
    proc = ManagedProcess(target, argv, env=env, cwd=REPO_ROOT, log_path=log)
    for key in [k for k in proc.env if k.startswith("VEIL_") and k not in env] + ["PROMETHEUS_MULTIPROC_DIR"]:
        proc.env.pop(key, None)  # only the image's configuration, not this shell's
    proc.start()
    proc.wait_ready(_healthy(dockerfile, target, env), timeout=_START_TIMEOUT, interval=1.0)
    return proc


@pytest.fixture(scope="module")
def image_embedder(dockerfile, tmp_path_factory):
    """The embedder image's command and configuration; yields (address, env)."""
    from services.embedder.export import build_default_model
    from services.embedder.model import default_model_path

    build_default_model()
    home = tmp_path_factory.mktemp("embedder-home")
    env = _image_env(dockerfile, "embedder", home, VEIL_EMBEDDER_MODEL=str(default_model_path()),
                     VEIL_EMBEDDER_METRICS_PORT=str(free_port()))
    proc = _start(dockerfile, "embedder", env, home / "embedder.log")
    try:
        yield f"127.0.0.1:{env['VEIL_EMBEDDER_PORT']}", env, proc
    finally:
        proc.stop()


def test_the_embedder_image_command_serves_and_its_healthcheck_passes(image_embedder):
    address, env, proc = image_embedder
    from veil.clients.embedder import EmbedderClient

    client = EmbedderClient(address, timeout=30)
    try:
        info = client.info()
    finally:
        client.close()
    assert info["dimension"] > 0 and info["max_batch_size"] == 64


def test_the_classifier_image_command_starts_against_the_embedder_and_stops_cleanly(dockerfile, image_embedder,
                                                                                      tmp_path):
    address, _, _ = image_embedder
    # One worker is enough to prove the command; the image's two would only double TensorFlow's import.
    env = _image_env(dockerfile, "classifier", tmp_path, VEIL_EMBEDDER_ADDRESS=address, VEIL_CLASSIFIER_WORKERS="1",
                     VEIL_MODEL_REGISTRY=str(tmp_path / "registry"))
    proc = _start(dockerfile, "classifier", env, tmp_path / "classifier.log")
    assert proc.stop(grace=30) == 0, proc._tail()


@pytest.mark.parametrize("target", ["redactor", "gateway"])
def test_the_http_image_commands_start_pass_their_healthcheck_and_stop_cleanly(dockerfile, target, tmp_path):
    env = _image_env(dockerfile, target, tmp_path, VEIL_API_KEYS="team-a:k1")
    proc = _start(dockerfile, target, env, tmp_path / f"{target}.log")
    assert proc.stop(grace=30) == 0, proc._tail()
