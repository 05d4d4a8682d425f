"""Starts the real embedder as a child process and waits until its gRPC health service says SERVING.

Used by the root test fixture `embedder_address`, the benchmark and anything else that needs a
server of its own; the process is stopped by its own pid (veil.procs.ManagedProcess).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable, Mapping

import grpc

from veil.paths import REPO_ROOT
from veil.procs import ManagedProcess, free_port

START_COMMAND = [sys.executable, "-m", "services.embedder.server"]


def health_probe(address: str, service: str = "", timeout: float = 1.0) -> Callable[[], bool]:
    """A readiness probe: True once the health service reports SERVING (the model is loaded)."""
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    def probe() -> bool:
        with grpc.insecure_channel(address) as channel:
            try:
                reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service),
                                                                  timeout=timeout)
            except grpc.RpcError:
                return False
        return reply.status == health_pb2.HealthCheckResponse.SERVING

    return probe


def start_embedder(env: Mapping[str, str] | None = None, log_path: str | Path | None = None,
                   timeout: float = 120.0) -> tuple[ManagedProcess, str]:
    """Starts `python -m services.embedder.server` on a free port; returns (process, "127.0.0.1:port")."""
    port = free_port()
    # PARENT_PID: the server stops itself if this process dies without stopping it (a test run
    # killed by a timeout), instead of living on as an orphan.
    # PRECISION: float32 unless asked, so tests compare what they get with the in-process float32
    # model whichever variants this machine has built (the benchmark asks for each explicitly).
    child_env = {"VEIL_EMBEDDER_HOST": "127.0.0.1", "VEIL_EMBEDDER_PORT": str(port),
                 "VEIL_EMBEDDER_METRICS_PORT": "0", "VEIL_EMBEDDER_PARENT_PID": str(os.getpid()),
                 "VEIL_EMBEDDER_PRECISION": os.environ.get("VEIL_EMBEDDER_PRECISION", "float32"), **(env or {})}
    proc = ManagedProcess("embedder", START_COMMAND, env=child_env, cwd=REPO_ROOT, log_path=log_path)
    proc.start()
    address = f"127.0.0.1:{port}"
    try:
        proc.wait_ready(health_probe(address), timeout=timeout, interval=0.25)
    except BaseException:
        proc.stop()
        raise
    return proc, address
