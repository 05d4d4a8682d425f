"""Shifting a date written in text by a number of days, written back in the same format ("03/07/2019" stays
month/day/year, "March 7, 2019" stays spelled out), so the intervals between a document's dates survive."""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as dateparser

# Tried in order; month/day before day/month, as the documents Veil reads are mostly US ones.
_FORMATS = (
    "%m/%d/%Y", "%m/%d/%y", "%Y-%m-%d", "%Y/%m/%d", "%m-%d-%Y", "%m-%d-%y", "%d/%m/%Y", "%d.%m.%Y",
    "%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y", "%d-%b-%Y",
    "%d %B, %Y", "%B %Y", "%b %Y", "%B %d", "%b %d", "%m/%d",
)
_ORDINAL = re.compile(r"(?<=\d)(st|nd|rd|th)\b", re.IGNORECASE)
_PADDED = re.compile(r"(?<!\d)0(\d)")
_SINGLE_DIGIT = re.compile(r"(?<!\d)\d(?!\d)")


def shift(text: str, days: int) -> str | None:
    """`text` (one date) moved by `days`, in its own format; None when it is not a date this can read."""
    clean = _ORDINAL.sub("", " ".join(text.split()))
    for fmt in _FORMATS:
        has_year = "%Y" in fmt or "%y" in fmt
        try:
            # No year written: read it in a leap year, so 29 February is a date too.
            parsed = dt.datetime.strptime(clean if has_year else f"{clean} 2000", fmt if has_year else f"{fmt} %Y")
        except ValueError:
            continue
        out = (parsed + dt.timedelta(days=days)).strftime(fmt)
        return _like(text, out)
    try:
        parsed = dateparser.parse(clean, default=dt.datetime(2000, 1, 1))
    except (ValueError, OverflowError):
        return None
    return (parsed + dt.timedelta(days=days)).strftime("%Y-%m-%d")


def _like(original: str, out: str) -> str:
    """The writing habits of the original: no zero padding where it had none, capitals where it had them."""
    if _SINGLE_DIGIT.search(original) and not _PADDED.search(original):
        out = _PADDED.sub(r"\1", out)
    if original.isupper():
        out = out.upper()
    return out
