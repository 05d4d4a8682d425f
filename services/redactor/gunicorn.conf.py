"""gunicorn settings for the redactor, read from the environment (VEIL_REDACTOR_*).

Start: gunicorn -c services/redactor/gunicorn.conf.py "services.redactor.app:create_app()"

Not preloaded: each worker imports PyMuPDF and runs its self-test after the fork. PyMuPDF
holds the GIL and is not thread-safe (documents run one at a time per worker), so workers
set the throughput; threads keep /healthz and /metrics answering during a long document.
"""

from services.redactor import settings
from services.redactor.limits import Limits
from veil import logs
from veil.gunicorn_common import SHARED_SETTINGS, MultiprocessMetrics, tune_gc

_cfg = settings.load()

bind = f"{_cfg.redactor_host}:{_cfg.redactor_port}"
workers = _cfg.redactor_workers
threads = _cfg.redactor_threads
# The per-document time limit is checked between pages; this is the hard stop behind it.
timeout = int(Limits.from_config(_cfg).most_seconds()) + settings.TIMEOUT_MARGIN_S
graceful_timeout = _cfg.redactor_graceful_timeout
keepalive = _cfg.redactor_keepalive
loglevel = _cfg.log_level.lower()

# The same for every Veil service: gthread workers, no preload, JSON logs, multiprocess metrics.
globals().update(SHARED_SETTINGS)
_metrics = MultiprocessMetrics("redactor")
on_starting = _metrics.on_starting
child_exit = _metrics.child_exit
on_exit = _metrics.on_exit
post_worker_init = tune_gc

logs.configure(_cfg.log_level)
