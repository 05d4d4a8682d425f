"""Realistic fakes (Faker) for the `surrogate` operator, the same fake for the same value within one request.

A name is faked word by word, so "Maria Gonzalez", "Ms. Gonzalez" and "GONZALEZ" keep telling
one person apart from another after the change: each word gets one fake for the whole request.
Fakes are of the original's script (a Cyrillic name gets a Cyrillic fake) and, where its
gender is known (a title, or a first name in Faker's own gendered lists), of its gender. Other
types get a fake of the same kind (an e-mail, a city, a company) or of the same shape (an ID's
digits and letters replaced one for one, punctuation kept).
"""

from __future__ import annotations

import functools
import random
import re
import unicodedata
from typing import Any

from faker import Faker

from veil.contracts import AGE, EMAIL, IP, LOCATION, ORGANIZATION, PERSON, URL, fold

_SCRIPT_LOCALES = {"LATIN": "en_US", "CYRILLIC": "ru_RU", "GREEK": "el_GR", "ARABIC": "ar_AA", "HEBREW": "he_IL",
                   "CJK": "zh_CN", "HIRAGANA": "ja_JP", "KATAKANA": "ja_JP", "HANGUL": "ko_KR",
                   "DEVANAGARI": "hi_IN", "THAI": "th_TH"}
_MALE_TITLES = {"mr", "mister", "sir", "herr", "sr", "señor", "monsieur"}
_FEMALE_TITLES = {"mrs", "ms", "miss", "madam", "mme", "frau", "sra", "señora"}
_TITLES = _MALE_TITLES | _FEMALE_TITLES | {"dr", "prof", "rev", "mx"}
_WORD = re.compile(r"[^\W\d_][\w'’-]*\.?")
_TRIES = 20


def script_of(text: str) -> str:
    """The Unicode script most letters of `text` are written in (LATIN, CYRILLIC, CJK, ...)."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            script = name.split(" ")[0] if name else ""
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else "LATIN"


@functools.lru_cache(maxsize=None)
def _first_names(locale: str) -> tuple[frozenset[str], frozenset[str]]:
    """(male, female) first names Faker knows for `locale`, folded."""
    for provider in Faker(locale).get_providers():
        male = getattr(provider, "first_names_male", None)
        female = getattr(provider, "first_names_female", None)
        if male and female:
            return frozenset(fold(n) for n in male), frozenset(fold(n) for n in female)
    return frozenset(), frozenset()


def gender_of(name: str, locale: str = "en_US") -> str | None:
    """"male", "female" or None, from a title ("Mrs.") or, failing that, the first word's place in Faker's lists."""
    words = [w.rstrip(".").casefold() for w in name.split()]
    for w in words:
        if w in _MALE_TITLES:
            return "male"
        if w in _FEMALE_TITLES:
            return "female"
    male, female = _first_names(locale)
    for w in words:
        if w in _TITLES:
            continue
        key = fold(w)
        if key in male and key not in female:
            return "male"
        if key in female and key not in male:
            return "female"
        break
    return None


class Fakes:
    """The fakes of one request: same input, same fake; different inputs, different fakes."""

    def __init__(self, seed: int):
        self._seed = seed
        self._rng = random.Random(seed)
        self._fakers: dict[str, Faker] = {}
        self._made: dict[tuple[str, str], str] = {}
        self._used: set[tuple[str, str]] = set()

    def _faker(self, locale: str) -> Faker:
        if locale not in self._fakers:
            faker = Faker(locale)
            faker.seed_instance(self._seed)
            self._fakers[locale] = faker
        return self._fakers[locale]

    def fake(self, text: str, type_: str) -> str:
        if type_ == PERSON:
            return self._person(text)
        key = (type_, fold(text))
        if key not in self._made:
            self._made[key] = self._unique(type_, lambda: self._other(text, type_), avoid=text)
        return self._made[key]

    def _unique(self, kind: str, make: Any, avoid: str = "") -> str:
        """A value `make` has not given before in this request, and never the original itself (a fake
        that happens to equal the value it replaces would leave that value in the output)."""
        value = make()
        for _ in range(_TRIES):
            if (kind, value) not in self._used and fold(value) != fold(avoid):
                break
            value = make()
        self._used.add((kind, value))
        return value

    # -- names ------------------------------------------------------------------------------

    def _person(self, text: str) -> str:
        locale = _SCRIPT_LOCALES.get(script_of(text), "en_US")
        gender = gender_of(text, locale)
        words = list(_WORD.finditer(text))
        names = [m for m in words if m.group().rstrip(".").casefold() not in _TITLES]
        out, last = [], 0
        for m in words:
            out.append(text[last:m.start()])
            word = m.group()
            if m in names:
                first = len(names) > 1 and m is not names[-1] or (len(names) == 1 and self._is_first(word, locale))
                word = self._name_word(word, "first" if first else "last", locale, gender)
            out.append(word)
            last = m.end()
        out.append(text[last:])
        return "".join(out)

    @staticmethod
    def _is_first(word: str, locale: str) -> bool:
        male, female = _first_names(locale)
        return fold(word) in male or fold(word) in female

    def _name_word(self, word: str, role: str, locale: str, gender: str | None) -> str:
        bare = word.rstrip(".")
        key = ("name", fold(bare))
        if key not in self._made:
            if len(bare) == 1:  # an initial stays an initial
                self._made[key] = self._unique("initial", lambda: chr(self._rng.randrange(ord("A"), ord("Z") + 1)),
                                               avoid=bare)
            else:
                faker = self._faker(locale)
                method = f"{role}_name_{gender}" if gender else f"{role}_name"
                make = getattr(faker, method, None) or getattr(faker, f"{role}_name")
                self._made[key] = self._unique("name", make, avoid=bare)
        fake = self._made[key]
        if bare.isupper() and len(bare) > 1:
            fake = fake.upper()
        return fake + word[len(bare):]

    # -- everything else --------------------------------------------------------------------

    def _other(self, text: str, type_: str) -> str:
        faker = self._faker("en_US")
        has_digit = any(c.isdigit() for c in text)
        if type_ == EMAIL:
            return faker.email()
        if type_ == URL:
            return faker.url()
        if type_ == IP:
            return faker.ipv6() if ":" in text else faker.ipv4()
        if type_ == ORGANIZATION:
            return faker.company()
        if type_ == AGE and text.strip().isdigit():
            return str(self._rng.randrange(90, 106))
        if type_ == LOCATION and not has_digit:
            return faker.city()
        if type_ == LOCATION and any(c.isalpha() for c in text):
            return faker.street_address()
        return self._shape(text)

    def _shape(self, text: str) -> str:
        """Same length and layout: each digit a random digit, each letter a random letter of the same case."""
        out = []
        for c in text:
            if c.isdigit():
                out.append(str(self._rng.randrange(10)))
            elif c.isalpha() and c.isascii():
                letter = chr(self._rng.randrange(ord("a"), ord("z") + 1))
                out.append(letter.upper() if c.isupper() else letter)
            else:
                out.append(c)
        return "".join(out)
