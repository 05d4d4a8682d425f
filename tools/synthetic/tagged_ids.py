"""Record numbers for `tagged_notes`: MRNs, social security and national numbers (each locale's
own, from Faker), NHS numbers, accounts, plans, licences, device serials, VINs, plates...

A label ("MRN:", "Acct #", "NHS No.") is written outside the span, and an identifier also
appears without any label (in a table row, in parentheses after a name, on a wristband line), so
that the tagger learns the value as well as the word before it.
"""

from __future__ import annotations

from typing import Callable

from tools.synthetic.tagged_locales import region
from tools.synthetic.tagged_values import Ctx, Frags, clean, fake
from veil.contracts import ID


def _mrn(c: Ctx) -> str:
    return c.pick((c.digits(c.randint(6, 10)), f"{c.letters(1)}{c.digits(7)}", f"MR-{c.digits(8)}",
                   f"{c.digits(3)}-{c.digits(3)}-{c.digits(3)}", f"00{c.digits(6)}"))


def _ssn(c: Ctx) -> str:
    return f"{c.randint(100, 899)}-{c.digits(2)}-{c.digits(4)}"


def _national(c: Ctx) -> str:
    # Each locale's own national identifier: BSN, NIR, PESEL, codice fiscale, personnummer...
    try:
        value = clean(c.faker("ssn").ssn())
    except (AttributeError, ValueError, TypeError):
        value = ""
    return value or _ssn(c)


def _nhs(c: Ctx) -> str:
    return c.pick((f"{c.digits(3)} {c.digits(3)} {c.digits(4)}", c.digits(10), f"{c.digits(3)}-{c.digits(3)}-{c.digits(4)}"))


def _account(c: Ctx) -> str:
    return c.pick((c.digits(c.randint(7, 12)), f"{c.digits(4)}-{c.digits(4)}", f"ACC{c.digits(8)}",
                   f"{c.letters(2)}{c.digits(6)}"))


def _member(c: Ctx) -> str:
    return c.pick((f"{c.letters(3)}{c.digits(9)}", f"W{c.digits(9)}", f"{c.letters(1)}{c.digits(9)}",
                   f"{c.digits(3)}{c.letters(2)}{c.digits(4)}", f"{c.letters(3)}-{c.digits(6)}-{c.digits(2)}"))


def _group(c: Ctx) -> str:
    return c.pick((c.digits(6), f"{c.letters(1)}{c.digits(5)}", f"GRP-{c.digits(5)}"))


def _licence(c: Ctx) -> str:
    surname = c.letters(5)
    return c.pick((f"{c.letters(1)}{c.digits(7)}", f"{c.letters(1)}{c.digits(3)}-{c.digits(4)}-{c.digits(4)}",
                   f"{surname}{c.digits(6)}{c.letters(2)}{c.digits(1)}{c.letters(2)}", c.digits(9)))


def _passport(c: Ctx) -> str:
    return c.pick((f"{c.letters(1)}{c.digits(8)}", f"{c.letters(2)}{c.digits(7)}", c.digits(9)))


def _mbi(c: Ctx) -> str:
    # Medicare Beneficiary Identifier: 1EG4-TE5-MK73
    return (f"{c.randint(1, 9)}{c.letters(1)}{c.alnum(1)}{c.digits(1)}-{c.letters(1)}{c.alnum(1)}{c.digits(1)}-"
            f"{c.letters(2)}{c.digits(2)}")


def _npi(c: Ctx) -> str:
    return f"{c.randint(1, 2)}{c.digits(9)}"


def _dea(c: Ctx) -> str:
    return f"{c.letters(2)}{c.digits(7)}"


def _serial(c: Ctx) -> str:
    return c.pick((f"{c.letters(3)}{c.digits(6)}{c.letters(1)}", f"SN{c.digits(8)}", f"{c.letters(2)}-{c.digits(4)}-{c.alnum(2)}",
                   f"{c.alnum(4)}-{c.alnum(4)}-{c.alnum(4)}", f"{c.digits(3)}{c.letters(2)}{c.digits(5)}"))


def _vin(c: Ctx) -> str:
    return clean(c.faker("automotive", "en_US").vin())


def _plate(c: Ctx) -> str:
    return fake(c, "automotive", "license_plate")


def _claim(c: Ctx) -> str:
    return c.pick((f"{c.randint(2015, 2026)}-{c.digits(c.randint(5, 8))}", f"CLM{c.digits(9)}", c.digits(11)))


def _accession(c: Ctx) -> str:
    return c.pick((f"{c.letters(1)}{c.randint(15, 26)}-{c.digits(6)}", f"{c.letters(2)}-{c.randint(15, 26)}-{c.digits(5)}",
                   f"ACC{c.digits(9)}", c.digits(10)))


def _rx(c: Ctx) -> str:
    return c.pick((c.digits(7), f"{c.digits(7)}-{c.digits(5)}", f"RX{c.digits(8)}"))


def _iban(c: Ctx) -> str:
    try:
        if region(c.locale) == "PH":
            raise ValueError("the Philippine bank provider logs a warning on every call")
        return clean(c.faker("bank").iban())
    except (AttributeError, ValueError):
        return f"GB{c.digits(2)}{c.letters(4)}{c.digits(14)}"


def _kvnr(c: Ctx) -> str:
    return f"{c.letters(1)}{c.digits(9)}"


# kind -> (labels, value maker). Labels are written before the value and never labelled.
ID_KINDS: dict[str, tuple[tuple[str, ...], Callable[[Ctx], str]]] = {
    "mrn": (("MRN:", "MRN", "MRN #", "MR#", "Med Rec #", "Medical Record No.", "Hospital No.", "Patient ID:",
             "Unit No.", "N° de dossier", "Fallnummer", "Pat.-Nr."), _mrn),
    "ssn": (("SSN:", "SSN", "Social Security No.", "SS#"), _ssn),
    "national": (("National ID:", "ID No.", "Personal ID", "Identity No.", "National Insurance No."), _national),
    "nhs": (("NHS No.", "NHS Number:", "NHS #", "CHI No.", "Medicare No."), _nhs),
    "account": (("Acct #", "Account No.", "Account:", "Billing Acct", "Guarantor Acct", "Visit Acct"), _account),
    "member": (("Member ID:", "Member ID", "Subscriber ID", "Policy #", "Policy No.", "Plan ID", "Health Plan No.",
                "Versichertennummer"), _member),
    "group": (("Group #", "Group No.", "Group:"), _group),
    "licence": (("Driver's License", "DL#", "Licence No.", "Lic. No.", "Driving licence"), _licence),
    "passport": (("Passport", "Passport No.", "Reisepass-Nr."), _passport),
    "mbi": (("Medicare ID", "MBI", "Medicare #"), _mbi),
    "npi": (("NPI", "NPI:", "NPI #"), _npi),
    "dea": (("DEA", "DEA #", "DEA:"), _dea),
    "serial": (("S/N", "Serial No.", "Device Serial", "SN:", "Lot/Serial", "Implant ID"), _serial),
    "vin": (("VIN", "VIN:", "Vehicle ID"), _vin),
    "plate": (("Plate", "License Plate", "Reg.", "Kennzeichen"), _plate),
    "claim": (("Claim #", "Claim No.", "Auth #", "Authorization", "Case #", "Ref."), _claim),
    "accession": (("Accession", "Accession #", "Specimen ID", "Lab No.", "Order #"), _accession),
    "rx": (("Rx #", "Rx:", "Prescription #"), _rx),
    "iban": (("IBAN", "IBAN:", "Bank account"), _iban),
    "kvnr": (("KVNR", "Versicherten-Nr."), _kvnr),
}


def id_value(c: Ctx, kind: str | None = None) -> Frags:
    """The value alone (the template supplies any context)."""
    kind = kind or c.pick(tuple(ID_KINDS))
    return [(ID_KINDS[kind][1](c), ID)]


# The national number's own name where the country has one (Faker's `ssn` is that number).
_NATIONAL_LABELS = {
    "US": "SSN", "NL": "BSN", "BE": "Rijksregisternummer", "FR": "NIR", "PL": "PESEL", "IT": "Codice fiscale",
    "ES": "DNI", "SE": "Personnummer", "NO": "Fødselsnummer", "DK": "CPR", "FI": "Henkilötunnus", "BR": "CPF",
    "IN": "Aadhaar", "DE": "Steuer-ID", "AT": "SVNR", "CH": "AHV-Nr.", "GB": "NI No.", "IE": "PPSN", "CA": "SIN",
    "CZ": "Rodné číslo", "SK": "Rodné číslo", "RO": "CNP", "HU": "TAJ", "GR": "AMKA", "IL": "Teudat Zehut",
    "KR": "RRN", "CN": "ID card No.", "TW": "ID No.", "MX": "CURP", "CL": "RUT", "PT": "NIF", "TR": "TC Kimlik No",
}


def _label(c: Ctx, kind: str) -> str:
    if kind == "national" and c.chance(0.6):
        return _NATIONAL_LABELS.get(region(c.locale), "National ID:")
    return c.pick(ID_KINDS[kind][0])


def id_labelled(c: Ctx, kind: str | None = None) -> Frags:
    """ "MRN: 00412387", "NHS No. 943 476 5919": the label stays outside the span."""
    kind = kind or c.pick(tuple(ID_KINDS))
    make = ID_KINDS[kind][1]
    label = _label(c, kind)
    # "MRN #00412387" and "MRN # 00412387" both occur; the "#" is never part of the value.
    joiner = "" if label.endswith("#") and c.chance(0.4) else " "
    return [(label, None), (joiner, None), (make(c), ID)]
