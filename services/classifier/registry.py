"""The model registry on disk: <root>/<model>/<version>/ with the head, its labels, report and metadata.

A version folder is written whole or not at all (built in a temporary folder, then
renamed) and never changed afterwards. Which version serves is the one line in
<root>/<model>/ACTIVE, replaced with `os.replace`, so a switch is atomic and every
process that stats the file on its next request sees it without a restart.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veil.paths import home

HEAD_FILE = "head.keras"
LABELS_FILE = "labels.json"
REPORT_FILE = "report.json"
METADATA_FILE = "metadata.json"
ACTIVE_FILE = "ACTIVE"
REGISTRY_ENV = "VEIL_MODEL_REGISTRY"
# Metadata a head must carry: without them it could be served against the wrong embedding space.
REQUIRED_METADATA = ("embedder_model", "embedder_version", "dimension")
# What a head takes and answers. A phrase head maps one pooled vector per text (Embed) to a label;
# a token head maps one vector per token (EmbedTokens) to a label, "O" for outside any entity.
PHRASE = "phrase"
TOKEN = "token"
KINDS = (PHRASE, TOKEN)
OUTSIDE = "O"
# The vectors a kind is trained on arrive in this precision (Embed sends float32, EmbedTokens float16);
# recorded so a head is never mistaken for one trained on vectors of another precision.
DEFAULT_PRECISION = {PHRASE: "float32", TOKEN: "float16"}

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class RegistryError(ValueError):
    """A registry operation was asked something impossible; the message says what."""


class UnknownModel(RegistryError):
    pass


class UnknownVersion(RegistryError):
    pass


@dataclass(frozen=True)
class VersionInfo:
    name: str
    version: str
    path: Path
    metadata: dict[str, Any]

    @property
    def created_at(self) -> str:
        return str(self.metadata.get("created_at", ""))

    @property
    def labels(self) -> list[str]:
        return list(self.metadata.get("labels", []))

    @property
    def kind(self) -> str:
        return kind_of(self.metadata)


def kind_of(metadata: dict[str, Any]) -> str:
    """A head's kind; heads published before kinds existed are phrase heads."""
    return str(metadata.get("kind") or PHRASE)


def input_dimension(metadata: dict[str, Any]) -> int:
    """What the head takes: the embedding, or for a token head with `context_tokens` k, the token's
    vector and k neighbours' on each side, concatenated (services.classifier.spans.with_context)."""
    return int(metadata["dimension"]) * (2 * int(metadata.get("context_tokens") or 0) + 1)


def default_root() -> Path:
    """VEIL_MODEL_REGISTRY, or <VEIL_HOME>/registry."""
    return Path(os.environ.get(REGISTRY_ENV) or home() / "registry")


def check_name(value: str, what: str = "model name") -> str:
    """Names become folder names: letters, digits, '.', '_' and '-', not starting with a dot."""
    if not isinstance(value, str) or not _NAME.match(value):
        raise RegistryError(f"invalid {what} {value!r}: use letters, digits, '.', '_' or '-' "
                            "(at most 128, not starting with '.' or '-')")
    return value


def publish(root: str | Path, name: str, version: str, *, head: Any, labels: list[str],
            metadata: dict[str, Any], report: dict[str, Any] | None = None, activate: bool = True) -> Path:
    """Writes a new version atomically and (by default) makes it the active one; returns its folder.

    `head` is a keras.Model (saved as head.keras) or the path of a .keras file. `metadata`
    must name the embedder the head was trained against (embedder_model, embedder_version)
    and the embedding dimension; its `kind` ("phrase", the default, or "token", whose labels
    must include "O") and `precision` (default: float32 for phrase, float16 for token heads)
    are recorded. Versions are immutable: publishing an existing one fails.
    """
    root = Path(root)
    check_name(name)
    check_name(version, "version")
    labels = _check_labels(labels)
    missing = [k for k in REQUIRED_METADATA if metadata.get(k) in (None, "")]
    if missing:
        raise RegistryError(f"metadata for {name} {version} lacks {', '.join(missing)}: a head must say which "
                            "embedder (model, version) and dimension it was trained against")
    kind = kind_of(metadata)
    if kind not in KINDS:
        raise RegistryError(f"metadata for {name} {version}: kind {kind!r} is unknown; known: {', '.join(KINDS)}")
    if kind == TOKEN and OUTSIDE not in labels:
        raise RegistryError(f"a token head's labels must include {OUTSIDE!r} (outside any entity); got {labels}")
    context = metadata.get("context_tokens", 0)
    if isinstance(context, bool) or not isinstance(context, int) or context < 0 or (context and kind != TOKEN):
        raise RegistryError(f"metadata for {name} {version}: context_tokens must be a count >= 0, and only a token "
                            f"head has neighbours; got {context!r}")
    model_dir = root / name
    final = model_dir / version
    if final.exists():
        raise RegistryError(f"{name} version {version} already exists in {root}; versions are immutable, "
                            "publish a new one")
    model_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{version}.tmp-", dir=model_dir))
    try:
        if isinstance(head, (str, os.PathLike)):
            src = Path(head)
            if src.suffix != ".keras" or not src.is_file():
                raise RegistryError(f"head {src} is not a .keras file")
            shutil.copyfile(src, tmp / HEAD_FILE)
        else:
            _check_head_shape(head, input_dimension(metadata), len(labels))
            head.save(tmp / HEAD_FILE)
        full = dict(metadata)
        full.update(name=name, version=version, labels=labels, dimension=int(metadata["dimension"]), kind=kind)
        full.setdefault("precision", DEFAULT_PRECISION[kind])
        full.setdefault("created_at", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        full.setdefault("published_at", time.time())
        if "metrics" not in full and report and "weighted_f1" in report:
            full["metrics"] = {"weighted_f1": report["weighted_f1"]}
        full.setdefault("metrics", {})
        _write_json(tmp / LABELS_FILE, labels)
        _write_json(tmp / REPORT_FILE, report or {})
        _write_json(tmp / METADATA_FILE, full)
        _fsync_dir(tmp)
        try:
            os.rename(tmp, final)
        except OSError as exc:
            raise RegistryError(f"{name} version {version} was published concurrently by someone else") from exc
        _fsync_dir(model_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if activate:
        set_active(root, name, version)
    return final


def models(root: str | Path) -> list[str]:
    """Model names that have at least one published version."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and _NAME.match(p.name) and any(_version_dirs(p)))


def versions(root: str | Path, name: str) -> list[VersionInfo]:
    """Published versions, oldest first (by publication time, then name)."""
    model_dir = Path(root) / check_name(name)
    if not model_dir.is_dir():
        raise UnknownModel(f"no model named {name!r} in the registry")
    infos = [VersionInfo(name, p.name, p, read_metadata(p)) for p in _version_dirs(model_dir)]
    if not infos:
        raise UnknownModel(f"no model named {name!r} in the registry")
    return sorted(infos, key=lambda i: (float(i.metadata.get("published_at", 0.0)), i.version))


def version_info(root: str | Path, name: str, version: str) -> VersionInfo:
    path = Path(root) / check_name(name) / check_name(version, "version")
    if not (path / METADATA_FILE).is_file():
        if not (Path(root) / name).is_dir():
            raise UnknownModel(f"no model named {name!r} in the registry")
        raise UnknownVersion(f"model {name!r} has no version {version!r}")
    return VersionInfo(name, version, path, read_metadata(path))


def read_metadata(version_dir: Path) -> dict[str, Any]:
    return json.loads((version_dir / METADATA_FILE).read_text(encoding="utf-8"))


def read_report(version_dir: Path) -> dict[str, Any]:
    path = version_dir / REPORT_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def active_path(root: str | Path, name: str) -> Path:
    return Path(root) / check_name(name) / ACTIVE_FILE


def active_version(root: str | Path, name: str) -> str | None:
    """The version named in ACTIVE, or None when none was activated (publish(..., activate=False))."""
    try:
        return active_path(root, name).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def set_active(root: str | Path, name: str, version: str) -> str | None:
    """Makes `version` the active one, atomically; returns the version that was active before."""
    info = version_info(root, name, version)
    previous = active_version(root, name)
    model_dir = info.path.parent
    fd, tmp = tempfile.mkstemp(prefix=".ACTIVE.tmp-", dir=model_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(version + "\n")
            f.flush()
            os.fsync(f.fileno())
        # os.replace swaps the name in one step: a reader sees the old file or the new, never half.
        os.replace(tmp, model_dir / ACTIVE_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(model_dir)
    return previous


def rollback(root: str | Path, name: str, version: str | None = None) -> tuple[str | None, str]:
    """Switches to `version`, or to the version published just before the active one.

    Returns (version before, version now). Without an earlier version there is nothing to
    roll back to, and the error says so.
    """
    current = active_version(root, name)
    if version is None:
        version = previous_version(root, name)
    set_active(root, name, version)
    return current, version


def previous_version(root: str | Path, name: str) -> str:
    """The version published just before the active one; RegistryError when there is none."""
    current = active_version(root, name)
    published = [v.version for v in versions(root, name)]
    if current not in published or published.index(current) == 0:
        raise RegistryError(f"model {name!r} has no version published before {current!r} to roll back to")
    return published[published.index(current) - 1]


def next_version(root: str | Path, name: str) -> str:
    """'v1', 'v2', ...: one more than the highest vN already published."""
    highest = 0
    model_dir = Path(root) / name
    if model_dir.is_dir():
        for p in _version_dirs(model_dir):
            m = re.fullmatch(r"v(\d+)", p.name)
            if m:
                highest = max(highest, int(m.group(1)))
    return f"v{highest + 1}"


def _version_dirs(model_dir: Path) -> list[Path]:
    return [p for p in model_dir.iterdir()
            if p.is_dir() and not p.name.startswith(".") and (p / METADATA_FILE).is_file()]


def _check_labels(labels: Any) -> list[str]:
    if not isinstance(labels, (list, tuple)) or not labels:
        raise RegistryError("labels must be a non-empty list of strings")
    labels = list(labels)
    if not all(isinstance(x, str) and x for x in labels):
        raise RegistryError("labels must be non-empty strings")
    if len(set(labels)) != len(labels):
        raise RegistryError("labels must be unique")
    return labels


def _check_head_shape(head: Any, dimension: int, n_labels: int) -> None:
    try:
        in_dim, out_dim = head.input_shape[-1], head.output_shape[-1]
    except (AttributeError, ValueError, TypeError, IndexError):
        return  # a subclassed model without static shapes: the service checks at load time
    if in_dim is not None and in_dim != dimension:
        raise RegistryError(f"head takes {in_dim}-dimensional input but the metadata makes it {dimension} "
                            "(dimension, times 2 x context_tokens + 1 for a token head)")
    if out_dim is not None and out_dim != n_labels:
        raise RegistryError(f"head has {out_dim} outputs but there are {n_labels} labels")


def _write_json(path: Path, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
