"""The classifier's settings: which heads to serve, request limits, gunicorn sizing, the inference store."""

from __future__ import annotations

from typing import Any, Mapping

from veil import config
from veil.clients.embedder import CLIENT_SETTINGS
from veil.config import Setting

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8081
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 8
DEFAULT_TIMEOUT = 30
DEFAULT_GRACEFUL_TIMEOUT = 20
DEFAULT_KEEPALIVE = 5
DEFAULT_MAX_TEXTS = 2048
DEFAULT_MAX_TEXT_CHARS = 1000
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
DEFAULT_EMBEDDER_TIMEOUT = 10.0
DEFAULT_RETRY_AFTER = 5
DEFAULT_STORE_BATCH_SIZE = 500
DEFAULT_STORE_FLUSH_SECONDS = 0.2
DEFAULT_STORE_QUEUE_SIZE = 20_000
DEFAULT_STORE_RETRY_SECONDS = 2.0
DEFAULT_SPOOL_MAX_MB = 512


SETTINGS = config.declare(
    "classifier",
    Setting("VEIL_CLASSIFIER_HOST", DEFAULT_HOST, str,
            "Address gunicorn binds. 0.0.0.0 in containers; keep 127.0.0.1 on a shared machine."),
    Setting("VEIL_CLASSIFIER_PORT", DEFAULT_PORT, config.port,
            "Port of the classifier's HTTP API (0: any free port, for tests)."),
    Setting("VEIL_CLASSIFIER_WORKERS", DEFAULT_WORKERS, config.positive_int,
            "gunicorn worker processes. Each holds its own copy of the heads (TensorFlow, a few hundred MB): "
            "size by memory and by the JMeter runs, not by 2n+1; the embedder does the heavy work."),
    Setting("VEIL_CLASSIFIER_THREADS", DEFAULT_THREADS, config.positive_int,
            "Threads per worker. Requests mostly wait on the embedder, so threads are cheap concurrency; "
            "lower it if the embedder's queue is the bottleneck (more waiting gains nothing)."),
    Setting("VEIL_CLASSIFIER_TIMEOUT", DEFAULT_TIMEOUT, config.positive_int,
            "Seconds a worker may be silent before gunicorn restarts it. Keep it above the embedder timeout."),
    Setting("VEIL_CLASSIFIER_GRACEFUL_TIMEOUT", DEFAULT_GRACEFUL_TIMEOUT, config.positive_int,
            "Seconds in-flight requests get to finish on shutdown; queued inference records are flushed "
            "(to the database or the spool) in this time too."),
    Setting("VEIL_CLASSIFIER_KEEPALIVE", DEFAULT_KEEPALIVE, config.positive_int,
            "Seconds an idle keep-alive connection stays open. Set it above the load balancer's idle timeout "
            "behind an ALB, or it will see 502s."),
    Setting("VEIL_CLASSIFIER_MODELS", (), config.csv_list,
            "Models (heads) this instance serves, comma-separated; empty serves every model in the registry. "
            "Run one instance per head or group several, by deployment."),
    Setting("VEIL_MODEL_REGISTRY", "", str,
            "Model registry folder (<model>/<version>/ with head.keras, labels, report, metadata). "
            "Default: <VEIL_HOME>/registry."),
    Setting("VEIL_CLASSIFIER_EMBEDDER_TIMEOUT", DEFAULT_EMBEDDER_TIMEOUT, config.positive_float,
            "Seconds one embedder call may take before the request is answered 503. Raise it for very "
            "large requests on a slow CPU embedder."),
    Setting("VEIL_CLASSIFIER_RETRY_AFTER", DEFAULT_RETRY_AFTER, config.positive_int,
            "Retry-After (seconds) sent with a 503 when the embedder is unavailable."),
    Setting("VEIL_CLASSIFIER_MAX_TEXTS", DEFAULT_MAX_TEXTS, config.positive_int,
            "Most texts in one predict request (more: 413). All of a request's texts go in one embedder call."),
    Setting("VEIL_CLASSIFIER_MAX_TEXT_CHARS", DEFAULT_MAX_TEXT_CHARS, config.positive_int,
            "Longest text accepted, in characters (longer: 400). Heads are trained on short phrases; the "
            "embedder truncates long input anyway."),
    Setting("VEIL_CLASSIFIER_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, config.positive_int,
            "Largest request body (bigger: 413). Keep it ≥ max texts × max chars × 4 (UTF-8)."),
    Setting("VEIL_CLASSIFIER_API_KEYS", {}, config.key_map,
            "Team keys as team:key pairs, comma-separated: predict, tag and list models, recorded as the team. "
            "Every /v1 request needs 'Authorization: Bearer <key>' (401 without one).", secret=True),
    Setting("VEIL_CLASSIFIER_ADMIN_KEYS", {}, config.key_map,
            "Admin keys as name:key pairs: everything a team key may do, plus model administration "
            "(GET /v1/models/{name}/versions, POST .../rollback); team and service keys get 403 there.",
            secret=True),
    Setting("VEIL_CLASSIFIER_SERVICE_KEYS", {}, config.key_map,
            "Keys of trusted services (the gateway) as name:key pairs: team rights, and X-Veil-Caller names "
            "the team the service calls for. From any other caller X-Veil-Caller is ignored.", secret=True),
    Setting("VEIL_CLASSIFIER_ALLOW_UNAUTHENTICATED", False, config.boolean,
            "Serve /v1 calls without a key, with admin rights, recorded as 'anonymous'. Local development "
            "only: anyone who reaches the port can roll heads back."),
    Setting("VEIL_INFERENCE_BATCH_SIZE", DEFAULT_STORE_BATCH_SIZE, config.positive_int,
            "Inference records per database insert."),
    Setting("VEIL_INFERENCE_FLUSH_SECONDS", DEFAULT_STORE_FLUSH_SECONDS, config.positive_float,
            "Longest a record waits in memory before its batch is written. Records in memory are lost if "
            "the process is killed with -9; lower it to narrow that window."),
    Setting("VEIL_INFERENCE_QUEUE_SIZE", DEFAULT_STORE_QUEUE_SIZE, config.positive_int,
            "Records held in memory per worker; beyond it (a stalled database) records go straight to the spool."),
    Setting("VEIL_INFERENCE_RETRY_SECONDS", DEFAULT_STORE_RETRY_SECONDS, config.positive_float,
            "First wait before the database is tried again after a failure; doubles up to 30 s."),
    Setting("VEIL_INFERENCE_SPOOL_DIR", "", str,
            "Durable spool for records while the database is unreachable. Default: <VEIL_HOME>/spool/inference. "
            "Put it on a persistent volume, or a restarted container loses what it held."),
    Setting("VEIL_INFERENCE_SPOOL_MAX_MB", DEFAULT_SPOOL_MAX_MB, config.positive_int,
            "Bound of the spool. When full, new records are dropped (counted in "
            "veil_inference_records_dropped_total, logged once); about 1 KB per record."),
)


def load(overrides: Mapping[str, Any] | None = None) -> config.Config:
    """The classifier's settings plus the common ones (database URL, VEIL_HOME, log level) and the
    embedder client's (VEIL_EMBEDDER_ADDRESS)."""
    return config.load((*config.COMMON, *SETTINGS, *CLIENT_SETTINGS), overrides=overrides)
