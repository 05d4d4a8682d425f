"""The gateway's composition root: what one process holds (settings, job store, clients, metrics,
job workers) and how the de-identification pipeline is assembled, from remote parts (the
redactor and classifier services) or from in-process parts (the same libraries, no servers).

The app (`app.py`), the worker process (`worker.py`), the CLI's --local mode and batch runs
all build their parts here and nowhere else. Other services are reached through their
published packages only, and those are imported where an in-process part is built: the
gateway's own image never needs them.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from services.gateway import settings
from services.gateway.auth import Keys
from services.gateway.callbacks import CallbackPolicy, CallbackSecrets, CallbackSender
from services.gateway.job_runner import JobWorker, WorkerPool
from services.gateway.jobs import JobStore
from services.gateway.metrics import GatewayMetrics, gateway_metrics
from services.gateway.pipeline import vocabulary
from services.gateway.pipeline.deidentify import Pipeline, PipelineOptions
from services.gateway.pipeline.hybrid import SearchOptions
from services.gateway.pipeline.predict import Distribution, PhraseModels
from services.gateway.pipeline.tagging import TaggedSpan
from veil import config, tracing
from veil.clients.classifier import ClassifierClient, ClassifierRejected
from veil.stores.db import Database

_log = logging.getLogger(__name__)

# The classifier's answer carries this many labels per phrase; the hybrid decision needs the
# runner-up labels to combine the two models, not the full distribution.
TOP_K = 4
_EMBED_BATCH = 256


def store_errors() -> tuple[type[BaseException], ...]:
    """The exceptions of an unreachable job store (SQLite, and PostgreSQL where psycopg2 is installed)."""
    errors: list[type[BaseException]] = [sqlite3.Error]
    try:
        import psycopg2

        errors.append(psycopg2.Error)
    except ImportError:  # pragma: no cover - psycopg2 is in the base requirements
        pass
    return tuple(errors)


# -- the process's state ----------------------------------------------------------------------

@dataclass
class Parts:
    """Objects a test or a tool puts in place of what configuration would build (None: built as usual)."""

    redactor: Any = None
    classifier: Any = None
    ml_model: Any = None
    pipeline_factory: Callable[[], Pipeline] | None = None


@dataclass
class GatewayState:
    """What one gateway process holds: settings, the job store, clients, metrics and its job workers."""

    cfg: Any
    store: JobStore
    keys: Keys
    policy: CallbackPolicy
    classifier: ClassifierClient
    redactor: Any
    metrics: GatewayMetrics
    pipeline_factory: Callable[[], Pipeline]
    pool: WorkerPool | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sender(self) -> CallbackSender | None:
        if not self.policy.enabled:
            return None
        return CallbackSender(self.policy, self.callback_secrets, attempts=self.cfg.gateway_callback_attempts,
                              timeout=self.cfg.gateway_callback_timeout)

    @property
    def callback_secrets(self) -> CallbackSecrets:
        return CallbackSecrets(self.cfg.gateway_callback_secrets, self.cfg.gateway_callback_secret)

    def start_workers(self, threads: int) -> WorkerPool:
        with self._lock:
            if self.pool is None:
                workers = [JobWorker(self.store, self.pipeline_factory, lease_s=self.cfg.gateway_job_lease_seconds,
                                     poll_s=self.cfg.gateway_poll_seconds, callbacks=self.sender(),
                                     metrics=self.metrics) for _ in range(threads)]
                self.pool = WorkerPool(workers).start()
        return self.pool

    def stop_workers(self) -> None:
        if self.pool is not None:
            self.pool.stop(self.cfg.gateway_graceful_timeout)

    def ready(self) -> dict[str, bool]:
        try:
            counts = self.store.counts()
            self.metrics.set_queue(counts)
            store_ok = True
        except store_errors():
            store_ok = False
        return {"store": store_ok, "redactor": self.redactor.ready(), "classifier": self.classifier.ready()}


def build_state(test_config: Mapping[str, Any] | None = None, *, parts: Parts | None = None,
                registry: Any = None) -> GatewayState:
    """Settings (`test_config` overrides them by key), store, clients and the pipeline factory."""
    parts = parts or Parts()
    cfg = config.load(config.COMMON + settings.SETTINGS, overrides=dict(test_config or {}))
    if cfg.gateway_callback_hosts and not (cfg.gateway_callback_secret or cfg.gateway_callback_secrets):
        raise config.ConfigError("VEIL_GATEWAY_CALLBACK_SECRETS (per team) or VEIL_GATEWAY_CALLBACK_SECRET is "
                                 "required when VEIL_GATEWAY_CALLBACK_HOSTS is set: receivers need it to check "
                                 "the signature")
    from prometheus_client import REGISTRY

    metrics = gateway_metrics(registry or REGISTRY)
    store = JobStore(Database.from_url(cfg.database_url or None, pool_size=cfg.database_pool_size),
                     max_attempts=cfg.gateway_job_max_attempts)
    classifier = parts.classifier if parts.classifier is not None else ClassifierClient(cfg.classifier_url)
    redactor = parts.redactor
    if redactor is None:
        from veil.clients.redactor import RedactorClient

        redactor = RedactorClient(cfg.redactor_url)

    def default_factory() -> Pipeline:
        ml = parts.ml_model if parts.ml_model is not None else (load_ml_model() if cfg.gateway_use_ml_model else None)
        return build_pipeline(cfg, redactor=redactor, classifier=classifier, ml_model=ml,
                              observe=metrics.observe_stage)

    return GatewayState(cfg=cfg, store=store, keys=Keys(cfg.api_keys), policy=CallbackPolicy(cfg.gateway_callback_hosts),
                        classifier=classifier, redactor=redactor, metrics=metrics,
                        pipeline_factory=parts.pipeline_factory or default_factory)


# -- the pipeline from its parts -----------------------------------------------------------------

class ClassifierModel:
    """The DL head behind the classifier (the service's client, or `local_classifier`), as a phrase model.

    `version` is the head version that answered last (heads can be rolled back at any time).
    """

    def __init__(self, client: ClassifierClient | Any, model: str, caller: str = "gateway"):
        self.client = client
        self.model = model
        self.caller = caller
        self.version: str | None = None

    def __call__(self, phrases: Sequence[str]) -> list[Distribution]:
        answer = self.client.predict(self.model, phrases, top_k=TOP_K, caller=self.caller)
        self.version = answer.get("version")
        out = []
        for p in answer["predictions"]:
            ranked = p.get("top_k") or [{"label": p["label"], "probability": p["probability"]}]
            out.append({r["label"]: float(r["probability"]) for r in ranked})
        return out


class ClassifierTagger:
    """The classifier's token head as the pipeline's tagger: texts in, labelled character spans out.

    A head that is not there (never trained on this machine, or not served) is skipped with a
    warning and asked for again a minute later, so a gateway started before training picks it
    up without a restart; every other error is the job's.
    """

    _RETRY_MISSING_S = 60.0

    def __init__(self, client: ClassifierClient | Any, model: str, caller: str = "gateway"):
        self.client = client
        self.model = model
        self.caller = caller
        self.version: str | None = None
        self._missing_until = 0.0

    def __call__(self, texts: Sequence[str]) -> list[list[TaggedSpan]]:
        if time.monotonic() < self._missing_until:
            return [[] for _ in texts]
        try:
            answer = self.client.tag(self.model, list(texts), caller=self.caller)
        except (ClassifierRejected, LookupError) as exc:
            if isinstance(exc, ClassifierRejected) and exc.status != 404:
                raise
            _log.warning("token head %r is not available (%s); paragraphs are not tagged. Train it with "
                         "`veil train --all`", self.model, type(exc).__name__)
            self._missing_until = time.monotonic() + self._RETRY_MISSING_S
            self.version = None
            return [[] for _ in texts]
        self.version = answer.get("version")
        return [[TaggedSpan(int(s["start"]), int(s["end"]), str(s["type"]), float(s["score"])) for s in r["spans"]]
                for r in answer["results"]]


class SklearnModel:
    """The joblib phi-type-ml model (predict_proba(texts) -> (probabilities, labels)) as a phrase model."""

    def __init__(self, model: Any):
        self.model = model
        self.version = getattr(model, "version", None)

    def __call__(self, phrases: Sequence[str]) -> list[Distribution]:
        with tracing.span("model.phi-type-ml", attributes={"veil.phrases": len(phrases)}):
            probabilities, labels = self.model.predict_proba(list(phrases))
        k = min(TOP_K, len(labels))
        best = np.argsort(-probabilities, axis=1)[:, :k]
        return [{labels[j]: float(row[j]) for j in idx} for row, idx in zip(probabilities, best)]


def load_ml_model(root: str | None = None) -> Any | None:
    """The latest phi-type-ml model, or None (logged) when there is none or the classifier package is absent."""
    try:
        from services.classifier import load_ml_model as _load
    except ImportError:
        _log.warning("the classifier package is not installed; running without the ML model")
        return None
    return _load(root)


def options_from(cfg: Any) -> PipelineOptions:
    return PipelineOptions(blob_workers=cfg.gateway_blob_workers, batch_size=cfg.gateway_predict_batch_size,
                           search=SearchOptions(threshold=cfg.gateway_model_threshold,
                                                review_threshold=cfg.gateway_review_threshold,
                                                tag_threshold=cfg.gateway_tagger_threshold))


def build_pipeline(cfg: Any, *, redactor: Any, classifier: Any, ml_model: Any | None = None,
                   observe: Callable[[str, float], None] | None = None) -> Pipeline:
    ml = SklearnModel(ml_model) if ml_model is not None else None
    tagger = ClassifierTagger(classifier, cfg.gateway_tagger_model) if cfg.gateway_tagger_model else None
    models = PhraseModels(dl=ClassifierModel(classifier, cfg.gateway_phi_model), ml=ml,
                          ml_weight=cfg.gateway_ml_weight if ml is not None else 0.0,
                          dl_name=cfg.gateway_phi_model, ml_name="phi-type-ml" if ml is not None else "",
                          tagger=tagger, tagger_name=cfg.gateway_tagger_model)
    # The drug dictionary of the candidate filter loads in about a second: pay it at start, not in a job.
    vocabulary.preload()
    return Pipeline(redactor, models, options_from(cfg), observe=observe)


# -- in-process parts: the same libraries, no servers ----------------------------------------------

class LocalRedactor:
    """The redactor's published extract/redact in this process (they raise veil.contracts.DocumentRejected)."""

    def extract(self, pdf: bytes) -> dict:
        import services.redactor as redactor

        return redactor.extract_pdf(pdf)

    def redact(self, pdf: bytes, spans: list[dict], **options: Any) -> tuple[bytes, dict]:
        import services.redactor as redactor

        return redactor.redact_pdf(pdf, spans, **options)

    def ready(self) -> bool:
        return True


class InProcessEmbedder:
    """The default embedding model loaded in this process, with the embedder client's `embed` signature."""

    def __init__(self, handle: str | Path | None = None):
        from services.embedder import load_model

        self.model = load_model(handle)

    def embed(self, texts: Sequence[str], expected_model_version: str | None = None):
        from veil.clients.embedder import EmbedderVersionMismatch, Embeddings

        if expected_model_version and expected_model_version != self.model.version:
            raise EmbedderVersionMismatch(f"the model loaded here is version {self.model.version}, "
                                          f"not {expected_model_version}")
        parts = [self.model.embed(list(texts[i:i + _EMBED_BATCH])) for i in range(0, len(texts), _EMBED_BATCH)]
        vectors = np.concatenate(parts) if parts else np.zeros((0, self.model.dimension), np.float32)
        return Embeddings(vectors=vectors, model_name=self.model.name, model_version=self.model.version,
                          cache_hits=0)

    def embed_tokens(self, texts: Sequence[str], expected_model_version: str | None = None):
        """Per-token vectors as the service sends them (through float16, which the token heads were trained on)."""
        from veil.clients.embedder import EmbedderVersionMismatch, TokenEmbeddings

        if expected_model_version and expected_model_version != self.model.version:
            raise EmbedderVersionMismatch(f"the model loaded here is version {self.model.version}, "
                                          f"not {expected_model_version}")
        return [TokenEmbeddings(vectors=t.vectors.astype(np.float16).astype(np.float32), starts=t.starts, ends=t.ends,
                                model_name=self.model.name, model_version=self.model.version)
                for t in self.model.embed_tokens(list(texts))]

    def info(self) -> dict[str, Any]:
        return {"model_name": self.model.name, "model_version": self.model.version,
                "dimension": self.model.dimension}


def local_classifier(registry_root: str | None, embedder: Any, names: Sequence[str] = ("phi-type",)) -> Any:
    """The classifier's heads predicting in this process (see services.classifier.local_classifier)."""
    from services.classifier import local_classifier as _local

    return _local(registry_root, embedder, names)


def local_pipeline(cfg: Any, observe: Callable[[str, float], None] | None = None) -> Pipeline:
    """The pipeline with every part in this process (`veil deidentify --local`): redactor, head, embedding model."""
    names = (cfg.gateway_phi_model, cfg.gateway_tagger_model) if cfg.gateway_tagger_model else (cfg.gateway_phi_model,)
    classifier = local_classifier(None, InProcessEmbedder(), names)
    ml_model = load_ml_model() if cfg.gateway_use_ml_model else None
    return build_pipeline(cfg, redactor=LocalRedactor(), classifier=classifier, ml_model=ml_model, observe=observe)
