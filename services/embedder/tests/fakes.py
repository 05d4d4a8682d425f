"""A tiny model with the real model's interface, to test batching and caching without TensorFlow."""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Sequence

import numpy as np


class FakeModel:
    """Deterministic vectors from a hash of (version, text); records every batch it is asked to run.

    `gate`, when given, holds every model call until it is set, so a test can pile texts up
    behind a busy model; `delay` makes each call take that long.
    """

    def __init__(self, version: str = "v1", dimension: int = 8, delay: float = 0.0,
                 gate: threading.Event | None = None, case_insensitive: bool = False, name: str = "fake"):
        self.name = name
        self.version = version
        self.dimension = dimension
        self.case_insensitive = case_insensitive
        self.delay = delay
        self.gate = gate
        self.batches: list[list[str]] = []
        self.started = threading.Event()  # set when a call has begun (and is maybe held by the gate)
        self.fail_next = False
        self._lock = threading.Lock()

    def vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(f"{self.version}|{text}".encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(self.dimension).astype(np.float32)
        return v / np.linalg.norm(v)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            self.batches.append(list(texts))
        self.started.set()
        if self.gate is not None:
            self.gate.wait(10)
        if self.delay:
            time.sleep(self.delay)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("model exploded")
        return np.stack([self.vector(t) for t in texts])

    @property
    def texts_computed(self) -> list[str]:
        return [t for batch in self.batches for t in batch]
