"""Fetches frozen embeddings for training from the embedder service over gRPC, in batches, through its cache.

Training never loads the embedding model itself: the head must be trained on exactly the
vectors the classifier will get at serving time, from the same service and model version.
Each distinct text is sent once; the first answer pins the model version, and every later
batch asks for that version, so a model swap mid-run fails loudly instead of mixing spaces.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmbeddingSet:
    vectors: np.ndarray  # float32 [len(texts), dimension], in the order of the texts asked for
    model_name: str
    model_version: str
    cache_hits: int
    unique_texts: int
    seconds: float

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])


def wait_until_ready(client: Any, loading_timeout: float = 300.0, unreachable_timeout: float = 15.0,
                     interval: float = 1.0) -> dict[str, Any]:
    """Waits while the embedder is still loading its model; returns its info.

    A server that answers Info but not Embed is loading (worth minutes of patience); one that
    does not answer at all is probably not running, and the error comes after a few seconds.
    """
    from veil.clients.embedder import EmbedderUnavailable

    start = time.monotonic()
    while True:
        reachable = False
        try:
            info = client.info()
            reachable = True
            client.embed(["ready?"])
            return info
        except EmbedderUnavailable:
            waited = time.monotonic() - start
            if waited >= (loading_timeout if reachable else unreachable_timeout):
                raise
            _log.info("waiting for the embedder at %s (%s)", getattr(client, "address", "?"),
                      "loading its model" if reachable else "not answering")
            time.sleep(interval)


def fetch(texts: Sequence[str], client: Any, batch_size: int = 512) -> EmbeddingSet:
    """Embeddings of `texts` from `client` (a veil.clients.embedder.EmbedderClient)."""
    if not texts:
        raise ValueError("no texts to embed")
    start = time.perf_counter()
    unique = list(dict.fromkeys(texts))
    position = {text: i for i, text in enumerate(unique)}
    parts: list[np.ndarray] = []
    model_name = model_version = None
    hits = 0
    for begin in range(0, len(unique), batch_size):
        batch = unique[begin:begin + batch_size]
        result = client.embed(batch, expected_model_version=model_version)
        if model_version is None:
            model_name, model_version = result.model_name, result.model_version
        parts.append(np.asarray(result.vectors, dtype=np.float32))
        hits += int(result.cache_hits)
        done = begin + len(batch)
        if done == len(unique) or (begin // batch_size) % 20 == 0:
            _log.info("embedded %d/%d distinct texts (%d cache hits so far)", done, len(unique), hits)
    table = np.concatenate(parts, axis=0)
    vectors = table[[position[t] for t in texts]]
    seconds = time.perf_counter() - start
    _log.info("embeddings for %d texts (%d distinct, %d from the cache) from %s %s in %.1fs",
              len(texts), len(unique), hits, model_name, model_version, seconds)
    return EmbeddingSet(vectors, str(model_name), str(model_version), hits, len(unique), seconds)


# Per-token vectors (token heads). A call's answer grows with its characters (the client splits at
# ~12,000), and the embedder batches concurrent calls together, so a few calls of a few dozen
# paragraphs each are kept in flight rather than one big call at a time.
TOKEN_BATCH_TEXTS = 24
TOKEN_CALLS_IN_FLIGHT = 4


@dataclass(frozen=True)
class TokenFetch:
    """What `fetch_tokens` delivered: the embedder that made the vectors and how many."""

    model_name: str
    model_version: str
    dimension: int
    texts: int
    tokens: int
    cache_hits: int
    seconds: float


def fetch_tokens(texts: Sequence[str], client: Any, on_text: Callable[[int, Any], None],
                 batch_size: int = TOKEN_BATCH_TEXTS, in_flight: int = TOKEN_CALLS_IN_FLIGHT) -> TokenFetch:
    """Per-token vectors of `texts` from the embedder's EmbedTokens, handed to `on_text(i, tokens)` in text order.

    Nothing is kept here: the caller stores each text's `TokenEmbeddings` (float16 to disk, say),
    so memory stays at the calls in flight whatever the number of texts. The vectors are the
    service's own EmbedTokens answer (windowed for long texts exactly as at serving time). The
    first call pins the model version and every later call asks for it.
    """
    from concurrent.futures import ThreadPoolExecutor

    if not texts:
        raise ValueError("no texts to embed")
    start = time.perf_counter()
    batches = [list(texts[i:i + batch_size]) for i in range(0, len(texts), batch_size)]
    first = client.embed_tokens(batches[0])
    if not first:
        raise ValueError("the embedder answered no texts")
    name, version = first[0].model_name, first[0].model_version
    dimension = int(first[0].vectors.shape[1]) if first[0].vectors.ndim == 2 else 0
    counts = {"tokens": 0, "hits": 0, "done": 0}

    def deliver(begin: int, answer: list[Any]) -> None:
        for j, tokens in enumerate(answer):
            if tokens.model_version != version:
                raise ValueError(f"the embedder changed model version mid-run ({version} -> {tokens.model_version})")
            on_text(begin + j, tokens)
            counts["tokens"] += len(tokens)
            counts["hits"] += int(tokens.cache_hit)
        counts["done"] = begin + len(answer)

    deliver(0, first)
    with ThreadPoolExecutor(max_workers=max(1, in_flight), thread_name_prefix="embed-tokens") as pool:
        pending: list[tuple[int, Any]] = []
        next_batch = 1
        while next_batch < len(batches) or pending:
            while next_batch < len(batches) and len(pending) < 2 * in_flight:
                pending.append((next_batch * batch_size,
                                pool.submit(client.embed_tokens, batches[next_batch], version)))
                next_batch += 1
            begin, future = pending.pop(0)
            deliver(begin, future.result())
            if (begin // batch_size) % 50 == 0:
                _log.info("embedded tokens of %d/%d texts (%d tokens)", counts["done"], len(texts), counts["tokens"])
    seconds = time.perf_counter() - start
    _log.info("token vectors of %d texts (%d tokens, %d texts from the cache) from %s %s in %.1fs",
              len(texts), counts["tokens"], counts["hits"], name, version, seconds)
    return TokenFetch(str(name), str(version), dimension, len(texts), counts["tokens"], counts["hits"], seconds)
