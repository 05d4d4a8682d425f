"""Validated patterns for the identifiers that have a shape: dates, ages over 89, phones, e-mail, IDs, URLs, IPs, ZIPs.

A regex only proposes; each match is then validated where the identifier allows it (a real
calendar date, an SSN area that is issued, a Luhn or VIN check digit, an IP that parses, a phone
number its country's numbering plan allows), because a pattern that fires on every number would
redact the lab values a reader needs. Identifiers with no checkable shape (an MRN, a plan number)
are taken next to the words that announce them, or, unlabelled, only in shapes that lab values and
doses do not take (a hyphenated run of 8+ digits, 13+ digits in a row). Names and places have no
shape; the models find those, and the few patterns for them here (a title before a name, a street
address, a city before a state and ZIP, a foreign postcode before its town) are the ones whose
context makes them near certain.

Forms that are dates or ages only in context ("10/62" against "7/10 pain", "on the 3rd" against
"the 3rd floor", "92 years" against "for 92 years") are taken only with the words that make them so.
Text handling is Unicode-correct: a capitalised word is one of any script ("Dvořák", "Кузнецова"),
and case-insensitive comparisons casefold.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import functools
import ipaddress
import re
from dataclasses import dataclass
from typing import Callable, Iterable

import phonenumbers

from services.gateway.pipeline.charclasses import LETTERS, LOWER, MARKS, UPPER
from veil.contracts import AGE, DATE, EMAIL, ENTITY_TYPES, ID, IP, LOCATION, NONE, ORGANIZATION, PERSON, PHONE, URL

TYPES = ENTITY_TYPES
__all__ = ["Match", "find", "luhn_valid", "npi_valid", "vin_valid", "ssn_valid", "TYPES", "NONE", "PERSON", "DATE",
           "AGE", "PHONE", "EMAIL", "ID", "LOCATION", "URL", "IP", "ORGANIZATION"]


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    type: str
    score: float
    rule: str


# -- validators ---------------------------------------------------------------------------

def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check used by card, account and NPI numbers."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def npi_valid(digits: str) -> bool:
    """A US National Provider Identifier: 10 digits, Luhn over the 80840 prefix."""
    return len(digits) == 10 and digits[0] in "12" and luhn_valid("80840" + digits)


_VIN_VALUES = {**{str(d): d for d in range(10)},
               **dict(zip("ABCDEFGH", range(1, 9))), **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9,
               **dict(zip("STUVWXYZ", range(2, 10)))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_valid(vin: str) -> bool:
    """A North American VIN: 17 characters without I, O, Q, check digit in position 9."""
    vin = vin.upper()
    if len(vin) != 17 or any(c not in _VIN_VALUES for c in vin):
        return False
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS))
    check = total % 11
    return vin[8] == ("X" if check == 10 else str(check))


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """An SSN the SSA could have issued: area not 000, 666 or 9xx; group and serial not zero."""
    return area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"


def _year(raw: str) -> int | None:
    if len(raw) == 2:
        return 2000 + int(raw) if int(raw) < 50 else 1900 + int(raw)
    year = int(raw)
    return year if 1900 <= year <= 2099 else None


def _calendar_date(year: int | None, month: int, day: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    if year is None:
        return day <= calendar.monthrange(2000, month)[1]  # a leap year: 29 February is a date
    try:
        _dt.date(year, month, day)
        return True
    except ValueError:
        return False


# -- rules --------------------------------------------------------------------------------

# Letters of every script (`charclasses`: the Basic Multilingual Plane, as one table each). `_WORD` is a
# capitalised word: "Brkić", "Ólafsdóttir", "Παπαδόπουλος", "Кузнецова", "O'Brien", "Smith-Jones" (a
# decomposed accent included).
_UP = f"[{UPPER}]"
_LETTER = f"[{LETTERS}]"
_JOINER = f"['’\\-{MARKS}]"
_WORD = rf"{_UP}{_LETTER}*(?:{_JOINER}+{_LETTER}*)*"

_MONTHS = {name.casefold(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.casefold(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH_RE = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
             r"JANUARY|FEBRUARY|MARCH|APRIL|MAY|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER|"
             r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec|"
             r"JAN|FEB|MAR|APR|JUN|JUL|AUG|SEPT|SEP|OCT|NOV|DEC)\.?")
_ORD = r"(?:st|nd|rd|th)?"
_MONTH_ABBREVIATIONS = frozenset("Jan Feb Mar Apr Jun Jul Aug Sept Sep Oct Nov Dec".split())
_MONTH_WORDS = _MONTH_RE[3:_MONTH_RE.index(")")].split("|")

_STATES = ("AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
           "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP AA AE AP FM MH PW").split()
_STATE_NAMES = ("Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|"
                "Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|"
                "Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|"
                "New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|"
                "South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|"
                "Wisconsin|Wyoming|District of Columbia|Puerto Rico")
_STATE_RE = "(?:" + "|".join(_STATES) + "|" + _STATE_NAMES + ")"

_STREET_SUFFIXES = (
    "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|Parkway|Pkwy|"
    "Circle|Cir|Highway|Hwy|Square|Sq|Trail|Trl|Loop|Crossing|Path|Pike|Alley|Row|Plaza|Ridge|Run|Hill|Hills|"
    "Heights|Park|Point|Points|Springs|Spring|Station|Summit|Valley|Valleys|View|Views|Village|Villages|Walk|"
    "Crescent|Cove|Coves|Creek|Estates|Estate|Falls|Ferry|Field|Fields|Forest|Fork|Forks|Fort|Garden|Gardens|"
    "Glen|Glens|Green|Greens|Grove|Groves|Harbor|Harbors|Haven|Island|Islands|Isle|Junction|Junctions|Key|Keys|"
    "Knoll|Knolls|Lake|Lakes|Landing|Light|Lights|Lodge|Manor|Manors|Meadow|Meadows|Mill|Mills|Mission|Mount|"
    "Mountain|Mountains|Orchard|Oval|Pass|Pine|Pines|Port|Ports|Prairie|Ranch|Rapid|Rapids|Rest|Shoal|Shoals|"
    "Shore|Shores|Stream|Track|Trace|Tunnel|Turnpike|Union|Unions|Vista|Well|Wells|Bypass|Camp|Canyon|Cape|"
    "Causeway|Center|Centers|Cliff|Cliffs|Club|Common|Commons|Corner|Corners|Course|Courts|Curve|Dale|Dam|Divide|"
    "Drives|Expressway|Extension|Extensions|Flat|Flats|Ford|Fords|Freeway|Gateway|Harbor|Inlet|Lock|Locks|Loaf|"
    "Mall|Motorway|Neck|Overpass|Parks|Parkways|Plain|Plains|Radial|Ramp|Ridges|Route|Shoal|Skyway|Spur|Spurs|"
    "Squares|Stravenue|Streets|Throughway|Trafficway|Underpass|Ville|Viaduct|Vista|Ways|Wall|Burg|Burgs|Bluff|"
    "Bluffs|Bottom|Branch|Bridge|Brook|Brooks|Crest|Lodge|Meadows|Roads|Routes|Alley|Circles|Crossroad|Fall|"
    "Forge|Forges|Hollow|Land|Mews|Passage|River|Rue|Via|Walks")
_SECONDARY = (r"(?:,?\s+(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Room|Rm\.?|Floor|Fl\.?|Flat|Bldg\.?|Building|#)"
              r"\s*[A-Za-z0-9-]+)?")
_CAP = _WORD

_ID_KEYWORDS = (
    r"MRN|Medical\s+Record(?:\s+(?:Number|No\.?|#))?|Med\.?\s+Rec\.?(?:\s+(?:No\.?|#))?|Record\s+(?:Number|No\.?|#)|"
    r"Patient\s+ID|Pt\.?\s+ID|Account(?:\s+(?:Number|No\.?|#))?|Acct\.?(?:\s+(?:No\.?|#))?|"
    r"(?:Health\s+)?Plan(?:\s+Beneficiary)?\s+(?:ID|Number|No\.?|#)|Beneficiary\s+(?:ID|Number|No\.?|#)|"
    r"Member\s+(?:ID|Number|No\.?|#)|Subscriber\s+(?:ID|Number|No\.?|#)|Policy(?:\s+(?:Number|No\.?|#|ID))?|"
    r"Insurance\s+(?:ID|Number|No\.?|#)|Group\s+(?:ID|Number|No\.?|#)|Claim\s+(?:ID|Number|No\.?|#)|"
    r"Encounter\s+(?:ID|Number|No\.?|#)|Visit\s+(?:ID|Number|No\.?|#)|Case\s+(?:ID|Number|No\.?|#)|"
    r"Licen[cs]e(?:\s+(?:Number|No\.?|#|ID))?|Driver'?s\s+Licen[cs]e(?:\s+(?:Number|No\.?|#))?|DEA(?:\s+(?:Number|No\.?|#))?|"
    r"NPI|Certificate(?:\s+(?:Number|No\.?|#))?|Device\s+(?:ID|Serial|Identifier|Number|No\.?|#)|"
    r"Serial(?:\s+(?:Number|No\.?|#))?|UDI|Implant\s+(?:ID|Serial)|VIN|Vehicle\s+(?:ID|Identification\s+Number)|"
    r"Licen[cs]e\s+Plate|Plate(?:\s+(?:Number|No\.?|#))?|SSN|Social\s+Security(?:\s+(?:Number|No\.?|#))?|"
    r"Passport(?:\s+(?:Number|No\.?|#))?|Biometric\s+ID|Fax\s+ID|ID(?:\s+(?:Number|No\.?|#))?|Device|"
    r"(?:Implant\s+)?Lot(?:\s+(?:Number|No\.?|#))?|Identifier|S/N|SN|Specimen(?:\s+ID)?|Rx\s*#|FIN|CSN|"
    # References, permits, registrations and the national numbers of other countries, by their official short names.
    r"Ref\.?|Reference(?:\s+(?:Number|No\.?|#))?|(?:Parking\s+)?Permit(?:\s+(?:Number|No\.?|#|NR))?|"
    r"Car\s+Reg(?:istration)?|Reg(?:istration)?\s+(?:Number|No\.?|#|Plate)|NHS(?:\s+No\.?)?|PESEL|AMKA|BSN|HETU|"
    r"Kennitala|OIB|TAJ|SVNr|RRN|SNILS|DNI|NIE|CPF|CURP|JMBG|EGN|CNP|Isikukood|Personnummer|AHV|PPSN|PPS|NIR|"
    r"Rijksregisternr\.?|Fødselsnr\.?|Steuer-ID|Versichertennummer|Codice\s+Fiscale|Rodné\s+číslo")


# Every pattern built with a `first` class, with its plain form: the test checks that the two
# find the same matches, so a class that misses a possible first character cannot go unnoticed.
PLAIN_FORMS: dict[re.Pattern, tuple[str, int]] = {}


def _rx(pattern: str, flags: int = 0, first: str | None = None) -> re.Pattern:
    """`pattern` compiled; `first`, the characters a match can start with (a class body), goes in front
    as a lookahead. re tries a pattern at every position, and one that opens with a lookbehind, a word
    boundary or an alternation gets no fast scan: the class rejects most positions in one test, which
    makes the rules 2-4x cheaper on clinical text. The matches are the same."""
    if first is None:
        return re.compile(pattern, flags)
    compiled = re.compile(f"(?=[{first}])(?:{pattern})", flags)
    PLAIN_FORMS[compiled] = (pattern, flags)
    return compiled


def _led(plain: str, fast: str, flags: int = 0) -> re.Pattern:
    """`fast` compiled, registered with its `plain` form (same matches, same groups; the test checks).
    `fast` starts with a character (a literal or a class) instead of a look-behind, \\b or look-ahead,
    with the look-behind moved after that character ("(?<![\\w-])\\d" becomes "\\d(?<![\\w-]\\d)"):
    `re` then skips in C the positions where that character is not, about twice as fast as `_rx`."""
    compiled = re.compile(fast, flags)
    PLAIN_FORMS[compiled] = (plain, flags)
    return compiled


def _word_led(words: Iterable[str], before: str, after_word: str = "") -> str:
    """`words` as one alternation that starts with a class of their first characters, so that `re` skips
    in C the positions where none is; the look-behinds are checked over that character: `before` (a class
    body), what may not come just before the word, and `after_word`, a word that may not (with one space).
    The rest of each word follows its first character's look-behind; the words keep their order."""
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(w[0], []).append(w[1:])
    firsts = "".join(re.escape(c) for c in groups)
    guard = f"(?<![{before}][{firsts}])" + (f"(?<!{after_word} [{firsts}])" if after_word else "")
    rests = "|".join(f"(?<={re.escape(c)})(?:{'|'.join(re.escape(r) for r in rs)})" for c, rs in groups.items())
    return f"[{firsts}]{guard}(?:{rests})"


_MONTH_LED = _word_led(_MONTH_WORDS, r"\w") + r"\.?"  # _MONTH_RE after \b, led by its first letters
_DIGIT = "0-9"
# Top-level alternatives of _ID_KEYWORDS start with these (case-insensitive, as the pattern is).
_ID_KEYWORD_FIRST = "abcdefghiklmnoprstuvjø"
# A capitalised word of any script can start with any of these.
_UPPER_FIRST = UPPER


# Month names of the languages of the countries Veil's notes come from (CLDR's, through Babel: the
# format and the stand-alone forms, so genitives such as "stycznia", "сентября", "Μαρτίου" are in),
# taken only with a day before them or a year after them: "13 mars 1981", "5. Mai 2019",
# "3 de mayo de 2019", "15 augusti 2049", "17. september 1960". Only the full names: abbreviations in
# so many languages are ordinary words too ("set", "out", "mac").
_MONTH_LANGUAGES = ("fr de es it nl pt pl cs sk sl hr sr bs ru uk be bg ro hu fi sv da nb nn is et lv lt el tr "
                    "ca gl eu ga cy mt sq mk id ms fil vi af lb fo").split()


def _foreign_months() -> dict[str, int]:
    from babel import Locale

    names: dict[str, int] = {}
    for language in _MONTH_LANGUAGES:
        months = Locale.parse(language).months
        for context in ("format", "stand-alone"):
            for number, name in months[context]["wide"].items():
                name = name.casefold()
                if name.isalpha() and len(name) >= 3:
                    names.setdefault(name, number)
    return names


_FOREIGN_MONTHS = _foreign_months()
_FOREIGN_MONTH_RE = "(?:" + "|".join(sorted(_FOREIGN_MONTHS, key=len, reverse=True)) + ")"

_NUMERIC_DATE = _led(r"(?<![\w/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\w/-]|\.\d)",
                     r"(\d(?<![\w/.-]\d)\d?)([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\w/-]|\.\d)")
# 2021-03-14 (with a time or not), 1981/07/13, 1981.07.13.
_ISO_TAIL = r"(?:-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?)?(?![\w/-])|([/.])(\d{1,2})\4(\d{1,2})(?![\w/-]|\.\d))"
_ISO_DATE = _led(r"(?<![\w/.-])(\d{4})" + _ISO_TAIL, r"(\d(?<![\w/.-]\d)\d{3})" + _ISO_TAIL)
# Month and year, month and day: "11/2019", and, after a word that introduces a date, "10/62", "1/88",
# "on 7/13". Ratios, blood pressures and pain scores have the short shape, hence the cue and the
# measuring words around it (`_dates`).
_MONTH_YEAR_NUM = _led(r"(?<![\w/.-])(\d{1,2})/(\d{4}|\d{1,2})(?![\w/-]|[.,]\d)",
                       r"(\d(?<![\w/.-]\d)\d?)/(\d{4}|\d{1,2})(?![\w/-]|[.,]\d)")
_MDY_TAIL = rf"\s+(\d{{1,2}}){_ORD}(?:,?\s+(\d{{4}}))?(?![\w])"
_TEXT_DATE_MDY = _led(rf"\b({_MONTH_RE})" + _MDY_TAIL, rf"({_MONTH_LED})" + _MDY_TAIL)
# "3rd March", "4th of July 2020"; "13 mars 1981", "5. Mai 2019", "3 de mayo de 2019" (groups 4 and 5).
_DMY_TAIL = (rf"(?:{_ORD}\s+(?:of\s+)?({_MONTH_RE}),?(?:\s+(\d{{4}}))?(?![\w])|"
             rf"(?:\.\s*|er\s+|º\s*|°\s*|\s+)(?:de\s+)?((?i:{_FOREIGN_MONTH_RE}))\.?"
             r"(?:,?\s+(?:de\s+)?(\d{4}))?(?!\w))")
_TEXT_DATE_DMY = _led(r"\b(\d{1,2})" + _DMY_TAIL, r"(\d(?<!\w\d)\d?)" + _DMY_TAIL)
# A month name: with its year ("December 2019"), or, when a word before it makes it a time, alone
# ("early March", "mid-June", "since December"; `_MONTH_CUE`).
_MONTH_YEAR_TAIL = r"(?:,?\s+((?:19|20)\d{2})\b|(?![\w]))"
_MONTH_YEAR_TEXT = _led(rf"\b({_MONTH_RE})" + _MONTH_YEAR_TAIL, rf"({_MONTH_LED})" + _MONTH_YEAR_TAIL)

_YEARS_LATER = r"(?!\s+(?:ago|later|earlier|prior|before|after|since|back)\b)"
# "92-year-old", "91 y/o", "95 years of age"; "92 years" and "101 yrs" (group 2) only when the word before
# makes it an age ("is 92 years", "a 95 yrs"), never a duration ("for 92 years"; `_AGE_YEARS_BEFORE`).
_AGE_TAIL = (r"(?:[- ](?:years?|yrs?|y)[- ]old|\s*(?:y/o|yo|y\.o\.)(?!\w)|\s+years?\s+of\s+age|"
             rf"(\s*(?:years?|yrs?)\b{_YEARS_LATER}))")
_AGE = _led(r"\b(9\d|1[01]\d)" + _AGE_TAIL, r"([19](?<!\w[19])(?:(?<=9)\d|(?<=1)[01]\d))" + _AGE_TAIL, re.IGNORECASE)
_AGE_LABELLED = _rx(r"\b(?:age[ds]?|Age[ds]?)\s*:?\s*(9\d|1[01]\d)\b(?!\s*(?:%|mg|kg|mm|cm|ml))", first="aA")

_PHONE = _rx(r"(?<![\w+])(?:(?:\+?1|001)[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}"
             r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,6})?(?![\w])", first=r"+(0-9")
_PHONE_INTL = _rx(r"(?<![\w+])\+(?!1\b)\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?)(?:[\s.-]?\d{2,4}){2,4}(?![\w])", first=r"+")
_PHONE_CONTEXT = _rx(r"(?:phone|tel|telephone|fax|cell|mobile|pager|call|contact)\W{0,3}$", re.IGNORECASE)

_EMAIL = _rx(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w])")
_URL = _rx(r"(?<![\w@])(?:https?://|www\.)[^\s<>\"'(){}\[\]]+", re.IGNORECASE, first="hw")
_DOMAIN = _rx(r"(?<![\w@./-])(?:[a-z0-9-]+\.)+(?:com|org|net|edu|gov|info|biz|io|health|us)(?:/[^\s<>\"']*)?(?![\w@])")
_DOMAIN_TLDS = tuple(f".{tld}" for tld in "com org net edu gov info biz io health us".split())
# A domain of a country ("grenaa-sygehus.dk/portal", "portal.unwrap.cn"): with a path or two labels before
# the country code, as "e.g" or "Fig.de" have neither; the code must be a country's (ISO 3166, or "uk").
_CC_DOMAIN = _rx(r"(?<![\w@./-])(?:(?:[a-z0-9-]+\.)+([a-z]{2})(?=/)(?:/[^\s<>\"']*)|"
                 r"(?:[a-z0-9-]+\.){2,}([a-z]{2}))(?![\w@-]|\.\w)", first="a-z0-9-")


@functools.lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    import pycountry  # loaded on first use: the pipeline's import stays light

    return frozenset(c.alpha_2.casefold() for c in pycountry.countries) | {"uk", "eu"}


_IPV4 = _led(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\w|\.\d)", r"\d(?<![\w.]\d)\d{0,2}(?:\.\d{1,3}){3}(?!\w|\.\d)")
_IPV6 = _rx(r"(?<![\w:.])(?=[0-9A-Fa-f:]*[0-9A-Fa-f])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])",
            first="0-9A-Fa-f:")

_SSN = _led(r"(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w-])", r"(\d(?<![\w-]\d)\d\d)-(\d{2})-(\d{4})(?![\w-])")
# A label ends at a word boundary, or with its period or number sign ("Acct. 12345", "Rx#: 123456").
_KEYED_ID = _rx(rf"\b(?:{_ID_KEYWORDS})(?:(?<=[.#])|\b)\.?\s*(?:[:#|]|No\.|number|is)?\s*[:#]?\s*"
                # The value: letters, digits and hyphens, with dots or a slash only between digits
                # ("14.51.02-855.40", "325712/3758") and a closing group of two after a space ("928-124-128 95");
                # or digits in groups of a national number ("9 40 52 71 001 494 93", "296 283 124"); a range
                # ("3.5-5.0") is a lab value. A table's bar may stand between the label and the value.
                r"(?!\d+(?:\.\d+)?-\d+(?:\.\d+)?(?![\w.-]))"
                r"((?=(?:\d ?){6})\d{1,6}(?: \d{1,6}){1,6}(?![\w-]|\.\w| \d)|"
                r"(?=[A-Z0-9./-]*\d)[A-Z0-9](?:[A-Z0-9-]|[./](?=\d)){2,}[A-Z0-9](?:\s\d\d(?![\w-]|\.\w))?)(?![\w-])",
                re.IGNORECASE, first=_ID_KEYWORD_FIRST)
_CARD = _led(r"(?<![\w-])(?:\d{4}[ -]){3}\d{1,7}(?![\w-])|(?<![\w-])\d{13,19}(?![\w-])",
             r"\d(?<![\w-]\d)(?:\d{3}[ -](?:\d{4}[ -]){2}\d{1,7}(?![\w-])|\d{12,18}(?![\w-]))")
_VIN = _led(r"(?<![\w-])[A-HJ-NPR-Z0-9]{17}(?![\w-])",
            r"[A-HJ-NPR-Z0-9](?<![\w-][A-HJ-NPR-Z0-9])[A-HJ-NPR-Z0-9]{16}(?![\w-])")
_ALNUM_ID = _led(r"(?<![\w-])[A-Z]{1,4}-?\d{5,12}(?![\w-])", r"[A-Z](?<![\w-][A-Z])[A-Z]{0,3}-?\d{5,12}(?![\w-])")
# Serials and codes mixing capitals and digits ("SN-8F3A2B1C"): three digits and eight
# characters at least, so "COVID-19", "HbA1c" and "T2N1M0" are not taken.
_MIXED_ID = _rx(r"(?<![\w-])(?=(?:[A-Z-]*\d){3})(?=[0-9-]*[A-Z])[A-Z0-9]{2,}(?:-[A-Z0-9]+)*(?![\w-])", first="A-Z0-9")
_LONG_NUMBER = _led(r"(?<![\w.,/-])\d{7,20}(?![\w/-]|[.,]\d)", r"\d(?<![\w.,/-]\d)\d{6,19}(?![\w/-]|[.,]\d)")

_ZIP_TAIL = r",?\s+(\d{5}(?:-\d{4})?)(?![\w-])"
_ZIP_AFTER_STATE = _led(rf"\b{_STATE_RE}" + _ZIP_TAIL, _word_led(_STATES + _STATE_NAMES.split("|"), r"\w") + _ZIP_TAIL)
# "Zip Code: 90210"; "Postcode: SW1A 1AA", "PLZ 10115" (group 2).
_ZIP_LABELLED = _rx(r"\b(?:(?:ZIP|Zip|zip)(?:\s*[Cc]ode)?\s*:?\s*(\d{5}(?:-\d{4})?)|"
                    r"(?:Post(?:al)?\s*[Cc]ode|Postcode|POSTCODE|PLZ|Code\s+postal)\s*:?\s*"
                    r"((?=[A-Z-]*\d)[A-Z0-9]{2,5}(?:[ -][A-Z0-9]{2,4})?))(?![\w-])", first="ZzPC")
_CITY_STATE_TAIL = rf"(?:\s+{_CAP}){{0,2}}),\s+(?:{_STATE_RE})(,?\s+\d{{5}}(?:-\d{{4}})?)?(?![\w-])"
_CITY_STATE = _led(rf"\b({_CAP}" + _CITY_STATE_TAIL,
                   rf"({_UP}(?<!\w{_UP}){_LETTER}*(?:{_JOINER}+{_LETTER}*)*" + _CITY_STATE_TAIL)
_STREET_TAIL = (rf"[A-Za-z]?(?:[-/]\d{{1,6}}[A-Za-z]?)?\s+(?:(?:[NSEW]|North|South|East|West)\.?\s+)?"
                rf"(?:{_CAP}\s+){{0,3}}(?:{_STREET_SUFFIXES})\b\.?{_SECONDARY}")
_STREET = _led(r"(?<![\w-])\d{1,6}" + _STREET_TAIL, r"\d(?<![\w-]\d)\d{0,5}" + _STREET_TAIL)
_PO_BOX = _rx(r"\b(?:P\.?\s?O\.?\s+Box|PO\s+Box)\s+\d{1,6}\b", re.IGNORECASE, first="p")

# A name's word: capitalised, two letters at least, any script; an initial: one capital and a period.
_NAME_WORD = rf"{_UP}(?:{_LETTER}|{_JOINER})+"
_INITIAL = rf"{_UP}\."
_TITLED_TAIL = rf"\.?\s+((?:{_INITIAL}\s+)?{_NAME_WORD}(?:\s+(?:{_INITIAL}|{_NAME_WORD})){{0,2}})"
_TITLED_NAME = _led(r"\b(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof)" + _TITLED_TAIL,
                    _word_led(["Dr", "Mr", "Mrs", "Ms", "Miss", "Mx", "Prof"], r"\w") + _TITLED_TAIL)
# "Jane Doe, MD", and with initials only before the surname, as signatures are written: "J. Mcmillan, MD",
# "E.A. Marks, FRCP".
_CREDENTIALED_NAME = _rx(rf"\b({_NAME_WORD}\s+(?:{_INITIAL}\s+)?{_NAME_WORD}|(?:{_INITIAL}\s?){{1,2}}{_NAME_WORD}),?\s+"
                         r"(?:MD|M\.D\.|DO|D\.O\.|RN|NP|PA-C|PhD|DDS|DNP|CNM|CRNA|MSW|LCSW|PharmD|MBBS|FRCP|MRCP|FRCS|"
                         r"FACP|MBChB)\b",
                         first=_UPPER_FIRST)
_LABELLED_NAME = _rx(r"\b(?:Patient(?:\s+Name)?|Name|Guarantor|Emergency\s+Contact|Next\s+of\s+Kin|"
                     r"Attending(?:\s+Physician)?|Physician|Provider|Referring\s+Physician|Signed\s+by|"
                     r"Prepared\s+by|Contact)\s*:\s*"
                     rf"((?:{_INITIAL}\s+)?{_NAME_WORD}(?:\s+(?:{_INITIAL}|{_NAME_WORD})){{1,3}})", first="ACEGNPRS")

# -- dates in partial and other-language forms: the cues and measures `_dates` checks -------------

# Words before a month name alone that make it a time ("early March", "mid-June", "since December").
# "of", "by" and "from" are left out: "the care of June Carter", "a call from April".
_MONTH_CUE = re.compile(r"(?:\b((?:[Ee]arly|[Mm]id|[Ll]ate|[Bb]eginning\s+of|[Ee]nd\s+of|[Mm]iddle\s+of)[\s-]+)|"
                        r"\b(?:in|In|since|Since|during|During|until|Until|till|through|Through|last|Last|next|"
                        r"Next)\s+)$")
# "on the 3rd", "since the 21st,": a day of the month by its ordinal, when a word that places a date is
# before it and nothing after it makes it a count ("the 3rd floor", "the 2nd dose"). The literal start
# lets `re` search for " the " instead of trying every position.
_ORDINAL_DAY = re.compile(r" the (\d{1,2})(st|nd|rd|th)\b")
_ORDINAL_CUE = re.compile(r"\b(?:on|since|until|till|by|before|after|On|Since|Until|By|Before|After)$")
_ORDINAL_FOLLOW = re.compile(r"\s*(?:[.,;:!?)]|$|(?:at|and|or|when|while|she|he|they|we|I|the|in|for|but|with|"
                             r"because|which|of\s+(?:the\s+|this\s+|that\s+|last\s+|next\s+)?month)\b)")
_DATE_CUE = re.compile(r"\b(?:on|in|since|from|until|till|by|dated?|DOB|born|circa|ca\.|around|through|thru|"
                       r"before|after|during|as\s+of|s/p|last|seen|admitted|discharged|diagnosed|started|stopped|"
                       r"began|onset|surgery|date|admission|visit|appointment|review|previous|prior|HbA1c|A1c|"
                       r"last\s+[a-z]+)\s*:?\s*$", re.IGNORECASE)
# After a short date, a word that says it was one: "the 4/9 appointment".
_DATE_AFTER = re.compile(r"\s+(?:appointment|appt|visit|admission|review|clinic|follow-?up)\b", re.IGNORECASE)
_STRONG_DATE_CUE = re.compile(r"\b(?:on|dated?|DOB|born|seen|admitted|discharged)\s*:?\s*$", re.IGNORECASE)
_MEASURE_BEFORE = re.compile(r"\b(?:pain|score|scale|ratio|strength|BP|blood\s+pressure|pressures?|mmHg|dilution|"
                             r"tit(?:er|re)|motor|power|reflex(?:es)?|vision|visual|acuity|grade|GCS|APGAR|out\s+of|"
                             r"rated?|rates|level|doses?|tabs?|tablets?|puffs?|sets?|reps?|fraction)\b",
                             re.IGNORECASE)
_MEASURE_AFTER = re.compile(r"\s*(?:strength|scale|mmHg|score|pain|dilution|ratio|power|%|x\b|times|tabs?\b|"
                            r"tablets?|doses?|puffs?)|\s+to\s+\d{1,2}/\d", re.IGNORECASE)
# A year after a month name of another language: "März 2019", "marzo de 2019". Found from the year, as
# a pattern that starts with a hundred month names would try them all at every word.
_YEAR = _led(r"(?<![\w.,/-])(?:19|20)\d\d(?![\w/-]|[.,]\d)",
             r"[12](?<![\w.,/-][12])(?:(?<=1)9|(?<=2)0)\d\d(?![\w/-]|[.,]\d)")
_FOREIGN_MONTH_BEFORE = re.compile(rf"(?<!\w)({_FOREIGN_MONTH_RE})\.?\s+(?:de\s+)?$", re.IGNORECASE)

# -- ages over 89 in words ---------------------------------------------------------------------------

_UNITS_WORDS = "one|two|three|four|five|six|seven|eight|nine"
_TEENS_WORDS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_AGE_WORDS = (rf"(?:ninety(?:[\s-]+(?:{_UNITS_WORDS}))?|(?:(?:one|a)[\s-]+)?hundred"
              rf"(?:(?:[\s-]+and)?[\s-]+(?:{_TEENS_WORDS}|{_UNITS_WORDS}))?)")
# "ninety-three-year-old", "ninety three years", "one hundred and two years of age", "ninety-one y/o".
_AGE_IN_WORDS = _rx(rf"\b({_AGE_WORDS})(?:[\s-]+years?[\s-]+old|[\s-]+years?\s+of\s+age|[\s-]+years?{_YEARS_LATER}|"
                    r"[\s-]+y/?o)(?![\w/-])", re.IGNORECASE, first="nNoOaAhH")
_AGE_WORDS_LABELLED = _rx(rf"\b(?:aged?|Aged?|AGE)\s*:?\s+({_AGE_WORDS})\b", re.IGNORECASE, first="aA")
_AGE_YEARS_BEFORE = re.compile(r"(?:^|[,;:(]|\b(?:is|was|a|an|aged?|now|turned|turns|being|patient|pt|male|female|"
                               r"man|woman|he|she)\b)\s*$", re.IGNORECASE)

# -- phones in national formats (Google's libphonenumber) ----------------------------------------

# A run of digits, spaces, dots, hyphens and brackets that may be a phone number; libphonenumber then
# decides, region by region. No slash (dates, ratios) and no line break inside.
_PHONE_SHAPE = _led(r"(?<![\w+/.,:-])(?:\+|\(\s*)?\d[\d(). \t-]{5,20}\d(?![\w/]|[.,:-]?\d)",
                    r"[+(\d](?<![\w+/.,:-][+(\d])(?:(?<=\+)\d|(?<=\()\s*\d|(?<=\d))[\d(). \t-]{5,20}\d"
                    r"(?![\w/]|[.,:-]?\d)")
# Regions tried for a number written with its national trunk prefix (0...) and no word that says
# "phone" before it: each validates only what its numbering plan allows. Italy waits for a phone word,
# as its plan validates nearly any 6-11 digits after a 0 (dates, digit lists).
_TRUNK_REGIONS = ("GB", "FR", "DE", "NL", "AU", "IE", "AT", "BE", "CH")
# Regions tried when a phone word is before the number ("Tel.", "Mobile:"): plans without a trunk
# prefix, whose numbers look like any 9-10 digit ID without that word.
_CONTEXT_REGIONS = ("IT", "ES", "PL", "CZ", "GR", "RU", "US", "CA", "PT", "DK", "NO", "SE")
_DIGIT_GROUPS = re.compile(r"\d+")
_AREA_BEFORE = re.compile(r"\(\d{1,5}\)\s*$")
_DATE_OR_TIME_SHAPE = re.compile(r"\d{1,4}[./ -]\d{1,2}[./ -]\d{1,4}")
_TIME_SHAPE = re.compile(r"\d{1,2}[.:]\d{2}(?:[.:]\d{2})?")


def _date_or_time(window: str) -> bool:
    """Whether a run of digits could be a date or a time rather than a phone: "12 03 2020", "10:30",
    but not "273 65 719" (no month 65, no day 273)."""
    if _TIME_SHAPE.fullmatch(window):
        return True
    if not _DATE_OR_TIME_SHAPE.fullmatch(window):
        return False
    a, b, c = (int(g) for g in _DIGIT_GROUPS.findall(window)[:3])
    if a > 999:
        return 1 <= b <= 12 and 1 <= c <= 31
    return (1 <= a <= 31 and 1 <= b <= 12 or 1 <= a <= 12 and 1 <= b <= 31) and (c <= 99 or 1000 <= c <= 9999)


# -- IDs without a label ---------------------------------------------------------------------------

# Hyphenated digit groups ("12-3456789", "4410-2231-0098"), with 8 digits at least and one group of 4
# or more: SSNs, dates, year ranges and phones have rules of their own and are left to them. NDC drug
# codes (4-4-2, 5-3-2, 5-4-1, 5-4-2) look the same and are not PHI: after "NDC" they are left alone;
# without it they are taken, as an over-redacted product code costs a reader little.
_HYPHEN_ID = _led(r"(?<![\w.,/-])\d{1,10}(?:-\d{1,10}){1,4}(?![\w/-]|[.,]\d)",
                  r"\d(?<![\w.,/-]\d)\d{0,9}(?:-\d{1,10}){1,4}(?![\w/-]|[.,]\d)")
_NDC_BEFORE = re.compile(r"\bNDC\W{0,4}$", re.IGNORECASE)
_SSN_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}")
_YEAR_GROUP = re.compile(r"(?:19|20)\d{2}")

# -- address parts ---------------------------------------------------------------------------------

_TITLE_WORD = rf"{_UP}[{LOWER}]{_LETTER}*(?:{_JOINER}+{_LETTER}*)*"  # "Rivoli", "Marszałkowska", "Saint-Honoré"
_HOUSE_NUMBER = r"\d{1,5}[A-Za-z]?(?:[-/]\d{1,5}[A-Za-z]?)?"
# Street words that come before the name in other languages ("Rue de Rivoli 12", "12, rue de Rivoli",
# "ul. Marszałkowska 10", "Via Roma 3", "Calle Mayor 8"): lower-case forms only where they are not
# English words, and no "Place" (an instruction as often as a square). A house number must stand on one
# side of the name; one before it is found by `_HOUSE_NUMBER_BEFORE`.
_STREET_PREFIX_WORDS = (
    "Rue rue Avenue Av. Avda. Boulevard boulevard Bd Bvd Allée allée Chemin chemin Impasse impasse Quai quai Via "
    "Viale Piazza Piazzale Corso Largo Vicolo Calle calle Avenida avenida Plaza Paseo paseo Carrer carrer Rua rua "
    "Travessa Praça ul. ulica Ulica Al. al. Aleja aleja pl. Plac plac ул. улица пр. проспект пер. переулок Οδός "
    "οδός Λεωφόρος nám. náměstí").split()
_STREET_LINK = r"(?:(?:de|du|des|la|le|les|del|della|delle|dei|di|da|dos|das|do|y|van|der)\s+|[dlDL][’'])"
_STREET_NAME = rf"(?:{_STREET_LINK})*{_TITLE_WORD}(?:\s+(?:{_STREET_LINK})*(?:{_TITLE_WORD}|[IVX]+))" + "{0,3}"
_STREET_PREFIXED_TAIL = (rf"(?:(?<=\.)\s*|\s+){_STREET_NAME}"
                         rf"(?:,?\s+(?:n[º°o]\.?\s*)?({_HOUSE_NUMBER})(?![\w/-]|[.,]\d))?")


# Two patterns, by the case of the street word: led by a capital, `re` skips the other characters in C;
# lower-case first letters are too common for that, so that pattern is led by a look-ahead (as `_rx`).
# "et al. Science 2005" is a citation, not "al." (aleja) and a number.
_UPPER_STREET_PREFIXES = sorted((w for w in _STREET_PREFIX_WORDS if w[0].isupper()), key=len, reverse=True)
_LOWER_STREET_PREFIXES = sorted((w for w in _STREET_PREFIX_WORDS if not w[0].isupper()), key=len, reverse=True)
_STREET_PREFIXED = _led(rf"(?<![\w.-])(?<![Ee]t )(?:{'|'.join(map(re.escape, _UPPER_STREET_PREFIXES))})"
                        + _STREET_PREFIXED_TAIL,
                        _word_led(_UPPER_STREET_PREFIXES, r"\w.-", "[Ee]t") + _STREET_PREFIXED_TAIL)
_STREET_PREFIXED_LOWER = _rx(rf"(?<![\w.-])(?<![Ee]t )(?:{'|'.join(map(re.escape, _LOWER_STREET_PREFIXES))})"
                             + _STREET_PREFIXED_TAIL, first="".join(sorted({w[0] for w in _LOWER_STREET_PREFIXES})))
_HOUSE_NUMBER_BEFORE = re.compile(rf"(?<![\w-]){_HOUSE_NUMBER}(?:,|\s+bis|\s+ter)?\s+$")
# One word ending in a street word, then its number: "Hauptstraße 5", "Keizersgracht 123", "Kalverstraat 1",
# "Drottninggatan 4"; or the street word alone after a name ("Berliner Straße 12"). The endings are
# checked by look-behinds, one per length, once the word is read: no ending is tried at every letter.
_STREET_ENDED = (rf"{_LETTER}++\.?(?:(?<=weg|vej)|(?<=dijk|laan|kade|katu|utca|damm|ufer|str\.)|"
                 r"(?<=gasse|allee|platz|plein|steeg|vägen|veien|gatan)|(?<=straße|straat|gracht|singel)|"
                 r"(?<=strasse)|(?<=[ -]Str\.)|(?<=Weg)|(?<=Damm|Ufer)|(?<=Gasse|Allee|Platz)|(?<=Straße)|"
                 rf"(?<=Strasse))\s+{_HOUSE_NUMBER}(?![\w/-]|[.,]\d)")
_STREET_COMPOUND = _led(rf"(?<![\w-]){_UP}{_STREET_ENDED}", rf"{_UP}(?<![\w-]{_UP}){_STREET_ENDED}")
# The street word alone ("Straße 12") is a street only with the name before it: "Berliner Straße 12".
_STREET_WORDS_ALONE = frozenset("Weg Damm Ufer Gasse Allee Platz Straße Strasse Str.".split())
_STREET_NAME_BEFORE = re.compile(rf"(?<![\w-]){_TITLE_WORD}[ -]$")
# A unit inside a building, with or without a street before it: "Apt 4B", "Suite 300", "Room 210", "Flat 2".
_UNIT_TAIL = (r"\s*(?:#|No\.?)?\s*(?:\d{1,5}[A-Za-z]?|[A-Z]\d{1,4}|\d{1,4}-\d{1,4})(?![\w/-]|[.,]\d)")
_UNIT = _led(r"\b(?:Apt\.?|apt\.?|APT\.?|Apartment|Suite|SUITE|Ste\.?|STE\.?|Unit|UNIT|Room|ROOM|Rm\.?|RM\.?|Flat|"
             r"FLAT|Bldg\.?|BLDG\.?|Building)" + _UNIT_TAIL,
             r"(?:A(?<!\wA)(?:pt\.?|PT\.?|partment)|a(?<!\wa)pt\.?|S(?<!\wS)(?:uite|UITE|te\.?|TE\.?)|U(?<!\wU)(?:nit|NIT)|"
             r"R(?<!\wR)(?:oom|OOM|m\.?|M\.?)|F(?<!\wF)(?:lat|LAT)|B(?<!\wB)(?:ldg\.?|LDG\.?|uilding))" + _UNIT_TAIL)
# UK ("SW1A 1AA") and Canadian ("K1A 0B1", "ON K1A0B1") postcodes: by shape, and only where what is
# around them makes them near certain (`_postcodes`).
_UK_CA_POSTCODE = _rx(r"(?<![\w-])(?:([A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? \d[ABD-HJLNP-UW-Z]{2})|"
                      r"(?:(AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT),?\s+)?"
                      r"([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]( ?)\d[ABCEGHJ-NPRSTV-Z]\d))(?![\w-])", first="A-Z")
_UPPER_DIGIT = re.compile(r"[A-Z]\d")  # in every UK and Canadian postcode: a cheap test first
_PLACE_BEFORE = re.compile(rf"(?:^|[,\n]|{_TITLE_WORD},?)\s*$")
# A numeric postcode before its town: "75008 Paris", "1012 AB Amsterdam", "00-950 Warszawa", "1000-001 Lisboa",
# "8001 Zürich" (four digits alone only right after a street).
_TOWN = (rf"\s+((?:{_TITLE_WORD}|{_UP}{{3,}})(?:[\s-]+(?:(?:sur|am|an|der|de|la|le|del|im|in|bei)[\s-]+)?"
         rf"{_TITLE_WORD}){{0,2}})")
_POSTCODE_CITY = _led(r"(?<![\w.,/:#-])(\d{5}|\d{4} ?[A-Z]{2}|\d{2}-\d{3}|\d{4}-\d{3}|\d{4})" + _TOWN,
                      r"(\d(?<![\w.,/:#-]\d)(?:\d{4}|\d{3} ?[A-Z]{2}|\d-\d{3}|\d{3}-\d{3}|\d{3}))" + _TOWN)
_NOT_A_TOWN = frozenset(w.casefold() for w in """
Units Unit IU Tablets Tablet Tabs Capsules Caps Doses Cells Copies Platelets Calories Steps Cases Patients Times
Daily Hours Minutes Seconds Days Weeks Months Years Milligrams Grams Liters The And Or Patient Hospital Total
""".split())
_NL_NOT_LETTERS = frozenset("MG ML IU UG MC GM CC HR PO IV IM SQ SC SA SD SS".split())
_POSTCODE_CUE = re.compile(r"(?:^|[,:\n]|\b(?:in|at|à|en|w|aus|from|to))\s*$", re.IGNORECASE)

_NAME_STOP = {"The", "And", "Of", "To", "For", "In", "On", "At", "With", "Was", "Is", "Has", "Had", "Patient",
              "Hospital", "Clinic", "Center", "Medical", "Department"}


def _dates(text: str) -> Iterable[Match]:
    for m in _NUMERIC_DATE.finditer(text):
        a, sep, b, y = int(m.group(1)), m.group(2), int(m.group(3)), _year(m.group(4))
        if len(m.group(4)) == 4 and y is None:
            continue
        if sep == "." and len(m.group(4)) == 2:
            continue  # 1.2.34 reads as a version or a number, not a date
        if _calendar_date(y, a, b) or _calendar_date(y, b, a):
            yield Match(m.start(), m.end(), DATE, 0.97, "date-numeric")
    for m in _ISO_DATE.finditer(text):
        y = _year(m.group(1))
        month, day = (m.group(2), m.group(3)) if m.group(2) else (m.group(5), m.group(6))
        if y and _calendar_date(y, int(month), int(day)):
            yield Match(m.start(), m.end(), DATE, 0.98 if m.group(2) else 0.95, "date-iso")
    if "/" in text:
        yield from _slash_dates(text)
    for m in _TEXT_DATE_MDY.finditer(text):
        month = _MONTHS[m.group(1).rstrip(".").casefold()]
        year = _year(m.group(3)) if m.group(3) else None
        if m.group(3) and year is None:
            continue
        if _calendar_date(year, month, int(m.group(2))):
            # "May 5" alone is a weaker signal than "May 5, 2021": May is also a name.
            yield Match(m.start(), m.end(), DATE, 0.97 if m.group(3) else 0.85, "date-text")
    for m in _TEXT_DATE_DMY.finditer(text):
        if m.group(2):
            month, raw_year = _MONTHS[m.group(2).rstrip(".").casefold()], m.group(3)
        else:  # "13 mars 1981", "5. Mai", "3 de mayo de 2019"
            month, raw_year = _FOREIGN_MONTHS[m.group(4).casefold()], m.group(5)
        year = _year(raw_year) if raw_year else None
        if raw_year and year is None:
            continue
        if _calendar_date(year, month, int(m.group(1))):
            yield Match(m.start(), m.end(), DATE, 0.97 if raw_year else 0.85, "date-text")
    for m in _MONTH_YEAR_TEXT.finditer(text):
        cue = _MONTH_CUE.search(text, max(0, m.start() - 20), m.start())
        # "early March" is redacted whole; in "since March" the preposition stays.
        start = cue.start(1) if cue and cue.group(1) else m.start()
        if m.group(2):
            yield Match(start, m.end(), DATE, 0.9, "date-month-year")
        elif cue:
            # "since December." ends a sentence: the period is the month's only after an abbreviation.
            end = m.end() - (m.group(1).endswith(".") and m.group(1)[:-1] not in _MONTH_ABBREVIATIONS)
            yield Match(start, end, DATE, 0.85, "date-month")
    for m in _YEAR.finditer(text):
        # "März 2019", "marzo de 2019": a year after a month name of another language.
        before = _FOREIGN_MONTH_BEFORE.search(text, max(0, m.start() - 24), m.start()) \
            if m.start() > 2 and text[m.start() - 2] != " " else None
        if before:
            yield Match(before.start(), m.end(), DATE, 0.9, "date-month-year")
    for m in _ORDINAL_DAY.finditer(text):
        day, suffix = int(m.group(1)), m.group(2)
        proper = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
        if 1 <= day <= 31 and suffix == proper and _ORDINAL_FOLLOW.match(text, m.end()) \
                and _ORDINAL_CUE.search(text, max(0, m.start() - 8), m.start()):
            yield Match(m.start(1), m.end(2), DATE, 0.85, "date-ordinal-day")


def _in_column(text: str, start: int, end: int) -> bool:
    """The span is a cell of a table flattened to a line: two spaces (or a tab) on each side, or the line's end."""
    before = text[max(0, start - 2):start]
    after = text[end:end + 2]
    return (before == "  " or before.endswith("\t")) and (after in ("", "\n") or after == "  " or after[:1] in "\t\n")


def _slash_dates(text: str) -> Iterable[Match]:
    """ "11/2019" always; "10/62", "1/88" and "7/13" only after a word that introduces a date, with no
    measuring word around (`_DATE_CUE`, `_MEASURE_BEFORE`, `_MEASURE_AFTER`)."""
    for m in _MONTH_YEAR_NUM.finditer(text):
        month, second = int(m.group(1)), m.group(2)
        if not 1 <= month <= 12:
            continue
        if len(second) == 4:
            if second[:2] in ("19", "20") and m.end() - m.start() <= 7:
                yield Match(m.start(), m.end(), DATE, 0.85, "date-month-year")
            continue
        if m.start() and text[m.start() - 1] == ":":
            continue
        cue_from = max(0, m.start() - 25)
        if not (_DATE_CUE.search(text, cue_from, m.start()) or _DATE_AFTER.match(text, m.end())
                or (len(second) == 2 and _in_column(text, m.start(), m.end()))) \
                or _MEASURE_BEFORE.search(text, max(0, m.start() - 40), m.start()) or _MEASURE_AFTER.match(text, m.end()):
            continue
        # Two digits after the slash: a day or a year ("10/62"); one ("3/4") only after a strong cue
        # ("on 3/4"), as "in 1/2 of cases" is a fraction.
        if len(second) == 2 or ((_STRONG_DATE_CUE.search(text, cue_from, m.start()) or _DATE_AFTER.match(text, m.end()))
                                and _calendar_date(None, month, int(second))):
            yield Match(m.start(), m.end(), DATE, 0.85, "date-short")


def _ages(text: str) -> Iterable[Match]:
    for m in _AGE.finditer(text):
        if m.group(2) is None:
            yield Match(m.start(), m.end(), AGE, 0.95, "age-over-89")
        elif _AGE_YEARS_BEFORE.search(text, max(0, m.start() - 15), m.start()):
            yield Match(m.start(), m.end(), AGE, 0.88, "age-over-89")
    for m in _AGE_LABELLED.finditer(text):
        yield Match(m.start(1), m.end(1), AGE, 0.9, "age-over-89")
    if "inety" in text or "INETY" in text or "undred" in text or "UNDRED" in text:
        for m in _AGE_IN_WORDS.finditer(text):
            yield Match(m.start(), m.end(), AGE, 0.93, "age-over-89-words")
        for m in _AGE_WORDS_LABELLED.finditer(text):
            yield Match(m.start(1), m.end(1), AGE, 0.9, "age-over-89-words")


@functools.lru_cache(maxsize=4096)
def _phone_spans(window: str, region: str) -> tuple[tuple[int, int], ...]:
    """Where libphonenumber's matcher finds a valid number of `region` in `window` (a short span of
    `text`, so the matcher's cost stays small; windows repeat, as running headers do, hence the cache)."""
    leniency = phonenumbers.Leniency.VALID
    return tuple((m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(window, region, leniency=leniency))


def _national_phones(text: str, claimed: list[tuple[int, int]]) -> Iterable[Match]:
    for m in _PHONE_SHAPE.finditer(text):
        start, window = m.start(), m.group(0)
        if any(a < m.end() and start < b for a, b in claimed) or _date_or_time(window):
            continue
        lead = window.lstrip("( ")
        context = bool(_PHONE_CONTEXT.search(text, max(0, start - 20), start))
        groups = _DIGIT_GROUPS.findall(window)
        digits = sum(map(len, groups))
        if not (context or window[0] == "+" or lead[0] == "0" or lead[0] == "8" and digits == 11):
            continue
        if not (7 if context else 8) <= digits <= 15:
            continue
        if window[0] != "+" and sum(len(g) == 1 for g in groups) > 1:
            continue  # "0 1 2 3 4 5 6 7 8": a list of small numbers, not a phone
        if window.startswith("+"):
            regions: tuple[str, ...] = ("GB",)  # the country code decides; the region is only a default
        elif lead.startswith("8") and digits == 11 and not window.isdigit():
            regions = ("RU", "BY", "KZ")  # "8 923 371-12-18", "8 (442) 366-47-64": the trunk prefix 8
        elif lead.startswith("0") and (context or not window.isdigit()):
            # A national number with its trunk prefix: without a phone word, only when written in groups
            # ("030 123 45 67", "06-12345678"), as an ungrouped run of digits is an ID as often.
            regions = _TRUNK_REGIONS + (_CONTEXT_REGIONS if context else ())
        elif context:
            regions = _CONTEXT_REGIONS + _TRUNK_REGIONS
        else:
            continue
        for region in regions:
            spans = [(a, b) for a, b in _phone_spans(window, region)
                     if sum(c.isdigit() for c in window[a:b]) >= 8]
            if spans:
                for a, b in spans:
                    area = _AREA_BEFORE.search(window, 0, a)
                    a = area.start() if area is not None else a     # "(11) 91128-5618": the area code too
                    yield Match(start + a, start + b, PHONE, 0.97 if context else 0.9, "phone-national")
                break
        else:
            if context and len(groups) <= 5:
                # Right after "Tel" or "Mobile", digits in a few groups are a phone even where no numbering
                # plan tried here knows them: a 7-digit local number ("746 8869"), a plan not in the lists.
                yield Match(start, start + len(window.rstrip(" .-")), PHONE, 0.9, "phone-context")


def _phones(text: str) -> Iterable[Match]:
    claimed: list[tuple[int, int]] = []
    for rx, rule in ((_PHONE, "phone"), (_PHONE_INTL, "phone-intl")):
        for m in rx.finditer(text):
            digits = re.sub(r"\D", "", m.group(0).split("x")[0].split("ext")[0])
            if len(set(digits[-10:])) < 3 or not 7 <= len(digits) <= 15:
                continue
            context = bool(_PHONE_CONTEXT.search(text[max(0, m.start() - 20):m.start()]))
            claimed.append((m.start(), m.end()))
            yield Match(m.start(), m.end(), PHONE, 0.99 if context else 0.93, rule)
    yield from _national_phones(text, claimed)


def _internet(text: str) -> Iterable[Match]:
    # Substring tests first: most paragraphs have no "@" and no two colons, and a test is far cheaper
    # than a pattern run over the text.
    for m in _EMAIL.finditer(text) if "@" in text else ():
        yield Match(m.start(), m.end(), EMAIL, 0.99, "email")
    for rx, score, rule in ((_URL, 0.98, "url"), (_DOMAIN, 0.85, "domain")):
        if rx is _DOMAIN and not any(tld in text for tld in _DOMAIN_TLDS):
            continue  # a domain needs one of its ".tld" strings: a substring test is cheaper than the pattern
        for m in rx.finditer(text):
            end = m.end()
            while end > m.start() and text[end - 1] in ".,;:!?)]}'\"":
                end -= 1
            if end - m.start() > 4:
                yield Match(m.start(), end, URL, score, rule)
    for m in _CC_DOMAIN.finditer(text) if "." in text else ():
        if (m.group(1) or m.group(2)) in _country_codes():
            end = m.end()
            while end > m.start() and text[end - 1] in ".,;:!?)]}'\"":
                end -= 1
            yield Match(m.start(), end, URL, 0.85, "domain-country")
    for m in _IPV4.finditer(text):
        try:
            ipaddress.IPv4Address(m.group(0))
        except ValueError:
            continue
        yield Match(m.start(), m.end(), IP, 0.97, "ipv4")
    for m in _IPV6.finditer(text) if text.count(":") >= 2 else ():
        candidate = m.group(0)
        if candidate.count(":") < 2:
            continue
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        yield Match(m.start(), m.end(), IP, 0.97, "ipv6")


def _ids(text: str) -> Iterable[Match]:
    for m in _SSN.finditer(text):
        if ssn_valid(*m.groups()):
            yield Match(m.start(), m.end(), ID, 0.97, "ssn")
    for m in _KEYED_ID.finditer(text):
        yield Match(m.start(1), m.end(1), ID, 0.96, "id-labelled")
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            yield Match(m.start(), m.end(), ID, 0.9, "account-luhn")
    for m in _VIN.finditer(text):
        value = m.group(0)
        if sum(c.isdigit() for c in value) >= 2 and sum(c.isalpha() for c in value) >= 2 and vin_valid(value):
            yield Match(m.start(), m.end(), ID, 0.95, "vin")
    for m in _ALNUM_ID.finditer(text):
        yield Match(m.start(), m.end(), ID, 0.8, "id-alphanumeric")
    for m in _MIXED_ID.finditer(text):
        if sum(c.isalnum() for c in m.group(0)) >= 8:
            yield Match(m.start(), m.end(), ID, 0.8, "id-mixed")
    for m in _LONG_NUMBER.finditer(text):
        digits = m.group(0)
        yield Match(m.start(), m.end(), ID, 0.9 if npi_valid(digits) else 0.75, "id-number")
        if len(digits) == 8 and digits[:2] in ("19", "20") and \
                _calendar_date(int(digits[:4]), int(digits[4:6]), int(digits[6:])):
            yield Match(m.start(), m.end(), DATE, 0.91, "date-compact")  # 19810713: the date wins the span
    for m in _HYPHEN_ID.finditer(text) if "-" in text else ():
        value = m.group(0)
        groups = value.split("-")
        if (not 8 <= len(value) - len(groups) + 1 <= 24 or max(map(len, groups)) < 4 or _SSN_SHAPE.fullmatch(value)
                or _DATE_OR_TIME_SHAPE.fullmatch(value) or all(_YEAR_GROUP.fullmatch(g) for g in groups)
                or _NDC_BEFORE.search(text[max(0, m.start() - 8):m.start()])):
            continue
        yield Match(m.start(), m.end(), ID, 0.7, "id-hyphenated")


def _locations(text: str) -> Iterable[Match]:
    for m in _ZIP_AFTER_STATE.finditer(text):
        yield Match(m.start(1), m.end(1), LOCATION, 0.95, "zip")
    for m in _ZIP_LABELLED.finditer(text):
        group = 1 if m.group(1) else 2
        yield Match(m.start(group), m.end(group), LOCATION, 0.95 if group == 1 else 0.93, "zip")
    for m in _CITY_STATE.finditer(text):
        city_start = m.start(1)
        words = m.group(1).split()
        # "Seen at Springfield, IL": drop leading words that start the sentence, not the city.
        while len(words) > 1 and words[0] in _NAME_STOP:
            city_start = text.index(words[1], city_start + len(words[0]))
            words = words[1:]
        # Without a ZIP, "Jane Doe, MD" is a credential as often as a city in Maryland.
        yield Match(city_start, m.end(1), LOCATION, 0.93 if m.group(2) else 0.8, "city-state")
    streets: list[int] = []  # where each street match ends: a postcode right after one is near certain
    for m in _STREET.finditer(text):
        streets.append(m.end())
        yield Match(m.start(), m.end(), LOCATION, 0.93, "street-address")
    for m in _PO_BOX.finditer(text):
        yield Match(m.start(), m.end(), LOCATION, 0.93, "po-box")
    for m in (*_STREET_PREFIXED.finditer(text), *_STREET_PREFIXED_LOWER.finditer(text)):
        number = _HOUSE_NUMBER_BEFORE.search(text, max(0, m.start() - 16), m.start())
        if number or m.group(1):  # a house number on one side of the name
            streets.append(m.end())
            yield Match(number.start() if number else m.start(), m.end(), LOCATION, 0.9, "street-address-foreign")
    for m in _STREET_COMPOUND.finditer(text):
        start = m.start()
        if m.group(0).split(None, 1)[0] in _STREET_WORDS_ALONE:
            name = _STREET_NAME_BEFORE.search(text, max(0, start - 30), start)
            if not name:
                continue
            start = name.start()
        streets.append(m.end())
        yield Match(start, m.end(), LOCATION, 0.9, "street-address-foreign")
    for m in _UNIT.finditer(text):
        yield Match(m.start(), m.end(), LOCATION, 0.88, "address-unit")
    yield from _postcodes(text, streets)


def _after_street(start: int, streets: list[int], text: str) -> bool:
    return any(0 <= start - end <= 3 and not text[end:start].strip(" ,") for end in streets)


def _postcodes(text: str, streets: list[int]) -> Iterable[Match]:
    for m in _POSTCODE_CITY.finditer(text):
        code, town = m.group(1), m.group(2)
        first_word = town.split()[0].split("-")[0]
        if first_word.casefold() in _NOT_A_TOWN or first_word.casefold() in _FOREIGN_MONTHS or \
                first_word.casefold() in _MONTHS or _is_clinical_word(first_word):
            continue
        after_street = _after_street(m.start(), streets, text)
        if code.isdigit() and len(code) == 4 and not after_street:
            continue  # four digits alone before a word are a year ("2019 Paris") unless an address precedes
        if code[-2:].isalpha() and code[-2:] in _NL_NOT_LETTERS:
            continue  # "1000 MG Tylenol"
        if after_street or _POSTCODE_CUE.search(text, max(0, m.start() - 12), m.start()):
            yield Match(m.start(), m.end(), LOCATION, 0.88, "postcode-town")
    for m in _UK_CA_POSTCODE.finditer(text) if _UPPER_DIGIT.search(text) else ():
        uk, province, canadian, space = m.group(1), m.group(2), m.group(3), m.group(4)
        near_place = _after_street(m.start(), streets, text) or \
            bool(_PLACE_BEFORE.search(text, max(0, m.start() - 30), m.start()))
        if uk and near_place and not _is_clinical_word(uk.split()[0]):
            yield Match(m.start(1), m.end(1), LOCATION, 0.9, "postcode-uk")
        elif canadian and (province or (space and near_place)):
            yield Match(m.start(3), m.end(3), LOCATION, 0.9, "postcode-ca")


def _is_clinical_word(word: str) -> bool:
    from services.gateway.pipeline.vocabulary import is_clinical_term  # the drug list loads on first use
    return is_clinical_term(word)


# A credentialed name needs one of these strings (each credential contains one): tested first, as a
# substring test is far cheaper than the pattern run at every capital.
_CREDENTIAL_STRINGS = ("MD", "M.D", "DO", "D.O", "RN", "NP", "PA-C", "PhD", "DDS", "CNM", "MSW", "LCSW", "PharmD", "MBBS",
                       "FRC", "MRCP", "FACP", "MBChB")


def _names(text: str) -> Iterable[Match]:
    for rx, rule in ((_TITLED_NAME, "titled-name"), (_CREDENTIALED_NAME, "credentialed-name"),
                     (_LABELLED_NAME, "labelled-name")):
        if rx is _CREDENTIALED_NAME and not any(c in text for c in _CREDENTIAL_STRINGS):
            continue
        for m in rx.finditer(text):
            words = [w for w in re.finditer(r"\S+", m.group(1))]
            # "Mr. Smith Was seen": the capitalised word after the name is not part of it.
            while words and words[-1].group(0) in _NAME_STOP:
                words.pop()
            if words and words[0].group(0) not in _NAME_STOP:
                base = m.start(1)
                yield Match(base + words[0].start(), base + words[-1].end(), PERSON, 0.9, rule)


_RULES: tuple[Callable[[str], Iterable[Match]], ...] = (_dates, _ages, _phones, _internet, _ids, _locations, _names)


# An extension belongs to its number: "555-867-5309 ext. 21", "+44 20 7946 0958 x301".
_EXTENSION = re.compile(r"\s*,?\s*(?:ext\.?|extn\.?|extension|x|poste|Durchwahl|wewn\.?|int\.?)\s*\d{1,6}(?!\w)",
                        re.IGNORECASE)


def _with_extension(text: str, m: Match) -> Match:
    if m.type != PHONE:
        return m
    ext = _EXTENSION.match(text, m.end)
    return Match(m.start, ext.end(), m.type, m.score, m.rule) if ext else m


def find(text: str) -> list[Match]:
    """Validated matches in `text`, without overlaps (the longest match wins, then the surest), in text order."""
    found = [_with_extension(text, m) for rule in _RULES for m in rule(text) if m.end > m.start]
    found.sort(key=lambda m: (-(m.end - m.start), -m.score, m.start))
    chosen: list[Match] = []
    for m in found:
        if all(m.end <= c.start or m.start >= c.end for c in chosen):
            chosen.append(m)
    return sorted(chosen, key=lambda m: m.start)
