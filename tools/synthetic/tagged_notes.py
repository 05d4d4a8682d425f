"""Seeded paragraphs of clinical documents with labelled character spans: training rows for the
contextual token tagger (one MiniLM vector per token, a token-classification head over
`veil.contracts.ENTITY_TYPES`).

Why this exists: the older generators (`phi_data`, `samples`) draw from a few English templates
and Faker's en_US lists, and a tagger trained on them misses identifiers nobody on the team
wrote: names outside Latin-1 or in other scripts, national phone formats, unit designators and
foreign postcodes, employers in free text, compact and partial dates, ages over 89 in words; and
it takes capitalised shorthand and drug names (PO, BID, CABG, ZOCOR) for names. So paragraphs
here come from 14 note styles with many sentence and line shapes (`tagged_templates`), values
from every locale Faker offers, each in its own script and formats (`tagged_locales`,
`tagged_values`, `tagged_dates`, `tagged_ids`), and hard negatives placed often and beside
identifiers (`tagged_negatives`). A paragraph is what a PDF extraction yields: lines joined by
single spaces, 1-6 sentences (at most ~150 words) or one short line.

Label conventions (one span per identifier expression; `text[start:end]` is its surface, never
with leading or trailing whitespace; spans never overlap):

- PERSON: given names, surnames, full names in either order ("Novak, Anna", "NOVAK, ANNA"),
  initials with a surname ("A. Novak", "Novak A."). Not part of it: titles and honorifics
  ("Dr.", "Mr.", "Herr", "Mme", "Sr.", "г-н", the "様" after a Japanese name), credentials
  ("MD", ", RN") and a possessive "'s". Eponyms ("Parkinson's disease") are never PERSON.
- LOCATION: a street address, a building number written alone, a unit designator with its
  number as one span ("Apt 4B", "Room 210", "Suite 300", "Flat 2", "Bed 3", "Floor 5", "Whg. 5",
  "кв. 15"), a city, a postal code ("SW1A 1AA", "K1A 0B1", "75008", "1012 AB"), a PO box, and a
  whole address line as one span, the state or province inside it included ("Springfield, IL
  62704"). A state or a country written alone is not labelled (Safe Harbor permits them), and a
  country after an address or city (", France") stays outside the span.
- ORGANIZATION: hospitals, clinics, practices, laboratories, pharmacies, schools, employers and
  insurers, the whole name (a city inside it included: "Klinikum Coburg").
- DATE: the date words and numbers, any precision below a year: "03/07/2019", "7-13-81", "10/62",
  "1/88", "7. März 2019", "2019年3月7日", "March 3rd", "the 3rd" (span "3rd"), "early March 2019"
  (span "March 2019"): vague modifiers (early, late, mid-, around), weekdays and times of day stay
  outside. A year alone is not labelled.
- AGE: only ages over 89, the number with its unit words: "92", "92-year-old", "92 years old",
  "ninety-two", "one hundred and one years of age", "92 yo" (in "92 yo F"; "F" outside), "92 Jahre".
  Ages of 89 and under appear in the same shapes, unlabelled.
- PHONE: the whole number with its country code, trunk prefix and extension: "+44 20 7946 0958",
  "(555) 123-4567 ext. 214"; the "Tel:"/"Fax" before it is outside.
- ID: the value only; its label ("MRN:", "NHS No.", "Acct #", the "#") is outside. IDs also appear
  with no label at all (table rows, parentheses after a name).
- EMAIL, URL (scheme included), IP (v4 with or without port, v6): the whole address.

Hard negatives (clinical abbreviations, drug names, eponyms, headings, lab values, doses,
vitals, scores, years, weekdays, times, states, countries, ages <= 89) are never labelled; where
the generator placed them is kept in `TaggedText.negatives` for tests and loss weighting, and
left out of `to_rows`.

Determinism: paragraph i of seed s depends on (s, i) only, whatever else was generated before.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass
from typing import Iterable

from tools.synthetic import tagged_locales as tl
from tools.synthetic import tagged_styles, tagged_templates
from tools.synthetic.tagged_values import NEG, Ctx, Frags, clean

STYLES: tuple[str, ...] = tuple(tagged_templates.STYLES)
LOCALES: tuple[str, ...] = tl.LOCALES

_SPACE_RUN = re.compile(r"\s+")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    type: str


@dataclass(frozen=True)
class TaggedText:
    text: str
    spans: tuple[Span, ...]
    style: str
    locale: str
    # Where hard negatives were placed (type "NEG"); never labels, not part of `to_rows`.
    negatives: tuple[Span, ...] = ()


def _pick_locale(rng: random.Random) -> str:
    # Every locale gets a share; US and UK English, the commonest records, get more.
    r = rng.random()
    if r < 0.12:
        return "en_US"
    if r < 0.16:
        return "en_GB"
    return LOCALES[rng.randrange(len(LOCALES))]


def assemble(frags: Frags) -> tuple[str, tuple[Span, ...], tuple[Span, ...]]:
    """Join fragments into text with exact offsets: whitespace runs become one space, a labelled
    value never begins or ends with whitespace."""
    parts: list[str] = []
    spans: list[Span] = []
    negatives: list[Span] = []
    pos = 0
    for text, kind in frags:
        if kind is None:
            text = _SPACE_RUN.sub(" ", text)
            if (not parts or parts[-1].endswith(" ")) and text.startswith(" "):
                text = text[1:]
        else:
            text = clean(text)
        if not text:
            continue
        if kind is not None:
            (negatives if kind == NEG else spans).append(Span(pos, pos + len(text), kind))
        parts.append(text)
        pos += len(text)
    return "".join(parts).rstrip(), tuple(spans), tuple(negatives)


def generate_one(seed: int, index: int) -> TaggedText:
    rng = random.Random(seed * 1_000_003 + index)
    locale = _pick_locale(rng)
    style = STYLES[rng.randrange(len(STYLES))]
    text, spans, negatives = assemble(tagged_styles.paragraph(Ctx(rng, locale), style))
    return TaggedText(text, spans, style, locale, negatives)


def generate(n: int, seed: int = 0) -> list[TaggedText]:
    """`n` tagged paragraphs, the same for the same (n, seed); a longer run extends a shorter one."""
    return [generate_one(seed, i) for i in range(n)]


def to_rows(items: Iterable[TaggedText]) -> list[dict]:
    """JSON-ready rows: {"text", "spans": [{"start", "end", "type"}], "style", "locale"}."""
    return [{"text": t.text, "spans": [{"start": s.start, "end": s.end, "type": s.type} for s in t.spans],
             "style": t.style, "locale": t.locale} for t in items]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write tagged paragraphs as JSON lines.")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="-", help="output file, '-' for stdout")
    args = parser.parse_args(argv)
    rows = to_rows(generate(args.n, args.seed))
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    try:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
