"""Each image's own CMD, ENV and HEALTHCHECK, read from the Dockerfile, start the real service and pass its probe.

Without a Docker engine this is the nearest thing to running the images: the same command,
the same VEIL_* configuration and the same probe, from the checkout instead of /app. Only
what cannot hold outside a container is changed: servers bind 127.0.0.1 on free ports, state
goes to a scratch folder, and the embedder loads the default model from where `veil model
build` put it (the image has the same model at /opt/veil/model).
"""

from __future__ import annotations

import pytest

from veil.procs import free_port


@pytest.fixture(scope="module")
def image_embedder(dockerfile, images, tmp_path_factory):
    """The embedder image's command and configuration; yields its address."""
    from services.embedder.export import build_default_model
    from services.embedder.model import default_model_path

    build_default_model()
    home = tmp_path_factory.mktemp("embedder-home")
    env = images.image_env(dockerfile, "embedder", home, VEIL_EMBEDDER_MODEL=str(default_model_path()),
                           VEIL_EMBEDDER_METRICS_PORT=str(free_port()))
    proc = images.start_image(dockerfile, "embedder", env, home / "embedder.log")
    try:
        yield f"127.0.0.1:{env['VEIL_EMBEDDER_PORT']}"
    finally:
        proc.stop()


def test_the_embedder_image_command_serves_and_its_healthcheck_passes(image_embedder):
    from veil.clients.embedder import EmbedderClient

    client = EmbedderClient(image_embedder, timeout=30)
    try:
        info = client.info()
    finally:
        client.close()
    assert info["dimension"] > 0 and info["max_batch_size"] == 64


def test_the_classifier_image_command_starts_against_the_embedder_and_stops_cleanly(dockerfile, images,
                                                                                      image_embedder, tmp_path):
    # One worker is enough to prove the command; the image's two would only double TensorFlow's import.
    env = images.image_env(dockerfile, "classifier", tmp_path, VEIL_EMBEDDER_ADDRESS=image_embedder,
                           VEIL_CLASSIFIER_WORKERS="1", VEIL_MODEL_REGISTRY=str(tmp_path / "registry"))
    proc = images.start_image(dockerfile, "classifier", env, tmp_path / "classifier.log")
    assert proc.stop(grace=30) == 0, proc._tail()


@pytest.mark.parametrize("target", ["redactor", "gateway"])
def test_the_http_image_commands_start_pass_their_healthcheck_and_stop_cleanly(dockerfile, images, target, tmp_path):
    env = images.image_env(dockerfile, target, tmp_path, VEIL_API_KEYS="team-a:k1")
    proc = images.start_image(dockerfile, target, env, tmp_path / f"{target}.log")
    assert proc.stop(grace=30) == 0, proc._tail()
