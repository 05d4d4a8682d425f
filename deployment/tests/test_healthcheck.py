"""The container health probe against real servers: veil.web's /healthz and /readyz, and gRPC's health service."""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent import futures

import grpc
import pytest
from flask import Flask
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from prometheus_client import CollectorRegistry
from werkzeug.serving import make_server

from veil import healthcheck, web
from veil.paths import REPO_ROOT


@pytest.fixture()
def http_service():
    """A Flask app with veil.web's health routes on a free port; its readiness is switchable."""
    state = {"ready": True}
    app = Flask("probe-target")
    web.install(app, "probe-target", ready_check=lambda: {"model": state["ready"]}, registry=CollectorRegistry())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port, state
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture()
def grpc_health_server():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield port, servicer
    finally:
        server.stop(0)


def test_when_the_http_service_is_alive_then_the_probe_passes(http_service):
    port, _ = http_service
    ok, reason = healthcheck.probe("gateway", environ={"VEIL_GATEWAY_PORT": str(port)})
    assert ok, reason


def test_when_a_dependency_is_down_then_only_the_ready_probe_fails(http_service):
    port, state = http_service
    state["ready"] = False
    env = {"VEIL_CLASSIFIER_PORT": str(port)}
    assert healthcheck.probe("classifier", environ=env)[0]
    ok, reason = healthcheck.probe("classifier", ready=True, environ=env)
    assert not ok
    assert "503" in reason


def test_when_nothing_listens_then_the_probe_fails_and_says_unreachable():
    from veil.procs import free_port

    ok, reason = healthcheck.probe("redactor", timeout=1, environ={"VEIL_REDACTOR_PORT": str(free_port())})
    assert not ok
    assert "unreachable" in reason


def test_when_the_embedder_reports_serving_then_the_probe_passes_and_before_that_it_fails(grpc_health_server):
    port, servicer = grpc_health_server
    env = {"VEIL_EMBEDDER_PORT": str(port)}
    servicer.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    ok, reason = healthcheck.probe("embedder", environ=env)
    assert not ok and "NOT_SERVING" in reason
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    assert healthcheck.probe("embedder", environ=env) == (True, f"127.0.0.1:{port} is SERVING")


def test_when_run_as_the_images_run_it_then_the_exit_code_tells_health(http_service):
    port, state = http_service
    cmd = [sys.executable, "-m", "veil.healthcheck", "gateway", "--ready"]
    env = {"VEIL_GATEWAY_PORT": str(port), "PATH": "/usr/bin:/bin"}
    healthy = subprocess.run(cmd, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert healthy.returncode == 0, healthy.stderr
    state["ready"] = False
    unhealthy = subprocess.run(cmd, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert unhealthy.returncode == 1
    assert "unhealthy" in unhealthy.stderr and "503" in unhealthy.stderr


def test_when_the_port_variable_is_malformed_then_the_probe_fails_with_a_message(capsys, monkeypatch):
    monkeypatch.setenv("VEIL_GATEWAY_PORT", "eighty")
    assert healthcheck.main(["gateway"]) == 1
    assert "bad configuration" in capsys.readouterr().err
