"""The rest of an address line, once part of it is known: "Trastvägen 28, lgh 808, 588 34 Genarp".

Addresses abroad are written in parts that no rule and no model knows one by one: a unit in the
local language ("lgh 808", "íbúð 17", "25. tv.", "A 26"), a postcode in a national format ("588
34", "DK-1004", "ON3P 8KX"), a town. What gives them away is their place: the comma-separated
parts that follow a street or place already found, up to the end of the line. So each LOCATION
entity is extended over the parts after it while each part looks like one (a number in it, or a
few capitalised words) and is not a country (Safe Harbor keeps it), a contact cue ("tel",
"mobile") or anything with an "@", a "+" or a long run of digits (a phone or an ID).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

from services.gateway.pipeline import edges

_PART = re.compile(r",\s*([^,;\n|\t]+)")
# Where a line's text ends even without a line break: a column gap, a rule of dashes, a table bar.
_GAP = re.compile(r" {3,}|[^\w\s]{3,}")
# A part ends a sentence when a full stop is followed by a capitalised word: "... 588 34 Genarp. Works as"
# (not "25. tv.", a Danish floor and side).
_SENTENCE_END = re.compile(r"\.\s+(?=[^\W\d_])")
_MAX_WORDS = 5
_LONG_DIGITS = re.compile(r"\d[\d \-]{7,}\d")


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    import pycountry  # loaded on first use: the pipeline's import stays light

    names = set()
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                names.add(value.casefold())
    return frozenset(names | {"uk", "usa", "us", "u.s.", "u.s.a.", "the netherlands", "england", "scotland", "wales",
                              "northern ireland", "great britain", "russia", "south korea", "north korea"})


def _looks_like_part(part: str) -> bool:
    words = part.split()
    if not words or len(words) > _MAX_WORDS:
        return False
    if part.casefold().strip(" .") in countries():
        return False
    if "@" in part or "+" in part or "://" in part or _LONG_DIGITS.search(part):
        return False
    if edges.is_label(words[0]) and not any(ch.isdigit() for ch in words[0]):
        return False
    if any(ch.isdigit() for ch in part):
        return True
    return all(not w[:1].islower() for w in words)


def continuation(text: str, end: int) -> list[tuple[int, int]]:
    """The address parts that follow a location ending at `end`: [(start, end)] of each, in order."""
    out: list[tuple[int, int]] = []
    pos = end
    while True:
        m = _PART.match(text, pos)
        if m is None:
            return out
        part_start, part_end = m.start(1), m.end(1)
        part_end = _cut_at_gap(text, part_start, part_end)
        stop = next((s for s in _SENTENCE_END.finditer(text, part_start, part_end) if text[s.end()].isupper()), None)
        if stop is not None:
            part_end = stop.start()
        part = text[part_start:part_end].rstrip(" .")
        if not _looks_like_part(part):
            return out
        out.append((part_start, part_start + len(part)))
        if stop is not None:
            return out
        pos = part_start + len(part)


# A unit within a building, in the languages of the notes Veil reads: the designator and its number
# ("Apt 4B", "Room 210", "Bay 3", "Whg. 18", "byt 34", "lgh 808", "кв. 37", "íbúð 17", "Daire 15", "202室").
_UNIT = re.compile(
    r"(?<![\w.])(?:Apt|APT|Appt|Apartment|Unit|UNIT|Suite|Ste|Room|ROOM|Rm|Flat|Floor|Fl|Bay|Bed|Whg|Wohnung|Zimmer|"
    r"byt|Byt|lgh|Lgh|stan|Stan|íbúð|Daire|kv|кв|квартира|корп|Int|interno|piso|dpto|Dpto|depto|apto|Apto|"
    r"appartement|bât|Bât|étage|διαμ|Διαμ|lok)(?:\.\s?|\s)(?:No\.?\s?|№\s?)?\d{1,5}[A-Za-z]?(?![\w/-])"
    r"|(?<![\w.])(?:Bldg|BLDG|Building|Block|Unit|Suite|Room)(?:\.\s?|\s)[A-Z]\d{0,3}(?![\w/-])"
    r"|(?<!\d)\d{1,5}\s?(?:室|号室|호)")
# The postcode-and-town part that closes an address line: "851 71 Budyně nad Ohří", "DK-1004 Stokkemarke",
# "19737 Kristiinankaupunki", "1012 AB Amsterdam", "SW1A 1AA London", "75008 Paris".
_POSTCODE_TOWN = re.compile(
    r"^(?:[A-Z]{1,2}-)?(?:\d{3}\s?\d{2}|\d{3,6}(?:-\d{3,4})?|\d{4}\s?[A-Z]{2}|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|"
    r"[A-Z]\d[A-Z]\s?\d[A-Z]\d)\s+[^\W\d_][\w'’.\- ]*$")
_LINE = re.compile(r"[^\n;|\t]+")
# A street with its number first or last ("12 Oak St", "Jalovec 278/45", "Alayuntlu Sokağı No: 32",
# "Δελλαπόρτα Ν. 40", "Széchenyi útja 201.").
_EDGE_NUMBER = re.compile(r"^\d+[A-Za-z]?\s+(?:bis\s+|ter\s+)?[^\W\d_]{2,}|"
                          r"[^\W\d_]{2,}\.?(?:\s+[^\W\d_]{1,3}\.)?,?\s+(?:No:?\s*)?\d+[A-Za-z]?(?:/\d+)?\.?$")
# Where the words before a street stop being part of it: "... N2727716. Lives at Kırçiçek Sokağı No: 220".
_LEAD = re.compile(r".*(?:[.!?]\s+(?=[^\W\d_])|\b(?:at|in|is|from|to|on|of)\s+(?=[^\W\d_]))", re.DOTALL)

def units(text: str) -> list[tuple[int, int]]:
    """[(start, end)] of every unit designator with its number."""
    return [m.span() for m in _UNIT.finditer(text)]


def _after_label(text: str, start: int, end: int) -> int:
    """Where a part starts once a label before a colon is cut off ("Home: Majoránová ulica 849/12")."""
    cut = text.rfind(": ", start, end)
    label = text[start:cut].split()[-1:] if cut != -1 else []
    # The word before the colon must be a word ("ADDRESS:", not "10:" of a time), and not the "No" of a number.
    if not label or not label[0].isalpha() or label[0] in ("No", "Nr"):
        return start
    return cut + 2


def _closes_line(part: str) -> bool:
    m = _POSTCODE_TOWN.match(part)
    if m is None:
        return False
    town = part[m.end(1) if m.lastindex else 0:].split()
    words = [w for w in part.split() if not any(ch.isdigit() for ch in w)]
    return bool(words) and words[0][:1].isupper() and len(words) <= 4 and bool(town)


def _cut_at_gap(text: str, start: int, end: int) -> int:
    gap = _GAP.search(text, start, end)
    return len(text[start:gap.start()].rstrip()) + start if gap is not None else end


def _street(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The street in the part [start, end) once labels and the words before it are cut off, if it is one."""
    start = _lead_cut(text, start, end)
    end = start + len(text[start:end].rstrip(" "))
    words = text[start:end].split()
    if not words or not _EDGE_NUMBER.search(text[start:end]) or len(words) > _MAX_WORDS:
        return None
    if words[0][0].isdigit() and len(words) > 1 and words[1].islower() and len(words[1]) < 3:
        return None     # "2 in 2019": prose, not "12 Oak St" or "12 rue Cler"
    return start, end


_DESIGNATOR_BEFORE = re.compile(r"(?:^|\s)([^\W\d_A-Z]{1,4}\.\s+)$")


def _lead_cut(text: str, start: int, end: int) -> int:
    """Where an address part starts once a sentence before it, the words leading to it ("lives at")
    and a label ("Home:") are cut off."""
    lead = _LEAD.match(text, start, end)
    if lead is not None and any(not ch.isspace() for ch in text[lead.end():end]):
        start = lead.end()
        designator = _DESIGNATOR_BEFORE.search(text, 0, start)
        if designator is not None and designator.end() == start:
            start = designator.start(1)     # "вул. Дніпровська": the full stop ends a designator, not a sentence
    return _after_label(text, start, end)


def _abbreviation(word: str) -> bool:
    """A short lower-case word with a full stop: a designator before a name or number ("г.", "м.", "д.", "ul.")."""
    return word.endswith(".") and 1 < len(word) <= 5 and word[:-1].isalpha() and word[:-1].islower()


def _named(text: str, start: int, end: int) -> bool:
    """A part of capitalised words with no digit, after an optional designator: "вул. Тютюнника", "Via Roma"."""
    words = text[start:end].split()
    if words and _abbreviation(words[0]):
        words = words[1:]
    return (0 < len(words) <= 4 and not any(ch.isdigit() for ch in text[start:end])
            and all(w[:1].isupper() for w in words) and not (len(words) == 1 and edges.is_label(words[0])))


def _numbered(text: str, start: int, end: int) -> bool:
    """A part that is a house number, alone or after a designator: "180", "д. 145", "No. 7"."""
    words = text[start:end].rstrip(". ").split()
    if words and (_abbreviation(words[0]) or words[0] in ("No", "No.", "Nr", "Nr.", "№")):
        words = words[1:]
    return len(words) == 1 and re.fullmatch(r"\d{1,5}[A-Za-z]?(?:/\d{1,4})?", words[0]) is not None


def _sentence_cut(text: str, start: int, end: int) -> int:
    """The end of the part [start, end) at the first sentence end in it: "4456 Arendal. Employed by"."""
    stop = next((m for m in _SENTENCE_END.finditer(text, start, end) if text[m.end()].isupper()), None)
    return stop.start() if stop is not None else end


def _closing(text: str, start: int, end: int) -> int | None:
    """Where the part [start, end) ends if it is a postcode and a town, cut at a sentence end."""
    part = text[start:_sentence_cut(text, start, end)].rstrip(". ")
    return start + len(part) if _closes_line(part) else None


def address_lines(text: str) -> list[tuple[int, int]]:
    """[(start, end)] of the parts of every comma-separated address line that has a street with its number
    and a postcode with its town, in either order: "Jalovec 278/45, byt 34, 851 71 Budyně nad Ohří",
    "6148 Ács, Széchenyi útja 201."."""
    out: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        parts = [(m.start() + line.start(), m.end() + line.start()) for m in re.finditer(r"[^,]+", line.group())]
        parts = [(s + len(text[s:e]) - len(text[s:e].lstrip()), s + len(text[s:e].rstrip())) for s, e in parts]
        parts = [(s, e) for s, e in parts if s < e]
        # The street is what follows the last column gap of its part; the parts after it end at their first.
        streets = [(_after_gap(text, s, e), e) for s, e in parts]
        parts = [(s, _cut_at_gap(text, s, e)) for s, e in parts]
        for last in range(1, len(parts)):
            closing = _closing(text, *parts[last])
            if closing is not None:
                found = _street_before(text, parts, streets, last)
                if found:
                    out.extend(found + [(parts[last][0], closing)])
                    break
            town = last - 1
            s, e = parts[last]
            e = s + len(text[s:_sentence_cut(text, s, e)].rstrip(". "))
            if last >= 2 and re.fullmatch(r"\d{4,6}", text[s:e]) is not None and _named(text, *parts[town]):
                # The town, then the postcode on its own: "ул. Юрьевская, д. 145, г. Искитим, 693145"
                found = _street_before(text, parts, streets, town)
                if found:
                    out.extend(found + [parts[town], (s, e)])
                    break
            street = _street(text, *parts[last])
            if street is not None and last == 1:
                # The town first (Hungary, some forms): "6148 Ács, Széchenyi útja 201."
                s, e = parts[0]
                s = _lead_cut(text, s, e)
                if _closes_line(text[s:e].rstrip(". ")):
                    out.extend([(s, s + len(text[s:e].rstrip(". "))), street])
                    break
    return out


def _after_gap(text: str, start: int, end: int) -> int:
    gaps = list(_GAP.finditer(text, start, end))
    return gaps[-1].end() if gaps else start


def _street_before(text: str, parts: list[tuple[int, int]], streets: list[tuple[int, int]],
                   last: int) -> list[tuple[int, int]]:
    """The street and the units between it and the postcode part `last`, up to two parts back; the
    farthest street wins ("Dlouhá 118/7, byt 12, 602 00 Brno": "byt 12" is a unit)."""
    best: list[tuple[int, int]] = []
    between: list[tuple[int, int]] = []
    for i in range(last - 1, max(-1, last - 3), -1):
        s, e = parts[i]
        street = _street(text, *streets[i])
        if street is not None:
            best = [street] + between[::-1]
        elif i > 0 and _numbered(text, s, e):
            # The street's name, then its number as a part of its own: "Via Basilio Bonanni, 180".
            ns, ne = streets[i - 1]
            ns = _lead_cut(text, ns, ne)
            if _named(text, ns, ne):
                best = [(ns, ne), (s, s + len(text[s:e].rstrip(". ")))] + between[::-1]
        if not _looks_like_part(text[s:e]) or not any(ch.isdigit() for ch in text[s:e]):
            break
        between.append((s, s + len(text[s:e].rstrip(". "))))
    return best


def address_blocks(lines: Sequence[str]) -> list[tuple[int, int, int]]:
    """(line, start, end) of the street and the postcode-and-town of every address written one part to a
    line, as letterheads and transfer notes do: "Brumovická ulica 1818/38" over "390 86 Nová Baňa"."""
    out: list[tuple[int, int, int]] = []
    for i in range(len(lines) - 1):
        street, closing = lines[i], lines[i + 1]
        s = len(street) - len(street.lstrip())
        found = _street(street, s, len(street.rstrip()))
        c = len(closing) - len(closing.lstrip())
        end = _closing(closing, c, len(closing.rstrip()))
        if found is not None and end is not None and found[0] == _after_label(street, s, len(street)):
            out.extend([(i, *found), (i + 1, c, end)])
    return out
