"""Dates and ages for `tagged_notes`, written the many ways records write them.

Dates: full dates in US, European, ISO and East Asian order, month names in a dozen languages,
compact ("7-13-81", "20190307"), partial ("10/62", "1/88", "March 2019", "March 3rd", "the 3rd")
and vague ("early March 2019"). The span holds the date words and numbers; a vague modifier
("early", "mid-", "the end of"), a weekday and a time of day stay outside it, and a year alone
is never a date span (Safe Harbor keeps years).

Ages: only an age over 89 is an identifier. Ages of 89 and under are written in exactly the same
shapes ("67-year-old", "sixty-seven", "67 yo F") but left unlabelled, so the tagger learns the
number, not the phrase.
"""

from __future__ import annotations

import datetime as dt

from tools.synthetic import tagged_locales as tl
from tools.synthetic.tagged_values import NEG, Ctx, Frags
from veil.contracts import AGE, DATE

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
           "ottobre", "novembre", "dicembre"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
    "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
           "novembro", "dezembro"),
    # Polish, Russian and Greek write the day's month in the genitive.
    "pl": ("stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września",
           "października", "listopada", "grudnia"),
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
           "ноября", "декабря"),
    "el": ("Ιανουαρίου", "Φεβρουαρίου", "Μαρτίου", "Απριλίου", "Μαΐου", "Ιουνίου", "Ιουλίου", "Αυγούστου",
           "Σεπτεμβρίου", "Οκτωβρίου", "Νοεμβρίου", "Δεκεμβρίου"),
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december"),
    "tr": ("Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül", "Ekim", "Kasım",
           "Aralık"),
}
_LONG = {
    "en": ("{M} {d}, {Y}", "{d} {M} {Y}", "{M} {o}, {Y}", "{o} {M} {Y}", "{o} of {M} {Y}", "{M} {d} {Y}",
           "{Mon} {d}, {Y}", "{Mon}. {d}, {Y}", "{dd}-{Mon}-{Y}", "{dd}{MON}{Y}", "{d}-{MON}-{y}"),
    "de": ("{d}. {M} {Y}",), "fr": ("{d} {M} {Y}",), "es": ("{d} de {M} de {Y}",), "it": ("{d} {M} {Y}",),
    "nl": ("{d} {M} {Y}",), "pt": ("{d} de {M} de {Y}",), "pl": ("{d} {M} {Y}",), "ru": ("{d} {M} {Y}",),
    "el": ("{d} {M} {Y}",), "sv": ("{d} {M} {Y}",), "tr": ("{d} {M} {Y}",),
}
_EAST_ASIAN = {"ja": "{Y}年{m}月{d}日", "zh": "{Y}年{m}月{d}日", "ko": "{Y}년 {m}월 {d}일"}
# Numeric orders: the US writes month first, most of the world day first, East Asia year first.
_NUMERIC_US = ("{mm}/{dd}/{Y}", "{m}/{d}/{Y}", "{m}/{d}/{y}", "{mm}-{dd}-{Y}", "{m}-{d}-{y}", "{mm}/{dd}/{y}",
               "{m}-{d}-{y}")
_NUMERIC_DAY_FIRST = ("{dd}.{mm}.{Y}", "{d}.{m}.{Y}", "{dd}/{mm}/{Y}", "{d}/{m}/{y}", "{dd}-{mm}-{Y}",
                      "{dd}.{mm}.{y}")
_NUMERIC_YEAR_FIRST = ("{Y}/{mm}/{dd}", "{Y}.{mm}.{dd}", "{Y}-{mm}-{dd}")
_MODIFIERS = ("early ", "late ", "mid-", "mid ", "the end of ", "the beginning of ", "around ", "approximately ")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def random_date(c: Ctx, start: int = 1990, end: int = 2026) -> dt.date:
    lo, hi = dt.date(start, 1, 1).toordinal(), dt.date(end, 12, 31).toordinal()
    return dt.date.fromordinal(c.randint(lo, hi))


def _fmt(pattern: str, d: dt.date, lang: str = "en") -> str:
    months = MONTHS.get(lang, MONTHS["en"])
    return pattern.format(Y=d.year, y=f"{d.year % 100:02d}", m=d.month, mm=f"{d.month:02d}", d=d.day,
                          dd=f"{d.day:02d}", o=ordinal(d.day), M=months[d.month - 1],
                          Mon=MONTHS["en"][d.month - 1][:3], MON=MONTHS["en"][d.month - 1][:3].upper())


def _date_lang(c: Ctx) -> str:
    if c.lang != "en":
        return c.lang
    local = tl.language(c.locale)
    return local if local in MONTHS and c.chance(0.25) else "en"


def numeric(c: Ctx, d: dt.date) -> str:
    region, lang = tl.region(c.locale), tl.language(c.locale)
    if lang in _EAST_ASIAN and c.chance(0.6):
        return _fmt(c.pick(_NUMERIC_YEAR_FIRST), d)
    if c.lang != "en":
        us = False
    else:
        us = c.chance(0.9 if region in ("US", "PH") else 0.3)
    return _fmt(c.pick(_NUMERIC_US if us else _NUMERIC_DAY_FIRST), d)


def long_form(c: Ctx, d: dt.date) -> Frags:
    lang = _date_lang(c)
    if tl.language(c.locale) in _EAST_ASIAN and c.chance(0.5):
        return [(_fmt(_EAST_ASIAN[tl.language(c.locale)], d), DATE)]
    frags: Frags = [(_fmt(c.pick(_LONG.get(lang, _LONG["en"])), d, lang), DATE)]
    if lang == "ru" and c.chance(0.5):
        frags.append((" г.", None))
    return frags


def full_date(c: Ctx, d: dt.date | None = None, with_time: bool = True) -> Frags:
    """A complete date, in the shape the paragraph's language and country would print it; now and
    then with its weekday or time of day (both unlabelled) unless `with_time` is False."""
    d = d or random_date(c)
    r = c.rng.random() * (1.0 if with_time else 0.8)
    if r < 0.4:
        return [(numeric(c, d), DATE)]
    if r < 0.5:
        return [(d.isoformat(), DATE)]
    if r < 0.8:
        return long_form(c, d)
    if r < 0.86:
        return [(WEEKDAYS[d.weekday()], NEG), (", ", None), (_fmt("{M} {d}, {Y}", d), DATE)]
    if r < 0.95:
        return [(numeric(c, d), DATE), (" ", None), (clock(c), NEG)]
    return [(_fmt("{Y}{mm}{dd}", d), DATE)]


def birth_date(c: Ctx) -> Frags:
    d = random_date(c, 1915, 2012)
    if c.chance(0.15):
        return [(_fmt("{m}-{d}-{y}", d), DATE)]  # compact US: 7-13-81
    return full_date(c, d, with_time=False)


def partial_date(c: Ctx) -> Frags:
    """Month and year, month and day, a day alone, a vague time: "10/62", "March 3rd", "the 3rd",
    "early March 2019" (the span is "March 2019")."""
    d = random_date(c, 1940)
    lang = _date_lang(c)
    months = MONTHS.get(lang, MONTHS["en"])
    r = c.rng.random()
    if r < 0.22:
        return [(_fmt(c.pick(("{m}/{y}", "{m}/{y}", "{mm}/{Y}", "{m}/{Y}", "{mm}/{y}")), d), DATE)]
    if r < 0.37:
        return [(f"{months[d.month - 1]} {d.year}", DATE)]
    if r < 0.52:
        modifier = c.pick(_MODIFIERS)  # English modifiers, so English month names
        tail = "" if modifier.startswith("mid") and c.chance(0.5) else f" {d.year}"
        return [(modifier, None), (f"{MONTHS['en'][d.month - 1]}{tail}", DATE)]
    if r < 0.67:
        return [(_fmt(c.pick(("{M} {o}", "{M} {d}", "{Mon} {d}", "{d} {M}")), d), DATE)]
    if r < 0.8:
        return [("the ", None), (_fmt(c.pick(("{o}", "{o}", "{o} of {M}")), d), DATE)]
    if r < 0.9:
        return [(_fmt("{m}/{d}", d), DATE)]
    return [(_fmt(c.pick(("{Mon} {Y}", "{MON} {Y}", "{Mon}-{y}")), d), DATE)]


def any_date(c: Ctx) -> Frags:
    return partial_date(c) if c.chance(0.3) else full_date(c)


def clock(c: Ctx) -> str:
    h, m = c.randint(0, 23), c.randint(0, 59)
    return c.pick((f"{h:02d}:{m:02d}", f"{h % 12 or 12}:{m:02d} {'AM' if h < 12 else 'PM'}", f"{h:02d}{m:02d}",
                   f"{h % 12 or 12}:{m:02d}{'am' if h < 12 else 'pm'}", f"{h:02d}h{m:02d}"))


# ---- ages -----------------------------------------------------------------------------------

_ONES = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def number_words(n: int, c: Ctx | None = None) -> str:
    if n >= 100:
        rest = n - 100
        joiner = " and " if c is None or c.chance(0.5) else " "
        return "one hundred" + (f"{joiner}{number_words(rest)}" if rest else "")
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")


_ADJECTIVE = ("{n}-year-old", "{n} year old", "{n} y/o", "{n}yo", "{n} yo", "{n} y.o.", "{w}-year-old",
              "{n}-yr-old", "{n} yr old", "{W}-year-old")
_PREDICATE = ("{n} years old", "{n} years", "{n}", "{w}", "{w} years old", "{n} yrs", "{n} years of age",
              "{n} y/o", "{W} years of age")
_FOREIGN = {"de": "{n} Jahre", "fr": "{n} ans", "es": "{n} años", "it": "{n} anni", "nl": "{n} jaar",
            "pt": "{n} anos", "pl": "{n} lat", "sv": "{n} år", "tr": "{n} yaşında", "el": "{n} ετών"}


def _russian_years(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} год"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return f"{n} года"
    return f"{n} лет"


def age_value(c: Ctx, old: bool | None = None) -> int:
    if old is None:
        old = c.chance(0.55)
    if old:
        return c.randint(90, 99) if c.chance(0.8) else c.randint(100, 112)
    return c.randint(18, 89) if c.chance(0.85) else c.randint(1, 17)


def _kind(n: int) -> str:
    return AGE if n > 89 else NEG


def age(c: Ctx, adjective: bool = False, old: bool | None = None) -> Frags:
    """ "92-year-old", "ninety-two years old", "92 Jahre": AGE when over 89, else unlabelled."""
    n = age_value(c, old)
    if c.lang == "ru" or c.lang == "en" and tl.language(c.locale) == "ru" and c.chance(0.1):
        return [(_russian_years(n), _kind(n))]
    if c.lang in _FOREIGN:
        return [(_FOREIGN[c.lang].format(n=n), _kind(n))]
    words = number_words(n, c)
    text = c.pick(_ADJECTIVE if adjective else _PREDICATE).format(n=n, w=words, W=words.capitalize())
    return [(text, _kind(n))]


def age_short(c: Ctx) -> Frags:
    """Triage shorthand: "92F", "92 yo M", "92 M"; only the number (with "yo") is the age."""
    n = age_value(c)
    sex = c.pick(("F", "M"))
    r = c.rng.random()
    if r < 0.4:
        return [(str(n), _kind(n)), (sex, None)]
    if r < 0.7:
        return [(f"{n} yo", _kind(n)), (f" {sex}", None)]
    return [(str(n), _kind(n)), (f" {sex}", None)]


def age_number(c: Ctx) -> Frags:
    """The value of an "Age:" field."""
    n = age_value(c)
    return [(str(n), _kind(n))]
