"""The heads a process serves: each (model, version) loaded once and shared by all threads.

Which version of a model serves is read from the registry's ACTIVE file; a `stat` per
request notices when another process (a rollback handled by another gunicorn worker)
replaced it, so every worker switches without a restart. A head is refused, with a
message that says why, when it was trained against a different embedder than the one
the service talks to.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from services.classifier import registry

_log = logging.getLogger(__name__)


class ModelNotFound(LookupError):
    """No such model is served here."""


class ModelUnavailable(RuntimeError):
    """The model exists but cannot serve: no active version, a head that failed to load, or an incompatible one."""


@dataclass
class Head:
    """A loaded Keras head and what the registry says about it."""

    name: str
    version: str
    labels: list[str]
    metadata: dict[str, Any]
    predict_proba: Callable[[np.ndarray], np.ndarray]
    loaded_at: float = field(default_factory=time.time)

    @property
    def dimension(self) -> int:
        return int(self.metadata["dimension"])

    @property
    def kind(self) -> str:
        """'phrase' (a label per text) or 'token' (a label per token, spans out)."""
        return registry.kind_of(self.metadata)

    @property
    def context(self) -> int:
        """A token head's neighbours on each side that its input holds (0 for a phrase head)."""
        return int(self.metadata.get("context_tokens") or 0)

    @property
    def precision(self) -> str:
        return str(self.metadata.get("precision") or registry.DEFAULT_PRECISION.get(self.kind, "float32"))

    @property
    def embedder_model(self) -> str:
        return str(self.metadata.get("embedder_model", ""))

    @property
    def embedder_version(self) -> str:
        return str(self.metadata.get("embedder_version", ""))

    def incompatibility(self, embedder_info: dict[str, Any]) -> str | None:
        """Why this head must not serve behind `embedder_info`, or None when it may."""
        served = (str(embedder_info.get("model_name", "")), str(embedder_info.get("model_version", "")))
        if served[1] != self.embedder_version or (self.embedder_model and served[0] != self.embedder_model):
            return (f"model {self.name} version {self.version} was trained against embedder "
                    f"{self.embedder_model} version {self.embedder_version}, but the embedder serves "
                    f"{served[0]} version {served[1]}; retrain the head or point the service at a matching embedder")
        dim = int(embedder_info.get("dimension") or 0)
        if dim and dim != self.dimension:
            return (f"model {self.name} version {self.version} takes {self.dimension}-dimensional embeddings, "
                    f"but the embedder produces {dim}")
        return None


def load_keras_head(version_dir: Path, metadata: dict[str, Any]) -> Callable[[np.ndarray], np.ndarray]:
    """Loads head.keras and returns one traced function for every batch size (no retracing per size)."""
    import keras
    import tensorflow as tf

    model = keras.saving.load_model(version_dir / registry.HEAD_FILE, compile=False)
    dim = registry.input_dimension(metadata)
    fn = tf.function(lambda x: model(x, training=False), input_signature=[tf.TensorSpec([None, dim], tf.float32)],
                     reduce_retracing=True)
    fn(tf.zeros([1, dim], tf.float32))  # trace now, not on the first request

    def predict_proba(vectors: np.ndarray) -> np.ndarray:
        return np.asarray(fn(tf.convert_to_tensor(vectors, tf.float32)))

    predict_proba.keras_model = model  # type: ignore[attr-defined]
    return predict_proba


class HeadCatalog:
    """The models one process serves, by name, each with its active head."""

    def __init__(self, root: str | Path, names: tuple[str, ...] | list[str] = (),
                 loader: Callable[[Path, dict[str, Any]], Callable[[np.ndarray], np.ndarray]] = load_keras_head):
        self.root = Path(root)
        self.configured = tuple(names)
        self._loader = loader
        self._heads: dict[tuple[str, str], Head] = {}
        self._errors: dict[tuple[str, str], str] = {}
        # (model) -> (ACTIVE file identity, version), refreshed when the file is replaced.
        self._active: dict[str, tuple[tuple[int, int, int] | None, str | None]] = {}
        self._embedder_info: dict[str, Any] | None = None
        self._load_lock = threading.Lock()

    def names(self) -> list[str]:
        return list(self.configured) if self.configured else registry.models(self.root)

    def load_all(self) -> dict[str, str]:
        """Loads the active head of every served model (at start); returns {model: error} for those that failed."""
        failures = {}
        for name in self.names():
            try:
                self.active(name)
            except (ModelNotFound, ModelUnavailable) as exc:
                failures[name] = str(exc)
                _log.error("model %s cannot serve: %s", name, exc)
        return failures

    def set_embedder_info(self, info: dict[str, Any]) -> list[str]:
        """Checks every loaded head against the embedder; returns the messages of those refused.

        Logged when the embedder changes, not on every readiness probe.
        """
        key = {k: info.get(k) for k in ("model_name", "model_version", "dimension")}
        changed = self._embedder_info is None or any(self._embedder_info.get(k) != v for k, v in key.items())
        self._embedder_info = key
        refused = []
        for head in list(self._heads.values()):
            reason = head.incompatibility(key)
            if reason:
                refused.append(reason)
                if changed:
                    _log.error("%s", reason)
        return refused

    def active(self, name: str) -> Head:
        """The head that serves `name` now; loads it (once, shared) when the active version changed."""
        if self.configured and name not in self.configured:
            raise ModelNotFound(f"model {name!r} is not served here (serving: {', '.join(self.configured)})")
        try:
            pointer = registry.active_path(self.root, name)
        except registry.RegistryError:
            raise ModelNotFound(f"no model named {name!r}") from None
        version = self._active_version(name, pointer)
        head = self._heads.get((name, version))
        if head is None:
            head = self._load(name, version)
        if self._embedder_info is not None:
            reason = head.incompatibility(self._embedder_info)
            if reason:
                raise ModelUnavailable(reason)
        return head

    def _active_version(self, name: str, pointer: Path) -> str:
        try:
            st = os.stat(pointer)
            identity: tuple[int, int, int] | None = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            identity = None
        cached = self._active.get(name)
        if cached is not None and cached[0] == identity and identity is not None:
            version = cached[1]
        else:
            if not (self.root / name).is_dir():
                raise ModelNotFound(f"no model named {name!r}")
            version = registry.active_version(self.root, name)
            self._active[name] = (identity, version)
            if cached is not None and cached[1] != version:
                _log.info("model %s: active version is now %s (was %s)", name, version, cached[1])
        if version is None:
            raise ModelUnavailable(f"model {name!r} has no active version; activate one with "
                                   f"POST /v1/models/{name}/rollback {{\"version\": ...}}")
        return version

    def _load(self, name: str, version: str) -> Head:
        with self._load_lock:
            head = self._heads.get((name, version))
            if head is not None:
                return head
            if (name, version) in self._errors:
                raise ModelUnavailable(self._errors[(name, version)])
            try:
                info = registry.version_info(self.root, name, version)
                labels = list(info.metadata["labels"])
                start = time.perf_counter()
                predict = self._loader(info.path, info.metadata)
            except registry.UnknownModel:
                raise ModelNotFound(f"no model named {name!r}") from None
            except Exception as exc:  # noqa: BLE001 - a broken head must not take the others down
                message = f"model {name} version {version} could not be loaded: {type(exc).__name__}: {exc}"
                _log.error("%s", message)
                self._errors[(name, version)] = message
                raise ModelUnavailable(message) from None
            head = Head(name, version, labels, info.metadata, predict)
            self._heads[(name, version)] = head
            _log.info("model %s version %s loaded in %.2fs (%d labels)", name, version,
                      time.perf_counter() - start, len(labels))
            return head

    def loaded(self) -> list[Head]:
        return list(self._heads.values())

    def describe(self, name: str) -> dict[str, Any]:
        """The GET /v1/models entry of one model."""
        entry: dict[str, Any] = {"name": name}
        try:
            head = self.active(name)
            entry.update(active_version=head.version, kind=head.kind, labels=head.labels,
                         metrics=head.metadata.get("metrics", {}), dimension=head.dimension,
                         precision=head.precision,
                         embedder_model=head.embedder_model, embedder_version=head.embedder_version,
                         status="serving")
        except ModelUnavailable as exc:
            active = registry.active_version(self.root, name)
            entry.update(active_version=active, kind=self._kind_on_disk(name, active), status="unavailable",
                         error=str(exc))
        return entry

    def _kind_on_disk(self, name: str, version: str | None) -> str | None:
        """The kind the registry records for a version that cannot serve (None when it is unreadable)."""
        if version is None:
            return None
        try:
            return registry.version_info(self.root, name, version).kind
        except (registry.RegistryError, OSError, ValueError):
            return None

    def versions(self, name: str) -> list[dict[str, Any]]:
        if self.configured and name not in self.configured:
            raise ModelNotFound(f"model {name!r} is not served here")
        try:
            infos = registry.versions(self.root, name)
        except registry.RegistryError:
            raise ModelNotFound(f"no model named {name!r}") from None
        active = registry.active_version(self.root, name)
        return [{"version": i.version, "active": i.version == active, "created_at": i.created_at,
                 "kind": i.kind, "labels": i.labels, "metrics": i.metadata.get("metrics", {}),
                 "embedder_model": i.metadata.get("embedder_model"),
                 "embedder_version": i.metadata.get("embedder_version")} for i in infos]

    def rollback(self, name: str, version: str | None = None) -> tuple[str | None, str]:
        """Switches the active version for every process; loads the new head here before switching."""
        if self.configured and name not in self.configured:
            raise ModelNotFound(f"model {name!r} is not served here")
        try:
            if version is not None:
                registry.version_info(self.root, name, version)
            target = version if version is not None else registry.previous_version(self.root, name)
        except registry.UnknownModel:
            raise ModelNotFound(f"no model named {name!r}") from None
        # Load first: a head that cannot load (or does not fit the embedder) must not become active.
        head = self._load(name, target)
        if self._embedder_info is not None:
            reason = head.incompatibility(self._embedder_info)
            if reason:
                raise ModelUnavailable(reason)
        return registry.rollback(self.root, name, target)
