"""Whether a span a model labelled can be what its type says, from its own characters and the words after it.

The token tagger judges words in context but knows nothing of spelling: it may call "Page 1"
a URL, "holiday" a date or "Babinski" (of "Babinski sign") a person. An identifier of a type
has a shape that is cheap to check — a URL has a dot or a slash, an e-mail an "@", a date a
digit or a month name, an ID a digit — and a capitalised word followed by "sign", "disease"
or "'s syndrome" is an eponym, not the patient. Spans that fail are dropped; everything else
is left to the models' scores.
"""

from __future__ import annotations

import re

from services.gateway.pipeline import vocabulary
from veil.contracts import AGE, DATE, EMAIL, ID, IP, LOCATION, ORGANIZATION, PERSON, PHONE, URL

# A month name or abbreviation in the languages the date patterns read; a date without a digit needs one.
_MONTH_WORD = re.compile(
    r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|janv|févr|mars|avr|mai|juin|juil|août|sept|déc|"
    r"januar|februar|märz|juni|juli|oktober|dezember|enero|febrero|marzo|abril|mayo|junio|julio|agosto|"
    r"septiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|"
    r"dicembre|januari|februari|maart|mei|augustus|stycz|lut|kwie|maj|czerw|lip|sierp|wrze|paźdz|listop|grud|"
    r"январ|феврал|март|апрел|ма[яй]|июн|июл|август|сентябр|октябр|ноябр|декабр)\w*")
# Nouns that follow an eponym in clinical text ("Babinski sign", "Graves' disease", "Bell's palsy").
_EPONYM_NOUN = re.compile(
    r"^['’]?s?\s*(?:sign|signs|disease|syndrome|palsy|test|manoeuvre|maneuver|position|fracture|lymphoma|"
    r"esophagus|oesophagus|score|scale|reflex|phenomenon|triad|classification|criteria|ulcer|node|nodes|"
    r"procedure|operation|repair|incision|law|tumou?r|sarcoma|anomaly|contracture|thyroiditis|encephalopathy|"
    r"cyst|hernia|murmur|respiration|ratio|reaction|stain|body|bodies|cells?|tube|catheter|forceps|drain|"
    r"fistula|ligament|capsule|space|point|line|method|technique|formula)\b", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"(?i)^(?:page|p\.|pg\.?|seite|página|pagina|strona|стр\.?)\s*\d+"
                          r"(?:\s*(?:of|/|von|de|di|z|из)\s*\d+)?$")
_WORD = re.compile(r"[^\W\d_]+")
# Types whose names are written with capitals (or in a script without case); a span in lower case only
# is far more often a common noun ("home", "pharmacy") than a name written carelessly.
_CAPITALISED_TYPES = (PERSON, ORGANIZATION)


def page_number_line(text: str) -> bool:
    """A running header or footer that only numbers the page ("Page 2 of 5")."""
    return bool(_PAGE_NUMBER.match(" ".join(text.split())))


def plausible(text: str, type_: str, after: str = "") -> bool:
    """`text` (a span's surface) could be an identifier of `type_`; `after` is the text that follows it."""
    span = " ".join(text.split())
    if not span or _PAGE_NUMBER.match(span):
        return False
    digits = sum(c.isdigit() for c in span)
    if type_ == URL:
        return "." in span or "/" in span
    if type_ == EMAIL:
        return "@" in span
    if type_ == IP:
        return digits >= 4 or span.count(":") >= 2
    if type_ == PHONE:
        return digits >= 6
    if type_ == ID:
        return digits >= 2
    if type_ == DATE:
        return digits >= 3 or bool(_MONTH_WORD.search(span)) or bool(re.search(r"\d(?:st|nd|rd|th)\b", span))
    if type_ == AGE:
        return digits >= 2 or bool(re.search(r"(?i)ninety|hundred|neunzig|quatre-vingt-dix|noventa|novanta", span))
    words = _WORD.findall(span)
    if not words:
        return type_ == LOCATION and digits > 0
    if after[:1].isalnum() and text[-1:].isalnum():
        return False  # a piece of a longer word ("SpO" of "SpO2"): the word is something else
    if (type_ in _CAPITALISED_TYPES or (type_ == LOCATION and not digits)) and \
            not any(w[0].isupper() or not w[0].islower() for w in words):
        return False
    if type_ in (PERSON, ORGANIZATION) and _EPONYM_NOUN.match(after):
        return False
    if type_ in (PERSON, ORGANIZATION, LOCATION) and all(vocabulary.is_clinical_term(w) for w in words):
        return False
    return True
