"""One mapping from every label other de-identification teams use (i2b2/n2c2, BRAT, presidio) to Veil's entity types.

Decisions worth knowing when reading the scores:
- HOSPITAL, DEPARTMENT and ORGANIZATION map to ORGANIZATION, not LOCATION: they name an
  institution, and Veil's own generator and classifier label hospitals and clinics that way.
  Type-blind recall is unaffected; per-type rows move one of them between two types.
- ROOM, STREET, CITY, STATE, COUNTRY, ZIP and LOCATION-OTHER map to LOCATION.
- USERNAME (under NAME in i2b2 2014) maps to ID: a login is an identifying code, and what it
  looks like ("ww85") is what Veil's ID patterns look for, not a person's name.
- FAX maps to PHONE, every record/plan/account/licence/vehicle/device/biometric number to ID.
- PROFESSION, NRP (nationality, religion, politics) and TITLE are not Safe Harbor identifiers:
  they keep their own type and are always neutral (see `tools.evaluation.neutral`).
- Anything else keeps its own label as type (upper-cased) and is reported as unknown.
"""

from __future__ import annotations

import logging

from veil.contracts import AGE, DATE, EMAIL, ENTITY_TYPES, ID, IP, LOCATION, ORGANIZATION, PERSON, PHONE, URL

_log = logging.getLogger(__name__)

_TO_VEIL: dict[str, str] = {
    **{t: t for t in ENTITY_TYPES},
    # i2b2 / n2c2 2014 subtypes (and the 2006 ones, a subset)
    "PATIENT": PERSON, "DOCTOR": PERSON, "USERNAME": ID,
    "ROOM": LOCATION, "STREET": LOCATION, "CITY": LOCATION, "STATE": LOCATION, "COUNTRY": LOCATION,
    "ZIP": LOCATION, "LOCATION_OTHER": LOCATION,
    "HOSPITAL": ORGANIZATION, "DEPARTMENT": ORGANIZATION,
    "FAX": PHONE, "IPADDR": IP,
    "SSN": ID, "MEDICALRECORD": ID, "HEALTHPLAN": ID, "ACCOUNT": ID, "LICENSE": ID, "VEHICLE": ID,
    "DEVICE": ID, "BIOID": ID, "IDNUM": ID,
    # presidio and spaCy/NER conventions
    "PER": PERSON, "NAME": PERSON,
    "LOC": LOCATION, "GPE": LOCATION, "ADDRESS": LOCATION, "STREET_ADDRESS": LOCATION, "ZIP_CODE": LOCATION,
    "ORG": ORGANIZATION,
    "PHONE_NUMBER": PHONE, "EMAIL_ADDRESS": EMAIL, "IP_ADDRESS": IP, "DOMAIN_NAME": URL,
    "DATE_TIME": DATE,
    "US_SSN": ID, "US_ITIN": ID, "US_PASSPORT": ID, "US_DRIVER_LICENSE": ID, "US_BANK_NUMBER": ID,
    "CREDIT_CARD": ID, "IBAN_CODE": ID, "CRYPTO": ID, "MEDICAL_LICENSE": ID, "UK_NHS": ID, "MRN": ID,
}

# Categories of the i2b2 2014 XML (the element name), used when a subtype is unknown.
_CATEGORY_TO_VEIL: dict[str, str] = {"NAME": PERSON, "LOCATION": LOCATION, "ID": ID, "AGE": AGE, "DATE": DATE}

NOT_SAFE_HARBOR: frozenset[str] = frozenset({"PROFESSION", "NRP", "TITLE"})


def label_key(label: str) -> str:
    """The label compared case-insensitively, with "LOCATION-OTHER", "location other" and
    "LOCATION_OTHER" alike."""
    return "_".join(label.strip().upper().replace("-", " ").split())


def veil_type(label: str, category: str | None = None) -> tuple[str, bool]:
    """(Veil's type for `label`, whether the label is known); `category` is the i2b2 element
    name, a fallback for a subtype this table lacks."""
    key = label_key(label)
    if key in _TO_VEIL:
        return _TO_VEIL[key], True
    if key in NOT_SAFE_HARBOR:
        return key, True
    if category is not None and label_key(category) in _CATEGORY_TO_VEIL:
        return _CATEGORY_TO_VEIL[label_key(category)], True
    return key, False


def is_not_safe_harbor(label: str) -> bool:
    """Labels of what Safe Harbor never asks to remove (professions, nationality, titles)."""
    return label_key(label) in NOT_SAFE_HARBOR


def labelled_span(start: int | None, end: int | None, text: str, label: str, *, category: str | None = None,
                  page: int | None = None, parts: tuple[str, ...] = ()):
    """A GoldSpan with Veil's type for `label`; professions and the like come out neutral."""
    from tools.evaluation.documents import GoldSpan

    type_, known = veil_type(label, category)
    return GoldSpan(start=start, end=end, text=text, type=type_, original_type=label.strip(),
                    neutral=is_not_safe_harbor(label), page=page, parts=parts, known=known)
