"""The documents of a batch: a folder of PDFs (recursive), a manifest listing them, or one PDF; hashed by content.

A manifest is a text file with one path per line (blank lines and `#` comments skipped), or
a CSV file with a `path` column; relative paths are read from the manifest's folder. Each
document gets a name, its path relative to the folder (or to the manifest entries' common
folder), under which its outputs are written, and the SHA-256 of its bytes, which the
ledger uses to recognise it on a rerun even when it was moved or renamed.
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1024 * 1024


class InputError(ValueError):
    """The batch input cannot be used at all (missing, empty, unreadable manifest); the message says why."""


@dataclass(frozen=True)
class InputDocument:
    path: Path
    name: str    # relative, with / separators; the outputs are <out>/redacted/<name> and <out>/reports/<name>.json
    sha256: str
    size: int


@dataclass(frozen=True)
class InputProblem:
    """A listed document that cannot even be read; it is reported as failed, the others go on."""

    name: str
    error: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def scan(source: str | Path, exclude: str | Path | None = None) -> tuple[list[InputDocument], list[InputProblem]]:
    """The documents `source` names, in a stable order, and those that could not be read.

    `exclude` is a folder to leave out of a folder scan (the output folder, when it lies inside
    the input folder, so a rerun does not de-identify its own outputs).
    """
    source = Path(source)
    if source.is_dir():
        paths = _folder(source, Path(exclude).resolve() if exclude else None)
        if not paths:
            raise InputError(f"no PDF files (*.pdf) found under {source}")
        base = source
    elif source.is_file():
        if source.suffix.lower() == ".pdf":
            paths, base = [source], source.parent
        else:
            paths = _manifest(source)
            if not paths:
                raise InputError(f"the manifest {source} lists no documents")
            base = _common_folder(paths)
    else:
        raise InputError(f"{source} does not exist: give a folder of PDFs, a manifest file or a PDF")
    documents: list[InputDocument] = []
    problems: list[InputProblem] = []
    seen: set[Path] = set()
    names: set[str] = set()
    for path in paths:
        resolved = path.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        name = _name(path, base)
        try:
            digest = sha256_of(path)
            name = _unique(name, digest, names)
            documents.append(InputDocument(path, name, digest, path.stat().st_size))
        except FileNotFoundError:
            problems.append(InputProblem(name, f"file not found: {path}"))
        except IsADirectoryError:
            problems.append(InputProblem(name, f"is a folder, not a document: {path}"))
        except OSError as exc:
            problems.append(InputProblem(name, f"cannot read {path}: {exc.strerror or type(exc).__name__}"))
        names.add(name)
    return documents, problems


def _folder(folder: Path, exclude: Path | None) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        here = Path(root)
        # Sorted in place so os.walk descends in a stable order; hidden folders are skipped.
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and (exclude is None or (here / d).resolve() != exclude))
        found.extend(here / f for f in sorted(files) if f.lower().endswith(".pdf") and not f.startswith("."))
    return found


def _manifest(manifest: Path) -> list[Path]:
    try:
        text = manifest.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{manifest} is neither a PDF nor a text manifest (one path per line)") from None
    except OSError as exc:
        raise InputError(f"cannot read the manifest {manifest}: {exc.strerror or exc}") from None
    folder = manifest.parent
    if manifest.suffix.lower() == ".csv":
        rows = list(csv.DictReader(text.splitlines()))
        if rows and "path" not in rows[0]:
            raise InputError(f"the CSV manifest {manifest} needs a 'path' column")
        entries = [(row.get("path") or "").strip() for row in rows]
    else:
        if text.startswith("%PDF-"):
            raise InputError(f"{manifest} looks like a PDF: name it *.pdf, or list it in a manifest")
        entries = [line.strip() for line in text.splitlines()]
    return [folder / e for e in entries if e and not e.startswith("#")]


def _common_folder(paths: list[Path]) -> Path:
    try:
        return Path(os.path.commonpath([str(p.resolve().parent) for p in paths]))
    except ValueError:  # pragma: no cover - different drives on Windows
        return Path("/")


def _name(path: Path, base: Path) -> str:
    for candidate, folder in ((path, base), (path.resolve(), base.resolve())):
        try:
            name = candidate.relative_to(folder).as_posix()
            break
        except ValueError:
            continue
    else:
        name = path.name
    return name if name.lower().endswith(".pdf") else name + ".pdf"


def _unique(name: str, sha256: str, taken: set[str]) -> str:
    """Two entries that would write the same output name (a manifest's `a.pdf` and `a`) get distinct names."""
    if name not in taken:
        return name
    stem = name[:-4]
    return f"{stem}-{sha256[:12]}.pdf"
