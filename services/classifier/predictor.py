"""Prediction: all texts of a request in one embedder call, the active head, top-k, and a record per text.

Imports neither Flask nor grpc: the service's handlers, the benchmark and tools call it alike.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Sequence

import numpy as np

from services.classifier.heads import Head, HeadCatalog, ModelUnavailable
from services.classifier.inference import InferenceRecord, InferenceRecorder
from services.classifier.metrics import ClassifierMetrics
from services.classifier.validation import InvalidRequest, check_top_k
from veil.clients.embedder import EmbedderError, EmbedderInvalidInput, EmbedderUnavailable, EmbedderVersionMismatch
from veil.logs import text_for_log

_log = logging.getLogger(__name__)
_PROBABILITY_DIGITS = 6


class Classifier:
    """Classifies texts with a served model and records every prediction without waiting for the store."""

    def __init__(self, catalog: HeadCatalog, embedder: Any, recorder: InferenceRecorder | None,
                 metrics: ClassifierMetrics):
        self.catalog = catalog
        self.embedder = embedder
        self.recorder = recorder
        self.metrics = metrics
        self._served: dict[str, str] = {}  # model -> version last served, for the active-version gauge

    def predict(self, name: str, texts: Sequence[str], top_k: int | None = None, *,
                caller: str = "anonymous", request_id: str = "") -> dict[str, Any]:
        """{"model", "version", "predictions": [{"label", "probability", "top_k"?}]} in the order of `texts`."""
        start = time.perf_counter()
        head = self.catalog.active(name)
        self._note_version(name, head.version)
        check_top_k(top_k, len(head.labels))
        try:
            vectors = self._embed(head, texts)
            head_start = time.perf_counter()
            probabilities = head.predict_proba(vectors)
            self.metrics.head_latency.labels(name).observe(time.perf_counter() - head_start)
        except Exception:
            self.metrics.predictions.labels(name, "error").inc()
            raise
        predictions = _predictions(head.labels, probabilities, top_k)
        elapsed = time.perf_counter() - start
        self.metrics.predictions.labels(name, "ok").inc()
        self.metrics.latency.labels(name).observe(elapsed)
        self.metrics.batch.labels(name).observe(len(texts))
        self.metrics.texts.labels(name, head.version).inc(len(texts))
        if self.recorder is not None:
            now = time.time()
            self.recorder.record(
                InferenceRecord(request_id=request_id, caller=caller, model=name, version=head.version,
                                input_text=text, label=p["label"], probability=p["probability"],
                                top_k=p.get("top_k"), latency_ms=elapsed * 1000.0, position=i, created_at=now)
                for i, (text, p) in enumerate(zip(texts, predictions)))
        _log.debug("predicted %d text(s) with %s %s in %.1f ms (first: %s)", len(texts), name, head.version,
                   elapsed * 1000.0, text_for_log(texts[0]) if texts else "")
        return {"model": name, "version": head.version, "predictions": predictions}

    def _note_version(self, name: str, version: str) -> None:
        previous = self._served.get(name)
        if previous != version:
            self._served[name] = version
            if previous is not None:
                self.metrics.active_version.labels(name, previous).set(0)
            self.metrics.active_version.labels(name, version).set(1)

    def _embed(self, head: Head, texts: Sequence[str]) -> np.ndarray:
        start = time.perf_counter()
        outcome = "ok"
        try:
            result = self.embedder.embed(list(texts), expected_model_version=head.embedder_version or None)
        except EmbedderVersionMismatch as exc:
            outcome = "version_mismatch"
            raise ModelUnavailable(
                f"model {head.name} version {head.version} was trained against embedder version "
                f"{head.embedder_version}, which the embedder does not serve ({exc})") from None
        except EmbedderInvalidInput as exc:
            outcome = "invalid_input"
            raise InvalidRequest(f"the embedder refused the texts: {exc}", code="embedder_rejected_input") from None
        except EmbedderUnavailable:
            outcome = "unavailable"
            raise
        except EmbedderError:
            outcome = "error"
            raise
        finally:
            self.metrics.embedder_latency.labels(outcome).observe(time.perf_counter() - start)
        reason = head.incompatibility({"model_name": result.model_name, "model_version": result.model_version,
                                       "dimension": int(result.vectors.shape[1]) if result.vectors.ndim == 2 else 0})
        if reason:
            raise ModelUnavailable(reason)
        if result.vectors.shape[0] != len(texts):
            raise EmbedderError(f"the embedder returned {result.vectors.shape[0]} vectors for {len(texts)} texts")
        return result.vectors


def _predictions(labels: list[str], probabilities: np.ndarray, top_k: int | None) -> list[dict[str, Any]]:
    best = probabilities.argmax(axis=1)
    out: list[dict[str, Any]] = []
    if top_k:
        # argpartition then sort only the k best: cheap with ~200 classes.
        k = min(top_k, probabilities.shape[1])
        part = np.argpartition(-probabilities, k - 1, axis=1)[:, :k]
    for row, index in enumerate(best):
        entry: dict[str, Any] = {"label": labels[index],
                                 "probability": round(float(probabilities[row, index]), _PROBABILITY_DIGITS)}
        if top_k:
            idx = part[row][np.argsort(-probabilities[row, part[row]], kind="stable")]
            entry["top_k"] = [{"label": labels[j], "probability": round(float(probabilities[row, j]),
                                                                          _PROBABILITY_DIGITS)} for j in idx]
        out.append(entry)
    return out
