"""The embedder's logic without gRPC: validate, look up the cache, compute each missing text once, answer in order.

Cache keys are (model version, normalised text), so a new model version never answers with
an old version's vectors. A text that several concurrent calls miss is computed once: the
first call queues it and the others wait on the same item (single flight). Vectors are kept
as little-endian float32 bytes, which is also the wire format, so a hit costs no conversion.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from services.embedder.batcher import Batcher, BatcherStopped, DeadlineExceeded, Item, QueueFull
from services.embedder.cache import LRUCache
from services.embedder.model import EmbeddingModel
from services.embedder.texts import InvalidInput, Limits, check_and_normalise

_log = logging.getLogger(__name__)

__all__ = ["EmbeddingService", "Result", "InvalidInput", "VersionMismatch", "Overloaded", "DeadlineExceeded",
           "ModelFailure", "ShuttingDown"]


class VersionMismatch(Exception):
    """The caller expects another model version than the one loaded."""


class Overloaded(Exception):
    """Too many texts are queued; the caller should retry later."""


class ShuttingDown(Exception):
    """The service is draining and takes no new work."""


class ModelFailure(Exception):
    """The model raised while computing a batch (logged with its traceback on the server)."""


@dataclass(frozen=True)
class Result:
    rows: list[bytes]  # one float32 little-endian vector per text, in request order
    dimension: int
    model_name: str
    model_version: str
    cache_hits: int

    def vectors(self) -> np.ndarray:
        return np.frombuffer(b"".join(self.rows), dtype="<f4").reshape(len(self.rows), self.dimension)


@dataclass(frozen=True)
class Observer:
    """Optional hooks for metrics: each is called with plain numbers, so this module needs no Prometheus."""

    batch: Callable[[int, float, float], None] | None = None  # size, inference seconds, queue wait seconds
    preprocess: Callable[[float], None] | None = None  # seconds of validation and lookups per call
    coalesced: Callable[[int], None] | None = None  # texts that joined another call's computation
    expired: Callable[[int], None] | None = None  # texts dropped because their deadline passed


class EmbeddingService:
    def __init__(self, model: EmbeddingModel, cache: LRUCache, limits: Limits, max_batch_size: int,
                 max_wait_s: float, max_queue: int, observer: Observer | None = None):
        self.model = model
        self.cache = cache
        self.limits = limits
        self._observer = observer or Observer()
        self._inflight: dict[tuple[str, str], Item] = {}
        self._lock = threading.Lock()
        self.batcher = Batcher(self._embed_batch, max_batch_size, max_wait_s, max_queue,
                               on_settled=self._settled, on_batch=self._observer.batch).start()

    @property
    def max_batch_size(self) -> int:
        return self.batcher.max_batch_size

    @property
    def max_wait_s(self) -> float:
        return self.batcher.max_wait_s

    def _embed_batch(self, texts: list[str]) -> list[bytes]:
        vectors = np.ascontiguousarray(self.model.embed(texts), dtype="<f4")
        return [row.tobytes() for row in vectors]

    def embed(self, texts: Sequence[str], expected_version: str | None = None,
              deadline: float | None = None) -> Result:
        """Vectors for `texts` in order; `deadline` is a time.monotonic() value."""
        start = time.perf_counter()
        model = self.model
        if expected_version and expected_version != model.version:
            raise VersionMismatch(f"the embedder serves model version {model.version!r}, "
                                  f"the caller expects {expected_version!r}")
        keys = check_and_normalise(texts, self.limits, model.case_insensitive)
        rows: dict[str, bytes] = {}
        waiting: dict[str, Item] = {}
        new: list[Item] = []
        joined = 0
        with self._lock:
            for key in dict.fromkeys(keys):  # unique, in order
                cache_key = (model.version, key)
                row = self.cache.get(cache_key)
                if row is not None:
                    rows[key] = row
                    continue
                item = self._inflight.get(cache_key)
                if item is None:
                    item = Item(key, cache_key, deadline)
                    self._inflight[cache_key] = item
                    new.append(item)
                else:
                    item.extend(deadline)
                    joined += 1
                waiting[key] = item
            if new:
                try:
                    self.batcher.submit(new)
                except (QueueFull, BatcherStopped) as exc:
                    for item in new:
                        del self._inflight[item.key]
                        item.future.set_exception(exc)
                    raise (Overloaded if isinstance(exc, QueueFull) else ShuttingDown)(str(exc)) from None
        hits = len(rows)
        if joined and self._observer.coalesced:
            self._observer.coalesced(joined)
        if self._observer.preprocess:
            self._observer.preprocess(time.perf_counter() - start)
        if waiting:
            self._wait(waiting, rows, deadline)
        return Result([rows[k] for k in keys], model.dimension, model.name, model.version, hits)

    def _wait(self, waiting: dict[str, Item], rows: dict[str, bytes], deadline: float | None) -> None:
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        futures = {item.future: key for key, item in waiting.items()}
        done, pending = concurrent.futures.wait(futures, timeout=timeout)
        if pending:
            raise DeadlineExceeded(f"{len(pending)} of {len(futures)} texts were not embedded before the deadline")
        for future in done:
            error = future.exception()
            if isinstance(error, DeadlineExceeded):
                raise DeadlineExceeded("the deadline passed while the texts were queued")
            if isinstance(error, BatcherStopped):
                raise ShuttingDown(str(error))
            if error is not None:
                raise ModelFailure("the model failed on this batch; see the embedder's log") from error
            rows[futures[future]] = future.result()

    def _settled(self, items: Sequence[Item], rows: Sequence[bytes] | None, error: BaseException | None) -> None:
        """Runs on the model thread before the items' futures resolve, so later calls find the cache filled."""
        with self._lock:
            if error is None:
                self.cache.put_many((item.key, row) for item, row in zip(items, rows))
            for item in items:
                self._inflight.pop(item.key, None)
        if isinstance(error, DeadlineExceeded) and self._observer.expired:
            self._observer.expired(len(items))

    def close(self, timeout: float | None = None) -> None:
        self.batcher.stop(timeout)
