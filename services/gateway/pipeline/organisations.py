"""Organisations named by their legal form or their kind: "Onvia LLP", "Šróbikáreň s.r.o.", "Finnsnes sykehus".

Employers, insurers and hospitals abroad are names no list holds, but most carry a word that says
what they are: a legal form after the name (the terms of every country that the `cleanco`
package maintains: LLP, GmbH, s.r.o., Sp. z o.o., Oy, AS...), or the word for a hospital,
clinic, pharmacy or university in the local language, before or after the proper name. A run of
capitalised words joined to such a word is taken as an organisation; the words that make a
heading or a department instead ("Hospital Course", "Cardiology Clinic") are not names.
"""

from __future__ import annotations

import re
from functools import lru_cache

from services.gateway.pipeline.charclasses import LETTERS, MARKS, UPPER
from services.gateway.pipeline.clinical_terms import CLINICAL_ABBREVIATIONS

# The word for an institution of care or learning, in the languages of the notes Veil reads.
INSTITUTIONS = (
    "Hospital", "Hospitals", "Infirmary", "Medical Center", "Medical Centre", "Health Center", "Health Centre",
    "Clinic", "Clinics", "Pharmacy", "Chemist", "Laboratory", "Laboratories", "University", "College", "Hospice",
    "sykehus", "Sykehus", "sjukhus", "Sjukhus", "sygehus", "Sygehus", "sairaala", "Sairaala", "keskussairaala",
    "bolnica", "Bolnica", "nemocnica", "Nemocnica", "nemocnice", "Nemocnice", "szpital", "Szpital", "Krankenhaus",
    "Klinikum", "Klinik", "Kliniken", "Universitätsklinikum", "hôpital", "Hôpital", "Clinique", "clinique",
    "Ospedale", "ospedale", "Policlinico", "Ziekenhuis", "ziekenhuis", "больница", "Больница", "лікарня", "Лікарня",
    "поликлиника", "Поликлиника", "kórház", "Kórház", "Spital", "spital", "Hastanesi", "hastanesi", "Universidade",
    "Universität", "Université", "Università", "Universidad", "Uniwersytet", "Univerzita", "Apotheke", "Pharmacie",
    "Farmacia", "Farmácia", "Apotek", "apotek", "lékárna", "Lékárna", "apteka", "Apteka", "аптека", "Аптека",
    "Praxis", "Lægehuset", "legekontor", "vårdcentral", "Vårdcentralen", "Centro de Salud", "Centre hospitalier",
    "Hospital Universitario", "Cabinet médical", "Gemeinschaftspraxis", "Ordination",
)
# Words next to an institution's word that make a heading or a department, not a name.
NOT_NAMES = frozenset({
    "course", "day", "days", "stay", "admission", "discharge", "medicine", "follow", "follow-up", "records", "record",
    "policy", "staff", "bed", "floor", "unit", "ward", "visit", "acquired", "based", "cardiology", "neurology",
    "oncology", "nephrology", "surgery", "psychiatry", "pediatrics", "paediatrics", "radiology", "urology",
    "dermatology", "orthopedics", "orthopaedics", "gastroenterology", "pulmonology", "endocrinology", "hematology",
    "rheumatology", "geriatrics", "emergency", "outpatient", "inpatient", "the", "a", "an",
    "this", "that", "our", "your", "his", "her", "their", "same", "other", "local", "pharmacy", "clinic", "hospital",
    "at", "to", "from", "in", "of", "per", "pain", "anticoagulation", "diabetes", "memory", "heart", "lab",
    "laboratory", "sleep", "fertility", "walk-in", "retail", "home", "nursing", "name", "address", "phone", "fax",
})
_NAME = rf"[{UPPER}][{LETTERS}{MARKS}'’.&\-]*"
_JOIN = r"(?:\s+(?:de|di|du|des|del|della|of|the|la|le|im|am|an|der|zu|i|í|na|nad|pod|y|e|and|&)\s+|\s+)"
_NUMBER = r"(?:\s+(?:№|No\.?|Nr\.?|#)\s*\d+)?"


@lru_cache(maxsize=1)
def _legal_form() -> re.Pattern:
    from cleanco.termdata import terms_by_type  # loaded on first use: the pipeline's import stays light

    terms = sorted({t.strip() for ts in terms_by_type.values() for t in ts if t.strip()}, key=len, reverse=True)
    forms = []
    for t in terms:
        plain = t.replace(".", "").replace(" ", "")
        if len(plain) <= 3 and "." not in t:
            # A short form is written in capitals ("LLP", "AS") or capitalised ("Oy"), never in lower case.
            forms.append(re.escape(t.upper()))
            forms.append(re.escape(t[:1].upper() + t[1:]))
        else:
            forms.append(f"(?i:{re.escape(t)})")
    return re.compile(rf"((?:{_NAME}{_JOIN}){{1,4}}?)((?:{'|'.join(forms)}))(?![{LETTERS}{MARKS}])")


@lru_cache(maxsize=1)
def _institution() -> re.Pattern:
    words = "|".join(re.escape(w) for w in sorted(INSTITUTIONS, key=len, reverse=True))
    return re.compile(rf"(?<![{LETTERS}{MARKS}])(?:((?:{_NAME}{_JOIN}){{1,3}})({words})({_JOIN}{_NAME}){{0,2}}{_NUMBER}"
                      rf"|({words})((?:{_JOIN}{_NAME}){{1,3}}){_NUMBER})(?![{LETTERS}{MARKS}])")


# Languages that write an institution as one compound word with a place or a kind before it: "Landesklinikum",
# "Kreiskrankenhaus", "Universitetssykehus", "Keskussairaala", "Kantonsspital".
_COMPOUND_ENDINGS = ("klinikum", "krankenhaus", "spital", "klinik", "kliniken", "sykehus", "sjukhus", "sygehus",
                     "sairaala", "ziekenhuis", "kórház", "apotheke")

_GENERIC_COMPOUNDS = ("poli", "tages", "universitäts", "uni", "kinder", "frauen", "augen", "privat")


@lru_cache(maxsize=1)
def _compound() -> re.Pattern:
    endings = "|".join(sorted(_COMPOUND_ENDINGS, key=len, reverse=True))
    return re.compile(rf"(?<![{LETTERS}{MARKS}])[{UPPER}][{LETTERS}{MARKS}]{{2,}}(?:{endings})"
                      rf"((?:{_JOIN}{_NAME}){{0,3}}){_NUMBER}(?![{LETTERS}{MARKS}])")


def _ambiguous(form: str) -> bool:
    """A short form that is also clinical shorthand or an English word ("AS", "CO", "PA"): it needs two
    capitalised words before it ("Nordic Timber AS"), as "Severe AS" is aortic stenosis."""
    plain = form.replace(".", "")
    return len(plain) <= 3 and (plain.upper() in CLINICAL_ABBREVIATIONS or plain.casefold() in _SHORT_WORDS)


_SHORT_WORDS = frozenset({"as", "an", "at", "co", "da", "et", "ee", "ij", "se", "sa", "ab", "ag", "hf", "kt", "ks", "ky"})


def _names_only(words: str) -> bool:
    return not any(w.strip(".,()").casefold() in NOT_NAMES for w in words.split())


def find(text: str) -> list[tuple[int, int]]:
    """[(start, end)] of the organisations named by a legal form or an institution's word in `text`."""
    out: list[tuple[int, int]] = []
    for m in _legal_form().finditer(text):
        name, form = m.group(1), m.group(2)
        words = name.split()
        if not words or (_ambiguous(form) and len(words) < 2) or not _names_only(words[0]):
            continue
        out.append((m.start(1), m.end(2)))
    for m in _institution().finditer(text):
        around = [g for g in (m.group(1), m.group(3), m.group(5)) if g]
        if not around or not all(_names_only(g) for g in around):
            continue
        out.append(m.span())
    for m in _compound().finditer(text):
        tail = m.group(1)
        if not tail and any(m.group(0).casefold().startswith(g) for g in _GENERIC_COMPOUNDS):
            continue    # "die Poliklinik", "a Tagesklinik": a kind of place, not one place
        if tail and not _names_only(tail):
            # "Landesklinikum Ried im Innkreis", but "Kreiskrankenhaus for ..." ends at the name
            out.append((m.start(), m.start(1)))
        else:
            out.append(m.span())
    return _distinct(out)


def _distinct(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    chosen: list[tuple[int, int]] = []
    for s, e in sorted(spans, key=lambda se: (-(se[1] - se[0]), se[0])):
        if all(e <= cs or s >= ce for cs, ce in chosen):
            chosen.append((s, e))
    return sorted(chosen)
