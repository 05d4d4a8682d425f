"""Seeded generator of phi-type rows: candidate phrases of clinical notes labelled with their Safe Harbor type or NONE.

Each row is the phrase the gateway's candidate extraction would send (a name, a date, an
MRN, "Metformin 500 mg", "Chief Complaint"), plus the clinical sentence it was placed in
(kept in the `context` column; the default config trains on the phrase alone because
candidates reach the head without context). Values come from Faker instances of several
locales, formats from many templates per type, so a held-out split by text or by template
measures generalisation, not recall of a list.
"""

from __future__ import annotations

import datetime as dt
import random
import string
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from faker import Faker

from tools.synthetic import vocab
from veil.contracts import PHRASE_LABELS

LABELS = PHRASE_LABELS  # the entity types and NONE, as veil.contracts defines them

# Share of each label in a generated set: NONE is the largest class, as it is among real candidates.
LABEL_SHARES = {
    "NONE": 0.40, "PERSON": 0.14, "DATE": 0.12, "LOCATION": 0.08, "ID": 0.07, "ORGANIZATION": 0.06,
    "PHONE": 0.04, "EMAIL": 0.03, "URL": 0.025, "AGE": 0.02, "IP": 0.015,
}

# Locales of the names and places, weighted like a US patient population with many origins.
_LOCALES = (("en_US", 6), ("es_MX", 2), ("en_GB", 1), ("es_ES", 1), ("de_DE", 1), ("fr_FR", 1),
            ("it_IT", 1), ("pt_BR", 1), ("pl_PL", 1), ("nl_NL", 1), ("en_IN", 1), ("en_IE", 1))

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


_STREET_KINDS = ("Street", "St.", "Avenue", "Ave", "Road", "Rd.", "Lane", "Drive", "Blvd", "Way", "Court")
_UNIVERSITY_KINDS = ("Medical Center", "Hospital", "Health")
_COMPANY_TRADES = ("Medical", "Health", "Logistics", "Foods", "Systems", "Industries", "Manufacturing",
                   "Construction")
_CITY_BODIES = ("Department of Health", "Public Schools", "Fire Department", "Police Department")
_SCHOOLS = ("Elementary School", "High School", "University", "College", "Academy")
_DOSES = (5, 10, 20, 25, 40, 50, 75, 81, 100, 125, 250, 325, 500, 650, 750, 850, 1000, 0.5, 2.5)


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    template: str
    context: str
    shard: int


class _Gen:
    """One shard's random sources: a seeded Random and one seeded Faker per locale."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.fakers = []
        for i, (locale, _weight) in enumerate(_LOCALES):
            fake = _faker(locale)
            fake.seed_instance(seed * 131 + i)
            self.fakers.append(fake)
        self.weights = [w for _l, w in _LOCALES]
        self.us = self.fakers[0]

    def fake(self) -> Faker:
        return self.rng.choices(self.fakers, self.weights)[0]

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def letters(self, n: int) -> str:
        return "".join(self.rng.choice(string.ascii_uppercase) for _ in range(n))

    def alnum(self, n: int) -> str:
        return "".join(self.rng.choice(string.ascii_uppercase + string.digits) for _ in range(n))

    def pick(self, seq):
        return self.rng.choice(seq)

    def date(self, start_year: int = 1925, end_year: int = 2026) -> dt.date:
        start = dt.date(start_year, 1, 1).toordinal()
        end = dt.date(end_year, 12, 28).toordinal()
        return dt.date.fromordinal(self.rng.randint(start, end))


@lru_cache(maxsize=None)
def _faker_proto(locale: str) -> Faker:
    return Faker(locale)


def _faker(locale: str) -> Faker:
    # Building a Faker loads its providers (slow); a fresh seeded copy per shard keeps shards independent.
    import copy

    return copy.deepcopy(_faker_proto(locale))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _name_part(g: _Gen, part: str) -> str:
    fake = g.fake()
    value = fake.first_name() if part == "first" else fake.last_name()
    # Records often drop accents (ASCII-only systems); keep both spellings in the data.
    return _ascii(value) if g.rng.random() < 0.5 else value


# ---- PERSON -------------------------------------------------------------------------------------


def _person_templates() -> dict[str, Callable[[_Gen], str]]:
    def first(g): return _name_part(g, "first")
    def last(g): return _name_part(g, "last")

    return {
        "first_last": lambda g: f"{first(g)} {last(g)}",
        "first_initial_last": lambda g: f"{first(g)} {g.letters(1)}. {last(g)}",
        "first_middle_last": lambda g: f"{first(g)} {first(g)} {last(g)}",
        "title_last": lambda g: f"{g.pick(vocab.NAME_TITLES)} {last(g)}",
        "title_first_last": lambda g: f"{g.pick(vocab.NAME_TITLES)} {first(g)} {last(g)}",
        "first_last_suffix": lambda g: f"{first(g)} {last(g)}, {g.pick(vocab.NAME_SUFFIXES)}",
        "last_comma_first": lambda g: f"{last(g)}, {first(g)}",
        "last_comma_first_initial": lambda g: f"{last(g)}, {first(g)} {g.letters(1)}.",
        "upper_last_first": lambda g: f"{last(g).upper()}, {first(g).upper()}",
        "upper_first_last": lambda g: f"{first(g).upper()} {last(g).upper()}",
        "initial_last": lambda g: f"{g.letters(1)}. {last(g)}",
        "initials_last": lambda g: f"{g.letters(1)}.{g.letters(1)}. {last(g)}",
        "hyphenated": lambda g: f"{first(g)} {last(g)}-{last(g)}",
        "surname_only": lambda g: last(g),
        "upper_surname": lambda g: last(g).upper(),
        "dr_first_last_md": lambda g: f"Dr. {first(g)} {last(g)}, MD",
        "possessive": lambda g: f"{first(g)} {last(g)}'s",
    }


# ---- DATE ---------------------------------------------------------------------------------------


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _date_templates() -> dict[str, Callable[[_Gen], str]]:
    def d(g): return g.date()
    labels = ("DOB:", "DOB", "Date of Birth:", "Admitted", "Admission Date:", "Discharge Date:", "DOS:",
              "Date of Service:", "Seen on", "Visit Date:", "Collected", "Date:", "on", "D.O.B.")

    def mdy(x): return f"{x.month:02d}/{x.day:02d}/{x.year}"

    return {
        "mdy_slash": lambda g: mdy(d(g)),
        "mdy_slash_nopad": lambda g: (lambda x: f"{x.month}/{x.day}/{x.year}")(d(g)),
        "mdy_short": lambda g: d(g).strftime("%m/%d/%y"),
        "mdy_short_nopad": lambda g: (lambda x: f"{x.month}/{x.day}/{x.strftime('%y')}")(d(g)),
        "mdy_dash": lambda g: d(g).strftime("%m-%d-%Y"),
        "iso": lambda g: d(g).isoformat(),
        "long": lambda g: (lambda x: f"{_MONTHS[x.month - 1]} {x.day}, {x.year}")(d(g)),
        "long_pad": lambda g: d(g).strftime("%B %d, %Y"),
        "abbr": lambda g: (lambda x: f"{x.strftime('%b')} {x.day}, {x.year}")(d(g)),
        "abbr_dot": lambda g: (lambda x: f"{x.strftime('%b')}. {x.day}, {x.year}")(d(g)),
        "dmy_long": lambda g: (lambda x: f"{x.day} {_MONTHS[x.month - 1]} {x.year}")(d(g)),
        "dmy_abbr_dash": lambda g: d(g).strftime("%d-%b-%Y"),
        "dmy_abbr_upper": lambda g: d(g).strftime("%d-%b-%Y").upper(),
        "dmy_dot": lambda g: d(g).strftime("%d.%m.%Y"),
        "weekday_long": lambda g: (lambda x: f"{x.strftime('%A')}, {_MONTHS[x.month - 1]} {x.day}, {x.year}")(d(g)),
        "ordinal": lambda g: (lambda x: f"{_MONTHS[x.month - 1]} {_ordinal(x.day)}, {x.year}")(d(g)),
        "ordinal_of": lambda g: (lambda x: f"the {_ordinal(x.day)} of {_MONTHS[x.month - 1]}")(d(g)),
        "month_day": lambda g: (lambda x: f"{_MONTHS[x.month - 1]} {x.day}")(d(g)),
        "md_slash": lambda g: (lambda x: f"{x.month}/{x.day}")(d(g)),
        "month_year": lambda g: (lambda x: f"{_MONTHS[x.month - 1]} {x.year}")(d(g)),
        "abbr_year": lambda g: d(g).strftime("%b %Y"),
        "labelled_mdy": lambda g: f"{g.pick(labels)} {mdy(d(g))}",
        "labelled_long": lambda g: (lambda x: f"{g.pick(labels)} {_MONTHS[x.month - 1]} {x.day}, {x.year}")(d(g)),
        "with_time": lambda g: f"{mdy(d(g))} {g.rng.randint(0, 23):02d}:{g.rng.randint(0, 59):02d}",
        "with_ampm": lambda g: (f"{mdy(d(g))} {g.rng.randint(1, 12)}:{g.rng.randint(0, 59):02d} "
                                f"{g.pick(('AM', 'PM'))}"),
        "compact": lambda g: d(g).strftime("%Y%m%d"),
    }


# ---- AGE (over 89; younger ages are NONE) -----------------------------------------------------------

_AGE_FORMS = {
    "years_old": "{n} years old", "year_old_hyphen": "{n}-year-old", "y_o": "{n} y/o", "yo": "{n} yo",
    "yo_tight": "{n}yo", "age": "age {n}", "aged": "aged {n}", "age_colon": "Age: {n}", "yrs": "{n} yrs",
    "y_o_dots": "{n} y.o.", "year_old_sex": "{n} year old {sex}", "hyphen_sex": "{n}-year-old {sex}",
    "sex_letter": "{n}{s}", "sex_letter_space": "{n} {s}", "yoa": "{n} years of age", "upper": "{n} YEARS OLD",
}
_SEXES = ("female", "male", "woman", "man", "patient", "gentleman", "lady")


def _age_phrase(g: _Gen, form: str, n: int) -> str:
    return _AGE_FORMS[form].format(n=n, sex=g.pick(_SEXES), s=g.pick(("F", "M")))


def _age_templates() -> dict[str, Callable[[_Gen], str]]:
    def old(g): return g.rng.choice((90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 107, 110))
    return {form: (lambda g, form=form: _age_phrase(g, form, old(g))) for form in _AGE_FORMS}


# ---- PHONE --------------------------------------------------------------------------------------


def _phone_templates() -> dict[str, Callable[[_Gen], str]]:
    def area(g): return f"{g.rng.randint(2, 9)}{g.digits(2)}"
    def ex(g): return f"{g.rng.randint(2, 9)}{g.digits(2)}"
    prefixes = ("Tel:", "Phone:", "Ph:", "Cell:", "Mobile:", "Home:", "Work:", "Fax:", "Fax #", "Fax", "Pager",
                "Call", "Tel.", "Contact:", "Office:")

    def paren(g): return f"({area(g)}) {ex(g)}-{g.digits(4)}"
    def dash(g): return f"{area(g)}-{ex(g)}-{g.digits(4)}"

    return {
        "paren": paren,
        "dash": dash,
        "dots": lambda g: f"{area(g)}.{ex(g)}.{g.digits(4)}",
        "intl_space": lambda g: f"+1 {area(g)} {ex(g)} {g.digits(4)}",
        "intl_dash": lambda g: f"+1-{area(g)}-{ex(g)}-{g.digits(4)}",
        "intl_paren": lambda g: f"+1 ({area(g)}) {ex(g)}-{g.digits(4)}",
        "one_dash": lambda g: f"1-{area(g)}-{ex(g)}-{g.digits(4)}",
        "toll_free": lambda g: f"1-{g.pick(('800', '888', '877', '866'))}-{ex(g)}-{g.digits(4)}",
        "bare_digits": lambda g: f"{area(g)}{ex(g)}{g.digits(4)}",
        "prefixed_paren": lambda g: f"{g.pick(prefixes)} {paren(g)}",
        "prefixed_dash": lambda g: f"{g.pick(prefixes)} {dash(g)}",
        "extension": lambda g: f"{paren(g)} {g.pick(('ext.', 'x', 'ext', 'Ext'))} {g.digits(g.rng.randint(2, 5))}",
        "faker_us": lambda g: g.us.phone_number(),
        "faker_any": lambda g: g.fake().phone_number(),
        "uk": lambda g: f"+44 {g.digits(2)} {g.digits(4)} {g.digits(4)}",
        "local_seven": lambda g: f"{ex(g)}-{g.digits(4)}",
    }


# ---- EMAIL --------------------------------------------------------------------------------------


def _email_templates() -> dict[str, Callable[[_Gen], str]]:
    def user(g):
        first, last = _ascii(_name_part(g, "first")).lower(), _ascii(_name_part(g, "last")).lower()
        first, last = first.replace(" ", ""), last.replace(" ", "").replace("'", "")
        return g.pick((f"{first}.{last}", f"{first[0]}{last}", f"{first}{g.digits(2)}", f"{last}.{first[0]}",
                       f"{first}_{last}", f"{first}{last}{g.digits(3)}"))

    def org_domain(g):
        word = g.pick(vocab.HEALTH_WORDS).lower().replace(" ", "")
        return g.pick((f"{word}health.org", f"{word}hospital.org", f"{word}med.com", f"{word}clinic.net",
                       f"{word}.edu", g.us.domain_name()))

    return {
        "faker": lambda g: g.fake().email(),
        "faker_free": lambda g: g.fake().free_email(),
        "faker_company": lambda g: g.fake().company_email(),
        "name_at_org": lambda g: f"{user(g)}@{org_domain(g)}",
        "upper": lambda g: f"{user(g)}@{org_domain(g)}".upper(),
        "labelled": lambda g: f"{g.pick(('Email:', 'E-mail:', 'email', 'mailto:'))} {user(g)}@{org_domain(g)}",
        "angle": lambda g: f"<{user(g)}@{org_domain(g)}>",
        "subdomain": lambda g: f"{user(g)}@mail.{org_domain(g)}",
    }


# ---- ID -----------------------------------------------------------------------------------------


_LICENSE_LABELS = ("License", "DL#", "Driver's License", "Lic. No.")


def _id_templates() -> dict[str, Callable[[_Gen], str]]:
    def num(g, lo=6, hi=10): return g.digits(g.rng.randint(lo, hi))

    return {
        "ssn": lambda g: f"{g.rng.randint(100, 899)}-{g.digits(2)}-{g.digits(4)}",
        "ssn_labelled": lambda g: f"{g.pick(('SSN', 'SSN:', 'Social Security No.', 'SS#'))} "
                                  f"{g.rng.randint(100, 899)}-{g.digits(2)}-{g.digits(4)}",
        "ssn_last4": lambda g: f"SSN xxx-xx-{g.digits(4)}",
        "mrn": lambda g: f"{g.pick(('MRN', 'MRN:', 'MRN #', 'MR#', 'Med Rec #', 'Medical Record #'))} {num(g)}",
        "mrn_bare_hash": lambda g: f"#{num(g)}",
        "account": lambda g: f"{g.pick(('Acct#', 'Account #', 'Account No.', 'Acct:', 'Billing Acct'))} "
                             f"{g.pick((num(g), f'{g.digits(4)}-{g.digits(4)}'))}",
        "policy": lambda g: f"{g.pick(('Policy #', 'Policy No.', 'Member ID', 'Subscriber ID', 'Group #'))} "
                            f"{g.letters(g.rng.randint(0, 3))}{num(g, 6, 11)}",
        "mbi": lambda g: f"{g.pick(('Medicare ID', 'MBI', 'Medicare #'))} "
                         f"{g.rng.randint(1, 9)}{g.letters(2)}{g.digits(1)}-{g.alnum(3)}-{g.alnum(4)}",
        "license": lambda g: f"{g.pick(_LICENSE_LABELS)} "
                             f"{g.letters(1)}{g.digits(7)}",
        "dea": lambda g: f"DEA {g.letters(2)}{g.digits(7)}",
        "npi": lambda g: f"NPI {g.rng.randint(1, 2)}{g.digits(9)}",
        "vin": lambda g: f"{g.pick(('VIN', 'VIN:', 'Vehicle ID'))} {g.us.vin()}",
        "plate": lambda g: f"{g.pick(('Plate', 'License Plate', 'Tag #'))} {g.us.license_plate()}",
        "serial": lambda g: f"{g.pick(('Serial No.', 'S/N', 'Device Serial', 'Pacemaker SN', 'Implant ID'))} "
                            f"{g.letters(2)}-{g.digits(4)}-{g.alnum(2)}",
        "claim": lambda g: f"{g.pick(('Claim #', 'Claim No.', 'Auth #', 'Authorization'))} "
                           f"{g.rng.randint(2015, 2026)}-{num(g, 5, 8)}",
        "encounter": lambda g: f"{g.pick(('Encounter', 'Visit #', 'FIN', 'CSN', 'Case #', 'Rx #', 'Specimen ID'))} "
                               f"{num(g)}",
        "alnum_code": lambda g: f"{g.letters(g.rng.randint(1, 3))}{num(g, 5, 9)}",
        "passport": lambda g: f"Passport {g.letters(1)}{g.digits(8)}",
        "bank": lambda g: f"{g.pick(('Routing', 'IBAN', 'Bank Acct'))} {g.us.bban()}",
    }


# ---- LOCATION -----------------------------------------------------------------------------------


def _location_templates() -> dict[str, Callable[[_Gen], str]]:
    def state(g): return g.pick(vocab.STATES)
    def city(g): return g.pick((g.us.city(), g.us.city(), g.fake().city()))
    def zipcode(g): return g.us.zipcode()

    return {
        "street": lambda g: g.us.street_address(),
        "street_simple": lambda g: f"{g.rng.randint(1, 9999)} {g.us.last_name()} "
                                   f"{g.pick(_STREET_KINDS)}",
        "street_secondary": lambda g: f"{g.us.street_address()}, {g.pick(('Apt', 'Unit', 'Suite', '#', 'Apt.'))} "
                                      f"{g.rng.randint(1, 999)}{g.pick(('', 'A', 'B', 'C'))}",
        "full_address": lambda g: (lambda s: f"{g.us.street_address()}, {city(g)}, {s[1]} {zipcode(g)}")(state(g)),
        "city_state_zip": lambda g: (lambda s: f"{city(g)}, {s[1]} {zipcode(g)}")(state(g)),
        "city_state": lambda g: (lambda s: f"{city(g)}, {s[1]}")(state(g)),
        "city_state_long": lambda g: (lambda s: f"{city(g)}, {s[0]}")(state(g)),
        "city": city,
        "zip_labelled": lambda g: f"{g.pick(('ZIP', 'Zip:', 'ZIP code', 'Postal Code'))} {zipcode(g)}",
        "zip_plus4": lambda g: f"{zipcode(g)}-{g.digits(4)}",
        "zip_bare": zipcode,
        "po_box": lambda g: f"{g.pick(('PO Box', 'P.O. Box', 'POB'))} {g.rng.randint(1, 99999)}",
        "county": lambda g: f"{g.us.last_name()} County",
        "upper_address": lambda g: g.us.street_address().upper(),
        "foreign_address": lambda g: g.fake().address().replace("\n", ", "),
        "postcode_uk": lambda g: g.fakers[2].postcode(),
        "lives_in": lambda g: f"{g.pick(('resides in', 'lives in', 'from', 'near'))} {city(g)}",
    }


# ---- URL / IP -----------------------------------------------------------------------------------


def _url_templates() -> dict[str, Callable[[_Gen], str]]:
    def domain(g): return g.fake().domain_name()
    paths = ("patient", "portal", "records", "mychart", "login", "results", "appointments", "billing", "chart",
             "docs", "view", "telehealth")

    return {
        "faker_url": lambda g: g.fake().url(),
        "faker_uri": lambda g: g.fake().uri(),
        "https_path": lambda g: f"https://{domain(g)}/{g.pick(paths)}/{g.digits(g.rng.randint(3, 8))}",
        "www": lambda g: f"www.{domain(g)}",
        "portal_subdomain": lambda g: f"{g.pick(('portal', 'mychart', 'patients', 'my', 'secure'))}.{domain(g)}",
        "query": lambda g: f"https://{domain(g)}/{g.pick(paths)}?id={g.digits(6)}",
        "http_upper": lambda g: f"HTTP://{domain(g).upper()}/{g.pick(paths).upper()}",
        "labelled": lambda g: f"{g.pick(('Website:', 'URL:', 'Portal:', 'Visit'))} {g.fake().url()}",
        "ip_url": lambda g: f"http://{g.us.ipv4_private()}/{g.pick(paths)}",
    }


def _ip_templates() -> dict[str, Callable[[_Gen], str]]:
    return {
        "ipv4": lambda g: g.us.ipv4(),
        "ipv4_private": lambda g: g.us.ipv4_private(),
        "ipv4_public": lambda g: g.us.ipv4_public(),
        "ipv4_port": lambda g: f"{g.us.ipv4()}:{g.rng.randint(1, 65535)}",
        "ipv4_cidr": lambda g: g.us.ipv4(network=True),
        "ipv6": lambda g: g.us.ipv6(),
        "ipv6_short": lambda g: f"fe80::{g.us.hexify('^^^^')}:{g.us.hexify('^^^^')}",
        "labelled": lambda g: f"{g.pick(('IP', 'IP:', 'IP address', 'Source IP', 'Client IP', 'Host'))} {g.us.ipv4()}",
    }


# ---- ORGANIZATION ------------------------------------------------------------------------------------

_KNOWN_ORGS = (
    "Mayo Clinic", "Cleveland Clinic", "Johns Hopkins Hospital", "Massachusetts General Hospital",
    "Cedars-Sinai Medical Center", "Mount Sinai Hospital", "NewYork-Presbyterian", "Quest Diagnostics",
    "LabCorp", "Walgreens", "CVS Pharmacy", "Rite Aid", "Kaiser Permanente", "Intermountain Healthcare",
    "Geisinger", "Ochsner Health", "HCA Healthcare", "Tenet Healthcare", "Sutter Health", "Banner Health",
)


def _org_templates() -> dict[str, Callable[[_Gen], str]]:
    def kind(g): return g.pick(vocab.HOSPITAL_KINDS)

    return {
        "city_hospital": lambda g: f"{g.us.city()} {kind(g)}",
        "saint": lambda g: f"{g.pick(('St.', 'Saint', 'St'))} {g.pick(vocab.SAINTS)} {kind(g)}",
        "health_word": lambda g: f"{g.pick(vocab.HEALTH_WORDS)} {kind(g)}",
        "surname_hospital": lambda g: f"{g.us.last_name()} {kind(g)}",
        "university": lambda g: f"University of {g.pick(vocab.STATES)[0]} {g.pick(_UNIVERSITY_KINDS)}",
        "insurer": lambda g: g.pick(vocab.INSURERS),
        "insurer_state": lambda g: f"{g.pick(vocab.INSURERS)} of {g.pick(vocab.STATES)[0]}",
        "faker_company": lambda g: g.fake().company(),
        "company_suffix": lambda g: f"{g.us.last_name()} {g.pick(_COMPANY_TRADES)} "
                                    f"{g.pick(vocab.COMPANY_SUFFIXES)}",
        "law_firm": lambda g: f"{g.us.last_name()} & {g.us.last_name()} {g.pick(('LLP', 'Law Group', 'Attorneys'))}",
        "pharmacy": lambda g: f"{g.us.last_name()} {g.pick(('Pharmacy', 'Drugs', 'Apothecary', 'Family Pharmacy'))}",
        "known": lambda g: g.pick(_KNOWN_ORGS),
        "upper": lambda g: f"{g.pick(vocab.HEALTH_WORDS)} {kind(g)}".upper(),
        "department_of_health": lambda g: f"{g.us.city()} {g.pick(_CITY_BODIES)}",
        "school": lambda g: f"{g.us.last_name()} {g.pick(_SCHOOLS)}",
    }


# ---- NONE ---------------------------------------------------------------------------------------


def _none_templates() -> dict[str, Callable[[_Gen], str]]:
    def dose(g): return f"{g.pick(_DOSES)}"

    def measurement(g):
        name, unit, lo, hi, decimals = g.pick(vocab.MEASUREMENTS)
        if name == "BP":
            value = f"{g.rng.randint(88, 190)}/{g.rng.randint(48, 110)}"
        else:
            value = f"{g.rng.uniform(lo, hi):.{decimals}f}"
        sep = g.pick((" ", ": ", " of ", " "))
        return f"{name}{sep}{value} {unit}".strip() if unit not in ("%", "/10") else f"{name}{sep}{value}{unit}"

    def word(g): return g.us.word()

    return {
        "drug": lambda g: g.pick(vocab.DRUGS),
        "drug_dose": lambda g: f"{g.pick(vocab.DRUGS)} {dose(g)} {g.pick(vocab.DOSE_UNITS)}",
        "drug_dose_tight": lambda g: f"{g.pick(vocab.DRUGS)} {dose(g)}{g.pick(('mg', 'mcg', 'mg'))}",
        "drug_sig": lambda g: " ".join(x for x in (g.pick(vocab.DRUGS), dose(g), g.pick(vocab.DOSE_UNITS),
                                                   g.pick(vocab.ROUTES), g.pick(vocab.FREQUENCIES)) if x),
        "drug_lower": lambda g: g.pick(vocab.DRUGS).lower(),
        "diagnosis": lambda g: g.pick(vocab.DIAGNOSES),
        "diagnosis_lower": lambda g: g.pick(vocab.DIAGNOSES).lower(),
        "history_of": lambda g: f"{g.pick(('history of', 'h/o', 'PMH of', 'known', 'suspected', 'rule out'))} "
                                f"{g.pick(vocab.DIAGNOSES)}",
        "procedure": lambda g: g.pick(vocab.PROCEDURES),
        "section": lambda g: g.pick(vocab.SECTIONS),
        "section_upper": lambda g: g.pick(vocab.SECTIONS).upper(),
        "section_colon": lambda g: f"{g.pick(vocab.SECTIONS)}:",
        "vital_name": lambda g: g.pick(vocab.VITALS),
        "measurement": measurement,
        "common": lambda g: g.pick(vocab.COMMON_CAPITALISED),
        "symptom": lambda g: g.pick(vocab.SYMPTOM_PHRASES),
        "symptom_title": lambda g: g.pick(vocab.SYMPTOM_PHRASES).title(),
        "duration": lambda g: g.pick(vocab.DURATIONS).format(n=g.rng.randint(1, 30)),
        "young_age": lambda g: _age_phrase(g, g.pick(tuple(_AGE_FORMS)), g.rng.randint(1, 89)),
        "year_only": lambda g: g.pick(("{y}", "in {y}", "since {y}", "{y} admission", "({y})", "circa {y}")).format(
            y=g.rng.randint(1960, 2026)),
        "state": lambda g: g.pick(vocab.STATES)[0],
        "dose_only": lambda g: f"{dose(g)} {g.pick(vocab.UNIT_WORDS)}",
        "score": lambda g: g.pick(("Stage {r}", "Grade {n}", "NYHA Class {r}", "GCS {g}", "ASA {r}", "ECOG {n}",
                                   "Mallampati {n}", "APGAR {a}/{b}", "Gleason {a}+{b}", "T{n}N{m}M0",
                                   "Level {n}", "Phase {r}", "Type {n}", "Class {r}")).format(
            r=g.pick(("I", "II", "III", "IIIA", "IIIB", "IV")), n=g.rng.randint(0, 4), m=g.rng.randint(0, 2),
            g=g.rng.randint(3, 15), a=g.rng.randint(1, 9), b=g.rng.randint(1, 9)),
        "title_words": lambda g: f"{word(g).title()} {word(g).title()}",
        "title_word": lambda g: word(g).title(),
        "lab_panel": lambda g: g.pick(("CBC", "BMP", "CMP", "Lipid Panel", "Hepatic Function Panel", "Coags",
                                       "ABG", "VBG", "UA", "Troponin x3", "Blood Cultures x2", "TSH reflex",
                                       "Urine Drug Screen", "Type and Screen", "CBC with Differential")),
        "instruction": lambda g: g.pick(("Take with food", "Do not drive", "Return to ED if worse",
                                         "Follow up with PCP", "Weight bearing as tolerated", "NPO after midnight",
                                         "Low Sodium Diet", "Diabetic Diet", "Fall Precautions",
                                         "Aspiration Precautions",
                                         "Call 911", "Resume Home Medications", "Hold Metformin")),
    }


_TEMPLATE_BUILDERS = {
    "PERSON": _person_templates, "DATE": _date_templates, "AGE": _age_templates, "PHONE": _phone_templates,
    "EMAIL": _email_templates, "ID": _id_templates, "LOCATION": _location_templates, "URL": _url_templates,
    "IP": _ip_templates, "ORGANIZATION": _org_templates, "NONE": _none_templates,
}

# Clinical sentences the phrases are placed into, for the `context` column.
_CONTEXTS = {
    "PERSON": ("Patient {} was admitted for evaluation.", "Seen and examined with {} at the bedside.",
               "Discussed the plan with {} and family.", "Referred by {} for further workup.",
               "Emergency contact: {}.", "Attending: {}"),
    "DATE": ("Patient was admitted on {} with chest pain.", "Last colonoscopy {} was normal.",
             "Follow up scheduled for {}.", "Surgery performed {} without complications."),
    "AGE": ("The patient is a {} with a history of falls.", "This {} presents with confusion.",
            "Widowed, {}, lives with her daughter."),
    "PHONE": ("Please call {} with any questions.", "Daughter can be reached at {}.", "Clinic line {}."),
    "EMAIL": ("Results were sent to {}.", "Patient prefers contact by {}.", "Questions: {}"),
    "ID": ("Patient identifiers: {}.", "Insurance verified, {}.", "Specimen labelled {}."),
    "LOCATION": ("Patient lives at {} with his wife.", "Transferred from {} by ambulance.",
                 "Home address on file: {}."),
    "URL": ("Instructions are available at {}.", "Log in to {} to view results."),
    "IP": ("Telehealth session from {} was recorded.", "Access logged from {}."),
    "ORGANIZATION": ("Transferred from {} for higher level of care.", "Previously followed at {}.",
                     "Employer: {}.", "Coverage through {}."),
    "NONE": ("Started {} during this admission.", "Assessment notable for {}.", "{} reviewed and unchanged.",
             "Continue {} as before.", "Under {} the patient reports improvement."),
}


@lru_cache(maxsize=None)
def templates(label: str) -> dict[str, Callable[[_Gen], str]]:
    return _TEMPLATE_BUILDERS[label]()


def _surface_noise(g: _Gen, text: str, label: str) -> str:
    # Extracted candidates come with stray casing and spacing; keep a little of both.
    r = g.rng.random()
    if r < 0.05 and label not in ("EMAIL", "URL", "IP"):
        return text.upper()
    if r < 0.08 and label in ("PERSON", "ORGANIZATION", "LOCATION", "NONE"):
        return text.lower()
    if r < 0.10:
        return text.replace(" ", "  ", 1)
    return text


def label_counts(n: int) -> dict[str, int]:
    """How many rows of each label a set of `n` rows has (every label at least 1)."""
    counts = {label: max(1, int(round(n * share))) for label, share in LABEL_SHARES.items()}
    counts["NONE"] += n - sum(counts.values())
    return counts


def generate(n: int, seed: int = 13, shards: int = 10) -> list[Example]:
    """`n` examples, reproducible for a given (n, seed, shards); shard i uses its own Faker seed."""
    if n < len(LABELS):
        raise ValueError(f"phi-type needs at least {len(LABELS)} rows, got {n}")
    shards = max(1, min(shards, n // len(LABELS)))
    counts = label_counts(n)
    rows: list[Example] = []
    for shard in range(shards):
        g = _Gen(seed * 1000 + shard)
        for label in LABELS:
            per_shard = counts[label] // shards + (1 if shard < counts[label] % shards else 0)
            table = templates(label)
            names = sorted(table)
            for _ in range(per_shard):
                name = g.pick(names)
                text = _surface_noise(g, table[name](g).strip(), label)
                context = g.pick(_CONTEXTS[label]).format(text)
                rows.append(Example(text, label, f"{label}:{name}", context, shard))
    random.Random(seed).shuffle(rows)
    return rows
