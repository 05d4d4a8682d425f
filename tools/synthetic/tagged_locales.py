"""Faker, once per locale, and what `tagged_notes` needs to know about each locale's writing.

Faker offers ~110 locales, but many of them lack a provider (ar_AE has no address provider,
bg_BG no address, tr_TR no address); Faker then falls back to en_US, whose formats build
"رمضانfort" out of local names. A paragraph therefore takes each kind of value from the nearest
locale that really has the provider: itself, a sibling of the same language, a neighbour in the
same script, or en_US.

Building a Faker loads its providers (tens of milliseconds): each is built once per process, on
first use, and reseeded by every paragraph that uses it, so output depends on the seed alone.
"""

from __future__ import annotations

import importlib
import pkgutil
import warnings
from functools import lru_cache

from faker import Faker
from faker.config import AVAILABLE_LOCALES
from faker.generator import Generator

LOCALES: tuple[str, ...] = tuple(sorted(AVAILABLE_LOCALES))

# Where a language has no provider of a kind, the neighbour whose values look most alike
# (same script, similar names and formats) stands in.
_NEIGHBOURS = {
    "bg": "mk_MK", "sr": "hr_HR", "bs": "hr_HR", "et": "fi_FI", "lt": "pl_PL", "lv": "pl_PL", "is": "da_DK",
    "dk": "da_DK", "ga": "en_IE", "mt": "en_GB", "lb": "de_DE", "sq": "hr_HR", "tr": "az_AZ", "uz": "az_AZ",
    "gu": "hi_IN", "or": "hi_IN", "mr": "hi_IN", "si": "ta_IN", "la": "it_IT", "ha": "en_US", "ig": "en_US",
    "yo": "en_US", "tw": "en_US", "sw": "en_US", "am": "en_US", "ar": "ar_DZ", "fil": "en_PH", "tl": "en_PH",
    "ja": "ja_JP", "zh": "zh_CN", "ko": "ko_KR", "el": "el_GR", "he": "he_IL", "fa": "fa_IR", "th": "th_TH",
    "ka": "ka_GE", "hy": "hy_AM", "uk": "uk_UA", "ru": "ru_RU", "vi": "vi_VN", "id": "id_ID",
}

# Languages that write the family name first, and those that join the two parts without a space.
EASTERN_ORDER = frozenset({"zh", "ja", "ko", "hu", "vi"})
UNSPACED = frozenset({"zh", "ja", "ko"})


def language(locale: str) -> str:
    return locale.split("_")[0]


def region(locale: str) -> str:
    """The country part of a locale ("de_AT" -> "AT"); a bare language gets its main country."""
    parts = locale.split("_")
    if len(parts) > 1:
        return parts[1]
    return {"de": "DE", "en": "US", "es": "ES", "th": "TH", "sw": "KE", "la": "IT", "fil": "PH"}.get(parts[0], "")


@lru_cache(maxsize=None)
def _provider_locales(kind: str) -> frozenset[str]:
    package = importlib.import_module(f"faker.providers.{kind}")
    return frozenset(m.name for m in pkgutil.iter_modules(package.__path__))


@lru_cache(maxsize=None)
def provider_locale(locale: str, kind: str) -> str:
    """The locale whose `kind` provider (person, address, phone_number, company, ...) `locale` uses."""
    have = _provider_locales(kind)
    if locale in have:
        return locale
    lang = language(locale)
    siblings = sorted(m for m in have if language(m) == lang)
    if siblings:
        return siblings[0]
    neighbour = _NEIGHBOURS.get(lang, "en_US")
    return neighbour if neighbour in have else "en_US"


@lru_cache(maxsize=None)
def generator(locale: str) -> Generator:
    with warnings.catch_warnings():
        # fr_QC is deprecated in favour of fr_CA; it is still one of the locales Faker offers.
        warnings.simplefilter("ignore")
        return Faker(locale)[locale]


def cased(text: str) -> bool:
    """Whether the script has capitals (Latin, Greek, Cyrillic, Armenian...): initials and ALL CAPS make sense."""
    return any(c.upper() != c.lower() for c in text)
