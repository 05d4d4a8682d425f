"""The paragraph context and the people of `tagged_notes`: a seeded `Ctx` (Random, reseeded
Fakers, the cast of the paragraph) and names in each locale's script and order, with the titles
and credentials that surround them.

Values are returned as fragments, `(text, kind)` pairs, so that a value can carry the words
around it that are not part of the identifier (the "Dr." before a name, the ", France" after a
city, the "様" after a Japanese surname) and the label boundary is decided where the value is
made, once. `kind` is an entity type, None for plain text, or `NEG` for a hard negative.
`tagged_places`, `tagged_contacts`, `tagged_dates` and `tagged_ids` make the other values.
"""

from __future__ import annotations

import random
import re
import string
import unicodedata
from dataclasses import dataclass

from faker.generator import Generator

from tools.synthetic import tagged_locales as tl
from veil.contracts import PERSON

Frag = tuple[str, "str | None"]
Frags = list[Frag]
# A word that must stay unlabelled (drug, abbreviation, eponym, vital sign...): kept apart from
# plain text so that tests and loss weighting can find it.
NEG = "NEG"

_SPACES = re.compile(r"\s+")


class Ctx:
    """One paragraph's random sources and cast: a seeded Random, Fakers reseeded on first use,
    and the people the paragraph talks about (the same patient in every sentence)."""

    def __init__(self, rng: random.Random, locale: str):
        self.rng = rng
        self.locale = locale
        self.lang = "en"  # the language of the sentence being filled
        self._seeded: set[str] = set()
        self._people: dict[str, Person] = {}

    def faker(self, kind: str, locale: str | None = None) -> Generator:
        actual = tl.provider_locale(locale or self.locale, kind)
        g = tl.generator(actual)
        if actual not in self._seeded:
            # Reseeding per paragraph makes a paragraph independent of which ones came before.
            g.seed_instance(self.rng.getrandbits(48))
            self._seeded.add(actual)
        return g

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def randint(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def letters(self, n: int) -> str:
        return "".join(self.rng.choice(string.ascii_uppercase) for _ in range(n))

    def alnum(self, n: int) -> str:
        return "".join(self.rng.choice(string.ascii_uppercase + string.digits) for _ in range(n))

    def other_locale(self) -> str:
        """A second locale for the clinician, the relative abroad, the referring hospital."""
        r = self.rng.random()
        if r < 0.45:
            return self.locale
        if r < 0.7:
            return "en_US"
        return self.pick(tl.LOCALES)

    def person(self, role: str) -> Person:
        if role not in self._people:
            self._people[role] = _make_person(self, role)
        return self._people[role]


def fake(c: Ctx, kind: str, method: str, locale: str | None = None) -> str:
    """`method` of the `kind` provider for the locale, or of en_US where that locale lacks it
    (the Philippine phone provider has no `phone_number`, for one)."""
    try:
        return clean(getattr(c.faker(kind, locale), method)())
    except (AttributeError, ValueError, TypeError, IndexError):
        return clean(getattr(c.faker(kind, "en_US"), method)())


def clean(text: str) -> str:
    return _SPACES.sub(" ", str(text)).strip()


def ascii_fold(text: str) -> str:
    # Records kept by ASCII-only systems drop accents: "Dvořák" becomes "Dvorak".
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


# ---- people ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    female: bool
    lang: str
    middle: str = ""

    @property
    def eastern(self) -> bool:
        return self.lang in tl.EASTERN_ORDER

    @property
    def joiner(self) -> str:
        return "" if self.lang in tl.UNSPACED and not tl.cased(self.last) else " "


def _call(g: Generator, method: str, fallback: str) -> str:
    try:
        return clean(getattr(g, method)())
    except (AttributeError, ValueError, TypeError, IndexError):
        return clean(getattr(g, fallback)())


def _make_person(c: Ctx, role: str) -> Person:
    patient = role == "patient"
    locale = c.locale if patient or role == "relative" else c.other_locale()
    g = c.faker("person", locale)
    female = c.chance(0.5)
    sex = "female" if female else "male"
    lang = tl.language(tl.provider_locale(locale, "person"))
    if lang in ("ja", "zh") and c.chance(0.4):
        # Records in English write Japanese and Chinese names romanised.
        first = _call(g, f"first_romanized_name_{sex}", "first_romanized_name")
        last = _call(g, "last_romanized_name", "last_name")
        lang = "en"
    else:
        first = _call(g, f"first_name_{sex}", "first_name")
        last = _call(g, f"last_name_{sex}", "last_name")
    if role == "relative" and c.chance(0.5):
        patient_person = c.person("patient")
        if patient_person.female == female:
            last = patient_person.last
    middle = _call(g, f"first_name_{sex}", "first_name") if c.chance(0.25) else ""
    if tl.cased(first + last) and c.chance(0.12):
        first, last, middle = ascii_fold(first) or first, ascii_fold(last) or last, ascii_fold(middle)
    return Person(first, last, female, lang, middle)


def _initial(word: str) -> str:
    return f"{word[0]}." if word else ""


def full_name(p: Person) -> str:
    if p.eastern:
        return f"{p.last}{p.joiner}{p.first}"
    return f"{p.first} {p.last}"


_CASED_FORMS = frozenset({"initial_last", "last_initial", "middle"})


def name_form(c: Ctx, p: Person, form: str | None = None) -> str:
    """One way a record writes `p`: in full, surname only, "Last, First", initials, capitals..."""
    if form is None:
        forms = ["full"] * 6 + ["last"] * 3 + ["first", "full_caps", "last_caps"]
        if p.joiner == " ":
            forms += ["last_first"] * 2 + ["last_first_caps"]
        if tl.cased(p.first):
            forms += ["initial_last", "last_initial", "middle"]
        form = c.pick(forms)
    first, last = p.first, p.last
    if form in _CASED_FORMS and not tl.cased(first + last):
        form = "full"  # no initials or capitals in scripts without case
    if form == "full":
        return full_name(p)
    if form == "last":
        return last
    if form == "first":
        return first
    if form == "full_caps":
        return full_name(p).upper()
    if form == "last_caps":
        return last.upper()
    if form == "last_first":
        return f"{last}, {first}"
    if form == "last_first_caps":
        return f"{last}, {first}".upper()
    if form == "initial_last":
        return f"{_initial(first)} {last}"
    if form == "last_initial":
        return c.pick((f"{last} {_initial(first)}", f"{last}, {_initial(first)}"))
    if form == "middle":
        middle = p.middle or c.letters(1)
        return f"{first} {c.pick((middle, _initial(middle)))} {last}"
    raise ValueError(form)


# Honorifics by language: (male, female, doctor). Not part of the PERSON span.
_HONORIFICS = {
    "en": (("Mr.", "Mr", "MR."), ("Mrs.", "Ms.", "Miss", "Ms", "MRS."), ("Dr.", "Dr", "Prof.", "DR.")),
    "de": (("Herr", "Hr."), ("Frau", "Fr."), ("Dr.", "Dr. med.", "Prof. Dr.", "OA Dr.")),
    "fr": (("M.", "Monsieur"), ("Mme", "Madame", "Mlle"), ("Dr", "Pr", "Docteur")),
    "es": (("Sr.", "D.", "Don"), ("Sra.", "Dña.", "Doña"), ("Dr.", "Dra.")),
    "it": (("Sig.",), ("Sig.ra",), ("Dott.", "Dott.ssa", "Prof.")),
    "pt": (("Sr.",), ("Sra.",), ("Dr.", "Dra.")),
    "nl": (("dhr.", "De heer"), ("mevr.", "Mevrouw"), ("dr.",)),
    "pl": (("Pan",), ("Pani",), ("dr", "dr n. med.", "lek.")),
    "ru": (("г-н",), ("г-жа",), ("д-р", "врач")),
    "uk": (("пан",), ("пані",), ("лікар",)),
    "el": (("κ.",), ("κα",), ("Δρ.",)),
    "cs": (("pan",), ("paní",), ("MUDr.",)),
    "sv": (("herr",), ("fru",), ("dr",)),
    "tr": (("Bay",), ("Bayan",), ("Dr.",)),
}
_FEMININE_TITLES = frozenset({"Dra.", "Dott.ssa"})
# Japanese and Korean put the honorific after the name, without a space.
_SUFFIX_HONORIFICS = {"ja": ("様", "さん", "先生"), "ko": ("님", "씨", "선생님")}


def honorific(c: Ctx, p: Person, doctor: bool = False) -> str:
    lang = c.lang if c.lang != "en" or c.chance(0.75) else p.lang
    male, female, dr = _HONORIFICS.get(lang, _HONORIFICS["en"])
    if doctor and not p.female:
        dr = tuple(t for t in dr if t not in _FEMININE_TITLES) or dr
    return c.pick(dr if doctor else (female if p.female else male))


def titled(c: Ctx, role: str, doctor: bool = False, form: str | None = None) -> Frags:
    """ "Dr. Novak", "Herr Müller", "Mme Dubois", "山田様": the title stays outside the span."""
    p = c.person(role)
    if p.lang in _SUFFIX_HONORIFICS and c.lang == "en" and c.chance(0.5):
        return [(name_form(c, p, form or "last"), PERSON), (c.pick(_SUFFIX_HONORIFICS[p.lang]), None)]
    if not form:
        form = c.pick(("last", "last", "full", "initial_last" if tl.cased(p.first) else "full"))
    return [(honorific(c, p, doctor), None), (" ", None), (name_form(c, p, form), PERSON)]


def clinician(c: Ctx, role: str = "clinician") -> Frags:
    """A clinician as notes sign them: "Dr. A. Novak", "Anna Novak, MD", "NOVAK, ANNA (MD)"."""
    p = c.person(role)
    r = c.rng.random()
    if r < 0.45:
        return titled(c, role, doctor=True)
    credential = c.pick(("MD", "M.D.", "DO", "MBBS", "FRCP", "PhD", "NP", "PA-C", "MD, PhD", "FACC"))
    if r < 0.85:
        return [(name_form(c, p, c.pick(("full", "full", "middle", "last_first"))), PERSON),
                (f", {credential}", None)]
    return [(name_form(c, p, "last_first_caps" if p.joiner == " " else "full_caps"), PERSON),
            (f" ({credential})", None)]


def person_plain(c: Ctx, role: str = "patient", form: str | None = None) -> Frags:
    return [(name_form(c, c.person(role), form), PERSON)]
