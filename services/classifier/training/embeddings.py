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
from typing import Any, Sequence

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
