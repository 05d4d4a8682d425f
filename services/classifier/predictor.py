"""Prediction and tagging: all texts of a request in one embedder call, the active head, a record per text.

A phrase head (`predict`) gets one pooled vector per text (Embed) and answers a label and
top-k; a token head (`tag`) gets one vector per token (EmbedTokens) with its neighbours',
labels every token in one head call for the whole request and answers character spans
(services.classifier.spans: the same rules training scored the head with).
Asking a head of one kind for the other's answer is a 400 `wrong_head_kind`.

Imports neither Flask nor grpc: the service's handlers, the benchmark and tools call it alike.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import numpy as np

from services.classifier import registry, spans
from services.classifier.heads import Head, HeadCatalog, ModelUnavailable
from services.classifier.inference import InferenceRecord, InferenceRecorder
from services.classifier.metrics import ClassifierMetrics
from services.classifier.validation import InvalidRequest, check_top_k
from veil.clients.embedder import EmbedderError, EmbedderInvalidInput, EmbedderUnavailable, EmbedderVersionMismatch
from veil.logs import text_for_log

_log = logging.getLogger(__name__)
_PROBABILITY_DIGITS = 6
# Tagging works through a request in groups of texts of this many characters (at most ~50,000
# tokens: 75 MB of vectors) and calls the head on this many tokens at a time (features of 4
# neighbours each side: 110 MB), so a request at the body limit never holds all its tokens at once.
_TAG_GROUP_CHARS = 48_000
_HEAD_ROWS = 8_192


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
                caller: str | None = "anonymous", request_id: str = "") -> dict[str, Any]:
        """{"model", "version", "predictions": [{"label", "probability", "top_k"?}]} in the order of `texts`."""
        start = time.perf_counter()
        caller = caller or "anonymous"
        head = self.catalog.active(name)
        _require_kind(head, registry.PHRASE)
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
        self._count_success(name, head.version, len(texts), elapsed)
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

    def tag(self, name: str, texts: Sequence[str], caller: str | None = None, *,
            request_id: str = "") -> dict[str, Any]:
        """{"model", "version", "results": [{"spans": [{"start", "end", "type", "score"}]}]} in the order of `texts`.

        Offsets are Python `str` indices into each text as given. The texts go to EmbedTokens
        and their tokens through the head in as few calls as memory allows (one of each for
        any request of up to 48,000 characters and 8,192 tokens).
        """
        start = time.perf_counter()
        caller = caller or "anonymous"
        head = self.catalog.active(name)
        _require_kind(head, registry.TOKEN)
        self._note_version(name, head.version)
        outside = head.labels.index(registry.OUTSIDE)
        results: list[dict[str, Any]] = []
        lowest_outside: list[float] = []
        n_tokens = 0
        head_seconds = 0.0
        try:
            # Texts go in groups of a bounded number of characters: a request at the body limit holds
            # about a million tokens, whose features (dimension x 9 floats each) would not fit at once.
            for group in _char_groups(texts, _TAG_GROUP_CHARS):
                tokens = self._embed_tokens(head, group)
                counts = [len(t) for t in tokens]
                n_tokens += sum(counts)
                head_start = time.perf_counter()
                probabilities = _token_probabilities(head, tokens, counts)
                head_seconds += time.perf_counter() - head_start
                offset = 0
                for text, t, n in zip(group, tokens, counts):
                    p = probabilities[offset:offset + n]
                    offset += n
                    results.append({"spans": spans.decode(head.labels, p, t.starts, t.ends, text)})
                    lowest_outside.append(float(p[:, outside].min()) if n else 1.0)
            self.metrics.head_latency.labels(name).observe(head_seconds)
        except Exception:
            self.metrics.predictions.labels(name, "error").inc()
            raise
        elapsed = time.perf_counter() - start
        self._count_success(name, head.version, len(texts), elapsed)
        if self.recorder is not None:
            now = time.time()
            # One record per text, in the predict table's columns: the span types in text order as the
            # label ("O" for none), the least confident span's score (with no span: the lowest "O"
            # probability of its tokens) as the probability, and the spans themselves in top_k.
            self.recorder.record(
                InferenceRecord(request_id=request_id, caller=caller, model=name, version=head.version,
                                input_text=text, label=",".join(s["type"] for s in r["spans"]) or registry.OUTSIDE,
                                probability=min((s["score"] for s in r["spans"]), default=low),
                                top_k=r["spans"], latency_ms=elapsed * 1000.0, position=i, created_at=now)
                for i, (text, r, low) in enumerate(zip(texts, results, lowest_outside)))
        _log.debug("tagged %d text(s) (%d tokens) with %s %s in %.1f ms", len(texts), n_tokens, name,
                   head.version, elapsed * 1000.0)
        return {"model": name, "version": head.version, "results": results}

    def _count_success(self, name: str, version: str, n_texts: int, elapsed: float) -> None:
        self.metrics.predictions.labels(name, "ok").inc()
        self.metrics.latency.labels(name).observe(elapsed)
        self.metrics.batch.labels(name).observe(n_texts)
        self.metrics.texts.labels(name, version).inc(n_texts)

    def _note_version(self, name: str, version: str) -> None:
        previous = self._served.get(name)
        if previous != version:
            self._served[name] = version
            if previous is not None:
                self.metrics.active_version.labels(name, previous).set(0)
            self.metrics.active_version.labels(name, version).set(1)

    @contextmanager
    def _embedder_call(self, head: Head) -> Iterator[None]:
        """Maps the embedder's errors to the service's: a version mismatch makes the model unavailable (409),
        refused input is the caller's (400), the rest stays an embedder error (503); times the call."""
        start = time.perf_counter()
        outcome = "ok"
        try:
            yield
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
        except EmbedderError as exc:
            outcome = "error"
            if getattr(exc, "code", None) is not None and getattr(exc.code, "name", "") == "UNIMPLEMENTED":
                raise ModelUnavailable(f"model {head.name} needs per-token vectors, which the embedder's model "
                                       f"does not provide ({exc})") from None
            raise
        finally:
            self.metrics.embedder_latency.labels(outcome).observe(time.perf_counter() - start)

    def _embed(self, head: Head, texts: Sequence[str]) -> np.ndarray:
        with self._embedder_call(head):
            result = self.embedder.embed(list(texts), expected_model_version=head.embedder_version or None)
        reason = head.incompatibility({"model_name": result.model_name, "model_version": result.model_version,
                                       "dimension": int(result.vectors.shape[1]) if result.vectors.ndim == 2 else 0})
        if reason:
            raise ModelUnavailable(reason)
        if result.vectors.shape[0] != len(texts):
            raise EmbedderError(f"the embedder returned {result.vectors.shape[0]} vectors for {len(texts)} texts")
        return result.vectors

    def _embed_tokens(self, head: Head, texts: Sequence[str]) -> list[Any]:
        embed_tokens = getattr(self.embedder, "embed_tokens", None)
        if embed_tokens is None:
            # An in-process stand-in for the embedder that only pools (no EmbedTokens).
            raise ModelUnavailable(f"model {head.name} needs per-token vectors (EmbedTokens), which this "
                                   f"process's embedder ({type(self.embedder).__name__}) does not provide")
        with self._embedder_call(head):
            result = embed_tokens(list(texts), expected_model_version=head.embedder_version or None)
        if len(result) != len(texts):
            raise EmbedderError(f"the embedder returned tokens of {len(result)} texts for {len(texts)} texts")
        for tokens in result:
            dimension = int(tokens.vectors.shape[1]) if tokens.vectors.ndim == 2 else 0
            reason = head.incompatibility({"model_name": tokens.model_name, "model_version": tokens.model_version,
                                           "dimension": dimension})
            if reason:
                raise ModelUnavailable(reason)
        return result


def _char_groups(texts: Sequence[str], max_chars: int) -> list[list[str]]:
    """Consecutive groups of texts of at most `max_chars` characters (a longer text alone)."""
    groups: list[list[str]] = [[]]
    size = 0
    for text in texts:
        if groups[-1] and size + len(text) > max_chars:
            groups.append([])
            size = 0
        groups[-1].append(text)
        size += len(text)
    return groups


def _token_probabilities(head: Head, tokens: Sequence[Any], counts: Sequence[int]) -> np.ndarray:
    """Label probabilities of every token of `tokens` (texts in order), the head called on bounded chunks."""
    total = sum(counts)
    if not total:
        return np.zeros((0, len(head.labels)), np.float32)
    matrix = np.concatenate([t.vectors for t in tokens if len(t)])
    text_of = np.repeat(np.arange(len(counts)), counts)
    parts = [head.predict_proba(spans.with_context(matrix, text_of, np.arange(begin, min(begin + _HEAD_ROWS, total)),
                                                   head.context))
             for begin in range(0, total, _HEAD_ROWS)]
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _require_kind(head: Head, kind: str) -> None:
    if head.kind == kind:
        return
    if head.kind == registry.TOKEN:
        detail = (f"model {head.name} is a token head: it labels spans inside texts; "
                  f"POST /v1/models/{head.name}/tag instead of predict")
    else:
        detail = (f"model {head.name} is a {head.kind} head: it labels whole texts; "
                  f"POST /v1/models/{head.name}/predict instead of tag")
    raise InvalidRequest(detail, code="wrong_head_kind")


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
