"""The gateway's settings: auth keys, job limits and retention, callbacks, pipeline tuning, service addresses."""

from __future__ import annotations

from veil import config
from veil.clients.classifier import CLIENT_SETTINGS as CLASSIFIER_CLIENT_SETTINGS  # noqa: F401 - VEIL_CLASSIFIER_KEY
from veil.config import Setting

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 8
DEFAULT_TIMEOUT = 60
DEFAULT_GRACEFUL_TIMEOUT = 30
DEFAULT_KEEPALIVE = 5
DEFAULT_ML_WEIGHT = 0.4
DEFAULT_CLASSIFIER_URL = "http://127.0.0.1:8081"
DEFAULT_REDACTOR_URL = "http://127.0.0.1:8082"
DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
DEFAULT_RETENTION_HOURS = 24.0
DEFAULT_WORKER_THREADS = 1
DEFAULT_JOB_LEASE_SECONDS = 30.0
DEFAULT_JOB_MAX_ATTEMPTS = 3
DEFAULT_POLL_SECONDS = 0.5
DEFAULT_CALLBACK_ATTEMPTS = 5
DEFAULT_CALLBACK_TIMEOUT = 5.0
DEFAULT_BLOB_WORKERS = 4
DEFAULT_PREDICT_BATCH_SIZE = 512
DEFAULT_TAGGER_MODEL = "phi-tagger"


def _head_or_off(raw: str) -> str:
    """A head's name, or "" for `off`/`none` (an empty variable means the default, as for every setting)."""
    value = raw.strip()
    return "" if value.lower() in ("off", "none") else value

DEFAULT_TAGGER_THRESHOLD = 0.5
DEFAULT_PHI_MODEL = "phi-type"
DEFAULT_MODEL_THRESHOLD = 0.5
DEFAULT_REVIEW_THRESHOLD = 0.2
DEFAULT_MAX_CLASSIFY_TEXTS = 2048
DEFAULT_MAX_TEXT_BYTES = 256 * 1024
DEFAULT_MAX_TEXTS = 1000


def _fraction(raw: str) -> float:
    value = float(raw)
    if not 0.0 <= value <= 1.0:
        raise ValueError("expected a number between 0 and 1")
    return value


def _team_options(raw: str) -> dict:
    from services.gateway.options import team_defaults

    return team_defaults(raw)


def _team_secrets(raw: str) -> dict[str, str]:
    """'team-a:s1,team-b:s2' -> {'team-a': 's1', 'team-b': 's2'} (team to its secret)."""
    return {team: secret for secret, team in config.key_map(raw).items()}


SETTINGS = config.declare(
    "gateway",
    Setting("VEIL_GATEWAY_HOST", DEFAULT_HOST, str,
            "Address gunicorn binds. 0.0.0.0 in containers; keep 127.0.0.1 on a shared machine."),
    Setting("VEIL_GATEWAY_PORT", DEFAULT_PORT, config.port,
            "Port of the public HTTP API (0: any free port, for tests)."),
    Setting("VEIL_GATEWAY_WORKERS", DEFAULT_WORKERS, config.positive_int,
            "gunicorn worker processes. API requests are light (uploads, status); the job worker threads in "
            "each process do the document work, so size this with VEIL_GATEWAY_WORKER_THREADS."),
    Setting("VEIL_GATEWAY_THREADS", DEFAULT_THREADS, config.positive_int,
            "Request threads per gunicorn worker: requests mostly wait on the database or the classifier."),
    Setting("VEIL_GATEWAY_TIMEOUT", DEFAULT_TIMEOUT, config.positive_int,
            "Seconds a gunicorn worker may be silent before it is restarted (jobs run in their own threads and "
            "do not count)."),
    Setting("VEIL_GATEWAY_GRACEFUL_TIMEOUT", DEFAULT_GRACEFUL_TIMEOUT, config.positive_int,
            "Seconds in-flight requests and jobs get on shutdown; an unfinished job is taken over by another "
            "worker once its lease runs out."),
    Setting("VEIL_GATEWAY_KEEPALIVE", DEFAULT_KEEPALIVE, config.positive_int,
            "Seconds an idle keep-alive connection stays open; above the load balancer's idle timeout behind an ALB."),
    Setting("VEIL_API_KEYS", {}, config.key_map,
            "Caller keys as team:key pairs, comma-separated (team-a:k1,team-b:k2). A caller sees only its own "
            "jobs. Empty means every /v1 request is refused with 401: set it, from a secret store in production.",
            secret=True),
    Setting("VEIL_CLASSIFIER_URL", DEFAULT_CLASSIFIER_URL, str,
            "Base URL of the classifier service (phi-type head and POST /v1/classify)."),
    Setting("VEIL_REDACTOR_URL", DEFAULT_REDACTOR_URL, str,
            "Base URL of the redactor service (extraction, redaction, verification)."),
    Setting("VEIL_GATEWAY_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES, config.positive_int,
            "Largest PDF accepted; bigger uploads get 413. Raise it together with the load balancer's body limit."),
    Setting("VEIL_GATEWAY_RETENTION_HOURS", DEFAULT_RETENTION_HOURS, config.positive_float,
            "Jobs, their PDFs and reports are deleted this long after upload (PHI: keep it as short as callers "
            "allow)."),
    Setting("VEIL_GATEWAY_WORKER_THREADS", DEFAULT_WORKER_THREADS, config.non_negative_int,
            "Job worker threads per gateway process (0: this process only serves the API; run "
            "`python -m services.gateway.worker` elsewhere). Each thread works on one document at a time."),
    Setting("VEIL_GATEWAY_JOB_LEASE_SECONDS", DEFAULT_JOB_LEASE_SECONDS, config.positive_float,
            "A running job whose worker stopped renewing its lease for this long is taken over by another "
            "worker. The worker heartbeats (renews it) every sixth of it while it works, so a long job on a live "
            "worker is never taken over; keep it well above a GC pause or a store blip."),
    Setting("VEIL_GATEWAY_JOB_MAX_ATTEMPTS", DEFAULT_JOB_MAX_ATTEMPTS, config.positive_int,
            "A job whose worker died this many times is failed instead of retried (a PDF that crashes workers)."),
    Setting("VEIL_GATEWAY_POLL_SECONDS", DEFAULT_POLL_SECONDS, config.positive_float,
            "How often an idle worker looks for queued jobs. Lower means less latency, more queries."),
    Setting("VEIL_GATEWAY_CALLBACK_HOSTS", (), config.csv_list,
            "Hosts (host or host:port, or *.domain) that callback_url may point to; anything else is refused "
            "with 400, so callers cannot make the gateway call internal addresses. Empty: no callbacks."),
    Setting("VEIL_GATEWAY_CALLBACK_SECRET", "", str,
            "Shared HMAC-SHA256 key for the X-Veil-Signature header of callbacks of teams without their own "
            "(VEIL_GATEWAY_CALLBACK_SECRETS). With callback hosts set, a team with neither gets 400 for a "
            "callback_url.", secret=True),
    Setting("VEIL_GATEWAY_CALLBACK_SECRETS", {}, _team_secrets,
            "Per-team callback signing keys as team:secret pairs, comma-separated; give each team only its own, "
            "so one team's receiver cannot forge another team's callbacks.", secret=True),
    Setting("VEIL_GATEWAY_CALLBACK_ATTEMPTS", DEFAULT_CALLBACK_ATTEMPTS, config.positive_int,
            "Deliveries tried per callback (exponential backoff with jitter between them)."),
    Setting("VEIL_GATEWAY_CALLBACK_TIMEOUT", DEFAULT_CALLBACK_TIMEOUT, config.positive_float,
            "Seconds a callback receiver gets to answer one delivery."),
    Setting("VEIL_GATEWAY_BLOB_WORKERS", DEFAULT_BLOB_WORKERS, config.positive_int,
            "Threads running the hybrid search over blobs in parallel. Blob work is light; more than the "
            "core count only helps when blobs are many."),
    Setting("VEIL_GATEWAY_PREDICT_BATCH_SIZE", DEFAULT_PREDICT_BATCH_SIZE, config.positive_int,
            "Phrases per request to the classifier in the batch prediction step. Lower it if the classifier "
            "refuses large bodies; raising it past the embedder's max batch gains little."),
    Setting("VEIL_GATEWAY_PHI_MODEL", DEFAULT_PHI_MODEL, str,
            "Classifier model (head) used for PHI types."),
    Setting("VEIL_GATEWAY_TAGGER_MODEL", DEFAULT_TAGGER_MODEL, _head_or_off,
            "Classifier token head that labels every paragraph token by token in context. `off`: no tagging "
            "(only patterns and candidate phrases); a head that is not trained yet is skipped with a warning."),
    Setting("VEIL_GATEWAY_TAGGER_THRESHOLD", DEFAULT_TAGGER_THRESHOLD, _fraction,
            "A span the token tagger labels is redacted when its probability reaches this. Lower it for recall, "
            "raise it for precision; `veil eval --gold` shows both."),
    Setting("VEIL_GATEWAY_USE_ML_MODEL", True, config.boolean,
            "Combine the scikit-learn phi-type-ml model (joblib, loaded in the gateway) with the DL head."),
    Setting("VEIL_GATEWAY_ML_WEIGHT", DEFAULT_ML_WEIGHT, _fraction,
            "Weight of the ML model against the DL head in the combined probability (0: DL only)."),
    Setting("VEIL_GATEWAY_MODEL_THRESHOLD", DEFAULT_MODEL_THRESHOLD, _fraction,
            "A model-found entity is redacted when its combined probability reaches this. Lower it for recall, "
            "raise it for precision; `veil eval` shows both."),
    Setting("VEIL_GATEWAY_REVIEW_THRESHOLD", DEFAULT_REVIEW_THRESHOLD, _fraction,
            "Spans scored between this and the model threshold stay in place but count in the residual risk "
            "and are listed in the report for review."),
    Setting("VEIL_GATEWAY_MAX_CLASSIFY_TEXTS", DEFAULT_MAX_CLASSIFY_TEXTS, config.positive_int,
            "Most texts one POST /v1/classify may carry; larger requests get 413."),
    Setting("VEIL_GATEWAY_MAX_TEXT_BYTES", DEFAULT_MAX_TEXT_BYTES, config.positive_int,
            "Largest body POST /v1/deidentify/text answers synchronously; larger bodies get 413 with the limit. "
            "Time grows with it (the gateway's own work at roughly 100-200 KiB/s per core, plus the classifier "
            "calls): keep it under what a request may take behind the load balancer; bigger documents go as jobs."),
    Setting("VEIL_GATEWAY_MAX_TEXTS", DEFAULT_MAX_TEXTS, config.positive_int,
            "Most texts one POST /v1/deidentify/text may carry; more get 413."),
    Setting("VEIL_GATEWAY_HASH_SECRET", "", str,
            "Key from which each team's key for the `hash` operator is derived (HMAC-SHA256): the same value "
            "hashes the same way within a team, differently across teams. Empty: the `hash` operator is refused "
            "with 400. Changing it changes every hash.", secret=True),
    Setting("VEIL_GATEWAY_TEAM_OPTIONS", {}, _team_options,
            "Per-team default de-identification options as JSON, {\"team-a\": {\"operators\": {\"PERSON\": "
            "{\"type\": \"surrogate\"}}, \"allow_list\": [\"St. Mary's Hospital\"]}}; a request's own "
            "options win, field by field (operators type by type)."),
)


def load(overrides=None) -> config.Config:
    return config.load(SETTINGS, overrides=overrides)
