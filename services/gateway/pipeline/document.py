"""The pipeline's data: paragraphs from the extraction, blobs, entities and low-confidence spans."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence


@dataclass(frozen=True)
class Paragraph:
    index: int
    text: str
    page: int
    bbox: tuple[float, float, float, float]
    blob: int
    heading: bool = False
    header_footer: bool = False


@dataclass(frozen=True)
class Entity:
    """A span to redact, with where it came from and how sure the pipeline is."""

    paragraph: int
    start: int
    end: int
    type: str
    score: float
    source: str  # model | ml | pattern | propagated
    text: str    # kept in memory for redaction and verification, never written to the report

    def overlaps(self, start: int, end: int) -> bool:
        return start < self.end and self.start < end


@dataclass
class Findings:
    """What the hybrid search found in one document."""

    entities: list[Entity] = field(default_factory=list)
    review: list[Entity] = field(default_factory=list)  # low-confidence spans left in place


def _bbox(value: Any) -> tuple[float, float, float, float]:
    if isinstance(value, dict):
        value = (value.get("x0"), value.get("y0"), value.get("x1"), value.get("y1"))
    x0, y0, x1, y1 = (float(v) for v in value)
    return (x0, y0, x1, y1)


def paragraphs_from_extraction(document: dict) -> list[Paragraph]:
    """The redactor's extraction result as Paragraphs, with blobs from its blob ids or its headings.

    A blob is the run of paragraphs under one heading: a heading opens a new blob; page
    headers and footers form blobs of their own, because they repeat on every page and do
    not belong to the section around them.
    """
    raw: Sequence[dict] = document.get("paragraphs", [])
    have_blob_ids = all("blob_id" in p for p in raw)
    paragraphs: list[Paragraph] = []
    blob = -1
    for i, p in enumerate(raw):
        heading = bool(p.get("heading", False))
        header_footer = bool(p.get("header_footer", False))
        if have_blob_ids:
            blob_id = int(p["blob_id"])
        else:
            if heading or blob < 0 or not p.get("dep_flag", True) or header_footer:
                blob += 1
            blob_id = blob
        paragraphs.append(Paragraph(index=i, text=str(p.get("text", "")), page=int(p.get("page", 0)),
                                    bbox=_bbox(p.get("bbox", (0, 0, 0, 0))), blob=blob_id, heading=heading,
                                    header_footer=header_footer))
    return paragraphs


def blobs_of(paragraphs: Sequence[Paragraph]) -> list[list[Paragraph]]:
    """Paragraphs grouped by blob, each blob in document order (order matters inside a blob)."""
    groups: dict[int, list[Paragraph]] = {}
    for p in paragraphs:
        groups.setdefault(p.blob, []).append(p)
    return [sorted(g, key=lambda p: p.index) for _, g in sorted(groups.items())]
