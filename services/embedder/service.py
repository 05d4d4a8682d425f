"""The embedder's logic without gRPC: validate, look up the cache, compute each missing text once, answer in order.

Cache keys are (model version, normalised text), so a new model version never answers with
an old version's vectors. A text that several concurrent calls miss is computed once: the
first call queues it and the others wait on the same item (single flight). Vectors are kept
as little-endian float32 bytes, which is also the wire format, so a hit costs no conversion.

Token vectors (EmbedTokens) take the same path through the same batcher and model thread, as
their own kind of work: a batch is bounded by estimated tokens, not texts, and never mixes
with sentence batches. They are cached in a second LRU, bounded in bytes as well as entries,
keyed by (model version, text exactly as sent, "tokens"): the offsets index the caller's
string, so no normalisation may merge two texts there. They are kept as float16 bytes and
int32 offset arrays, the wire format again.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from services.embedder.batcher import Batcher, BatcherStopped, DeadlineExceeded, Item, Kind, QueueFull
from services.embedder.cache import LRUCache
from services.embedder.model import EmbeddingModel
from services.embedder.texts import InvalidInput, Limits, check_and_normalise, check_token_texts

_log = logging.getLogger(__name__)

__all__ = ["EmbeddingService", "Result", "TokenRows", "TokensResult", "InvalidInput", "VersionMismatch",
           "Overloaded", "DeadlineExceeded", "ModelFailure", "ShuttingDown", "NotSupported"]

TOKENS = "tokens"
# What a token-cache entry costs beyond its vectors and offsets: the entry object, two array
# headers, the key tuple, the LRU's and the size table's slots (~570 bytes measured with
# tracemalloc on CPython 3.11), so thousands of one-token entries are not counted as free.
# The key's text itself is not counted: at most 4 KB, against ~770 bytes per token of vectors.
_TOKEN_ENTRY_OVERHEAD = 600


class VersionMismatch(Exception):
    """The caller expects another model version than the one loaded."""


class Overloaded(Exception):
    """Too many texts are queued; the caller should retry later."""


class ShuttingDown(Exception):
    """The service is draining and takes no new work."""


class ModelFailure(Exception):
    """The model raised while computing a batch (logged with its traceback on the server)."""


class NotSupported(Exception):
    """The loaded model cannot answer this kind of request (token vectors from a model without them)."""


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
class TokenRows:
    """One text's token vectors as the wire carries them."""

    vectors: bytes  # little-endian float16, row-major [n_tokens, dimension]
    starts: np.ndarray  # int32 [n_tokens], str indices into the text as sent
    ends: np.ndarray

    @property
    def n_tokens(self) -> int:
        return len(self.starts)

    @property
    def nbytes(self) -> int:
        return len(self.vectors) + self.starts.nbytes + self.ends.nbytes + _TOKEN_ENTRY_OVERHEAD

    def as_float32(self, dimension: int) -> np.ndarray:
        return np.frombuffer(self.vectors, dtype="<f2").reshape(self.n_tokens, dimension).astype(np.float32)


_NO_TOKENS = TokenRows(b"", np.zeros(0, np.int32), np.zeros(0, np.int32))


@dataclass(frozen=True)
class TokensResult:
    rows: list[TokenRows]  # in request order
    cache_hit: list[bool]  # per text; False for an empty text, which never reaches model or cache
    dimension: int
    model_name: str
    model_version: str

    @property
    def cache_hits(self) -> int:
        return sum(self.cache_hit)


def token_rows_size(rows: TokenRows) -> int:
    """The token cache's `sizeof`."""
    return rows.nbytes


def estimated_tokens(text: str) -> int:
    """A cheap upper-ish estimate of WordPiece tokens, used as a batch cost before tokenising.

    English runs ~4 characters a token, CJK 1 character (3 UTF-8 bytes); a third of the UTF-8
    length over-estimates most scripts a little, which only makes a batch a little smaller.
    """
    n = len(text) if text.isascii() else len(text.encode("utf-8"))
    return max(1, n // 3)


@dataclass(frozen=True)
class Observer:
    """Optional hooks for metrics: each is called with plain numbers, so this module needs no Prometheus."""

    batch: Callable[[int, float, float], None] | None = None  # size, inference seconds, queue wait seconds
    preprocess: Callable[[float], None] | None = None  # seconds of validation and lookups per call
    coalesced: Callable[[int], None] | None = None  # texts that joined another call's computation
    expired: Callable[[int], None] | None = None  # texts dropped because their deadline passed
    token_batch: Callable[[int, float, float], None] | None = None  # texts, inference seconds, queue wait
    tokens: Callable[[int, int], None] | None = None  # tokens and model windows computed in one batch


class EmbeddingService:
    def __init__(self, model: EmbeddingModel, cache: LRUCache, limits: Limits, max_batch_size: int,
                 max_wait_s: float, max_queue: int, observer: Observer | None = None, *,
                 token_cache: LRUCache | None = None, max_batch_tokens: int | None = None):
        """`max_batch_tokens` bounds a sentence batch by estimated tokens too (None: by texts only)."""
        self.model = model
        self.cache = cache
        self.token_cache = token_cache if token_cache is not None else LRUCache(0)
        self.limits = limits
        self._observer = observer or Observer()
        self._inflight: dict[tuple, Item] = {}
        self._lock = threading.Lock()
        kinds = {}
        if self.token_vectors:
            # A batch holds about as many tokens as a full batch of sentences at the longest,
            # and the model runs its windows max_batch_size at a time.
            budget = max_batch_size * getattr(model, "max_seq_length", 256)
            kinds[TOKENS] = Kind(self._tokens_batch, budget, self._observer.token_batch)
        self._max_seq = int(getattr(model, "max_seq_length", 256))
        self.max_batch_tokens = max_batch_tokens or max_batch_size * self._max_seq
        self.batcher = Batcher(self._embed_batch, max_batch_size, max_wait_s, max_queue,
                               on_settled=self._settled, on_batch=self._observer.batch, kinds=kinds,
                               embed_budget=self.max_batch_tokens).start()

    @property
    def token_vectors(self) -> bool:
        """Whether the model answers EmbedTokens (ours does; a plain TF-Hub text model does not)."""
        return bool(getattr(self.model, "token_vectors", False))

    @property
    def max_batch_size(self) -> int:
        return self.batcher.max_batch_size

    @property
    def max_wait_s(self) -> float:
        return self.batcher.max_wait_s

    def _sentence_cost(self, text: str) -> int:
        # [CLS] and [SEP] included; the model reads at most max_seq_length tokens of a text.
        return min(estimated_tokens(text) + 2, self._max_seq)

    def _embed_batch(self, texts: list[str]) -> list[bytes]:
        vectors = np.ascontiguousarray(self.model.embed(texts), dtype="<f4")
        return [row.tobytes() for row in vectors]

    def _tokens_batch(self, texts: list[str]) -> list[TokenRows]:
        out = self.model.embed_tokens(texts, max_windows=self.max_batch_size)
        if self._observer.tokens:
            self._observer.tokens(sum(len(t.starts) for t in out), sum(t.windows for t in out))
        return [TokenRows(np.ascontiguousarray(t.vectors, dtype="<f2").tobytes(),
                          np.ascontiguousarray(t.starts, dtype=np.int32), np.ascontiguousarray(t.ends, dtype=np.int32))
                for t in out]

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
        waiting = self._cached_or_queued(dict.fromkeys(keys), rows, self.cache, deadline,
                                         lambda key: ((model.version, key), {"cost": self._sentence_cost(key)}))
        hits = len(rows)
        if self._observer.preprocess:
            self._observer.preprocess(time.perf_counter() - start)
        if waiting:
            self._wait(waiting, rows, deadline)
        return Result([rows[k] for k in keys], model.dimension, model.name, model.version, hits)

    def embed_tokens(self, texts: Sequence[str], expected_version: str | None = None,
                     deadline: float | None = None) -> TokensResult:
        """Token vectors and offsets for `texts` in order; an empty text has none."""
        start = time.perf_counter()
        model = self.model
        if not self.token_vectors:
            raise NotSupported(f"model {model.name} {model.version} gives no token vectors (it exports no "
                               "tokenize_with_offsets/encode functions)")
        if expected_version and expected_version != model.version:
            raise VersionMismatch(f"the embedder serves model version {model.version!r}, "
                                  f"the caller expects {expected_version!r}")
        check_token_texts(texts, self.limits)
        rows: dict[str, TokenRows] = {}
        waiting = self._cached_or_queued((text for text in dict.fromkeys(texts) if text), rows, self.token_cache,
                                         deadline, lambda text: ((model.version, text, TOKENS),
                                                                 {"kind": TOKENS, "cost": estimated_tokens(text)}))
        hit = set(rows)
        rows[""] = _NO_TOKENS
        if self._observer.preprocess:
            self._observer.preprocess(time.perf_counter() - start)
        if waiting:
            self._wait(waiting, rows, deadline)
        return TokensResult([rows[t] for t in texts], [t in hit for t in texts], model.dimension, model.name,
                            model.version)

    def _cached_or_queued(self, keys: Iterable[str], rows: dict, cache: Any, deadline: float | None,
                          describe: Callable[[str], tuple[tuple, dict]]) -> dict[str, Item]:
        """Fills `rows` with what `cache` holds; joins the work already in flight for a key, queues the rest.

        `describe(key)` gives the key's cache key and the Item's extra fields (its kind and cost).
        Returns the items to wait for, by key.
        """
        waiting: dict[str, Item] = {}
        new: list[Item] = []
        joined = 0
        with self._lock:
            for key in keys:  # unique, in order
                cache_key, extra = describe(key)
                row = cache.get(cache_key)
                if row is not None:
                    rows[key] = row
                    continue
                item = self._inflight.get(cache_key)
                if item is None:
                    item = Item(key, cache_key, deadline, **extra)
                    self._inflight[cache_key] = item
                    new.append(item)
                else:
                    item.extend(deadline)
                    joined += 1
                waiting[key] = item
            if new:
                self._submit(new)
        if joined and self._observer.coalesced:
            self._observer.coalesced(joined)
        return waiting

    def _submit(self, new: list[Item]) -> None:
        """Queues `new` (under self._lock); on refusal forgets them and raises the caller's error."""
        try:
            self.batcher.submit(new)
        except (QueueFull, BatcherStopped) as exc:
            for item in new:
                del self._inflight[item.key]
                item.future.set_exception(exc)
            raise (Overloaded if isinstance(exc, QueueFull) else ShuttingDown)(str(exc)) from None

    def _wait(self, waiting: dict[str, Item], rows: dict, deadline: float | None) -> None:
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
                # A batch is one kind of work (the batcher never mixes them).
                cache = self.token_cache if items and items[0].kind == TOKENS else self.cache
                cache.put_many((item.key, row) for item, row in zip(items, rows))
            for item in items:
                self._inflight.pop(item.key, None)
        if isinstance(error, DeadlineExceeded) and self._observer.expired:
            self._observer.expired(len(items))

    def close(self, timeout: float | None = None) -> None:
        self.batcher.stop(timeout)
