"""What runs on a Dask worker: the gateway's pipeline, built once per worker process, over a group of documents.

A group goes through `Pipeline.run_many`, so the candidate phrases of all its documents
reach the models in one batch prediction. When the group fails as a whole (one unreadable
PDF fails the shared extraction step), its documents are run one by one, so every good
document still finishes and the bad one is reported with its reason. The redacted PDF and
the report go back to the client, which writes them: a worker never writes outputs, so a
worker that dies mid-group leaves nothing half-done behind.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

from services.batch import ledger
from veil.contracts import DocumentRejected
from veil.threads import limit_tensorflow_threads, limit_threads

_log = logging.getLogger(__name__)

_PIPELINES: dict[str, Any] = {}
_BUILD_LOCK = threading.Lock()


class PipelineUnavailable(RuntimeError):
    """The worker cannot build the pipeline (no head in the registry, a head that does not fit the embedder)."""


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs to build the pipeline, resolved once on the client and sent with each task."""

    pipeline: dict[str, Any] = field(default_factory=dict)  # the gateway's pipeline settings, by key
    embedder_address: str = ""
    registry_root: str = ""
    ml_root: str = ""
    classifier_url: str = ""
    redactor_url: str = ""
    threads: int = 1
    log_level: str = "WARNING"  # the client's: a batch of thousands must not log a line per document by default

    def key(self) -> str:
        import json

        return json.dumps(asdict(self), sort_keys=True, default=str)


def pipeline_for(spec: WorkerSpec) -> Any:
    """This process's pipeline for `spec`: built on the first task, reused by every later one."""
    key = spec.key()
    pipeline = _PIPELINES.get(key)
    if pipeline is None:
        with _BUILD_LOCK:
            pipeline = _PIPELINES.get(key)
            if pipeline is None:
                pipeline = _PIPELINES[key] = _build(spec)
    return pipeline


def _build(spec: WorkerSpec) -> Any:
    import services.classifier as classifier_heads
    import services.gateway as gateway
    from veil.clients.classifier import ClassifierClient
    from veil.clients.embedder import EmbedderClient
    from veil.clients.redactor import RedactorClient
    from veil.config import Config

    start = time.perf_counter()
    if not logging.getLogger().handlers:
        # A spawned worker has no logging set up: Veil's JSON lines on stdout, like every other process.
        from veil import logs

        logs.configure(spec.log_level)
    limit_threads(spec.threads)
    cfg = Config(dict(spec.pipeline))
    redactor = RedactorClient(spec.redactor_url) if spec.redactor_url else gateway.LocalRedactor()
    if spec.classifier_url:
        classifier = ClassifierClient(spec.classifier_url)
    else:
        limit_tensorflow_threads(spec.threads)
        try:
            # Loads the head now, so a missing or incompatible one fails the warm-up, not the documents.
            # The phrase head is required; the token tagger joins when it is trained.
            names = (cfg.gateway_phi_model,) + classifier_heads.available_heads(
                (cfg.gateway_tagger_model,) if cfg.gateway_tagger_model else (), spec.registry_root or None)
            classifier = gateway.local_classifier(spec.registry_root or None,
                                                  EmbedderClient(spec.embedder_address or None), names)
        except RuntimeError as exc:
            raise PipelineUnavailable(f"{exc} (registry {spec.registry_root or 'default'})") from None
        finally:
            _exit_quickly_after_tensorflow()
    ml = gateway.load_ml_model(spec.ml_root or None) if cfg.gateway_use_ml_model else None
    pipeline = gateway.build_pipeline(cfg, redactor=redactor, classifier=classifier, ml_model=ml)
    _log.info("worker %d built the pipeline in %.2fs (dl=%s, ml=%s)", os.getpid(), time.perf_counter() - start,
              pipeline.models.dl_name, pipeline.models.ml_name or "none")
    return pipeline


def _exit_quickly_after_tensorflow() -> None:
    """In a Dask worker process, ends the process as soon as the worker has closed.

    A spawned worker that imported TensorFlow hangs in the interpreter's exit (TensorFlow's
    own exit handlers) until its nanny kills it 4 s later, with a warning, on every cluster
    shutdown. Registered after TensorFlow's handlers, this one runs first (atexit is LIFO).
    Never in a process that is not a nanny's worker: it would swallow that process's exit.
    """
    import atexit
    import multiprocessing
    import sys

    try:
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):
        return
    if multiprocessing.parent_process() is None:
        return

    def _exit() -> None:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    atexit.register(_exit)


def warm_up(spec: WorkerSpec) -> dict[str, Any]:
    """Builds the pipeline and runs one prediction, so a missing head or an unreachable embedder shows now."""
    start = time.perf_counter()
    pipeline = pipeline_for(spec)
    pipeline.models.dl(["warm up"])
    if pipeline.models.ml is not None:
        pipeline.models.ml(["warm up"])
    return {"pid": os.getpid(), "dl": pipeline.models.dl_name, "ml": pipeline.models.ml_name or None,
            "seconds": round(time.perf_counter() - start, 3)}


def process_group(spec: WorkerSpec, items: Sequence[tuple[str, bytes]]) -> list[dict[str, Any]]:
    """[(key, pdf)] -> one result per document, in order: {"key", "status": "done", "pdf", "report", "result"}
    or {"key", "status": "failed", "kind", "error"}. Never raises for a document's fault."""
    start = time.perf_counter()
    try:
        pipeline = pipeline_for(spec)
    except Exception as exc:  # noqa: BLE001 - reported per document; the client's warm-up names it first
        kind, error = classify(exc)
        return [_failed(key, kind, f"the worker could not build the pipeline: {error}") for key, _ in items]
    try:
        outcomes = pipeline.run_many([pdf for _, pdf in items])
    except Exception as exc:  # noqa: BLE001 - one bad document must not sink the group
        if len(items) == 1:
            return [_failed(items[0][0], *classify(exc))]
        _log.warning("a group of %d documents failed (%s); running them one by one", len(items), type(exc).__name__)
        return [process_one(pipeline, key, pdf) for key, pdf in items]
    seconds = (time.perf_counter() - start) / max(1, len(items))
    return [_result(key, outcome, seconds) for (key, _), outcome in zip(items, outcomes)]


def process_one(pipeline: Any, key: str, pdf: bytes) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        outcome = pipeline.run_many([pdf])[0]
    except Exception as exc:  # noqa: BLE001 - reported with its reason, the batch goes on
        return _failed(key, *classify(exc))
    return _result(key, outcome, time.perf_counter() - start)


def _result(key: str, outcome: Any, seconds: float) -> dict[str, Any]:
    if not outcome.report["verification"]["verified"]:
        # As the gateway does: a document whose redacted text is still recoverable is withheld.
        reason = outcome.report["verification"].get("reason") or "redacted text was still recoverable"
        return _failed(key, ledger.UNVERIFIED, f"the redaction could not be verified ({reason}); "
                                               "the document is withheld")
    return {"key": key, "status": ledger.DONE, "pdf": outcome.pdf, "report": outcome.report,
            "result": outcome.result, "seconds": round(seconds, 4), "worker_pid": os.getpid()}


def _failed(key: str, kind: str, error: str) -> dict[str, Any]:
    return {"key": key, "status": ledger.FAILED, "kind": kind, "error": error, "worker_pid": os.getpid()}


def classify(exc: BaseException) -> tuple[str, str]:
    """(failure kind, message safe to write into the summary) for an exception from the pipeline.

    Messages of the services' own errors describe the document or the service, never its
    text; anything else may carry a phrase of the document (a KeyError on a phrase), so only
    its type and where it was raised are kept.
    """
    from services.classifier import ModelNotFound, ModelUnavailable
    from veil.clients.embedder import EmbedderError, EmbedderUnavailable
    from veil.clients.http import ServiceRejected, ServiceUnavailable

    if isinstance(exc, DocumentRejected):
        return ledger.REJECTED, f"the document could not be processed: {exc.code or exc.title}: {exc.message}"
    if isinstance(exc, (ServiceUnavailable, EmbedderUnavailable)):
        return ledger.UNAVAILABLE, f"a service was unavailable: {exc}"
    if isinstance(exc, (ModelNotFound, ModelUnavailable, PipelineUnavailable, ServiceRejected, EmbedderError)):
        return ledger.MODEL, f"the phrase models could not serve: {exc}"
    _log.error("unexpected %s at %s", type(exc).__name__, _where(exc))
    return ledger.ERROR, f"internal error {type(exc).__name__} at {_where(exc)}"


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{os.path.basename(last.filename)}:{last.lineno} in {last.name}"
