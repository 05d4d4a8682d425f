"""Leak repair: strings the redactor's verification still found in its output are redacted once more.

The redactor reads its output back every way it can and looks for every redacted string on
every page; a string redacted in one place and still readable in another (a name a later
section repeats where the models missed it) is PHI all the same.
"""

from __future__ import annotations

import logging
import re
from typing import Sequence

from services.gateway.pipeline import hybrid
from services.gateway.pipeline.document import Entity, Redactor
from veil.contracts import Paragraph, fold

_log = logging.getLogger(__name__)


def repair(redactor: Redactor, pdf: bytes, redaction: dict, spans: list[dict], span_of: dict[int, int],
            paragraphs: Sequence[Paragraph], entities: Sequence[Entity]) -> tuple[bytes, list[Entity], int, bool]:
    """Redacts once more the strings the redactor's verification still found on some page.

    The redactor reads its output back every way it can and looks for every redacted
    string on every page; a string redacted in one place and still readable in another (a
    name a later section repeats where the models missed it) is PHI all the same. Those
    strings are redacted on the pages where they were found, and the repair is verified by
    the redactor in turn. Their occurrences in the input that no entity covers are reported
    as entities (source `propagated`), where the caller's text has them.
    Returns the PDF (repaired when needed), the entities the repair added, the number of
    leaks left and the redactor's verdict on the final PDF.
    """
    leaks = redaction.get("leaks") or []
    if redaction.get("verified", False) and not leaks:
        return pdf, [], 0, True
    found = {(leak["page"], leak["span"]) for leak in leaks
             if isinstance(leak.get("page"), int) and isinstance(leak.get("span"), int)
             and 0 <= leak["span"] < len(spans)}
    if not found:   # nothing a redaction of page text could remove (e.g. in the document's objects)
        return pdf, [], len(leaks), False
    _log.warning("verification found %d redacted string(s) still in the output; redacting them", len(found))
    origin: dict[int, Entity] = {}
    for e in entities:
        origin.setdefault(span_of[id(e)], e)
    leaked = {fold(spans[i]["text"]): origin[i] for _, i in found if i in origin}
    repaired = occurrences(paragraphs, leaked, entities)
    # Each with its span's own style, if any: a repaired label reads as the first redaction's did.
    repair_spans = [{"page": page, "text": spans[i]["text"], "type": spans[i]["type"],
                     **({"style": spans[i]["style"]} if "style" in spans[i] else {})} for page, i in sorted(found)]
    pdf, repair = redactor.redact(pdf, repair_spans)
    left = len(repair.get("leaks") or [])
    if left:
        _log.error("%d redacted string(s) still recoverable after the repair", left)
    return pdf, repaired, left, bool(repair.get("verified", False))


def occurrences(paragraphs: Sequence[Paragraph], leaked: dict[str, Entity],
                 entities: Sequence[Entity]) -> list[Entity]:
    """Occurrences of the leaked strings (keyed by `fold`) in the input that no entity covers, as propagated
    entities. Matched as the redactor matches them: whole words, any case, any run of whitespace."""
    if not leaked:
        return []
    alternatives = (r"\s+".join(re.escape(word) for word in text.split(" "))
                    for text in sorted(leaked, key=len, reverse=True))
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)
    covered: dict[int, list[Entity]] = {}
    for e in entities:
        covered.setdefault(e.paragraph, []).append(e)
    found = []
    for p in paragraphs:
        for m in pattern.finditer(p.text):
            if any(e.overlaps(m.start(), m.end()) for e in covered.get(p.index, [])):
                continue
            origin = leaked.get(fold(m.group(0)))
            if origin is None:
                continue
            found.append(Entity(p.index, m.start(), m.end(), origin.type, round(origin.score * 0.9, 4),
                                hybrid.PROPAGATED, m.group(0)))
    return found
