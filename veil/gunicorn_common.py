"""What every Veil gunicorn.conf.py shares: the server settings that are the same for all, and multiprocess metrics.

With several gunicorn workers, each has its own Prometheus values; prometheus_client's
multiprocess mode keeps them in files under PROMETHEUS_MULTIPROC_DIR so one /metrics answer
(veil.web) sums every worker. The directory must be set before any worker imports
prometheus_client, which is why a config file creates it at import time.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import Any

SHARED_SETTINGS: dict[str, Any] = {
    "worker_class": "gthread",
    # Workers open their own channels, sessions and threads after the fork (none survive one).
    "preload_app": False,
    # One control socket path per user would be shared by every gunicorn on the machine.
    "control_socket_disable": True,
    # Our logs are JSON lines from the app; gunicorn's access log would add a second format.
    "accesslog": None,
    "errorlog": "-",
    # /dev/shm keeps the worker heartbeat off slow container disks.
    "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
}


def _problem_write_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's own answers to requests it refuses before the app sees them (414 URI too long, 431 headers
    too large, 400 malformed request line) as application/problem+json, like every answer of the app;
    gunicorn writes them as an HTML page otherwise."""
    from gunicorn import util

    problem: dict[str, Any] = {"type": "about:blank", "title": reason, "status": status_int}
    if mesg:
        problem["detail"] = mesg[:500]
    body = json.dumps(problem).encode("utf-8")
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


def answer_server_errors_as_problems() -> None:
    """Makes gunicorn's error writer the problem+json one (its workers call `gunicorn.util.write_error`)."""
    from gunicorn import util

    util.write_error = _problem_write_error


# Every service's gunicorn.conf.py imports this module in the master, before the workers fork.
answer_server_errors_as_problems()


class MultiprocessMetrics:
    """Creates (or adopts) the metrics directory and provides the master's hooks that keep it right."""

    def __init__(self, service: str):
        self._owned = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if self._owned:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix=f"veil-{service}-metrics-")
        self.directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]

    def on_starting(self, server: Any) -> None:
        # Values of a previous run must not be added to this one's.
        for entry in os.scandir(self.directory):
            if entry.name.endswith(".db"):
                os.unlink(entry.path)

    def child_exit(self, server: Any, worker: Any) -> None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid, self.directory)

    def on_exit(self, server: Any) -> None:
        if self._owned:
            shutil.rmtree(self.directory, ignore_errors=True)


def tune_gc(worker: Any) -> None:
    """gunicorn's post_worker_init hook of the services that build many short-lived objects per request
    (the redactor's page characters, the gateway's candidates): see veil.gctune."""
    from veil import gctune

    gctune.tune_for_throughput()
