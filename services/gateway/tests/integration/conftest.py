"""The real stack for the gateway's integration tests: embedder (root fixture), classifier with a small real head,
the redactor and the gateway, each started with its production command on free ports of 127.0.0.1."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from flask import Flask, request
from werkzeug.serving import make_server


@pytest.fixture(scope="session")
def phrase_models(embedder_address, tmp_path_factory) -> dict[str, Path]:
    """A phi-type head trained on the real embedder's vectors, and a scikit-learn phi-type-ml model beside it."""
    from services.classifier import ml_model
    from tools.synthetic import tiny_head
    from veil.clients.embedder import EmbedderClient

    registry = tmp_path_factory.mktemp("registry")
    with EmbedderClient(embedder_address) as client:
        tiny_head.publish_tiny(client, registry)
    ml_root = tmp_path_factory.mktemp("ml-models")
    texts, labels = tiny_head.phrases()
    ml_model.publish(ml_model.train(texts, labels, tiny_head.LABELS), "v1", root=ml_root)
    return {"registry": registry, "ml": ml_root}


@pytest.fixture(scope="session")
def receiver():
    """A callback receiver on 127.0.0.1 that records every POST."""
    got: list[tuple[dict, bytes]] = []
    app = Flask("receiver")

    @app.post("/hook")
    def hook():
        got.append((dict(request.headers), request.get_data()))
        return "", 204

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}/hook", "port": server.server_port, "got": got}
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def stack(embedder_address, phrase_models, receiver, tmp_path_factory):
    from tools.commands.stack import Stack

    home = tmp_path_factory.mktemp("veil-home")
    env = {"VEIL_HOME": str(home), "VEIL_EMBEDDER_ADDRESS": embedder_address,
           "VEIL_MODEL_REGISTRY": str(phrase_models["registry"]), "VEIL_ML_MODELS": str(phrase_models["ml"])}
    gateway_env = {"VEIL_GATEWAY_CALLBACK_HOSTS": f"127.0.0.1:{receiver['port']}",
                   "VEIL_GATEWAY_CALLBACK_SECRET": "integration-secret", "VEIL_GATEWAY_POLL_SECONDS": "0.1",
                   "VEIL_GATEWAY_WORKER_THREADS": "2", "VEIL_GATEWAY_HASH_SECRET": "integration-hash-secret"}
    s = Stack(services=("classifier", "redactor", "gateway"), env=env, service_env={"gateway": gateway_env},
              log_dir=home / "logs", api_keys="team-a:key-a,team-b:key-b")
    with s:
        yield s
