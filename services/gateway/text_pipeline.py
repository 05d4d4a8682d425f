"""De-identification of plain texts with the PDF pipeline's own detection: patterns, candidate phrases, the
token tagger and the phrase models in one batch prediction, hybrid search with propagation, risk scores.

There is nothing to extract or redact: each text is split into paragraphs at blank lines, the
paragraphs of one text form one blob (a name found in a note's first paragraph is looked for
in its later ones; texts are independent of each other), and the entities are applied to the
text by the request's operators. The pipeline's parts (models, batch sizes, thresholds) are
those of the `Pipeline` the job workers use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

from services.gateway import operators
from services.gateway.options import Options
from services.gateway.pipeline import hybrid, risk
from services.gateway.pipeline.deidentify import Pipeline
from services.gateway.pipeline.document import Entity, Paragraph
from services.gateway.pipeline.predict import predict_phrases
from services.gateway.pipeline.tagging import tag_texts

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_NO_BOX = (0.0, 0.0, 0.0, 0.0)


@dataclass
class TextResult:
    text: str                  # de-identified
    entities: list[dict]       # start/end in the original text, type, score, source
    risk: dict
    counts: dict[str, int]


def _paragraphs(texts: Sequence[str]) -> tuple[list[Paragraph], list[int]]:
    """Paragraphs of every text (blob = the text's position) and each paragraph's offset in its text."""
    paragraphs: list[Paragraph] = []
    offsets: list[int] = []
    for t, text in enumerate(texts):
        start = 0
        for m in [*_PARAGRAPH_BREAK.finditer(text), None]:
            end = m.start() if m else len(text)
            if text[start:end].strip():
                paragraphs.append(Paragraph(len(paragraphs), text[start:end], page=t + 1, bbox=_NO_BOX, blob=t))
                offsets.append(start)
            if m:
                start = m.end()
    return paragraphs, offsets


def deidentify(pipeline: Pipeline, texts: Sequence[str], options: Options, doc: operators.Document) -> list[TextResult]:
    """Every text de-identified with one batch prediction over all of them (raises the services' errors)."""
    paragraphs, offsets = _paragraphs(texts)
    prepared = hybrid.prepare(paragraphs)
    if pipeline.models.tagger is not None and prepared:
        tags = tag_texts([pp.paragraph.text for pp in prepared], pipeline.models.tagger,
                         pipeline.options.tag_batch_size)
        prepared = [replace(pp, tags=t) for pp, t in zip(prepared, tags)]
    table = predict_phrases(hybrid.phrases_of(prepared), pipeline.models, pipeline.options.batch_size)
    search = pipeline.options.search
    if options.score_threshold is not None:
        t = options.score_threshold
        search = replace(search, threshold=t, tag_threshold=t, tag_thresholds={},
                         review_threshold=min(search.review_threshold, t))
    found: dict[int, list[Entity]] = {}
    review: dict[int, list[Entity]] = {}
    for blob in range(len(texts)):
        group = [pp for pp in prepared if pp.paragraph.blob == blob]
        f = hybrid.search_blob(group, table.lookup, search)
        found[blob] = _in_text(f.entities, paragraphs, offsets)
        review[blob] = _in_text(f.review, paragraphs, offsets)

    results = []
    for i, text in enumerate(texts):
        chosen = options.select(text, found[i])
        left = [r for r in review[i] if r.type in options.entities and not any(c.overlaps(r.start, r.end)
                                                                               for c in chosen)]
        own = [Paragraph(0, text, 1, _NO_BOX, 0)]
        risk_scores, counts = risk.scores(own, chosen, left, verified=True)
        risk_scores.pop("pages_with_redactions", None)
        results.append(TextResult(
            text=operators.anonymize(text, chosen, lambda type_: options.operator_for(
                type_, operators.DEFAULT_TEXT_OPERATOR), doc),
            entities=[{"start": e.start, "end": e.end, "type": e.type, "score": round(e.score, 4), "source": e.source}
                      for e in chosen],
            risk=risk_scores, counts={k: v for k, v in counts.items() if v} | _custom_counts(chosen)))
    return results


def _in_text(entities: Sequence[Entity], paragraphs: Sequence[Paragraph], offsets: Sequence[int]) -> list[Entity]:
    """Entities with offsets in their whole text instead of their paragraph."""
    out = []
    for e in entities:
        base = offsets[e.paragraph]
        out.append(replace(e, paragraph=0, start=base + e.start, end=base + e.end))
    return out


def _custom_counts(entities: Sequence[Entity]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in entities:
        if e.type not in risk.TYPES:
            counts[e.type] = counts.get(e.type, 0) + 1
    return counts
