"""The Dask cluster a batch runs on: a local cluster of single-threaded worker processes, or a remote scheduler.

Local workers get their thread pools capped before they start (OpenMP, MKL, OpenBLAS and
TensorFlow read these variables once, at load), so N workers use about N cores instead of
N x cores fighting over the CPU. A remote scheduler is reached by address, over TLS when
it is tls:// (distributed.security.Security from the CA, certificate and key files).
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from veil.threads import thread_env

_log = logging.getLogger(__name__)

_LOOPBACK_ANY_PORT = "127.0.0.1:0"


class ClusterError(ValueError):
    """The cluster options cannot work (TLS files missing, a tls:// address without them); the message says why."""


@dataclass(frozen=True)
class ClusterOptions:
    scheduler: str = ""           # empty: a local cluster
    workers: int = 2              # local cluster only
    threads: int = 1              # per worker (local cluster) and the thread cap inside each worker
    tls_ca_file: str = ""
    tls_cert: str = ""
    tls_key: str = ""
    connect_timeout: float = 30.0
    dashboard_address: str = "127.0.0.1:0"


@dataclass
class Connection:
    client: Any
    description: str              # "local cluster: 2 workers x 1 thread" or the scheduler's address
    dashboard: str | None

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1).get("workers", {}))


def security(options: ClusterOptions) -> Any | None:
    """The TLS settings for the scheduler, or None for plaintext; refuses half-given or missing files."""
    files = {"--tls-ca-file": options.tls_ca_file, "--tls-cert": options.tls_cert, "--tls-key": options.tls_key}
    given = {flag: path for flag, path in files.items() if path}
    tls_address = options.scheduler.startswith("tls://")
    if not given:
        if tls_address:
            raise ClusterError(f"{options.scheduler} is a TLS scheduler: give --tls-ca-file, --tls-cert and --tls-key")
        return None
    if not options.scheduler:
        raise ClusterError("TLS options apply to a remote scheduler: give --scheduler tls://host:port too")
    if not tls_address:
        raise ClusterError(f"TLS files were given but the scheduler address {options.scheduler} is not tls://")
    missing = [flag for flag in files if flag not in given]
    if missing:
        raise ClusterError(f"TLS needs all three files; missing {', '.join(missing)}")
    for flag, path in given.items():
        if not Path(path).is_file():
            raise ClusterError(f"{flag} {path}: no such file")
    from distributed.security import Security

    return Security(tls_ca_file=options.tls_ca_file, tls_client_cert=options.tls_cert,
                    tls_client_key=options.tls_key, require_encryption=True)


@contextlib.contextmanager
def connect(options: ClusterOptions) -> Iterator[Connection]:
    """A client on the cluster the options name; closes it (and a local cluster) on the way out."""
    import dask
    from dask.distributed import Client, LocalCluster

    sec = security(options)
    # distributed sets its own loggers to INFO; its chatter would bury the batch's own lines.
    logging.getLogger("distributed").setLevel(max(logging.WARNING, logging.getLogger().getEffectiveLevel()))
    if options.scheduler:
        if "://" not in options.scheduler:
            raise ClusterError(f"scheduler address {options.scheduler!r}: expected tcp://host:port or tls://host:port")
        try:
            client = Client(options.scheduler, security=sec, timeout=options.connect_timeout)
        except OSError as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {options.scheduler}: {exc}") from None
        try:
            yield Connection(client, f"scheduler {options.scheduler}", _dashboard(client))
        finally:
            client.close()
        return
    env = thread_env(options.threads)
    saved = {name: os.environ.get(name) for name in env}
    try:
        # pre-spawn-environ is set in the worker's environment before its interpreter starts, which is
        # when BLAS reads it; the nanny does that by updating this process's environment (restored below).
        with dask.config.set({"distributed.nanny.pre-spawn-environ": env,
                              # PDFs travel inside the tasks, so a dead worker's unit can run elsewhere.
                              "distributed.admin.large-graph-warning-threshold": "512MB"}):
            dashboard = options.dashboard_address if options.dashboard_address and _have_bokeh() else None
            # The scheduler serves HTTP (/health, /metrics) even without a dashboard: keep it on loopback too.
            cluster = LocalCluster(n_workers=options.workers, threads_per_worker=options.threads, processes=True,
                                   host="127.0.0.1", dashboard_address=dashboard or _LOOPBACK_ANY_PORT, env=env,
                                   scheduler_kwargs={"dashboard": dashboard is not None},
                                   silence_logs=logging.ERROR)
            try:
                client = Client(cluster)
                try:
                    yield Connection(client, f"local cluster: {options.workers} worker process(es) x "
                                             f"{options.threads} thread(s)",
                                     _dashboard(client) if dashboard else None)
                finally:
                    client.close()
            finally:
                cluster.close()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _have_bokeh() -> bool:
    # distributed serves the dashboard pages only with bokeh; without it the link would be a 404.
    return importlib.util.find_spec("bokeh") is not None


def _dashboard(client: Any) -> str | None:
    try:
        return client.dashboard_link
    except (KeyError, AttributeError):  # the scheduler runs no dashboard
        return None
