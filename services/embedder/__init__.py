"""The embedder: a gRPC service around a TF-Hub-format SavedModel, with an LRU cache and request batching.

Published surface, for processes that embed without the service (`veil deidentify --local`,
batch runs, training): `load_model(handle=None)` (the default model when no handle is given)
and `build_default_model()`. TensorFlow is imported on first use, never by importing this
package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["build_default_model", "load_model"]


def load_model(handle: str | Path | None = None, intra_op_threads: int = 0, inter_op_threads: int = 0,
               precision: str = "float32") -> Any:
    from services.embedder.model import load_model as _load

    return _load(handle, intra_op_threads, inter_op_threads, precision)


def build_default_model(force: bool = False) -> Path:
    from services.embedder.export import build_default_model as _build

    return _build(force)
