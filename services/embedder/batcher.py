"""Coalesces texts from concurrent calls into model batches, bucketed by length, on one model thread.

Texts wait in per-length buckets. The model thread runs a bucket as soon as it holds a full
batch, or when its oldest text has waited `max_wait`; while the model is busy, new texts
pile up, so under load batches fill without any waiting. A batch that is not full is topped
up from shorter buckets only: padding a short text up to a longer batch costs little, the
other way round would make every short text pay for one long one. Texts whose callers'
deadlines have passed are dropped before they reach the model.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from concurrent.futures import Future
from typing import Callable, Sequence

_log = logging.getLogger(__name__)

# Bucket 0 holds texts of up to 64 characters (about 16 WordPiece tokens), bucket i up to
# 64 * 2**i: a batch pads a text to at most about twice its length. Short phrases share one
# bucket because a model call has a large fixed cost (~8 ms on 2 cores) that a split
# batch would pay twice, while padding a 5-token phrase to 16 tokens costs little.
_SMALLEST_BUCKET_CHARS = 64
_BUCKETS = 6


class QueueFull(Exception):
    """More texts are waiting than `max_queue`; the caller should back off and retry."""


class DeadlineExceeded(Exception):
    """The caller's deadline passed before the model reached the text."""


class BatcherStopped(Exception):
    """The batcher is shutting down and takes no new work."""


def bucket_of(text: str) -> int:
    n = len(text)
    if n <= _SMALLEST_BUCKET_CHARS:
        return 0
    return min(_BUCKETS - 1, math.ceil(math.log2(n / _SMALLEST_BUCKET_CHARS)))


class Item:
    """One text waiting for its vector. `deadline` may only move later (other callers joined)."""

    __slots__ = ("text", "key", "deadline", "enqueued", "future")

    def __init__(self, text: str, key: object = None, deadline: float | None = None):
        self.text = text
        self.key = key
        self.deadline = math.inf if deadline is None else deadline
        self.enqueued = 0.0
        self.future: Future = Future()

    def extend(self, deadline: float | None) -> None:
        self.deadline = max(self.deadline, math.inf if deadline is None else deadline)


BatchHook = Callable[[Sequence[Item], "Sequence | None", "BaseException | None"], None]
StatsHook = Callable[[int, float, float], None]


class Batcher:
    """Runs `embed(texts) -> one result per text` over batches of submitted items on one thread.

    One thread is enough: the model itself uses every core (TensorFlow's intra-op pool), and a
    second concurrent batch would only make both slower.
    """

    def __init__(self, embed: Callable[[list[str]], Sequence], max_batch_size: int, max_wait_s: float,
                 max_queue: int, on_settled: BatchHook | None = None, on_batch: StatsHook | None = None,
                 clock: Callable[[], float] = time.monotonic):
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be >= 1")
        self._embed = embed
        self.max_batch_size = max_batch_size
        self.max_wait_s = max_wait_s
        self.max_queue = max_queue
        self._on_settled = on_settled
        self._on_batch = on_batch
        self._clock = clock
        self._buckets: list[deque[Item]] = [deque() for _ in range(_BUCKETS)]
        self._depth = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    @property
    def depth(self) -> int:
        return self._depth

    def start(self) -> "Batcher":
        self._thread = threading.Thread(target=self._run, name="embedder-batcher", daemon=True)
        self._thread.start()
        return self

    def submit(self, items: Sequence[Item]) -> None:
        """Queues items (all or none); each future resolves to that text's result from `embed`."""
        with self._cond:
            if self._stopping:
                raise BatcherStopped("the embedder is shutting down")
            if self._depth + len(items) > self.max_queue:
                raise QueueFull(f"{self._depth} texts are already waiting (limit {self.max_queue})")
            now = self._clock()
            for item in items:
                item.enqueued = now
                self._buckets[bucket_of(item.text)].append(item)
            self._depth += len(items)
            self._cond.notify()

    def stop(self, timeout: float | None = None) -> None:
        """Finishes what is queued, then ends the thread (the server drains calls before this)."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            batch, expired = self._next_batch()
            if batch is None:
                return
            for item in expired:
                self._settle([item], None, DeadlineExceeded("deadline passed while queued"))
            if batch:
                self._process(batch)

    def _next_batch(self) -> tuple[list[Item] | None, list[Item]]:
        """Blocks until a batch is due; (None, []) once stopping with nothing left."""
        with self._cond:
            while True:
                if self._depth == 0:
                    if self._stopping:
                        return None, []
                    self._cond.wait()
                    continue
                now = self._clock()
                chosen = self._due_bucket(now)
                if chosen is None:
                    oldest = min(b[0].enqueued for b in self._buckets if b)
                    self._cond.wait(max(0.0, oldest + self.max_wait_s - now))
                    continue
                return self._take(chosen, now)

    def _due_bucket(self, now: float) -> int | None:
        full = [i for i, b in enumerate(self._buckets) if len(b) >= self.max_batch_size]
        candidates = full or [i for i, b in enumerate(self._buckets) if b]
        chosen = min(candidates, key=lambda i: self._buckets[i][0].enqueued)
        if full or self._stopping or now >= self._buckets[chosen][0].enqueued + self.max_wait_s:
            return chosen
        return None

    def _take(self, chosen: int, now: float) -> tuple[list[Item], list[Item]]:
        batch: list[Item] = []
        expired: list[Item] = []
        for i in range(chosen, -1, -1):  # the chosen bucket, then shorter ones
            bucket = self._buckets[i]
            while bucket and len(batch) < self.max_batch_size:
                item = bucket.popleft()
                self._depth -= 1
                (expired if item.deadline <= now else batch).append(item)
            if len(batch) >= self.max_batch_size:
                break
        return batch, expired

    def _process(self, batch: list[Item]) -> None:
        waited = self._clock() - min(item.enqueued for item in batch)
        start = time.perf_counter()
        try:
            results = self._embed([item.text for item in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"the model answered {len(results)} vectors for {len(batch)} texts")
        except Exception as exc:  # noqa: BLE001 - every waiting caller must hear about it
            _log.exception("model failed on a batch of %d texts", len(batch))
            self._settle(batch, None, exc)
            return
        seconds = time.perf_counter() - start
        if self._on_batch:
            self._on_batch(len(batch), seconds, waited)
        self._settle(batch, results, None)

    def _settle(self, items: Sequence[Item], results: Sequence | None, error: BaseException | None) -> None:
        if self._on_settled:
            try:
                self._on_settled(items, results, error)
            except Exception:  # noqa: BLE001 - a hook bug must not strand the callers
                _log.exception("batch hook failed")
        for i, item in enumerate(items):
            if error is not None:
                item.future.set_exception(error)
            else:
                item.future.set_result(results[i])
