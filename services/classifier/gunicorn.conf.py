"""gunicorn settings for the classifier, read from the environment (VEIL_CLASSIFIER_*).

Start: gunicorn -c services/classifier/gunicorn.conf.py "services.classifier.app:create_app()"

The app is not preloaded: each worker imports TensorFlow, loads its heads, opens its own
embedder channel and starts its own inference-recorder thread after the fork (gRPC
channels, TensorFlow and threads do not survive a fork).
"""

import logging
import os
import shutil
import sys
import tempfile

from services.classifier import settings
from veil import logs

_cfg = settings.load()

bind = f"{_cfg.classifier_host}:{_cfg.classifier_port}"
workers = _cfg.classifier_workers
threads = _cfg.classifier_threads
worker_class = "gthread"
timeout = _cfg.classifier_timeout
graceful_timeout = _cfg.classifier_graceful_timeout
keepalive = _cfg.classifier_keepalive
preload_app = False
# One control socket path per user would be shared by every gunicorn on the machine (redactor, gateway).
control_socket_disable = True
# Our logs are JSON lines from the app; gunicorn's access log would add a second format.
accesslog = None
errorlog = "-"
loglevel = _cfg.log_level.lower()
# /dev/shm keeps the worker heartbeat off slow container disks.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Metrics of all workers in one /metrics answer: prometheus_client's multiprocess mode keeps
# each worker's values in files here. Set before any worker imports prometheus_client.
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="veil-classifier-metrics-")
_METRICS_DIR = os.environ["PROMETHEUS_MULTIPROC_DIR"]

logs.configure(_cfg.log_level)


def on_starting(server):
    # Values of a previous run must not be added to this one's.
    for entry in os.scandir(_METRICS_DIR):
        if entry.name.endswith(".db"):
            os.unlink(entry.path)


def post_fork(server, worker):
    server.log.info("classifier worker %s started; it opens its own embedder channel", worker.pid)


def worker_exit(server, worker):
    # Flush this worker's queued inference records (to the database, else the durable spool).
    app = getattr(worker, "wsgi", None)
    service = getattr(app, "extensions", {}).get("veil_classifier") if app is not None else None
    if service is None:
        return
    service.close()
    if worker.booted and not worker.alive:
        # An orderly shutdown, and nothing is left to save. TensorFlow's interpreter teardown
        # takes seconds that would only delay restarts and rolling deployments.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, _METRICS_DIR)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(_METRICS_DIR, ignore_errors=True)
