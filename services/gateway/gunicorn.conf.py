"""gunicorn settings for the gateway, read from the environment (VEIL_GATEWAY_*).

Start: gunicorn -c services/gateway/gunicorn.conf.py "services.gateway.app:create_app()"

The app is not preloaded: each worker opens its own database connections and HTTP sessions
and starts its own job-worker threads after the fork (threads and sockets do not survive a
fork). On shutdown the job workers stop claiming and finish within the graceful timeout; a
job cut short is taken over by another worker when its lease runs out.
"""

from services.gateway import settings
from veil import config as _config
from veil import logs
from veil.gunicorn_common import SHARED_SETTINGS, MultiprocessMetrics, tune_gc

# (`config` is itself a gunicorn setting name: the module is imported under another.)
_cfg = _config.load(_config.COMMON + settings.SETTINGS)

bind = f"{_cfg.gateway_host}:{_cfg.gateway_port}"
workers = _cfg.gateway_workers
threads = _cfg.gateway_threads
timeout = _cfg.gateway_timeout
graceful_timeout = _cfg.gateway_graceful_timeout
keepalive = _cfg.gateway_keepalive
loglevel = _cfg.log_level.lower()

# The same for every Veil service: gthread workers, no preload, JSON logs, multiprocess metrics.
globals().update(SHARED_SETTINGS)
_metrics = MultiprocessMetrics("gateway")
on_starting = _metrics.on_starting
child_exit = _metrics.child_exit
on_exit = _metrics.on_exit
post_worker_init = tune_gc

logs.configure(_cfg.log_level)


def worker_exit(server, worker):
    app = getattr(worker, "wsgi", None)
    state = getattr(app, "extensions", {}).get("veil_gateway") if app is not None else None
    if state is not None:
        state.stop_workers()
