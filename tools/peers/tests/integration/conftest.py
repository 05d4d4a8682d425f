"""Presidio's real virtual environment for the integration tests: created on first use (quietly), cached in ~/.cache/veil."""

from __future__ import annotations

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "integration: runs real processes (here: Presidio's own virtual environment)")


@pytest.fixture(scope="session")
def peers_venv():
    from tools.peers.venv import PeersEnvError, PeersVenv, default_path

    venv = PeersVenv(default_path())
    try:
        venv.ensure(say=lambda message: None)
    except PeersEnvError as exc:
        pytest.fail(f"Presidio's virtual environment could not be made ready:\n{exc.explain()}")
    return venv
