"""What the pipeline hands the redactor and the caller: spans to remove, and the report's entities (never their text)."""

from __future__ import annotations

from typing import Any, Sequence

from services.gateway.pipeline.document import Entity
from veil.contracts import Paragraph


def spans_for(entities: Sequence[Entity], paragraphs: dict[int, Paragraph]) -> tuple[list[dict], dict[int, int]]:
    """The redactor's spans, one per distinct (page, text): it removes every occurrence on the page.

    Returns the spans and, per entity (by id), the index of the span that covers it.
    """
    spans: list[dict] = []
    index: dict[tuple[int, str], int] = {}
    span_of: dict[int, int] = {}
    for e in entities:
        p = paragraphs[e.paragraph]
        key = (p.page, " ".join(e.text.split()))
        if key not in index:
            index[key] = len(spans)
            spans.append({"page": p.page, "text": key[1], "type": e.type})
        span_of[id(e)] = index[key]
    return spans, span_of


def boxes_by_span(redaction: dict) -> dict[int, list[list[float]]]:
    return {r["span"]: r.get("boxes") or [] for r in redaction.get("span_results", []) if "span" in r}


def public_entity(e: Entity, paragraphs: dict[int, Paragraph], boxes: list[list[float]] | None = None) -> dict[str, Any]:
    """An entity as the report shows it: where and what kind, never the text itself (it is PHI).

    The box is the redacted area inside the entity's paragraph when the redactor reported
    one, else the paragraph's box.
    """
    p = paragraphs.get(e.paragraph)
    bbox = list(p.bbox) if p else None
    if p and boxes:
        inside = [b for b in boxes if b[0] < p.bbox[2] and p.bbox[0] < b[2] and b[1] < p.bbox[3] and p.bbox[1] < b[3]]
        if inside:
            bbox = [min(b[0] for b in inside), min(b[1] for b in inside), max(b[2] for b in inside),
                    max(b[3] for b in inside)]
    return {"type": e.type, "score": round(e.score, 4), "source": e.source,
            "page": p.page if p else None, "bbox": [round(v, 2) for v in bbox] if bbox else None,
            "paragraph": e.paragraph, "start": e.start, "end": e.end}
