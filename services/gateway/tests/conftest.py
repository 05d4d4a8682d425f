"""Fixtures of the gateway's unit tests: an app on a scratch SQLite store with two teams' keys."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from services.gateway.app import create_app
from services.gateway.assembly import Parts
from services.gateway.tests.helpers import KEYS, Spy


@pytest.fixture()
def spy_classifier():
    return Spy({"model": "phi-type", "version": "1", "predictions": [{"label": "PERSON", "probability": 0.9}]})


@pytest.fixture()
def make_app(tmp_path, spy_classifier):
    def make(classifier=None, **overrides):
        config = {"api_keys": KEYS, "database_url": f"sqlite:///{tmp_path / 'gateway.sqlite3'}",
                  "gateway_worker_threads": 0, "TESTING": True, **overrides}
        return create_app(config, parts=Parts(classifier=classifier or spy_classifier, redactor=Spy(True)),
                          metrics_registry=CollectorRegistry())
    return make


@pytest.fixture()
def app(make_app):
    return make_app()


@pytest.fixture()
def client(app):
    return app.test_client()
