"""Hard negatives for `tagged_notes`: words that look like identifiers and are not.

Capitalised shorthand (PO, BID, PRN, CABG, RBBB, SOB, MIBI, HTN, NIDDM) and drug names in
capitals (ZOCOR) read like surnames to a tagger trained on names; eponyms (Parkinson's
disease, Babinski sign, Glasgow Coma Scale) hold real surnames; vitals and scores (BP 130/85,
strength 5/5, GCS 12/15) look like dates; years, states, countries, weekdays, times and ages of
89 or less look like the parts of dates and addresses they sit next to. Safe Harbor keeps all of
them, so they are never labelled, and they are placed often, in capitals and beside identifiers.

Sources: the abbreviations are the gateway's maintained list (`clinical_terms`), the drug names
the gateway's dictionary (`vocabulary.drug_names`, from the drug-named-entity-recognition
package), the common drugs and diagnoses `tools.synthetic.vocab`. Sets are sorted before use:
set order changes with the hash seed, output must not.
"""

from __future__ import annotations

import re
from functools import lru_cache

from services.gateway.pipeline import vocabulary
from services.gateway.pipeline.clinical_terms import CLINICAL_ABBREVIATIONS
from tools.synthetic import vocab
from tools.synthetic.tagged_dates import WEEKDAYS, clock
from tools.synthetic.tagged_values import NEG, Ctx, Frags

EPONYMS = (
    "Parkinson's disease", "Crohn's disease", "Hodgkin lymphoma", "non-Hodgkin lymphoma", "Alzheimer's disease",
    "Hashimoto's thyroiditis", "Graves' disease", "Cushing's syndrome", "Addison's disease", "Guillain-Barré syndrome",
    "Bell's palsy", "Raynaud's phenomenon", "Sjögren's syndrome", "Kawasaki disease", "Marfan syndrome",
    "Down syndrome", "Barrett's esophagus", "Wilson's disease", "Huntington's disease", "Ménière's disease",
    "Paget's disease", "Dupuytren's contracture", "Wernicke's encephalopathy", "Korsakoff syndrome",
    "Hirschsprung disease", "Ewing sarcoma", "Kaposi sarcoma", "Wilms tumour", "Burkitt lymphoma",
    "Mallory-Weiss tear", "Zollinger-Ellison syndrome", "Stevens-Johnson syndrome", "Wolff-Parkinson-White syndrome",
    "Brugada syndrome", "Takotsubo cardiomyopathy", "Ehlers-Danlos syndrome", "Epstein-Barr virus", "Lyme disease",
    "Colles fracture", "Baker's cyst", "Tourette syndrome", "Asperger syndrome", "Bechterew's disease",
    "Waldenström macroglobulinemia", "von Willebrand disease", "Creutzfeldt-Jakob disease", "Charcot foot",
)
SIGNS = (
    "Babinski sign", "Murphy's sign", "Kernig's sign", "Brudzinski sign", "Homans' sign", "Romberg test",
    "Trousseau sign", "Chvostek sign", "Tinel's sign", "Phalen's test", "Lachman test", "McMurray test",
    "Apgar score", "Glasgow Coma Scale", "Wells score", "Child-Pugh score", "Gleason score", "Breslow thickness",
    "Mallampati class", "Braden scale", "Morse Fall Scale", "Karnofsky score", "Duke criteria", "Ranson criteria",
    "Epley maneuver", "Valsalva maneuver", "Whipple procedure", "Nissen fundoplication", "Roux-en-Y bypass",
    "Hartmann's procedure", "Foley catheter", "Swan-Ganz catheter", "Hickman line", "Mantoux test", "Gram stain",
    "Ziehl-Neelsen stain", "Papanicolaou smear", "Holter monitor", "Doppler ultrasound", "Cheyne-Stokes respiration",
    "Kussmaul breathing", "Lhermitte sign", "Rovsing sign", "McBurney point", "Allen test", "Snellen chart",
)
HEADINGS = (
    "HISTORY OF PRESENT ILLNESS", "PAST MEDICAL HISTORY", "PAST SURGICAL HISTORY", "REVIEW OF SYSTEMS",
    "PHYSICAL EXAMINATION", "ASSESSMENT AND PLAN", "ASSESSMENT", "PLAN", "DISPOSITION", "HOSPITAL COURSE",
    "DISCHARGE MEDICATIONS", "ALLERGIES", "SOCIAL HISTORY", "FAMILY HISTORY", "IMPRESSION", "FINDINGS",
    "TECHNIQUE", "COMPARISON", "CHIEF COMPLAINT", "LABORATORY DATA", "PROCEDURES", "CONSULTATIONS",
    "CONDITION AT DISCHARGE", "FOLLOW-UP", "CODE STATUS", "MEDICATIONS", "VITAL SIGNS", "SUBJECTIVE", "OBJECTIVE",
    "INDICATION", "CLINICAL HISTORY", "RECOMMENDATIONS", "DIAGNOSES", "PROBLEM LIST", "INSTRUCTIONS",
)
COUNTRIES = (
    "Poland", "Germany", "France", "Mexico", "India", "China", "Japan", "Brazil", "Nigeria", "Greece", "Russia",
    "Ukraine", "Iran", "Turkey", "Vietnam", "the Philippines", "Canada", "Ireland", "Italy", "Spain", "Portugal",
    "Israel", "Egypt", "South Korea", "the Netherlands", "Sweden", "Norway", "Kenya", "Colombia", "Peru",
    "Czech Republic", "Hungary", "Romania", "Bulgaria", "Serbia", "Croatia", "Georgia", "Armenia", "Thailand",
)
LANGUAGES = ("Spanish", "Polish", "Greek", "Russian", "Arabic", "Mandarin", "Cantonese", "Vietnamese", "Hindi",
             "Portuguese", "Farsi", "Korean", "Japanese", "Ukrainian", "Hebrew", "Tagalog", "German", "French")
_CAP_RUNS = ("s/p", "h/o", "c/o", "r/o", "w/", "w/o", "x2", "x3", "+", "-")
_ROUTES = ("PO", "IV", "IM", "SC", "SL", "PR", "INH", "TOP")
_FREQS = ("BID", "TID", "QID", "QHS", "QAM", "PRN", "Q4H", "Q6H", "Q8H", "Q12H", "DAILY", "QD", "STAT", "QOD")
_DOSES = ("2.5", "5", "10", "12.5", "20", "25", "40", "50", "80", "81", "100", "125", "250", "325", "500", "650",
          "750", "850", "1000", "0.5", "0.125", "1")
_UNITS = ("mg", "mg", "mg", "mcg", "g", "units", "mL", "mEq", "IU")
_WORD = re.compile(r"[A-Za-z]{5,14}")


@lru_cache(maxsize=1)
def abbreviations() -> tuple[str, ...]:
    # Two-letter ones that are also state codes or common words stay in: a state alone is no identifier.
    return tuple(sorted(a for a in CLINICAL_ABBREVIATIONS if a.isupper()))


@lru_cache(maxsize=1)
def _drug_lists() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(common, rare): the drugs a note names every day, and the dictionary's long tail."""
    known = vocabulary.drug_names()
    common = tuple(d for d in vocab.DRUGS if " " not in d and "-" not in d and (not known or d.casefold() in known))
    rare = tuple(sorted(d.capitalize() for d in known if _WORD.fullmatch(d)))
    return common, rare or common


def drug_name(c: Ctx) -> str:
    common, rare = _drug_lists()
    name = c.pick(common if c.chance(0.7) else rare)
    r = c.rng.random()
    return name.upper() if r < 0.35 else name.lower() if r < 0.5 else name


def drug(c: Ctx) -> Frags:
    return [(drug_name(c), NEG)]


def medication(c: Ctx, caps: bool | None = None) -> Frags:
    """ "ZOCOR 40 MG PO QHS", "Metformin 500 mg BID": drug, dose, route and frequency, all unlabelled."""
    text = f"{drug_name(c)} {c.pick(_DOSES)} {c.pick(_UNITS)} {c.pick(_ROUTES)} {c.pick(_FREQS)}"
    if caps or caps is None and c.chance(0.4):
        text = text.upper()
    return [(text, NEG)]


# The shorthand a note uses most often, drawn half the time; the full list supplies the rest.
FREQUENT = ("HTN", "DM", "NIDDM", "IDDM", "CAD", "CHF", "COPD", "CKD", "SOB", "DOE", "CP", "CABG", "PCI", "RBBB",
            "LBBB", "MIBI", "PO", "BID", "TID", "PRN", "QHS", "NPO", "ICU", "AFIB", "DVT", "PE", "UTI", "GERD",
            "OSA", "BPH", "HLD", "MI", "CVA", "TIA", "NKDA", "EKG", "CXR", "CT", "MRI", "ECHO", "AKI", "ESRD")


def _abbreviation(c: Ctx) -> str:
    return c.pick(FREQUENT) if c.chance(0.5) else c.pick(abbreviations())


def abbreviation(c: Ctx) -> Frags:
    return [(_abbreviation(c), NEG)]


def abbreviation_list(c: Ctx) -> Frags:
    """ "HTN, NIDDM, s/p CABG x3": a problem list in shorthand."""
    frags: Frags = []
    for i in range(c.randint(2, 5)):
        if i:
            frags.append((c.pick((", ", ", ", "; ", " ", " + ")), None))
        if c.chance(0.2):
            frags.append((c.pick(_CAP_RUNS[:6]) + " ", None))
        frags.append((_abbreviation(c), NEG))
    return frags


def eponym(c: Ctx) -> Frags:
    text = c.pick(EPONYMS if c.chance(0.6) else SIGNS)
    return [(text.upper() if c.chance(0.1) else text, NEG)]


def diagnosis(c: Ctx) -> Frags:
    return [(c.pick(vocab.DIAGNOSES).lower() if c.chance(0.5) else c.pick(vocab.DIAGNOSES), NEG)]


def procedure(c: Ctx) -> Frags:
    return [(c.pick(vocab.PROCEDURES), NEG)]


def symptom(c: Ctx) -> Frags:
    return [(c.pick(vocab.SYMPTOM_PHRASES), None)]


def heading(c: Ctx, caps: bool | None = None) -> Frags:
    text = c.pick(HEADINGS) if c.chance(0.6) else c.pick(vocab.SECTIONS)
    return [(text.upper() if caps or caps is None and c.chance(0.5) else text, NEG)]


def lab_value(c: Ctx) -> Frags:
    name, unit, lo, hi, decimals = c.pick(vocab.MEASUREMENTS)
    if name == "BP":
        return vitals_bp(c)
    value = f"{c.rng.uniform(lo, hi):.{decimals}f}"
    sep = c.pick((" ", ": ", " "))
    unit = "" if not unit else unit if unit in ("%", "/10") else f" {unit}"
    return [(f"{name}{sep}{value}{unit}", NEG)]


def lab_list(c: Ctx) -> Frags:
    frags: Frags = []
    for i in range(c.randint(2, 4)):
        if i:
            frags.append((c.pick((", ", "; ", " ")), None))
        frags += lab_value(c)
    return frags


def vitals_bp(c: Ctx) -> Frags:
    return [(f"{c.pick(('BP', 'BP', 'B/P', 'RR'))} {c.randint(88, 190)}/{c.randint(45, 110)}", NEG)]


def vitals(c: Ctx) -> Frags:
    parts = [f"BP {c.randint(88, 190)}/{c.randint(45, 110)}", f"HR {c.randint(48, 130)}", f"RR {c.randint(10, 30)}",
             f"T {c.rng.uniform(35.6, 39.8):.1f} C", f"SpO2 {c.randint(86, 100)}% RA", f"Wt {c.randint(38, 140)} kg"]
    c.rng.shuffle(parts)
    return [(", ".join(parts[: c.randint(2, 5)]), NEG)]


def score(c: Ctx) -> Frags:
    """Fractions that read like dates: strength 4/5, GCS 12/15, MoCA 26/30, pain 7/10."""
    return [(c.pick((f"strength {c.randint(3, 5)}/5", f"GCS {c.randint(8, 15)}/15", f"{c.randint(9, 15)}/15 strength",
                     f"MoCA {c.randint(12, 30)}/30", f"pain {c.randint(0, 10)}/10", f"{c.randint(1, 5)}/5 power",
                     f"Apgar {c.randint(5, 9)}/{c.randint(8, 10)}", f"{c.randint(1, 4)}+ edema")), NEG)]


def year(c: Ctx) -> Frags:
    return [(str(c.randint(1950, 2026)), NEG)]


def weekday(c: Ctx) -> Frags:
    day = c.pick(WEEKDAYS)
    return [(day.upper() if c.chance(0.1) else day, NEG)]


def time_of_day(c: Ctx) -> Frags:
    return [(clock(c), NEG)]


def country(c: Ctx) -> Frags:
    return [(c.pick(COUNTRIES), NEG)]


def state(c: Ctx) -> Frags:
    name, abbr = c.pick(vocab.STATES)
    return [(abbr if c.chance(0.5) else name, NEG)]


def language_name(c: Ctx) -> Frags:
    return [(c.pick(LANGUAGES), NEG)]


def dose(c: Ctx) -> Frags:
    return [(f"{c.pick(_DOSES)} {c.pick(_UNITS)}", NEG)]
