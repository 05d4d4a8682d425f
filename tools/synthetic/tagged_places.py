"""Places and organisations for `tagged_notes`: street addresses, unit designators, cities and
postcodes in each locale's format, and hospitals, schools, employers, insurers, pharmacies and
laboratories named the way their country names them.
"""

from __future__ import annotations

import re

from tools.synthetic import tagged_locales as tl
from tools.synthetic import vocab
from tools.synthetic.tagged_values import Ctx, clean, fake

# ---- places ---------------------------------------------------------------------------------

# Unit designators with the shapes of their numbers; the whole "Apt 4B" is one LOCATION span.
_UNITS_EN = ("Apt {n}", "Apt. {n}{l}", "Apartment {n}", "Unit {n}", "Unit {n}{l}", "Suite {n}00", "Suite {n}",
             "Room {n}{d}{d}", "Rm {n}{d}{d}", "Flat {n}", "Flat {n}{l}", "Bed {n}", "Bed {n}{l}", "Floor {n}",
             "#{n}{l}", "Apt {n}{l}", "Unit {l}{n}", "Floor {n}{d}", "Level {n}", "Flat {n}{d}")
_UNITS_LOCAL = {
    "de": ("Whg. {n}", "Zimmer {n}{d}", "{n}. OG", "Wohnung {n}"),
    "fr": ("Appt {n}{d}", "Bât. {l}", "Chambre {n}{d}{d}", "Étage {n}", "Apt {n}"),
    "es": ("Piso {n}", "Depto. {n}{l}", "Puerta {n}", "{n}º {l}"),
    "it": ("Int. {n}", "Scala {l}", "Piano {n}", "Interno {n}{d}"),
    "nl": ("bus {n}", "{n}-hoog", "kamer {n}{d}"),
    "pl": ("m. {n}{d}", "lok. {n}", "pok. {n}{d}{d}"),
    "pt": ("Apto. {n}{d}", "Sala {n}{d}", "Andar {n}"),
    "ru": ("кв. {n}{d}", "кв. {n}", "палата {n}{d}"),
    "sv": ("lgh {n}{d}{d}{d}",),
}


_HAS_UNIT = re.compile(r"\b(Apt|Suite|Unit|Flat|Studio|Level|Dto|Depto|Piso|Interior|кв|Bl)\b\.?", re.IGNORECASE)


def unit(c: Ctx) -> str:
    lang = tl.language(c.locale)
    forms = _UNITS_EN if lang not in _UNITS_LOCAL or c.chance(0.4) else _UNITS_LOCAL[lang]
    return c.pick(forms).format(n=c.randint(1, 9), d=c.randint(0, 9), l=c.pick("ABCDEFGH"))


def _address_lines(c: Ctx) -> list[str]:
    try:
        address = str(c.faker("address").address())
    except (AttributeError, ValueError, TypeError, IndexError):
        address = str(c.faker("address", "en_US").address())
    lines = [clean(line).strip(",") for line in address.split("\n")]
    return [line for line in lines if line]


def full_address(c: Ctx) -> str:
    lines = _address_lines(c)
    if c.chance(0.3) and tl.region(c.locale) in ("US", "GB", "CA", "AU", "IE", "NZ") and not _HAS_UNIT.search(lines[0]):
        lines[0] = f"{lines[0]}, {unit(c)}"
    return c.pick((", ", " ", ", ")).join(lines)


def street(c: Ctx) -> str:
    return fake(c, "address", "street_address")


def street_with_unit(c: Ctx) -> str:
    address = street(c)
    if _HAS_UNIT.search(address):
        return address  # Faker's en_US street addresses sometimes carry their own "Suite 319"
    return f"{address}{c.pick((', ', ' '))}{unit(c)}"


def city(c: Ctx, locale: str | None = None) -> str:
    return fake(c, "address", "city", locale)


def building_number(c: Ctx) -> str:
    number = fake(c, "address", "building_number")
    return number if number and number[0].isdigit() else str(c.randint(1, 240))


def postcode(c: Ctx) -> str:
    code = fake(c, "address", "postcode")
    if re.fullmatch(r"\d{4}[A-Z]{2}", code) and c.chance(0.6):
        code = f"{code[:4]} {code[4:]}"  # Dutch postcodes are printed both ways: 1012AB and 1012 AB
    return code


_PROVINCES = {"CA": ("ON", "QC", "BC", "AB", "MB", "NS"), "AU": ("NSW", "VIC", "QLD", "WA", "SA", "TAS")}


def city_line(c: Ctx) -> str:
    """The second line of an address block: "75008 Paris", "Springfield, IL 62704", "SW1A 1AA London"."""
    region = tl.region(c.locale)
    if region in ("US", "CA", "AU"):
        state = c.pick(vocab.STATES)[1] if region == "US" else c.pick(_PROVINCES[region])
        return f"{city(c)}, {state} {postcode(c)}"
    if region in ("GB", "IE", "NZ"):
        return f"{city(c)} {postcode(c)}"
    return f"{postcode(c)} {city(c)}"


def po_box(c: Ctx) -> str:
    return f"{c.pick(('PO Box', 'P.O. Box', 'Postfach', 'BP', 'Apartado'))} {c.randint(1, 9999)}"


def country_name(c: Ctx) -> str:
    return fake(c, "address", "country", c.pick((c.locale, "en_US", "en_US")))


# ---- organisations --------------------------------------------------------------------------

_HOSPITALS = {
    "en": ("{city} General Hospital", "{city} Medical Center", "St. {saint} Hospital", "{last} Memorial Hospital",
           "{health} {kind}", "University Hospital {city}", "{city} Regional Medical Center", "{last} Clinic",
           "{city} Community Health Centre", "Royal {city} Infirmary"),
    "de": ("Klinikum {city}", "Universitätsklinikum {city}", "Krankenhaus {city}", "Hausarztpraxis {last}",
           "Kreisklinik {city}", "Praxis {last} & {last2}"),
    "fr": ("CHU de {city}", "Centre hospitalier de {city}", "Clinique {last}", "Hôpital privé de {city}",
           "Cabinet médical {last}"),
    "es": ("Hospital Universitario {city}", "Hospital General de {city}", "Clínica {last}", "Centro de Salud {city}"),
    "it": ("Ospedale {last}", "Policlinico di {city}", "Azienda Ospedaliera di {city}", "Casa di Cura {last}"),
    "nl": ("Ziekenhuis {city}", "Medisch Centrum {city}", "Huisartsenpraktijk {last}"),
    "pt": ("Hospital de {city}", "Santa Casa de {city}", "Centro de Saúde de {city}", "Clínica {last}"),
    "pl": ("Szpital Miejski {city}", "Przychodnia {last}", "Szpital Wojewódzki {city}"),
    "sv": ("{city} sjukhus", "Vårdcentralen {city}"),
    "da": ("{city} Sygehus",), "no": ("{city} sykehus",), "fi": ("{city} keskussairaala",),
    "ru": ("Городская больница № {n} г. {city}", "Поликлиника № {n}", "Клиника {last}"),
    "uk": ("Міська лікарня № {n}", "Лікарня {city}"),
    "el": ("Νοσοκομείο {city}", "Γενικό Νοσοκομείο {city}"),
    "ja": ("{city}病院", "{last}クリニック", "{city}市民病院"),
    "zh": ("{city}人民医院", "{city}第一人民医院", "{last}诊所"),
    "ko": ("{city}병원", "{last}내과의원"),
    "ar": ("مستشفى {city}", "مستشفى {last} التخصصي"),
    "he": ("בית החולים {city}", "מרכז רפואי {city}"),
    "fa": ("بیمارستان {city}",),
    "tr": ("{city} Devlet Hastanesi", "Özel {last} Hastanesi"),
}
# Schools, pharmacies and laboratories by language ("en" also stands in for the others).
_SCHOOLS = {
    "en": ("{last} Elementary School", "{city} High School", "University of {city}", "{city} Community College",
           "{last} Academy", "{city} Primary School"),
    "de": ("Gymnasium {city}", "Grundschule {city}", "Universität {city}"),
    "fr": ("Lycée {last}", "École primaire {last}", "Université de {city}"),
    "es": ("Colegio {last}", "Universidad de {city}", "Instituto {last}"),
    "it": ("Scuola {last}", "Liceo {last}", "Università di {city}"),
    "nl": ("Basisschool {last}", "Universiteit {city}"),
    "pl": ("Szkoła Podstawowa {city}", "Uniwersytet {city}"),
    "pt": ("Escola {last}", "Universidade de {city}"),
}
_EMPLOYER_TRADES = ("Logistics", "Foods", "Construction", "Manufacturing", "Engineering", "Printing", "Motors",
                    "Textiles", "Bakery", "Transport", "Cleaning Services", "Software")
_INSURERS_ABROAD = ("AOK Bayern", "Techniker Krankenkasse", "BARMER", "CPAM", "Harmonie Mutuelle", "Bupa", "Allianz Care",
                    "AXA Health", "Sanitas", "Mapfre Salud", "Zilveren Kruis", "Medibank", "Sun Life")
_PHARMACIES = {
    "en": ("{last} Pharmacy", "Walgreens", "CVS Pharmacy", "Boots", "{city} Family Pharmacy", "{last}'s Chemist"),
    "de": ("{city} Apotheke", "Apotheke am {last}platz", "Löwen-Apotheke {city}"),
    "fr": ("Pharmacie {last}", "Pharmacie du Centre {city}"),
    "es": ("Farmacia {last}",), "it": ("Farmacia {last}",), "pt": ("Farmácia {last}",),
    "pl": ("Apteka {last}",), "nl": ("Apotheek {city}",),
}
_LABS = {
    "en": ("{city} Clinical Laboratories", "Quest Diagnostics", "LabCorp", "{last} Pathology Associates",
           "Synlab {city}"),
    "de": ("Labor {last}", "MVZ Labor {city}"), "fr": ("Laboratoire {last}", "Cerballiance {city}"),
}


def _org_fill(c: Ctx, pattern: str, locale: str) -> str:
    g = c.faker("person", locale)
    return pattern.format(
        city=city(c, locale), last=clean(g.last_name()), last2=clean(g.last_name()), n=c.randint(1, 67),
        saint=c.pick(vocab.SAINTS), health=c.pick(vocab.HEALTH_WORDS), kind=c.pick(vocab.HOSPITAL_KINDS))


def hospital(c: Ctx, locale: str | None = None) -> str:
    locale = locale or (c.locale if c.chance(0.7) else c.other_locale())
    lang = tl.language(locale)
    patterns = _HOSPITALS.get(lang) if c.chance(0.8) else None
    return clean(_org_fill(c, c.pick(patterns or _HOSPITALS["en"]), locale))


def employer(c: Ctx) -> str:
    if c.chance(0.65):
        return fake(c, "company", "company")
    last = fake(c, "person", "last_name")
    return f"{last} {c.pick(_EMPLOYER_TRADES)} {c.pick(vocab.COMPANY_SUFFIXES)}"


def _by_language(c: Ctx, table: dict[str, tuple[str, ...]]) -> str:
    lang = tl.language(tl.provider_locale(c.locale, "address"))
    return c.pick(table.get(lang, table["en"]) if c.chance(0.8) else table["en"])


def school(c: Ctx) -> str:
    return clean(_org_fill(c, _by_language(c, _SCHOOLS), c.locale))


def insurer(c: Ctx) -> str:
    return c.pick(vocab.INSURERS if c.chance(0.6) else _INSURERS_ABROAD)


def pharmacy(c: Ctx) -> str:
    return clean(_org_fill(c, _by_language(c, _PHARMACIES), c.locale))


def laboratory(c: Ctx) -> str:
    return clean(_org_fill(c, _by_language(c, _LABS), c.locale))


def any_org(c: Ctx) -> str:
    return c.pick((hospital, hospital, employer, school, insurer, pharmacy, laboratory))(c)
