"""Loads a directory of gold annotations in whichever formats it holds: i2b2/n2c2 XML, BRAT standoff, Veil JSON.

Formats are told apart by extension and, where two share one, by their siblings:
`NAME.xml` is i2b2 (2014 with offsets, or 2006 with inline <PHI>); `NAME.ann` with
`NAME.txt` is BRAT; `NAME.json` with `NAME.pdf` is page-level PDF gold, with `NAME.txt`
offset gold for a note. Other files are skipped; hidden files and folders are not read.
"""

from __future__ import annotations

import dataclasses
import glob
import logging
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable

from tools.evaluation import brat, i2b2, neutral, veil_json
from tools.evaluation.documents import GoldDocument, GoldFormatError, GoldSpan

_log = logging.getLogger(__name__)

__all__ = ["GoldDocument", "GoldFormatError", "GoldSpan", "load_gold", "unknown_labels"]


def load_gold(directory: Path | str, *, safe_harbor_neutral: bool = False) -> list[GoldDocument]:
    """Every gold document under `directory` (recursively), in path order.

    With `safe_harbor_neutral`, items Safe Harbor lets a document keep (states, countries, a
    year alone, ages of 89 or less) are marked neutral. Raises GoldFormatError, naming the
    file and line, for a file that cannot be read as its format, and when nothing is found.
    """
    root = Path(directory)
    if not root.exists():
        raise GoldFormatError(root, "no such file or directory")
    if root.is_file():
        # One gold file given: its siblings of the same name are part of it (NAME.ann needs NAME.txt).
        files = sorted(p for p in root.parent.glob(glob.escape(root.stem) + ".*") if p.is_file())
    else:
        files = sorted(p for p in root.rglob("*") if p.is_file() and not _hidden(p, root))
    by_stem: dict[Path, dict[str, Path]] = defaultdict(dict)
    for path in files:
        by_stem[path.with_suffix("")][path.suffix.lower()] = path
    base = root.parent if root.is_file() else root
    documents: list[GoldDocument] = []
    for stem, siblings in sorted(by_stem.items()):
        name = stem.relative_to(base).as_posix()
        documents.extend(_read_group(name, siblings))
    if not documents:
        raise GoldFormatError(root, "no gold documents found (expected NAME.xml, NAME.txt + NAME.ann, "
                                    "NAME.txt + NAME.json or NAME.pdf + NAME.json)")
    if safe_harbor_neutral:
        documents = [dataclasses.replace(d, spans=[_with_safe_harbor(s) for s in d.spans]) for d in documents]
    for label, count in sorted(unknown_labels(documents).items()):
        _log.warning("gold label %r maps to no Veil type; kept as its own type (%d spans)", label, count)
    _log.info("loaded %d gold documents with %d spans from %s", len(documents),
              sum(len(d.spans) for d in documents), root)
    return documents


def unknown_labels(documents: Iterable[GoldDocument]) -> dict[str, int]:
    """Labels that map to no Veil type, with how many spans carry each."""
    return dict(Counter(s.original_type for d in documents for s in d.spans if not s.known))


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _read_group(name: str, siblings: dict[str, Path]) -> list[GoldDocument]:
    documents: list[GoldDocument] = []
    if ".xml" in siblings:
        documents.extend(i2b2.read(siblings[".xml"], name))
    if ".ann" in siblings:
        if ".txt" not in siblings:
            raise GoldFormatError(siblings[".ann"], "BRAT annotations without the NAME.txt they annotate")
        documents.append(brat.read(siblings[".txt"], siblings[".ann"], name))
    if ".json" in siblings:
        labels = siblings[".json"]
        if ".pdf" in siblings:
            documents.append(veil_json.read_pdf(siblings[".pdf"], labels, name))
        elif ".txt" in siblings and ".ann" not in siblings:
            documents.append(veil_json.read_text_note(siblings[".txt"], labels, name))
        elif ".ann" in siblings:
            _log.warning("%s: both BRAT and JSON gold for one note; using the BRAT annotations", labels)
        elif veil_json.has_spans(labels):
            raise GoldFormatError(labels, "gold spans without the NAME.pdf or NAME.txt they label")
    return documents


def _with_safe_harbor(span: GoldSpan) -> GoldSpan:
    if span.neutral or not neutral.is_permitted(span.type, span.text):
        return span
    return dataclasses.replace(span, neutral=True)
