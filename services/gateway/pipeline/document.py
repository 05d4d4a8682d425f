"""The pipeline's data: entities, low-confidence spans and blobs (paragraphs come from veil.contracts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence

from veil.contracts import Paragraph, paragraphs_from_extraction

__all__ = ["Entity", "Findings", "Paragraph", "Redactor", "blobs_of", "paragraphs_from_extraction"]


class Redactor(Protocol):
    """What the pipeline needs of the redactor: its HTTP client, or its library in this process."""

    def extract(self, pdf: bytes) -> dict: ...

    def redact(self, pdf: bytes, spans: list[dict]) -> tuple[bytes, dict]: ...


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


def blobs_of(paragraphs: Sequence[Paragraph]) -> list[list[Paragraph]]:
    """Paragraphs grouped by blob, each blob in document order (order matters inside a blob)."""
    groups: dict[int, list[Paragraph]] = {}
    for p in paragraphs:
        groups.setdefault(p.blob, []).append(p)
    return [sorted(g, key=lambda p: p.index) for _, g in sorted(groups.items())]
