"""Risk scores of a de-identified document: what was removed, and how likely it is that PHI is left.

- `counts`: redacted entities per type (and `by_source`: per detector).
- `redacted_fraction`: redacted characters / all characters of the extracted text.
- `residual_risk`: the probability that at least one low-confidence span left in place is PHI,
  1 - prod(1 - p_i) over those spans, where p_i is the combined model probability of the
  span's best PHI type (the spans scored between the review and the redaction thresholds).
  A phrase repeated on every page is one event, not many: spans are counted once per
  distinct (text, type).
  A document whose verification found a redacted string still recoverable has risk 1.
- `level`: low (residual risk < 0.1), medium (< 0.5), high otherwise.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Sequence

from services.gateway.pipeline.document import Entity, Paragraph
from services.gateway.pipeline.patterns import TYPES

LOW, MEDIUM = 0.1, 0.5


def level(residual: float) -> str:
    if residual < LOW:
        return "low"
    if residual < MEDIUM:
        return "medium"
    return "high"


def scores(paragraphs: Sequence[Paragraph], entities: Sequence[Entity], review: Sequence[Entity],
           verified: bool) -> tuple[dict, dict[str, int]]:
    """(risk, counts) for the job result."""
    counts = Counter(e.type for e in entities)
    redacted_paragraphs = {e.paragraph for e in entities}
    total_chars = sum(len(p.text) for p in paragraphs)
    redacted_chars = sum(e.end - e.start for e in entities)
    distinct: dict[tuple[str, str], float] = {}
    for r in review:
        key = (" ".join(r.text.split()), r.type)
        distinct[key] = max(distinct.get(key, 0.0), r.score)
    # Log-space product: hundreds of small probabilities stay accurate.
    log_clean = sum(math.log1p(-min(p, 0.999999)) for p in distinct.values())
    residual = 1.0 if not verified else 1.0 - math.exp(log_clean)
    risk = {
        "level": level(residual),
        "residual_risk": round(residual, 4),
        "low_confidence_spans": len(review),
        "low_confidence_phrases": len(distinct),
        "redacted_entities": len(entities),
        "redacted_characters": redacted_chars,
        "redacted_fraction": round(redacted_chars / total_chars, 4) if total_chars else 0.0,
        "pages_with_redactions": len({p.page for p in paragraphs if p.index in redacted_paragraphs}),
        "by_source": dict(sorted(Counter(e.source for e in entities).items())),
        "verified": verified,
    }
    return risk, {t: counts.get(t, 0) for t in TYPES}
