"""The slots of `tagged_templates` and the paragraph builder of `tagged_notes`.

A slot is a function of the paragraph's `Ctx` that returns fragments. The patient, the clinician
and the relative are chosen once per paragraph (`Ctx.person`), so "{pt_t}" and "{pt_caps}" in two
sentences name the same person, written two ways, as notes do.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from tools.synthetic import tagged_contacts as tc
from tools.synthetic import tagged_dates as td
from tools.synthetic import tagged_ids as ti
from tools.synthetic import tagged_locales as tl
from tools.synthetic import tagged_narrative as tn_narrative
from tools.synthetic import tagged_negatives as tn
from tools.synthetic import tagged_places as tp
from tools.synthetic import tagged_templates as tt
from tools.synthetic import tagged_values as tv
from tools.synthetic.tagged_values import NEG, Ctx, Frags
from veil.contracts import EMAIL, IP, LOCATION, ORGANIZATION, PERSON, PHONE, URL

Slot = Callable[[Ctx], Frags]

_RELATIONS = (("daughter", "wife", "sister", "mother", "niece", "granddaughter", "partner"),
              ("son", "husband", "brother", "father", "nephew", "grandson", "partner"))
_JOBS = ("teacher", "nurse", "driver", "engineer", "cleaner", "retired", "farmer", "student", "cook", "electrician")
_MODALITIES = ("CT CHEST W/O CONTRAST", "CT HEAD", "MRI BRAIN W/WO", "CXR PA/LAT", "US ABDOMEN", "MIBI", "CTA CHEST",
               "XR L KNEE 3V", "MRCP", "DEXA", "Chest radiograph", "CT abdomen and pelvis", "Nuclear stress test")
# Written after "a": consonants first.
_DEVICES = ("pacemaker", "port-a-cath", "PICC line", "loop recorder", "cochlear implant", "knee prosthesis",
            "nerve stimulator", "dual-chamber pacemaker")
_SPECIALTIES = ("Cardiologist", "Physician", "Nephrologist", "Geriatrician", "Surgeon", "Neurologist")
_CODES = ("full code", "DNR/DNI", "DNR", "comfort care", "FULL CODE")


def _value(kind: str, make: Callable[[Ctx], str]) -> Slot:
    return lambda c: [(make(c), kind)]


def _plain(make: Callable[[Ctx], str]) -> Slot:
    return lambda c: [(make(c), None)]


def _neg(make: Callable[[Ctx], str]) -> Slot:
    return lambda c: [(make(c), NEG)]


def _patient(c: Ctx) -> tv.Person:
    return c.person("patient")


def _relation(c: Ctx) -> str:
    return c.pick(_RELATIONS[0] if c.person("relative").female else _RELATIONS[1])


def _sex(c: Ctx) -> str:
    return c.pick(("woman", "female", "lady", "patient") if _patient(c).female else ("man", "male", "gentleman", "patient"))


def _nurse(c: Ctx) -> Frags:
    name = tv.name_form(c, c.person("nurse"), c.pick(("full", "first", "initial_last", "full")))
    return c.pick(([(name, PERSON), (", RN", None)], [("RN ", None), (name, PERSON)], [(name, PERSON)]))


def _city_abroad(c: Ctx) -> Frags:
    locale = c.pick(tl.LOCALES)
    frags: Frags = [(tp.city(c, locale), LOCATION)]
    if c.chance(0.6):
        frags += [(", ", None), (tp.country_name(c) if c.chance(0.3) else c.pick(tn.COUNTRIES), NEG)]
    return frags


def _hospital_abroad(c: Ctx) -> Frags:
    return [(tp.hospital(c, c.pick(tl.LOCALES)), ORGANIZATION)]


def _room(c: Ctx) -> Frags:
    return [(c.pick(("Room {n}{d}{d}", "Rm {n}{d}{l}", "Bed {n}", "Bay {n} Bed {d}", "Room {n}{d}{d}-{l}",
                     "Ward {n}{l}, Bed {d}")).format(n=c.randint(1, 9), d=c.randint(0, 9), l=c.pick("ABCD")),
             LOCATION)]


# Lab rows only: vitals and scores have no reference range.
_LAB_ROWS = tuple(m for m in tn.vocab.MEASUREMENTS if m[0] not in ("BP", "Pain", "GCS", "EF", "Pulse", "RR"))


def _labrow(c: Ctx) -> Frags:
    name, unit, lo, hi, decimals = c.pick(_LAB_ROWS)
    value = c.rng.uniform(lo, hi)
    flag = c.pick(("", "H", "L", "", "A"))
    ref = f"{lo:.{decimals}f}-{hi:.{decimals}f}"
    return [(" | ".join(p for p in (name, f"{value:.{decimals}f}", flag, unit, ref) if p), NEG)]


def _icd(c: Ctx) -> str:
    return f"{c.pick('EIJKMNRZ')}{c.randint(10, 99)}{c.pick(('', f'.{c.randint(0, 9)}'))}"


SLOTS: dict[str, Slot] = {
    # people
    "pt": lambda c: tv.person_plain(c),
    "pt_full": lambda c: tv.person_plain(c, form="full"),
    "pt_lf": lambda c: tv.person_plain(c, form=c.pick(("last_first", "last_first_caps", "full"))
                                       if _patient(c).joiner == " " else "full"),
    "pt_caps": lambda c: tv.person_plain(c, form=c.pick(("full_caps", "last_first_caps", "last_caps"))
                                         if _patient(c).joiner == " " else "full_caps"),
    "pt_first": lambda c: tv.person_plain(c, form="first" if _patient(c).joiner == " " else "full"),
    "pt_t": lambda c: tv.titled(c, "patient"),
    "dr": lambda c: tv.clinician(c),
    "dr2": lambda c: tv.clinician(c, "clinician2"),
    "dr_t": lambda c: tv.titled(c, "clinician", doctor=True, form="last"),
    "dr_name": lambda c: tv.person_plain(c, "clinician", "full"),
    "nurse": _nurse,
    "nurse_name": lambda c: tv.person_plain(c, "nurse", c.pick(("full", "last_first_caps", "initial_last"))),
    "rel": lambda c: tv.person_plain(c, "relative", c.pick(("full", "full", "first"))),
    "rel_t": lambda c: tv.titled(c, "relative"),
    "interp": lambda c: tv.person_plain(c, "interpreter", "full"),
    "relation": _plain(_relation),
    "sex": _plain(_sex),
    "sx": _plain(lambda c: "F" if _patient(c).female else "M"),
    "pron": _plain(lambda c: "she" if _patient(c).female else "he"),
    "Pron": _plain(lambda c: "She" if _patient(c).female else "He"),
    "obj": _plain(lambda c: "her" if _patient(c).female else "him"),
    "poss": _plain(lambda c: "her" if _patient(c).female else "his"),
    "Poss": _plain(lambda c: "Her" if _patient(c).female else "His"),
    # places
    "addr": _value(LOCATION, tp.full_address),
    "street": _value(LOCATION, tp.street),
    "street_unit": _value(LOCATION, tp.street_with_unit),
    "unit": _value(LOCATION, tp.unit),
    "bldg": _value(LOCATION, tp.building_number),
    "city": _value(LOCATION, tp.city),
    "city_line": _value(LOCATION, tp.city_line),
    "postcode": _value(LOCATION, tp.postcode),
    "po_box": _value(LOCATION, tp.po_box),
    "city_abroad": _city_abroad,
    "room": _room,
    "state": tn.state,
    "country": tn.country,
    # organisations
    "hosp": _value(ORGANIZATION, tp.hospital),
    "hosp_abroad": _hospital_abroad,
    "employer": _value(ORGANIZATION, tp.employer),
    "school": _value(ORGANIZATION, tp.school),
    "insurer": _value(ORGANIZATION, tp.insurer),
    "pharmacy": _value(ORGANIZATION, tp.pharmacy),
    "lab_org": _value(ORGANIZATION, tp.laboratory),
    "org": _value(ORGANIZATION, tp.any_org),
    # contact
    "phone": _value(PHONE, tc.phone),
    "phone_ext": _value(PHONE, lambda c: tc.phone(c, extension=0.7)),
    "fax": _value(PHONE, lambda c: tc.phone(c, extension=0.0)),
    "email": _value(EMAIL, tc.email),
    "email_dr": _value(EMAIL, lambda c: tc.email(c, "clinician")),
    "url": _value(URL, tc.url),
    "ip": _value(IP, tc.ip),
    # dates and ages
    "date": td.full_date,
    "day": lambda c: td.full_date(c, with_time=False),
    "dob": td.birth_date,
    "date_p": td.partial_date,
    "time": tn.time_of_day,
    "weekday": tn.weekday,
    "year": tn.year,
    "age": lambda c: td.age(c),
    "age_adj": lambda c: td.age(c, adjective=True),
    "age_short": td.age_short,
    "age_num": td.age_number,
    # identifiers
    "mrn": lambda c: ti.id_value(c, "mrn"),
    "mrn_l": lambda c: ti.id_labelled(c, "mrn"),
    "id": lambda c: ti.id_value(c),
    "id_l": lambda c: ti.id_labelled(c),
    "acct": lambda c: ti.id_value(c, "account"),
    "acct_l": lambda c: ti.id_labelled(c, "account"),
    "acc": lambda c: ti.id_value(c, "accession"),
    "acc_l": lambda c: ti.id_labelled(c, "accession"),
    "claim": lambda c: ti.id_value(c, "claim"),
    "serial": lambda c: ti.id_value(c, "serial"),
    "passport": lambda c: ti.id_value(c, "passport"),
    "nat": lambda c: ti.id_value(c, "national"),
    **{f"{kind}_l": (lambda c, kind=kind: ti.id_labelled(c, kind))
       for kind in ("ssn", "nhs", "member", "group", "passport", "mbi", "npi", "dea", "serial", "vin", "plate",
                    "rx", "iban")},
    "lic_l": lambda c: ti.id_labelled(c, "licence"),
    "nat_l": lambda c: ti.id_labelled(c, "national"),
    # hard negatives and clinical filler
    "drug": tn.drug,
    "DRUG": lambda c: [(tn.drug_name(c).upper(), NEG)],
    "med": lambda c: tn.medication(c),
    "MED": lambda c: tn.medication(c, caps=True),
    "abbr": tn.abbreviation,
    "abbrs": tn.abbreviation_list,
    "eponym": tn.eponym,
    "sign": lambda c: [(c.pick(tn.SIGNS), NEG)],
    "dx": tn.diagnosis,
    "proc": tn.procedure,
    "PROC": lambda c: [(c.pick(tn.vocab.PROCEDURES).upper(), NEG)],
    "symptom": tn.symptom,
    "heading": lambda c: tn.heading(c, caps=False),
    "HEADING": lambda c: tn.heading(c, caps=True),
    "lab": tn.lab_value,
    "labs": tn.lab_list,
    "labrow": _labrow,
    "vitals": tn.vitals,
    "score": tn.score,
    "dose": tn.dose,
    "route": _neg(lambda c: c.pick(("PO", "IV", "SL", "PR", "IM", "SC"))),
    "freq": _neg(lambda c: c.pick(("BID", "TID", "QHS", "PRN", "daily", "QID", "q8h", "QAM"))),
    "lang": tn.language_name,
    "modality": _neg(lambda c: c.pick(_MODALITIES)),
    "code": _neg(lambda c: c.pick(_CODES)),
    "cpt": _neg(lambda c: str(c.randint(10000, 99499))),
    "icd": _neg(_icd),
    # plain values
    "n": _plain(lambda c: str(c.randint(2, 9))),
    "ef": _plain(lambda c: str(c.randint(15, 65))),
    "a1c": _plain(lambda c: f"{c.rng.uniform(5.2, 11.8):.1f}"),
    "esi": _plain(lambda c: str(c.randint(1, 5))),
    "amount": _plain(lambda c: f"{c.randint(12, 9800)}.{c.randint(0, 99):02d}"),
    "device": _plain(lambda c: c.pick(_DEVICES)),
    "specialty": _plain(lambda c: c.pick(_SPECIALTIES)),
    "marital": _plain(lambda c: c.pick(("married", "single", "widowed", "divorced"))),
    "job": _plain(lambda c: c.pick(_JOBS)),
    **tn_narrative.SLOTS,
}

_SLOT = re.compile(r"\{(\w+)\}")


@lru_cache(maxsize=None)
def compile_template(template: str) -> tuple[tuple[str, bool], ...]:
    """(text, is_slot) pieces of a template; unknown slot names fail here, at first use."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for m in _SLOT.finditer(template):
        if m.start() > pos:
            pieces.append((template[pos:m.start()], False))
        if m.group(1) not in SLOTS:
            raise KeyError(f"unknown slot {{{m.group(1)}}} in {template!r}")
        pieces.append((m.group(1), True))
        pos = m.end()
    if pos < len(template):
        pieces.append((template[pos:], False))
    return tuple(pieces)


def fill(c: Ctx, template: str) -> Frags:
    frags: Frags = []
    for text, is_slot in compile_template(template):
        frags.extend(SLOTS[text](c) if is_slot else [(text, None)])
    return frags


def _word_count(frags: Frags) -> int:
    return sum(len(text.split()) for text, _kind in frags)


def _sentence_count(c: Ctx) -> int:
    return c.pick((1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6))


def paragraph(c: Ctx, style: str) -> Frags:
    """One paragraph of `style`: a run of prose sentences, or one short line (header, key-value
    line, table row, list item, signature), as a PDF extraction returns them."""
    shapes = tt.STYLES[style]
    c.lang = "en"
    prose = shapes["prose"]
    if style == "transfer_note":
        local = tt.TRANSFER_LOCAL.get(tl.language(c.locale))
        if local and c.chance(0.6):
            prose, c.lang = local, tl.language(c.locale)
    # Real notes are mostly narrative with no identifier in it: English paragraphs mix in sentences
    # and lines of `tagged_narrative`, so the tagger does not learn that every third word is one.
    narrative = c.lang == "en"
    line_share = len(shapes["lines"]) / (len(shapes["lines"]) + len(prose))
    if c.chance(line_share):
        lines = tn_narrative.LINES if narrative and c.chance(tn_narrative.LINE_SHARE) else shapes["lines"]
        frags = fill(c, c.pick(lines))
    else:
        chosen = c.rng.sample(prose, min(_sentence_count(c), len(prose)))
        if narrative:
            share = tn_narrative.sentence_share(c)
            chosen = [c.pick(tn_narrative.PROSE) if c.chance(share) else t for t in chosen]
        frags = []
        for template in chosen:
            sentence = fill(c, template)
            if frags and _word_count(frags) + _word_count(sentence) > 150:
                break
            if frags:
                frags.append((" ", None))
            frags.extend(sentence)
    if c.chance(0.03):
        # Some systems print whole notes in capitals; addresses of e-mail and web stay as typed.
        frags = [(t if k in (EMAIL, URL) else t.upper(), k) for t, k in frags]
    return frags
