"""The batch runner's settings: cluster size and address, TLS files, work-unit size, where the models come from."""

from __future__ import annotations

from typing import Any, Mapping

from veil import config
from veil.config import Setting

DEFAULT_WORKERS = 2
DEFAULT_GROUP_SIZE = 8
DEFAULT_IN_FLIGHT_PER_WORKER = 2
DEFAULT_THREADS_PER_WORKER = 1
DEFAULT_DASHBOARD_ADDRESS = "127.0.0.1:0"
DEFAULT_CONNECT_TIMEOUT = 30.0


def _scheduler(raw: str) -> str:
    if raw and "://" not in raw:
        raise ValueError("expected tcp://host:port or tls://host:port")
    return raw


SETTINGS = config.declare(
    "batch",
    Setting("VEIL_BATCH_SCHEDULER", "", _scheduler,
            "Dask scheduler of an existing cluster (tcp://host:8786, or tls://host:8786 with the TLS files). "
            "Empty: a local cluster of VEIL_BATCH_WORKERS processes on this machine."),
    Setting("VEIL_BATCH_WORKERS", DEFAULT_WORKERS, config.positive_int,
            "Worker processes of the local cluster, one thread each. Each holds the models (about 1 GiB with "
            "TensorFlow): about one per core, fewer if memory runs short."),
    Setting("VEIL_BATCH_GROUP_SIZE", DEFAULT_GROUP_SIZE, config.positive_int,
            "Documents per work unit; their candidate phrases go to the models in one batch. Larger groups "
            "share more model calls; smaller ones balance better and lose less when a worker dies. Batches "
            "smaller than two groups per worker use smaller groups."),
    Setting("VEIL_BATCH_IN_FLIGHT", DEFAULT_IN_FLIGHT_PER_WORKER, config.positive_int,
            "Work units queued per worker at a time. The client holds their PDFs in memory: raise it only if "
            "workers wait for work (a remote cluster far away)."),
    Setting("VEIL_BATCH_TLS_CA_FILE", "", str,
            "PEM CA certificate that signed the scheduler's and workers' certificates (tls:// schedulers)."),
    Setting("VEIL_BATCH_TLS_CERT", "", str, "PEM client certificate presented to a tls:// scheduler."),
    Setting("VEIL_BATCH_TLS_KEY", "", str, "PEM private key of VEIL_BATCH_TLS_CERT.", secret=True),
    Setting("VEIL_BATCH_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT, config.positive_float,
            "Seconds to wait for a remote scheduler before giving up."),
    Setting("VEIL_BATCH_DASHBOARD_ADDRESS", DEFAULT_DASHBOARD_ADDRESS, str,
            "Where the local cluster serves its Dask dashboard (needs bokeh installed; empty: none). Keep it "
            "on 127.0.0.1 on a shared machine."),
    Setting("VEIL_BATCH_CLASSIFIER_URL", "", str,
            "Classifier service the workers call for the phi-type head. Empty: each worker loads the head "
            "from the model registry (VEIL_MODEL_REGISTRY) and calls the embedder itself (VEIL_EMBEDDER_ADDRESS)."),
    Setting("VEIL_BATCH_REDACTOR_URL", "", str,
            "Redactor service the workers call. Empty: each worker runs the redactor's code in process "
            "(faster: no PDF upload per document)."),
)


def load(overrides: Mapping[str, Any] | None = None) -> config.Config:
    return config.load((*config.COMMON, *SETTINGS), overrides=overrides)
