"""Quality of the de-identification on labelled documents: per-type precision, recall, F1 and redaction recall.

A labelled document is a PDF plus its PHI strings as JSON ({"spans": [{"text", "type",
"page"}]}, pages from 1), as tools.synthetic.samples writes them. Every occurrence of a
labelled string on its page is one gold item. A reported entity is a true positive of its
type when it overlaps a gold item of that type; a gold item is found when an entity of its
type overlaps it. Redaction recall is type-blind and looks only at the output: the share of
labelled strings that no longer occur anywhere in the redacted PDF's text.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from veil.contracts import ENTITY_TYPES as TYPES
from veil.contracts import normalize

_SPACE = re.compile(r"\s+")


def _normalised_with_offsets(text: str) -> tuple[str, list[int]]:
    """`text` normalised, with each normalised character's offset in `text`."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch):
            if c.isspace():
                if out and out[-1] == " ":
                    continue
                c = " "
            out.append(c)
            where.append(i)
    return "".join(out), where


@dataclass
class Tally:
    """Precision counts entities, recall counts gold items: several entities may cover one item
    ("STAFFORD" and "CYNTHIA" of "STAFFORD, CYNTHIA"), so each side has its own true positives."""

    tp: int = 0   # entities on a gold item of their type
    fp: int = 0   # entities on none
    found: int = 0  # gold items covered by an entity of their type
    fn: int = 0   # gold items not covered

    def add(self, other: "Tally") -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.found += other.found
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.found / (self.found + self.fn) if self.found + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Scores:
    by_type: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    any_phi: Tally = field(default_factory=Tally)      # type-blind: is it PHI at all
    strings: int = 0                                   # distinct labelled strings per document, summed
    strings_removed: int = 0
    unlocated: int = 0                                 # labelled strings not found in the extracted text
    documents: int = 0

    def add(self, other: "Scores") -> None:
        for t, tally in other.by_type.items():
            self.by_type[t].add(tally)
        self.any_phi.add(other.any_phi)
        self.strings += other.strings
        self.strings_removed += other.strings_removed
        self.unlocated += other.unlocated
        self.documents += other.documents

    @property
    def redaction_recall(self) -> float:
        return self.strings_removed / self.strings if self.strings else 1.0

    def micro(self) -> Tally:
        total = Tally()
        for tally in self.by_type.values():
            total.add(tally)
        return total

    def as_dict(self) -> dict:
        micro = self.micro()
        return {
            "documents": self.documents,
            "by_type": {t: {"precision": round(x.precision, 4), "recall": round(x.recall, 4), "f1": round(x.f1, 4),
                            "tp": x.tp, "fp": x.fp, "found": x.found, "fn": x.fn}
                        for t, x in sorted(self.by_type.items())},
            "micro": {"precision": round(micro.precision, 4), "recall": round(micro.recall, 4),
                      "f1": round(micro.f1, 4)},
            "any_phi": {"precision": round(self.any_phi.precision, 4), "recall": round(self.any_phi.recall, 4),
                        "f1": round(self.any_phi.f1, 4)},
            "redaction_recall": round(self.redaction_recall, 4),
            "strings": self.strings,
            "strings_left": self.strings - self.strings_removed,
            "unlocated": self.unlocated,
        }


@dataclass(frozen=True)
class _Gold:
    paragraph: int
    start: int
    end: int
    type: str


def _gold_items(paragraphs: Sequence[dict], spans: Iterable[dict]) -> tuple[list[_Gold], int]:
    by_page: dict[int, list[tuple[int, str, list[int]]]] = defaultdict(list)
    for i, p in enumerate(paragraphs):
        norm, where = _normalised_with_offsets(p.get("text", ""))
        by_page[int(p.get("page", 0))].append((i, norm, where))
    items: set[_Gold] = set()
    unlocated = 0
    for text, type_, page in {(normalize(s["text"]), s["type"], int(s["page"])) for s in spans}:
        found = False
        pattern = re.compile(r"(?<!\w)" + re.escape(text) + r"(?!\w)")
        for index, norm, where in by_page.get(page, []):
            for m in pattern.finditer(norm):
                found = True
                items.add(_Gold(index, where[m.start()], where[m.end() - 1] + 1, type_))
        unlocated += 0 if found else 1
    return sorted(items, key=lambda g: (g.paragraph, g.start)), unlocated


def score_document(paragraphs: Sequence[dict], entities: Sequence[dict], spans: Sequence[dict],
                   output_text: str) -> Scores:
    """Scores of one document: `paragraphs` of the input's extraction, the report's `entities`,
    the labelled `spans`, and the text of the redacted PDF."""
    scores = Scores(documents=1)
    gold, scores.unlocated = _gold_items(paragraphs, spans)
    by_paragraph: dict[int, list[dict]] = defaultdict(list)
    for e in entities:
        by_paragraph[int(e["paragraph"])].append(e)

    def overlaps(e: dict, g: _Gold) -> bool:
        return int(e["paragraph"]) == g.paragraph and int(e["start"]) < g.end and g.start < int(e["end"])

    gold_by_paragraph: dict[int, list[_Gold]] = defaultdict(list)
    for g in gold:
        gold_by_paragraph[g.paragraph].append(g)
        near = by_paragraph[g.paragraph]
        typed, any_type = scores.by_type[g.type], scores.any_phi
        if any(overlaps(e, g) and e["type"] == g.type for e in near):
            typed.found += 1
        else:
            typed.fn += 1
        if any(overlaps(e, g) for e in near):
            any_type.found += 1
        else:
            any_type.fn += 1
    for e in entities:
        near = gold_by_paragraph[int(e["paragraph"])]
        if any(overlaps(e, g) and g.type == e["type"] for g in near):
            scores.by_type[e["type"]].tp += 1
        else:
            scores.by_type[e["type"]].fp += 1
        if any(overlaps(e, g) for g in near):
            scores.any_phi.tp += 1
        else:
            scores.any_phi.fp += 1
    output = normalize(output_text)
    strings = {normalize(s["text"]) for s in spans}
    scores.strings = len(strings)
    scores.strings_removed = sum(1 for s in strings if not re.search(r"(?<!\w)" + re.escape(s) + r"(?!\w)", output))
    return scores


def pdf_text(pdf: bytes) -> str:
    import pymupdf

    with pymupdf.open("pdf", pdf) as doc:
        return "\n".join(page.get_text() for page in doc)


def write_corpus(folder: Path, count: int, *, seed: int = 1000, templates: str = "heldout", pages: int = 3) -> list[Path]:
    """`count` labelled documents from the redactor's sample generator (held-out templates by default)."""
    from tools.synthetic import samples

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for doc in samples.corpus(count, seed=seed, templates=templates, pages=pages):
        stem = folder / f"{doc.template}-{doc.seed:05d}"
        stem.with_suffix(".pdf").write_bytes(doc.pdf)
        stem.with_suffix(".json").write_text(json.dumps({"template": doc.template, "family": doc.family,
                                                         "seed": doc.seed, "spans": doc.span_dicts()}, indent=1))
        written.append(stem.with_suffix(".pdf"))
    return written


def corpus_files(folder: Path) -> list[tuple[Path, Path]]:
    """(pdf, labels) pairs of a corpus folder."""
    pairs = []
    for pdf in sorted(folder.glob("*.pdf")):
        labels = pdf.with_suffix(".json")
        if labels.exists():
            pairs.append((pdf, labels))
    return pairs


def table(scores: Scores) -> str:
    """The figures as printed by `veil eval` and copied into the README."""
    d = scores.as_dict()
    lines = [f"{'type':<14}{'precision':>10}{'recall':>10}{'f1':>8}{'tp':>7}{'fp':>7}{'found':>7}{'fn':>7}"]
    for t in TYPES:
        if t not in d["by_type"]:
            continue
        x = d["by_type"][t]
        lines.append(f"{t:<14}{x['precision']:>10.3f}{x['recall']:>10.3f}{x['f1']:>8.3f}{x['tp']:>7}{x['fp']:>7}"
                     f"{x['found']:>7}{x['fn']:>7}")
    m, a = d["micro"], d["any_phi"]
    lines.append(f"{'all (micro)':<14}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>8.3f}")
    lines.append(f"{'any PHI':<14}{a['precision']:>10.3f}{a['recall']:>10.3f}{a['f1']:>8.3f}")
    lines.append(f"redaction recall: {d['redaction_recall']:.4f} ({d['strings'] - d['strings_left']} of "
                 f"{d['strings']} labelled strings gone from the output; {d['unlocated']} not located in the "
                 f"extracted text) over {d['documents']} documents")
    return "\n".join(lines)
