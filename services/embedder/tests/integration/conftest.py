"""In-process embedder servers on port 0 for the gRPC tests, stopped after each test."""

from __future__ import annotations

import pytest

from services.embedder.server import serve
from services.embedder.settings import load_config
from services.embedder.tests.fakes import FakeModel

_NEW_FAKE = object()


@pytest.fixture()
def start_server():
    """start_server(model, **setting_overrides) -> (server, "127.0.0.1:<port>").

    `model` defaults to a new FakeModel; None loads the model the settings name, as in production.
    """
    servers = []

    def start(model=_NEW_FAKE, **overrides):
        config = load_config(overrides={"embedder_host": "127.0.0.1", "embedder_port": 0,
                                        "embedder_metrics_port": 0, "embedder_grace_s": 2.0, **overrides},
                             environ={})
        server, port = serve(config, model=FakeModel() if model is _NEW_FAKE else model)
        servers.append(server)
        return server, f"127.0.0.1:{port}"

    yield start
    for server in servers:
        model = server.service.model if server.service else None
        if getattr(model, "gate", None) is not None:
            model.gate.set()
        server.stop(0).wait(10)
