"""gunicorn settings for the redactor, read from the environment (VEIL_REDACTOR_*).

Start: gunicorn -c services/redactor/gunicorn.conf.py "services.redactor.app:create_app()"

Not preloaded: each worker imports PyMuPDF and runs its self-test after the fork. PyMuPDF
holds the GIL and is not thread-safe (documents run one at a time per worker), so workers
set the throughput; threads keep /healthz and /metrics answering during a long document.
"""

import os
import shutil
import tempfile

from services.redactor import settings
from veil import logs

_cfg = settings.load()

bind = f"{_cfg.redactor_host}:{_cfg.redactor_port}"
workers = _cfg.redactor_workers
threads = _cfg.redactor_threads
worker_class = "gthread"
# The per-document time limit is checked between pages; this is the hard stop behind it.
timeout = int(_cfg.redactor_time_limit_s) + settings.TIMEOUT_MARGIN_S
graceful_timeout = _cfg.redactor_graceful_timeout
keepalive = _cfg.redactor_keepalive
preload_app = False
# Our logs are JSON lines from the app; gunicorn's access log would add a second format.
accesslog = None
errorlog = "-"
loglevel = _cfg.log_level.lower()
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Metrics of all workers in one /metrics answer (prometheus_client's multiprocess mode).
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="veil-redactor-metrics-")
_METRICS_DIR = os.environ["PROMETHEUS_MULTIPROC_DIR"]

logs.configure(_cfg.log_level)


def on_starting(server):
    for entry in os.scandir(_METRICS_DIR):
        if entry.name.endswith(".db"):
            os.unlink(entry.path)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, _METRICS_DIR)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(_METRICS_DIR, ignore_errors=True)
