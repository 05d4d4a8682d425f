"""The artifact folder of one trained version: <root>/<region>/<model>/<date version>/ and what goes in it.

    code.zip                      the code and config that trained it (+ MANIFEST.json: git commit, versions)
    raw/rows.csv                  the rows the query returned
    processed/{train,validation,test}.npz   embeddings, label ids and row numbers of each split part
    processed/split.csv           which part every row went to
    models/<architecture id>/     head.keras + labels.json (the label encoder); the ML model beside it
    reports/                      train and test reports (JSON), confusion matrices (PNG), history.csv
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import platform
import subprocess
import zipfile
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from veil.paths import REPO_ROOT, home

# What "the code that trained it" is: the training package, the registry it publishes to,
# the shared package (client, config, retry) and the project metadata.
_CODE_GLOBS = ("services/classifier/training/**/*.py", "services/classifier/training/configs/*.yaml",
               "services/classifier/*.py", "veil/**/*.py", "proto/**/*.proto", "pyproject.toml",
               "deployment/requirements/*.txt")
_CODE_EXCLUDES = ("/tests/", "_pb2.py", "_pb2_grpc.py")


def default_root() -> Path:
    return home() / "training"


def version_name(now: dt.datetime | None = None) -> str:
    """A date version, sortable and valid as a registry version: 20261122T103000Z."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def create_version_dir(root: str | Path, region: str, model: str, now: dt.datetime | None = None) -> tuple[str, Path]:
    """Claims a new, empty version folder (mkdir is atomic, so two runs in one second get -2, -3...)."""
    base = Path(root) / region / model
    base.mkdir(parents=True, exist_ok=True)
    stem = version_name(now)
    for n in range(1, 1000):
        version = stem if n == 1 else f"{stem}-{n}"
        path = base / version
        try:
            path.mkdir()
        except FileExistsError:
            continue
        for sub in ("raw", "processed", "models", "reports"):
            (path / sub).mkdir()
        return version, path
    raise RuntimeError(f"could not claim a version folder under {base}")


def set_aside_failed(path: str | Path) -> Path:
    """Moves a failed run's folder to <model>/.failed/<version>: kept for debugging, never taken for a version."""
    path = Path(path)
    target = path.parent / ".failed" / path.name
    target.parent.mkdir(exist_ok=True)
    path.rename(target)
    return target


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _versions() -> dict[str, str]:
    from importlib import metadata

    found = {"python": platform.python_version()}
    for dist in ("tensorflow", "keras", "scikit-learn", "numpy", "faker", "psycopg2-binary", "dask"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return found


def code_files() -> list[Path]:
    files: set[Path] = set()
    for pattern in _CODE_GLOBS:
        for path in REPO_ROOT.glob(pattern):
            rel = "/" + path.relative_to(REPO_ROOT).as_posix()
            if path.is_file() and "__pycache__" not in rel and not any(x in rel for x in _CODE_EXCLUDES):
                files.add(path)
    return sorted(files)


def write_code_zip(path: str | Path, config_source: str | None, config: Mapping[str, Any]) -> Path:
    """code.zip: the sources, the config file as used, and a manifest to rebuild the environment."""
    path = Path(path)
    manifest = {
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--", "services/classifier", "veil")),
        "versions": _versions(),
        "config": config,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for file in code_files():
            zf.write(file, file.relative_to(REPO_ROOT).as_posix())
        if config_source and Path(config_source).is_file():
            zf.write(config_source, "config/" + Path(config_source).name)
        zf.writestr("MANIFEST.json", json.dumps(manifest, indent=2, sort_keys=True, default=str))
    return path


def write_rows_csv(path: str | Path, records: Sequence[Mapping[str, Any]]) -> Path:
    path = Path(path)
    columns = list(records[0]) if records else ["text", "label"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["row", *columns])
        for i, record in enumerate(records):
            writer.writerow([i, *(record.get(c) for c in columns)])
    return path


def write_split(directory: str | Path, parts: Mapping[str, np.ndarray], vectors: np.ndarray,
                label_ids: np.ndarray) -> None:
    """processed/: one .npz per part (the exact training inputs) and split.csv (row -> part)."""
    directory = Path(directory)
    assignment = {}
    for name, idx in parts.items():
        np.savez(directory / f"{name}.npz", embeddings=vectors[idx], label_ids=label_ids[idx], rows=idx)
        assignment.update((int(i), name) for i in idx)
    with open(directory / "split.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["row", "part"])
        writer.writerows(sorted(assignment.items()))


def write_labels(path: str | Path, labels: Iterable[str]) -> Path:
    path = Path(path)
    path.write_text(json.dumps(list(labels), indent=2) + "\n", encoding="utf-8")
    return path


def latest_versions(root: str | Path, region: str, model: str) -> list[Path]:
    base = Path(root) / region / model
    if not base.is_dir():
        return []
    return sorted((p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")), key=os.path.basename)
