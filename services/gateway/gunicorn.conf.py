"""gunicorn settings for the gateway, read from the environment (VEIL_GATEWAY_*).

Start: gunicorn -c services/gateway/gunicorn.conf.py "services.gateway.app:create_app()"

The app is not preloaded: each worker opens its own database connections and HTTP sessions
and starts its own job-worker threads after the fork (threads and sockets do not survive a
fork). On shutdown the job workers stop claiming and finish within the graceful timeout; a
job cut short is taken over by another worker when its lease runs out.
"""

import os
import shutil
import tempfile

from services.gateway import settings
from veil import config as _config
from veil import logs

# (`config` is itself a gunicorn setting name: the module is imported under another.)
_cfg = _config.load(_config.COMMON + settings.SETTINGS)

bind = f"{_cfg.gateway_host}:{_cfg.gateway_port}"
workers = _cfg.gateway_workers
threads = _cfg.gateway_threads
worker_class = "gthread"
timeout = _cfg.gateway_timeout
graceful_timeout = _cfg.gateway_graceful_timeout
keepalive = _cfg.gateway_keepalive
preload_app = False
# Our logs are JSON lines from the app; gunicorn's access log would add a second format.
accesslog = None
errorlog = "-"
loglevel = _cfg.log_level.lower()
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Metrics of all workers in one /metrics answer (prometheus_client's multiprocess mode).
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="veil-gateway-metrics-")
_METRICS_DIR = os.environ["PROMETHEUS_MULTIPROC_DIR"]

logs.configure(_cfg.log_level)


def on_starting(server):
    for entry in os.scandir(_METRICS_DIR):
        if entry.name.endswith(".db"):
            os.unlink(entry.path)


def worker_exit(server, worker):
    app = getattr(worker, "wsgi", None)
    state = getattr(app, "extensions", {}).get("veil_gateway") if app is not None else None
    if state is not None:
        state.stop_workers()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, _METRICS_DIR)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(_METRICS_DIR, ignore_errors=True)
