"""`python -m services.gateway.worker`: job workers without the HTTP API (VEIL_GATEWAY_WORKER_THREADS of them)."""

from __future__ import annotations

import logging
import signal
import threading

from services.gateway.assembly import build_state
from veil import gctune, logs, tracing

_log = logging.getLogger(__name__)


def main() -> int:
    logs.configure()
    tracing.configure("gateway-worker")
    state = build_state()
    gctune.tune_for_throughput()
    threads = max(1, state.cfg.gateway_worker_threads)
    pool = state.start_workers(threads)
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    _log.info("%d job worker thread(s) running; SIGTERM stops them", threads)
    stopped.wait()
    pool.stop(state.cfg.gateway_graceful_timeout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
