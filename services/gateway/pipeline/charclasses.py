"""Regex character classes for letters of every script, built once from Python's Unicode database.

`re` has no \\p{L} or \\p{Lu}. `[^\\W\\d_]` is a letter, but `re` tests it through three Unicode
category calls per character, and a class spelled out from a `str` predicate is faster when it stays
in the Basic Multilingual Plane: `re` then tests one bit in a table. A class with any character past
U+FFFF is kept as a list of ranges and tried range by range (several times slower), so these classes
cover the BMP only: Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic, the Indic scripts, CJK and
Hangul are there; letters of the supplementary planes (rare CJK extensions, historic scripts) are not.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable

_BMP = 0x10000


def class_body(test: Callable[[str], bool], limit: int = _BMP) -> str:
    """The characters below `limit` that pass `test`, as the ranges of a regex class body."""
    ranges: list[str] = []
    start = prev = -2
    for cp in range(limit):
        if test(chr(cp)):
            if cp != prev + 1:
                if start >= 0:
                    ranges.append(_range(start, prev))
                start = cp
            prev = cp
    if start >= 0:
        ranges.append(_range(start, prev))
    return "".join(ranges)


def _range(a: int, b: int) -> str:
    return re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"


# Class bodies (put them in [...]): letters; upper-case and title-case letters ("Ł", "Δ", "Ж", "ǅ");
# lower-case letters; combining marks (the accent of a decomposed "é", Indic vowel signs).
LETTERS = class_body(str.isalpha)
UPPER = class_body(lambda c: c.isupper() or unicodedata.category(c) == "Lt")
LOWER = class_body(str.islower)
MARKS = class_body(lambda c: unicodedata.category(c) in ("Mn", "Mc"))
