"""`veil train --all`: every configured head trained in parallel on a Dask cluster (local by default).

Each task is one config, run in a worker process with one thread by default. BLAS (OpenMP,
MKL, OpenBLAS) and TensorFlow get the same per-worker thread budget, set before they start
their pools, so N workers use about N cores instead of N x cores fighting over the CPU.
The config travels as text, so a remote worker needs the code installed, not the files.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path
from typing import Any, Sequence

from veil import threads as threads_
from veil.threads import thread_env

_log = logging.getLogger(__name__)


def limit_threads(threads: int) -> dict[str, Any]:
    """Caps the thread pools of this process (a worker); returns what it could set, for the summary."""
    applied = threads_.limit_threads(threads)
    applied["tensorflow"] = threads_.limit_tensorflow_threads(threads)
    return applied


def train_task(config_text: str, source: str, threads: int, overrides: dict[str, Any],
               log_level: str = "INFO", publish: bool = True) -> dict[str, Any]:
    """Runs in a worker: one config end to end; returns its summary, or the error it failed with."""
    import yaml

    from services.classifier.training import config, pipeline
    from veil import logs

    if not logging.getLogger().handlers:  # a fresh worker process; an in-process worker keeps its host's logging
        logs.configure(log_level)
    applied = limit_threads(threads)
    try:
        cfg = config.parse(yaml.safe_load(config_text), source)
        if not publish:
            cfg = dataclasses.replace(cfg, publish=False)
        env = pipeline.Environment.from_settings(**overrides)
        result = pipeline.train(cfg, env)
        summary = result.summary()
    except Exception as exc:  # noqa: BLE001 - one failed head must not hide the others' results
        _log.exception("training %s failed", source)
        return {"source": source, "error": f"{type(exc).__name__}: {exc}", "pid": os.getpid(), "limits": applied}
    summary.update(source=source, pid=os.getpid(), limits=applied)
    return summary


def train_all(config_paths: Sequence[str | Path], scheduler: str | None = None, workers: int | None = None,
              threads: int = 1, overrides: dict[str, Any] | None = None,
              publish: bool = True) -> list[dict[str, Any]]:
    """Trains each config as one Dask task; on `scheduler` when given, else on a local process cluster."""
    from dask.distributed import Client, LocalCluster

    # distributed sets its loggers to INFO on import; the CLI's level (WARNING by default) wins.
    logging.getLogger("distributed").setLevel(max(logging.WARNING, logging.getLogger().level))
    level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
    paths = [Path(p) for p in config_paths]
    if not paths:
        raise ValueError("no training configs to run")
    payloads = [(p.read_text(encoding="utf-8"), str(p)) for p in paths]
    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="30s")
        _log.info("training %d heads on the cluster at %s", len(paths), scheduler)
    else:
        n = workers or max(1, min(len(paths), (os.cpu_count() or 1) // threads))
        # Loopback only, and a free port for the status page: never collide with another cluster on :8787.
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address="127.0.0.1:0", env=thread_env(threads),
                               silence_logs=logging.WARNING)
        client = Client(cluster)
        _log.info("training %d heads on a local cluster of %d worker processes x %d thread(s)", len(paths), n, threads)
    try:
        futures = [client.submit(train_task, text, source, threads, dict(overrides or {}), level, publish,
                                 pure=False, key=f"train-{Path(source).stem}-{i}")
                   for i, (text, source) in enumerate(payloads)]
        return client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
