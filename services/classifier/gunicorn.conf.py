"""gunicorn settings for the classifier, read from the environment (VEIL_CLASSIFIER_*).

Start: gunicorn -c services/classifier/gunicorn.conf.py "services.classifier.app:create_app()"

The app is not preloaded: each worker imports TensorFlow, loads its heads, opens its own
embedder channel and starts its own inference-recorder thread after the fork (gRPC
channels, TensorFlow and threads do not survive a fork).
"""

import logging
import os
import sys

from services.classifier import settings
from veil import logs
from veil.gunicorn_common import SHARED_SETTINGS, MultiprocessMetrics

_cfg = settings.load()

bind = f"{_cfg.classifier_host}:{_cfg.classifier_port}"
workers = _cfg.classifier_workers
threads = _cfg.classifier_threads
timeout = _cfg.classifier_timeout
graceful_timeout = _cfg.classifier_graceful_timeout
keepalive = _cfg.classifier_keepalive
loglevel = _cfg.log_level.lower()

# The same for every Veil service: gthread workers, no preload, JSON logs, multiprocess metrics.
globals().update(SHARED_SETTINGS)
_metrics = MultiprocessMetrics("classifier")
on_starting = _metrics.on_starting
child_exit = _metrics.child_exit
on_exit = _metrics.on_exit

logs.configure(_cfg.log_level)


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
