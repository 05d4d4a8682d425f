"""The parts of a name that a model's span leaves out: initials before it, a surname in capitals before the
given name, particles and the surname after it ("E. Koch", "BLACKBURN Roselia", "Laila N. te Sligt").

Models and rules find the distinctive word of a name and often stop there; the rest of the name is
readable in the output and still identifies the person. These parts have shapes no other kind of
text has next to a name, so a PERSON span is widened over them.
"""

from __future__ import annotations

import re

from services.gateway.pipeline import edges
from services.gateway.pipeline.charclasses import LETTERS, MARKS, UPPER
from services.gateway.pipeline.clinical_terms import CLINICAL_ABBREVIATIONS

# One to three initials right before the name: "E. ", "E.A. ", "J. R. ".
_INITIALS_BEFORE = re.compile(rf"(?:^|(?<=[\s(,;:|]))((?:[{UPPER}]\.\s?){{1,3}})\s*$")
# A surname in capitals right before a capitalised given name, at the start of a line or a field.
_CAPS_BEFORE = re.compile(rf"(?:^|(?<=[\s(,;:|]))([{UPPER}]{{2,}}(?:[-'’][{UPPER}]{{2,}})?)\s+$")
# Particles of a surname, then the surname: "te Sligt", "van der Berg", "de la Cruz", "bin Laden".
_PARTICLES_AFTER = re.compile(
    rf"\s+((?:(?:van|von|de|der|den|te|ter|ten|da|di|du|dos|das|del|della|la|le|bin|binti|al|el|zu|af)\s+){{1,3}}"
    rf"[{UPPER}][{LETTERS}{MARKS}'’\-]+)")


def grow(text: str, start: int, end: int) -> tuple[int, int]:
    """The span [start, end) of a name, widened over the initials, capitalised surname and particles around it."""
    before = text[max(0, start - 12):start]
    m = _INITIALS_BEFORE.search(before)
    if m is not None:
        start -= len(before) - m.start(1)
    else:
        m = _CAPS_BEFORE.search(text[max(0, start - 30):start])
        first = text[start:end].split()[:1]
        if (m is not None and first and not first[0].isupper() and m.group(1) not in CLINICAL_ABBREVIATIONS
                and not edges.is_label(m.group(1))):
            start -= len(text[max(0, start - 30):start]) - m.start(1)
    m = _PARTICLES_AFTER.match(text, end)
    if m is not None:
        end = m.end(1)
    return start, end
