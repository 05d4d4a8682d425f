"""The embedder's settings (environment variables), with named defaults and operating advice."""

from __future__ import annotations

from veil.config import Config, Setting, declare, load, non_negative_float, non_negative_int, port, positive_int

# Chosen by measurement; see services/embedder/README.md ("How the defaults were chosen").
DEFAULT_PORT = 50051
DEFAULT_HOST = "127.0.0.1"
DEFAULT_METRICS_PORT = 9464
DEFAULT_MAX_BATCH_SIZE = 64
DEFAULT_MAX_WAIT_MS = 2.0
# A batch of sentences holds at most this many (estimated) tokens as well as MAX_BATCH_SIZE
# texts. Measured (README, "Token-budget batching"): phrases per second are flat from 32 to 128
# phrases (~400-1,600 tokens), paragraphs per second fall past ~8 paragraphs (~1,100 tokens).
DEFAULT_MAX_BATCH_TOKENS = 1024
DEFAULT_CACHE_MAXSIZE = 40_000
DEFAULT_MAX_TEXTS = 1024
DEFAULT_MAX_TEXT_CHARS = 4096
DEFAULT_MAX_QUEUE = 16384
DEFAULT_WORKERS = 128
DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
DEFAULT_GRACE_S = 20.0
# float32 until heads are trained per precision: every head in a registry (the demo's, CI's, the
# in-process pipeline's) is trained against float32 vectors, and a server that switched to bfloat16
# by itself would refuse them all. `auto` opts in to the fastest gated build this CPU runs natively.
DEFAULT_PRECISION = "float32"
PRECISION_CHOICES = ("auto", "float32", "bfloat16")
# The EmbedTokens cache, bounded in both: entries and bytes (a ~60-word paragraph's ~120 token
# vectors take ~93 KB as float16, so 128 MiB hold ~1,400 paragraphs; 20,000 short phrases of
# a few tokens take ~4 KB each). Not yet environment settings: deployments have no token
# traffic to size them from. VEIL_EMBEDDER_CACHE_MAXSIZE=0 turns this cache off too.
TOKEN_CACHE_MAXSIZE = 20_000
TOKEN_CACHE_MAX_BYTES = 128 * 1024 * 1024


def _precision(raw: str) -> str:
    value = raw.strip().lower()
    if value not in PRECISION_CHOICES:
        raise ValueError(f"must be one of {', '.join(PRECISION_CHOICES)}")
    return value


def _optional_path(raw: str) -> str:
    return raw.strip()


SETTINGS = declare(
    "embedder",
    Setting("VEIL_EMBEDDER_PORT", DEFAULT_PORT, port,
            "gRPC port. 0 picks a free port (the bound port is logged)."),
    Setting("VEIL_EMBEDDER_HOST", DEFAULT_HOST, str,
            "Address to bind. Use 0.0.0.0 in containers so the load balancer can reach it."),
    Setting("VEIL_EMBEDDER_MODEL", "", str,
            "Path or TF-Hub handle of a text-embedding SavedModel. Empty: the default model built by "
            "`veil model build`."),
    Setting("VEIL_EMBEDDER_PRECISION", DEFAULT_PRECISION, _precision,
            "Numeric precision of the default model: auto (the fastest this CPU runs natively among the builds "
            "that passed the fidelity gate, else float32; logged at start), float32 or bfloat16. Part of the "
            "model version: heads trained on one precision are refused by a server of another, so a server "
            "switched to auto or bfloat16 needs its heads retrained against it."),
    Setting("VEIL_EMBEDDER_MAX_BATCH_SIZE", DEFAULT_MAX_BATCH_SIZE, positive_int,
            "Most texts per model call. Throughput stops growing past this on CPU (see the README); "
            "lower it if the process runs out of memory, raise it on a GPU."),
    Setting("VEIL_EMBEDDER_MAX_BATCH_TOKENS", DEFAULT_MAX_BATCH_TOKENS, positive_int,
            "Most estimated tokens (UTF-8 bytes / 3, plus [CLS] and [SEP]) per sentence batch, besides "
            "MAX_BATCH_SIZE texts: a batch of paragraphs stops here long before it reaches MAX_BATCH_SIZE. "
            "Chosen from `veil bench embedder`'s paragraph sweep (see the README)."),
    Setting("VEIL_EMBEDDER_MAX_WAIT_MS", DEFAULT_MAX_WAIT_MS, non_negative_float,
            "How long the first text of a batch waits for company when the model is idle. Under load "
            "batches fill while the model is busy, so this only adds latency to lone calls; 0 disables it."),
    Setting("VEIL_EMBEDDER_CACHE_MAXSIZE", DEFAULT_CACHE_MAXSIZE, non_negative_int,
            "Vectors kept in the LRU cache (about 1.8 KB each for 384-d, measured). Default from `veil cache size`; "
            "re-run it on your phrase log before changing it. 0 turns the cache off."),
    Setting("VEIL_EMBEDDER_MAX_TEXTS", DEFAULT_MAX_TEXTS, positive_int,
            "Most texts in one Embed call (INVALID_ARGUMENT beyond). The client splits larger lists."),
    Setting("VEIL_EMBEDDER_MAX_TEXT_CHARS", DEFAULT_MAX_TEXT_CHARS, positive_int,
            "Longest text accepted, in characters (INVALID_ARGUMENT beyond). The default model reads only "
            "the first 256 tokens (about 1,000 characters) of a text."),
    Setting("VEIL_EMBEDDER_MAX_QUEUE", DEFAULT_MAX_QUEUE, positive_int,
            "Most texts waiting for the model; calls beyond get RESOURCE_EXHAUSTED and the client backs off. "
            "Lower it to shed load sooner, raise it to absorb longer bursts."),
    Setting("VEIL_EMBEDDER_WORKERS", DEFAULT_WORKERS, positive_int,
            "gRPC handler threads, which is also the most concurrent calls (RESOURCE_EXHAUSTED beyond). "
            "A call waiting for the model holds a thread but no CPU; raise this if clients see "
            "RESOURCE_EXHAUSTED while the queue (veil_embedder_queue_depth) is short."),
    Setting("VEIL_EMBEDDER_MAX_MESSAGE_BYTES", DEFAULT_MAX_MESSAGE_BYTES, positive_int,
            "Largest gRPC message received or sent. Must hold MAX_TEXTS texts of MAX_TEXT_CHARS."),
    Setting("VEIL_EMBEDDER_GRACE_S", DEFAULT_GRACE_S, non_negative_float,
            "On SIGTERM, how long in-flight calls may take to finish. Keep it below the orchestrator's "
            "stop timeout (ECS: stopTimeout, 30 s by default)."),
    Setting("VEIL_EMBEDDER_TLS_CERT", "", _optional_path,
            "PEM certificate chain; with VEIL_EMBEDDER_TLS_KEY it turns TLS on. Empty: plaintext (inside a VPC)."),
    Setting("VEIL_EMBEDDER_TLS_KEY", "", _optional_path, "PEM private key for VEIL_EMBEDDER_TLS_CERT.", secret=True),
    Setting("VEIL_EMBEDDER_METRICS_PORT", DEFAULT_METRICS_PORT, port,
            "Prometheus /metrics HTTP port. 0 picks a free port (logged)."),
    Setting("VEIL_EMBEDDER_INTRA_OP_THREADS", 0, non_negative_int,
            "TensorFlow threads inside one op. 0: one per visible core; set it to the container's CPU "
            "quota, because TensorFlow sees the host's cores, not the quota."),
    Setting("VEIL_EMBEDDER_INTER_OP_THREADS", 0, non_negative_int,
            "TensorFlow ops run in parallel. 0: TensorFlow's default; 1 or 2 is plenty for this model."),
    Setting("VEIL_EMBEDDER_PARENT_PID", 0, non_negative_int,
            "Stop gracefully once this process is gone. Set by services.embedder.launch so a server started "
            "by a test or a benchmark never outlives it; 0 (the default) turns it off."),
)


def load_config(overrides: dict | None = None, environ: dict | None = None) -> Config:
    config = load(SETTINGS, environ=environ, overrides=overrides)
    if bool(config.embedder_tls_cert) != bool(config.embedder_tls_key):
        from veil.config import ConfigError

        raise ConfigError("VEIL_EMBEDDER_TLS_CERT and VEIL_EMBEDDER_TLS_KEY must be set together")
    return config


# The client's settings (VEIL_EMBEDDER_ADDRESS, VEIL_EMBEDDER_TLS_CA) are declared beside the
# client in the shared package; importing it here puts them in `veil config` with ours.
import veil.clients.embedder  # noqa: E402,F401
