"""Coalesces texts from concurrent calls into model batches, bucketed by length, on one model thread.

Texts wait in per-length buckets. The model thread runs a bucket as soon as it holds a full
batch, or when its oldest text has waited `max_wait`; while the model is busy, new texts
pile up, so under load batches fill without any waiting. A batch that is not full is topped
up from shorter buckets only: padding a short text up to a longer batch costs little, the
other way round would make every short text pay for one long one. Texts whose callers'
deadlines have passed are dropped before they reach the model.

Work comes in kinds (sentence vectors, token vectors), each with its own function, queue of
buckets and batch budget, all on the same model thread: two threads would only slow each
other down on the same cores. A batch never mixes kinds. An item has a cost (its estimated
tokens, for sentences as for token vectors) and a batch holds at most `budget` of it as well
as `max_batch_size` items, so a batch of paragraphs is bounded by tokens (as TEI's
max_batch_tokens) while a batch of short phrases is bounded by its count of texts.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

_log = logging.getLogger(__name__)

# Bucket 0 holds texts of up to 64 characters (about 16 WordPiece tokens), bucket i up to
# 64 * 2**i: a batch pads a text to at most about twice its length. Short phrases share one
# bucket because a model call has a large fixed cost (~8 ms on 2 cores) that a split
# batch would pay twice, while padding a 5-token phrase to 16 tokens costs little.
_SMALLEST_BUCKET_CHARS = 64
_BUCKETS = 6

EMBED = "embed"


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
    """One text waiting for its result. `deadline` may only move later (other callers joined)."""

    __slots__ = ("text", "key", "deadline", "enqueued", "future", "kind", "cost")

    def __init__(self, text: str, key: object = None, deadline: float | None = None, kind: str = EMBED,
                 cost: int = 1):
        self.text = text
        self.key = key
        self.deadline = math.inf if deadline is None else deadline
        self.enqueued = 0.0
        self.future: Future = Future()
        self.kind = kind
        self.cost = cost

    def extend(self, deadline: float | None) -> None:
        self.deadline = max(self.deadline, math.inf if deadline is None else deadline)


BatchHook = Callable[[Sequence[Item], "Sequence | None", "BaseException | None"], None]
StatsHook = Callable[[int, float, float], None]  # texts, model seconds, oldest text's wait


@dataclass(frozen=True)
class Kind:
    """A kind of work: `run(texts) -> one result per text`, and the most total item cost per batch."""

    run: Callable[[list[str]], Sequence]
    budget: int
    on_batch: StatsHook | None = None


class Batcher:
    """Runs `embed(texts) -> one result per text` over batches of submitted items on one thread.

    One thread is enough: the model itself uses every core (TensorFlow's intra-op pool), and a
    second concurrent batch would only make both slower.
    """

    def __init__(self, embed: Callable[[list[str]], Sequence], max_batch_size: int, max_wait_s: float,
                 max_queue: int, on_settled: BatchHook | None = None, on_batch: StatsHook | None = None,
                 clock: Callable[[], float] = time.monotonic, kinds: Mapping[str, Kind] | None = None,
                 embed_budget: int | None = None):
        """`embed` is the EMBED kind: at most `max_batch_size` texts and `embed_budget` of their cost
        (default: `max_batch_size`, i.e. texts of cost 1) per batch; `kinds` adds others."""
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be >= 1")
        self.max_batch_size = max_batch_size
        self.max_wait_s = max_wait_s
        self.max_queue = max_queue
        self._on_settled = on_settled
        self._clock = clock
        self._kinds: dict[str, Kind] = {EMBED: Kind(embed, embed_budget or max_batch_size, on_batch), **(kinds or {})}
        if any(k.budget < 1 for k in self._kinds.values()):
            raise ValueError("every kind's budget must be >= 1")
        self._buckets: dict[str, list[deque[Item]]] = {k: [deque() for _ in range(_BUCKETS)] for k in self._kinds}
        self._costs: dict[str, list[int]] = {k: [0] * _BUCKETS for k in self._kinds}
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
            unknown = {item.kind for item in items} - self._kinds.keys()
            if unknown:
                raise ValueError(f"no such kind of work: {sorted(unknown)}")
            now = self._clock()
            for item in items:
                item.enqueued = now
                b = bucket_of(item.text)
                self._buckets[item.kind][b].append(item)
                self._costs[item.kind][b] += item.cost
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
            kind, batch, expired = self._next_batch()
            if batch is None:
                return
            for item in expired:
                self._settle([item], None, DeadlineExceeded("deadline passed while queued"))
            if batch:
                self._process(kind, batch)

    def _next_batch(self) -> tuple[str, list[Item] | None, list[Item]]:
        """Blocks until a batch is due; (EMBED, None, []) once stopping with nothing left."""
        with self._cond:
            while True:
                if self._depth == 0:
                    if self._stopping:
                        return EMBED, None, []
                    self._cond.wait()
                    continue
                now = self._clock()
                chosen = self._due_bucket(now)
                if chosen is None:
                    oldest = min(b[0].enqueued for buckets in self._buckets.values() for b in buckets if b)
                    self._cond.wait(max(0.0, oldest + self.max_wait_s - now))
                    continue
                kind, i = chosen
                return (kind, *self._take(kind, i, now))

    def _full(self, kind: str, i: int) -> bool:
        return len(self._buckets[kind][i]) >= self.max_batch_size or self._costs[kind][i] >= self._kinds[kind].budget

    def _due_bucket(self, now: float) -> tuple[str, int] | None:
        waiting = [(k, i) for k, buckets in self._buckets.items() for i, b in enumerate(buckets) if b]
        full = [(k, i) for k, i in waiting if self._full(k, i)]
        chosen = min(full or waiting, key=lambda ki: self._buckets[ki[0]][ki[1]][0].enqueued)
        if full or self._stopping or now >= self._buckets[chosen[0]][chosen[1]][0].enqueued + self.max_wait_s:
            return chosen
        return None

    def _take(self, kind: str, chosen: int, now: float) -> tuple[list[Item], list[Item]]:
        batch: list[Item] = []
        expired: list[Item] = []
        budget, cost = self._kinds[kind].budget, 0
        buckets, costs = self._buckets[kind], self._costs[kind]
        for i in range(chosen, -1, -1):  # the chosen bucket, then shorter ones
            bucket = buckets[i]
            while bucket and len(batch) < self.max_batch_size and (not batch or cost + bucket[0].cost <= budget):
                item = bucket.popleft()
                self._depth -= 1
                costs[i] -= item.cost
                if item.deadline <= now:
                    expired.append(item)
                else:
                    batch.append(item)
                    cost += item.cost
            if bucket or len(batch) >= self.max_batch_size:
                break  # full: shorter buckets wait for the next batch
        return batch, expired

    def _process(self, kind: str, batch: list[Item]) -> None:
        waited = self._clock() - min(item.enqueued for item in batch)
        start = time.perf_counter()
        work = self._kinds[kind]
        try:
            results = work.run([item.text for item in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"the model answered {len(results)} results for {len(batch)} texts")
        except Exception as exc:  # noqa: BLE001 - every waiting caller must hear about it
            _log.exception("model failed on a batch of %d texts (%s)", len(batch), kind)
            self._settle(batch, None, exc)
            return
        seconds = time.perf_counter() - start
        if work.on_batch:
            work.on_batch(len(batch), seconds, waited)
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
