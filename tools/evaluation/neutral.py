"""What HIPAA Safe Harbor lets a de-identified document keep, so an evaluation can neither reward nor punish removing it.

Safe Harbor (45 CFR 164.514(b)(2)) asks for every geographic subdivision smaller than a
state, every date element except the year, and ages over 89. So a state or a country, a year
alone and an age of 89 or less may stay; with `safe_harbor_neutral` such gold items count
neither as misses when kept nor as false positives when removed. Professions and other
labels Safe Harbor never names are neutral always (see `labels.NOT_SAFE_HARBOR`).
"""

from __future__ import annotations

import functools
import logging
import re

from veil.contracts import AGE, DATE, LOCATION, fold

_log = logging.getLogger(__name__)

_US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho",
    "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia",
    "WI": "Wisconsin", "WY": "Wyoming", "DC": "District of Columbia", "PR": "Puerto Rico", "GU": "Guam",
    "VI": "U.S. Virgin Islands", "AS": "American Samoa", "MP": "Northern Mariana Islands",
}

# Used only when pycountry is not installed: the countries clinical notes mention most, with
# the short forms people write.
_COUNTRIES_FALLBACK = (
    "United States", "United States of America", "USA", "U.S.A.", "US", "U.S.", "America", "Canada", "Mexico",
    "United Kingdom", "UK", "U.K.", "Great Britain", "England", "Scotland", "Wales", "Ireland", "France",
    "Germany", "Italy", "Spain", "Portugal", "Netherlands", "Belgium", "Switzerland", "Austria", "Poland",
    "Czech Republic", "Czechia", "Slovakia", "Hungary", "Romania", "Bulgaria", "Greece", "Turkey", "Russia",
    "Ukraine", "Belarus", "Sweden", "Norway", "Denmark", "Finland", "Iceland", "Israel", "Egypt", "Morocco",
    "Nigeria", "Kenya", "Ethiopia", "South Africa", "Ghana", "India", "Pakistan", "Bangladesh", "China",
    "Japan", "Korea", "South Korea", "North Korea", "Vietnam", "Thailand", "Philippines", "Indonesia",
    "Malaysia", "Singapore", "Australia", "New Zealand", "Brazil", "Argentina", "Chile", "Colombia", "Peru",
    "Venezuela", "Cuba", "Haiti", "Dominican Republic", "Jamaica", "Guatemala", "Honduras", "El Salvador",
    "Nicaragua", "Iran", "Iraq", "Syria", "Lebanon", "Jordan", "Saudi Arabia", "Afghanistan",
)

_YEAR = re.compile(r"\d{4}")
_NUMBER = re.compile(r"\d+")


def _key(text: str) -> str:
    # "Mass." and "Mass" alike; the trailing dot is punctuation, not part of the place.
    return fold(text).rstrip(".").strip()


@functools.cache
def _states() -> frozenset[str]:
    return frozenset(_key(s) for pair in _US_STATES.items() for s in pair)


@functools.cache
def _countries() -> frozenset[str]:
    names = {_key(c) for c in _COUNTRIES_FALLBACK}
    try:
        import pycountry
    except ImportError:
        _log.debug("pycountry is not installed; using the built-in list of countries")
        return frozenset(names)
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name", "alpha_3"):
            value = getattr(country, attribute, None)
            if value:
                names.add(_key(value))
    return frozenset(names)


def is_state_or_country(text: str) -> bool:
    key = _key(text)
    return key in _states() or key in _countries()


def is_year_alone(text: str) -> bool:
    return _YEAR.fullmatch(fold(text)) is not None


def is_age_89_or_less(text: str) -> bool:
    """True for "67" or "67-year-old"; an age written in words is left to the scorer as gold."""
    number = _NUMBER.search(fold(text))
    return number is not None and int(number.group()) <= 89


def is_permitted(veil_type: str, text: str) -> bool:
    """Whether Safe Harbor lets a document keep this gold item of this Veil type."""
    if veil_type == LOCATION:
        return is_state_or_country(text)
    if veil_type == DATE:
        return is_year_alone(text)
    if veil_type == AGE:
        return is_age_89_or_less(text)
    return False
