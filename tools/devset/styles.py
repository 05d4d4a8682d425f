"""The note styles of the dev set, written for it alone (no sentence is shared with Veil's training
templates): each function turns one `Case` (a patient and the people, places and dates around
them) into a `Doc` with gold spans.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Callable

from tools.devset import negatives as N
from tools.devset.countries import COUNTRIES, ENGLISH_LOCALES, in_sentence
from tools.devset.doc import Doc, Ent, Neg
from tools.devset.values import TLD, Addr, Human, Source, slug
from veil.contracts import EMAIL, LOCATION, ORGANIZATION


class Facility:
    """A hospital; its address, numbers and web host are drawn when a note first writes them, so
    values a note never shows take no turn from the format decks."""

    def __init__(self, src: Source, code: str, name: Ent | None = None):
        self.src, self.code = src, code
        self.name = name or src.hospital(code)

    @cached_property
    def addr(self) -> Addr:
        return self.src.address(self.code, facility=True)

    @cached_property
    def phone(self) -> Ent:
        return self.src.phone(self.code, "landline", ext=self.src.draw("switchboard_ext", (True, False, False)))

    @cached_property
    def fax(self) -> Ent:
        return self.src.phone(self.code, "landline")

    @cached_property
    def host(self) -> str:
        stem = ""
        for word in slug(self.name.text).split("-"):
            if stem and len(stem) + len(word) > 22:
                break
            stem = f"{stem}-{word}" if stem else word
        if len(stem) < 4:  # a name in a script that folds to nothing
            stem = self.src.internet.hostname().split(".")[0]
        tld = self.src.pick((TLD[self.code], TLD[self.code], "org"))
        return f"{self.src.pick(('www.', 'portal.', ''))}{stem}.{tld}"

    @property
    def domain(self) -> str:
        return self.host.removeprefix("www.").removeprefix("portal.")


def make_facility(src: Source, code: str) -> Facility:
    return Facility(src, code)


class Case:
    """One patient and the people, places and dates around them. The patient, dates and scenario
    are fixed at once; everything else is drawn the first time a note writes it."""

    def __init__(self, src: Source, code: str, care: str, patient: Human, dob: dt.date, visit: dt.date,
                 scenario: tuple):
        self.src, self.code, self.care = src, code, care   # patient's locale; locale of the writing clinicians
        self.patient, self.dob, self.visit, self.scenario = patient, dob, visit, scenario
        self.age = visit.year - dob.year - ((visit.month, visit.day) < (dob.month, dob.day))

    @cached_property
    def home(self) -> Addr:
        return self.src.address(self.code)

    @cached_property
    def landline(self) -> Ent:  # the patient's own numbers, written the way the home country writes them
        return self.src.phone(self.code, "landline")

    @cached_property
    def mobile(self) -> Ent:
        return self.src.phone(self.code, "mobile")

    @cached_property
    def facility(self) -> Facility:
        return Facility(self.src, self.care)

    @cached_property
    def mrn(self) -> Ent:
        return self.src.ident("mrn")

    @cached_property
    def doctors(self) -> list[Human]:
        return [self.src.human(self.care), self.src.human(self.care)]

    @cached_property
    def _kin(self) -> tuple[str, Human]:
        relation, female = self.src.draw("relation", _RELATIONS)
        return relation, self.src.human(self.code, female)

    @property
    def relation(self) -> str:  # what the relative is to the patient ("daughter")
        return self._kin[0]

    @property
    def relative(self) -> Human:
        return self._kin[1]

    # ---- small pieces shared by styles ---------------------------------------------------------

    @property
    def she(self) -> str:
        return "she" if self.patient.female else "he"

    @property
    def her(self) -> str:
        return "her" if self.patient.female else "his"

    @property
    def woman(self) -> str:
        return "woman" if self.patient.female else "man"

    @property
    def sex(self) -> str:
        return "F" if self.patient.female else "M"

    @property
    def patient_to_relative(self) -> str:
        """What the relative calls the patient ("Mum", "my aunt")."""
        f = self.patient.female
        return {"daughter": "Mum" if f else "Dad", "son": "Mum" if f else "Dad",
                "niece": "my aunt" if f else "my uncle", "nephew": "my aunt" if f else "my uncle",
                "granddaughter": "Gran" if f else "Grandad", "grandson": "Gran" if f else "Grandad",
                "sister": "my sister" if f else "my brother", "brother": "my sister" if f else "my brother"}[self.relation]

    def name(self, form: str | None = None) -> tuple:
        return self.src.name(self.patient, form)

    def doc_name(self, i: int = 0, style: str | None = None) -> tuple:
        return self.src.doctor(self.doctors[i % len(self.doctors)], style)

    def agep(self, slot: str = "adj") -> tuple:
        return self.src.age(self.age, slot)

    def d(self, when: dt.date, form: str | None = None, partial: bool = False) -> tuple:
        return self.src.date(when, form, lang=COUNTRIES[self.code].month_lang, partial=partial)

    def local_d(self, when: dt.date, always: bool = False) -> tuple:
        """A date as the patient's country writes it ("13 juillet 1981") when the document comes
        from there (`always`) or is written there; otherwise the next full form."""
        if COUNTRIES[self.code].month_lang and (always or self.care == self.code):
            return self.d(when, "local_long")
        return self.d(when)

    def born(self) -> tuple:
        """The date of birth: the first time a locale with its own month names is written, in them."""
        if COUNTRIES[self.code].month_lang and self.src.draw(f"dob_local:{self.code}", (True, False)):
            return self.d(self.dob, "local_long")
        return self.d(self.dob)

    def clock(self) -> str:
        return f"{self.src.rng.randint(0, 23):02d}:{self.src.rng.randint(0, 59):02d}"

    def days(self, n: int) -> dt.date:
        return self.visit + dt.timedelta(days=n)

    def past(self, lo: int = 40, hi: int = 3000) -> dt.date:
        return self.visit - dt.timedelta(days=self.src.rng.randint(lo, hi))

    def national(self) -> tuple:
        label, _mask = COUNTRIES[self.code].national_id
        return (label, " ", self.src.ident("national", self.code))

    def problems(self, k: int = 3) -> list:
        out = []
        for _ in range(k):
            abbrev = self.src.draw("abbrev", N.ABBREVIATIONS)
            text = N.PROBLEMS[abbrev]
            if abbrev in ("CABG", "NSTEMI", "TIA", "DVT") and self.src.chance(0.6):
                out.append((text, " (", self.src.year(self.past(400, 9000).year), ")"))
            else:
                out.append(text)
        out.append(self.src.draw("eponym", N.DISEASE_EPONYMS))
        return _join(out, "; ")

    def sign(self) -> str:
        return self.src.draw("sign", N.SIGNS)

    def meds(self, k: int) -> list:
        items = []
        for _ in range(k):
            name, dose, route, freq = self.src.draw("med", N.MEDICATIONS)
            items.append((name, " ", Neg(dose, "dose"), " ", route, " ", freq))
        return _join(items, ", ")

    def vitals(self) -> tuple:
        r = self.src.rng
        return (Neg(f"BP {r.randint(95, 178)}/{r.randint(55, 99)}", "vital"), ", ",
                Neg(f"HR {r.randint(52, 128)}", "vital"), ", ", Neg(f"SpO2 {r.randint(86, 99)}%", "vital"), ", ",
                Neg(f"T {r.randint(360, 394) / 10:.1f}", "vital"))

    def labs(self) -> tuple:
        r = self.src.rng
        return (Neg(f"K {r.randint(31, 58) / 10:.1f}", "lab"), ", ", Neg(f"Na {r.randint(126, 146)}", "lab"), ", ",
                Neg(f"Cr {r.randint(6, 31) / 10:.1f}", "lab"), ", ", Neg(f"Hb {r.randint(78, 151) / 10:.1f}", "lab"))

    def score(self) -> tuple:
        r = self.src.rng
        kind = self.src.draw("score", ("GCS", "grip strength", "MoCA", "Glasgow Coma Scale"))
        top = 30 if kind == "MoCA" else 15
        return (kind, " ", Neg(f"{r.randint(8, top - 1)}/{top}", "score"))

    def family_history(self) -> tuple:
        """A parent's age at death: AGE when over 89, a hard negative otherwise."""
        r = self.src.rng
        who = self.src.pick(("Mother", "Father"))
        n = r.randint(90, 104) if self.src.draw("parent_old", (True, False)) else r.randint(55, 89)
        cause = self.src.pick(("a stroke", "bowel cancer", "heart failure", "old age", "pneumonia"))
        return (who, " died ", self.src.age(n, self.src.pick(("aged_years", "paren_yrs"))), " of ", cause, ".")

    def employment(self) -> tuple:
        src = self.src
        org = src.company(self.code if src.draw("employer_home", (True, False)) else self.care)
        occ = src.occupation()
        art = "an" if occ[:1] in "aeiou" else "a"
        stop = "" if org.text.endswith(".") else "."
        since = src.year(self.visit.year - src.rng.randint(2, 30))
        if self.age >= 75:
            return (
                ("Retired ", occ, "; spent most of ", self.her, " working life at ", org, stop),
                ("Used to work as ", art, " ", occ, " for ", org, ", retired in ", since, "."),
            )[src.draw("retired", range(2))]
        return (
            ("Works as ", art, " ", occ, " at ", org, stop),
            ("Employed by ", org, " (", occ, "), currently signed off sick."),
            ("Has driven a delivery van for ", org, " since ", since, "."),
            ("Part-time ", occ, " at ", org, ", mostly night shifts."),
            ("Helps run the family business, ", org, stop),
            ("Between jobs; last worked as ", art, " ", occ, " with ", org, stop),
        )[src.draw("employment", range(6))]

    def kin(self, form: str | None = None) -> tuple:
        return (self.src.name(self.relative, form), f" ({self.relation})")


_RELATIONS = (("daughter", True), ("son", False), ("niece", True), ("nephew", False), ("granddaughter", True),
              ("grandson", False), ("sister", True), ("brother", False))

_LOCAL_ORGS = {  # language -> (a practice, a pharmacy); English care gets the English decks
    "de": ("Praxis am {c}", "Apotheke am {c}"), "fr": ("Cabinet médical de {c}", "Pharmacie du {c}"),
    "nl": ("Huisartsenpraktijk {c}", "Apotheek {c}"), "es": ("Centro de Salud {c}", "Farmacia {c}"),
    "pt": ("Centro de Saúde de {c}", "Farmácia {c}"), "it": ("Studio Medico {c}", "Farmacia {c}"),
    "pl": ("Przychodnia {c}", "Apteka {c}"), "cs": ("Poliklinika {c}", "Lékárna {c}"),
    "sv": ("Vårdcentralen {c}", "Apoteket {c}"), "da": ("Lægehuset {c}", "{c} Apotek"), "no": ("{c} legesenter", "Apotek {c}"),
    "fi": ("{c} terveysasema", "{c} apteekki"), "tr": ("{c} Aile Sağlığı Merkezi", "{c} Eczanesi"),
}
_ENGLISH_ORGS = (("{c} Family Practice", "{c} Medical Group", "{c} Health Centre"),
                 ("{c} Community Pharmacy", "{c} Late-Night Chemist", "{c} Drug Store"))


def _local_org(src: Source, code: str, kind: str) -> str:
    i = 0 if kind == "practice" else 1
    local = _LOCAL_ORGS.get(code.split("-")[0])
    if code in ENGLISH_LOCALES or local is None:
        return src.draw(kind, _ENGLISH_ORGS[i])
    return local[i]


def _join(items: list, sep: str) -> list:
    out: list = []
    for i, item in enumerate(items):
        if i:
            out.append(sep)
        out.append(item)
    return out


# ---- 1. discharge summary ------------------------------------------------------------------------


def discharge_summary(c: Case) -> Doc:
    src, doc = c.src, Doc("discharge_summary")
    admit, out = c.visit, c.days(src.rng.randint(2, 12))
    complaint, dx, course, _epo = c.scenario
    doc.line("{org}", org=c.facility.name)
    doc.line("DISCHARGE SUMMARY")
    doc.line()
    doc.line("Name: {n}            Unit no.: {mrn}", n=c.name("caps_last"), mrn=c.mrn)
    doc.line("DOB: {dob}    {nat}    Tel: {ph} / {mob}", dob=c.born(), nat=c.national(), ph=c.landline, mob=c.mobile)
    doc.line("Adm: {a}    Disch: {o}", a=c.d(admit), o=c.d(out))
    doc.line("Consultant: {dr}    Location: {room}, {bed}", dr=c.doc_name(0), room=src.room("Room"), bed=src.room("Bed"))
    doc.line()
    doc.line("HISTORY OF PRESENT ILLNESS")
    age = c.agep("adj")
    doc.line("{Age} {w} with {pmh}. Three days of {cc} before {she} was brought in by {kin}. {v}.",
             Age=(age[0].capitalize(), *age[1:]), w=c.woman, pmh=c.problems(2), cc=complaint, she=c.she, kin=c.kin("full"),
             v=c.vitals())
    doc.line()
    doc.line("Hospital Course")
    doc.line("Working diagnosis {dx}; {course}. Bloods on day 2: {labs}. {Her} {score} on arrival; {sign}.",
             dx=dx, course=course, labs=c.labs(), Her=c.her.capitalize(), score=c.score(), sign=c.sign())
    if src.draw("has_device", (True, False)):
        doc.line("Pacemaker (serial {sn}) interrogated by the cardiac physiologists on {d}: normal function.",
                 sn=src.ident("device"), d=c.d(c.days(1), partial=True))
    doc.line()
    doc.line("Past Medical History")
    doc.line("{p}. Last admission {d}. {fh}", p=c.problems(2), d=c.d(c.past(200, 2000), partial=True),
             fh=c.family_history())
    doc.line()
    doc.line("Social History")
    doc.line("Lives at {addr}. {job}", addr=c.home.inline(), job=c.employment())
    doc.line()
    doc.line("Discharge Medications")
    for item in c.meds(src.rng.randint(3, 5))[::2]:
        doc.line("- {m}", m=item)
    doc.line()
    doc.line("Follow Up")
    doc.line("Clinic with {dr} on {d} ({org}); queries to the ward clerk on {ph}.",
             dr=c.doc_name(1), d=c.d(c.days(src.rng.randint(20, 60)), partial=True), org=c.facility.name,
             ph=src.phone(c.care, "landline", ext=True))
    doc.line()
    doc.line("Signed electronically {d} {t} by {dr}", d=c.local_d(out), t=c.clock(), dr=c.doc_name(0, "initial_last_md"))
    return doc


# ---- 2. referral letter ----------------------------------------------------------------------------


def referral_letter(c: Case) -> Doc:
    src, doc = c.src, Doc("referral_letter")
    f = c.facility
    gp = c.doctors[1]
    practice = Ent(ORGANIZATION, _local_org(src, c.care, "practice").format(c=src.city(c.care)), f"org:clinic:{c.care}")
    dept = src.pick(("Department of Geriatric Medicine", "Cardiology Outpatients", "Gastroenterology Service",
                     "Memory Clinic", "Movement Disorders Clinic"))
    doc.line("{org}", org=f.name)
    doc.line(dept)
    lines = f.addr.lines(with_country=c.care != c.code)
    if src.draw("letterhead_building", (True, False)):
        doc.line("{b}, {x}", b=src.building(), x=lines[0])
    else:
        doc.line("{x}", x=lines[0])
    for ln in lines[1:]:
        doc.line("{x}", x=ln)
    doc.line("Tel {ph}  |  Fax {fx}  |  {url}", ph=f.phone, fx=f.fax, url=src.url(f.host))
    doc.line()
    doc.line("{d}", d=c.d(c.visit, src.pick(("long_us", "long_dmy", "dmy_slash", "local_long"))))
    doc.line()
    doc.line("{gp}", gp=src.doctor(gp, "dr_full"))
    doc.line("{p}", p=practice)
    for ln in src.address(c.care).lines():
        doc.line("{x}", x=ln)
    doc.line()
    doc.line("Re: {n}, born {dob}", n=c.name(src.pick(("full", "first_mi_last", "caps_last"))), dob=c.born())
    doc.line("    {a}; tel. {ph}, mobile {mob}", a=c.home.inline(with_country=c.code != c.care), ph=c.landline,
             mob=c.mobile)
    doc.line("    Our ref. {mrn}  -  {nat}", mrn=c.mrn, nat=c.national())
    doc.line()
    doc.line("Dear {gp},", gp=src.doctor(gp, "dr_last"))
    complaint, dx, course, epo = c.scenario
    doc.line()
    doc.line("Many thanks for referring this {age} {w}, whom I saw today with {her} {rel}. The main problem is {cc}; "
             "my impression is {dx}.", age=c.agep("adj")[1:], w=c.woman, her=c.her, rel=c.relation, cc=complaint,
             dx=dx)
    doc.line()
    doc.line("Background: {p}. {fh} {job}", p=c.problems(3), fh=c.family_history(), job=c.employment())
    doc.line("On examination {v}; {sc}; {sign}. No stigmata of {e}.", v=c.vitals(), sc=c.score(), sign=c.sign(),
             e=epo)
    doc.line()
    doc.line("I have arranged a MIBI and will review {them} in clinic in {d}. If things change before then, "
             "{pt} can reach our nurse specialist, {ns}, on {ph}.", them="her" if c.patient.female else "him",
             d=c.d(c.days(src.rng.randint(30, 90)), "month_year"), pt=c.name("title_last"),
             ns=src.name(src.human(c.care), "full"), ph=src.phone(c.care, "landline", ext=True))
    doc.line()
    doc.line("Yours sincerely,")
    doc.line()
    doc.line("{dr}", dr=c.doc_name(0, "full_md"))
    doc.line("Consultant, {dept}", dept=dept)
    doc.line("{em}", em=src.email(c.doctors[0], f.domain))
    doc.line()
    doc.line("cc: {n}, {a}", n=c.name("initials"), a=c.home.inline())
    return doc


# ---- 3. lab report (flattened table) ----------------------------------------------------------------


def lab_report(c: Case) -> Doc:
    src, doc = c.src, Doc("lab_report")
    f = c.facility
    sep = src.draw("table_sep", (" | ", "   ", "\t| "))
    doc.line("{org} -- CLINICAL CHEMISTRY / HAEMATOLOGY", org=f.name)
    doc.line("LIS node {ip}    printed {d}", ip=src.ip(src.draw("ip_version", (4, 6))), d=c.d(c.days(1), "compact"))
    doc.line("Patient{s}{n}{s}Sex {x}{s}DOB {dob}{s}Tel {ph}", s=sep, n=c.name("caps_last"), x=c.sex, dob=c.born(),
             ph=c.mobile)
    doc.line("MRN{s}{mrn}{s}{nat}{s}Acct{s}{acct}{s}Plan{s}{plan}", s=sep, mrn=c.mrn, nat=c.national(),
             acct=src.ident("account"), plan=src.ident("plan"))
    doc.line("Specimen{s}{sp}{s}Collected{s}{d}{s}07:{m}", s=sep, sp=src.ident("specimen"), d=c.local_d(c.visit),
             m=f"{src.rng.randint(0, 59):02d}")
    doc.line("Requested by{s}{dr}{s}Copy to{s}{dr2}", s=sep, dr=c.doc_name(0, "initial_last_md"),
             dr2=c.doc_name(1, "dr_last"))
    doc.line("Home phone{s}{ph}{s}Address{s}{a}", s=sep, ph=c.landline, a=c.home.inline())
    doc.line("-" * 64)
    doc.line("TEST{s}RESULT{s}UNITS{s}REF RANGE{s}FLAG", s=sep)
    rows = list(N.LAB_ROWS)
    src.rng.shuffle(rows)
    for test, result, units, ref in rows[: src.rng.randint(6, 11)]:
        doc.line("{t}{s}{r}{s}{u}{s}{ref}{s}{fl}", s=sep, t=test, r=result, u=units or "-", ref=ref,
                 fl=src.pick(("", "H", "L", "")))
    doc.line("-" * 64)
    doc.line("Comment: {labs}. Result phoned to {who} at {t} on {d}; read back confirmed.",
             labs=c.labs(), who=src.name(src.human(c.care), src.pick(("first_mi_last", "initials"))),
             t=c.clock().replace(":", ""), d=c.d(c.visit, partial=True))
    doc.line("Previous HbA1c {d}: 58 mmol/mol.", d=c.d(c.past(60, 900), src.pick(("my_slash", "m_yy"))))
    doc.line("Enquiries: laboratory reception {ph}, results online at {url}", ph=f.phone, url=src.url(f.host))
    return doc


# ---- 4. radiology report ----------------------------------------------------------------------------


def radiology_report(c: Case) -> Doc:
    src, doc = c.src, Doc("radiology_report")
    exam = src.pick(("CT HEAD WITHOUT CONTRAST", "CHEST X-RAY PA/LAT", "MRI LUMBAR SPINE", "CT PULMONARY ANGIOGRAM",
                     "US ABDOMEN", "MRI BRAIN WITH GADOLINIUM"))
    doc.line("{org}  -  Department of Diagnostic Imaging, {b}", org=c.facility.name, b=src.building())
    doc.line("EXAM: {e}", e=exam)
    doc.line("PATIENT: {n}, {age}   DOB {dob}   MRN {mrn}   {nat}", n=c.name("last_first"), age=c.agep("appos"),
             dob=c.born(), mrn=c.mrn, nat=c.national())
    doc.line("ADDRESS: {a}", a=c.home.inline())
    doc.line("CONTACT: {ph} (home), {mob} (mobile)", ph=c.landline, mob=c.mobile)
    doc.line("ACCESSION: {acc}    DATE OF EXAM: {d}", acc=src.ident("mrn"), d=c.d(c.visit))
    doc.line("REFERRER: {dr}", dr=c.doc_name(1, "dr_caps"))
    doc.line()
    complaint, dx, _course, epo = c.scenario
    doc.line("CLINICAL INDICATION: {cc}. ?{dx}. Known {p}.", cc=complaint.capitalize(), dx=dx, p=c.problems(2))
    doc.line()
    doc.line("TECHNIQUE: Standard protocol. Images sent to PACS node {ip}.", ip=src.ip(src.draw("ip_version", (4, 6))))
    if "MRI" in exam or src.draw("has_device", (True, False)):
        doc.line("Implanted device (loop recorder, serial {sn}) confirmed MR-conditional by {who}.",
                 sn=src.ident("device"), who=src.doctor(src.human(c.care), "dr_last"))
    doc.line()
    doc.line("COMPARISON: {d}, and an outside study from {org} dated {d2}.",
             d=c.d(c.past(30, 700), partial=True), org=src.hospital(c.code), d2=c.local_d(c.past(700, 3000), True))
    doc.line()
    doc.line("FINDINGS:")
    doc.line(src.pick((
        "No acute intracranial haemorrhage. Periventricular white matter change in keeping with age.",
        "Patchy consolidation at the right base. No effusion. Heart size at upper limit of normal.",
        "Mild multilevel degenerative change, worst at L4/5 with moderate canal narrowing.",
        "Filling defects in segmental branches of the right lower lobe artery. RV/LV ratio 0.9.",
        "Liver normal in size. Gallbladder contains small stones without wall thickening.",
    )))
    doc.line()
    doc.line("IMPRESSION:")
    doc.line("1. Findings as above, discussed with {dr} by telephone ({ph}) on {d}.", dr=c.doc_name(1, "dr_last"),
             ph=src.phone(c.care, "mobile"), d=c.d(c.visit, partial=True))
    doc.line("2. No features to suggest {e}.", e=epo)
    doc.line()
    doc.line("Reported by: {dr}   {d}", dr=c.doc_name(0, "full_md"), d=c.d(c.visit, "dmy_caps"))
    return doc


# ---- 5. nursing progress note (all-caps headers) ------------------------------------------------------


def nursing_note(c: Case) -> Doc:
    src, doc = c.src, Doc("nursing_note")
    nurse = src.human(c.care)
    doc.line("NURSING PROGRESS NOTE - {sh} SHIFT", sh=src.pick(("NIGHT", "DAY", "LATE")))
    doc.line("PT: {n}  {r} / {b}  {org}", n=c.name(src.pick(("caps_last", "last_first"))), r=src.room("Room"),
             b=src.room("Bed"), org=c.facility.name)
    doc.line("DATE: {d}  DOB: {dob}  MRN: {mrn}  {nat}",
             d=c.d(c.visit, src.pick(("mdy_dash_yy", "mdy_slash_yy", "dmy_slash"))), dob=c.born(), mrn=c.mrn,
             nat=c.national())
    doc.line()
    doc.line("NEURO: A&O x{x}. {sc}. Pupils equal and reactive. {sign}.", x=src.rng.randint(1, 3), sc=c.score(),
             sign=c.sign())
    doc.line("CARDIOVASCULAR: {v}. Telemetry shows RBBB, unchanged.", v=c.vitals())
    doc.line("RESPIRATORY: 2 L nasal cannula, mild SOB on mobilising.")
    doc.line("GI/GU: Tolerating PO diet. Foley catheter draining clear urine.")
    doc.line("SKIN: Grade 2 pressure area left heel, dressed.")
    doc.line("MEDS: {m}.", m=c.meds(3))
    doc.line()
    doc.line("FAMILY: {kin} visited, asked about the {d} appointment. Contact {ph}; pt's own mobile {mob}, "
             "home line {home}.", kin=c.kin(src.pick(("full", "first", "title_last"))),
             d=c.d(c.days(src.rng.randint(3, 40)), partial=True), ph=src.phone(c.code, "mobile"), mob=c.mobile,
             home=c.landline)
    if c.age > 89:
        doc.line("Pt states {she} is {a} and 'has outlived all the doctors'.", she=c.she,
                 a=c.agep(src.pick(("years_of_age", "aged_years"))))
    doc.line("SOCIAL: home is {a}. {job}", a=c.home.inline(), job=c.employment())
    doc.line()
    doc.line("PLAN: continue obs 4-hourly, falls bundle, repeat bloods {d}.", d=c.d(c.days(1), partial=True))
    doc.line("{nurse}, RN  {t}", nurse=src.name(nurse, src.pick(("initials", "full", "first_mi_last"))), t=c.clock())
    return doc


# ---- 6. ED triage (telegraphic) ------------------------------------------------------------------------


def ed_triage(c: Case) -> Doc:
    src, doc = c.src, Doc("ed_triage")
    complaint, dx, _course, _epo = c.scenario
    doc.line("ED TRIAGE  {d} {t}  {org}", d=c.d(c.visit, src.pick(("mdy_slash", "mdy_slash_yy", "iso", "mdy_dash_yy"))),
             t=c.clock().replace(":", ""), org=c.facility.name)
    doc.line("{n} / {age} {x} / DOB {dob} / MRN {mrn} / {nat}", n=c.name("caps_last"), age=c.agep("adj")[1:], x=c.sex,
             dob=c.born(), mrn=c.mrn, nat=c.national())
    if src.draw("mvc", (True, False)):
        doc.line("BIBA. Restrained driver, low-speed MVC, car reg {pl}. ID: driving licence {lic}. Lives {a}.",
                 pl=src.ident("plate", c.code), lic=src.ident("licence", c.code), a=c.home.inline())
    else:
        doc.line("Self-presented from {a}. Walked in w/ {kin}.", a=c.home.inline(), kin=c.kin("first"))
    doc.line("PC: {cc}. SOB since {d}.", cc=complaint, d=c.d(c.days(-src.rng.randint(1, 5)), partial=True))
    doc.line("Obs: {v}. {sc}. {sign}.", v=c.vitals(), sc=c.score(), sign=c.sign())
    doc.line("PMH: {p}.", p=c.problems(3))
    doc.line("Meds: {m}. NKDA.", m=c.meds(2))
    doc.line("Cat 2 -> {r}. Imp: ?{dx}.", r=src.room("Bay"), dx=dx)
    doc.line("NOK {kin} {ph}. Pt tel {home} / {mob}. GP {dr}, {ph2}.", kin=c.kin("last_first"),
             ph=src.phone(c.code, "mobile"), home=c.landline, mob=c.mobile, dr=src.doctor(c.doctors[1], "dr_last"),
             ph2=src.phone(c.care, "landline"))
    doc.line("Triage RN: {rn}", rn=src.name(src.human(c.care), "initials"))
    return doc


# ---- 7. medication list ---------------------------------------------------------------------------------


def medication_list(c: Case) -> Doc:
    src, doc = c.src, Doc("medication_list")
    pharmacy = Ent(ORGANIZATION, _local_org(src, c.care, "pharmacy").format(c=src.city(c.care)),
                   f"org:pharmacy:{c.care}")
    doc.line("CURRENT MEDICATIONS - reconciled {d}", d=c.d(c.visit))
    doc.line("{n} | {dob} | {mrn} | {nat}", n=c.name(src.pick(("last_first", "caps_last", "full"))), dob=c.born(),
             mrn=c.mrn, nat=c.national())
    doc.line("{a} | phone {ph} | cell {mob}", a=c.home.inline(), ph=c.landline, mob=c.mobile)
    doc.line("Insurance plan {plan} | Rx account {acct}", plan=src.ident("plan"), acct=src.ident("account"))
    doc.line("Dispensing pharmacy: {p}, {a}, tel. {ph}", p=pharmacy, a=src.address(c.care, unit=False).inline(),
             ph=src.phone(c.care, "landline"))
    doc.line()
    doc.line("DRUG                 DOSE       ROUTE  FREQ      STARTED   PRESCRIBER")
    for i in range(src.rng.randint(4, 7)):
        name, dose, route, freq = src.draw("med", N.MEDICATIONS)
        started = c.d(c.past(30, 4000), src.pick(("my_slash", "m_yy", "mdy_slash_yy", "month_year")))
        doc.line("{n}{p1}{d}{p2}{r}{p3}{f}{p4}{s}  {dr}", n=name, p1=" " * max(1, 21 - len(name)), d=Neg(dose, "dose"),
                 p2=" " * max(1, 11 - len(dose)), r=route, p3=" " * max(1, 7 - len(route)), f=freq,
                 p4=" " * max(1, 10 - len(freq)), s=started,
                 dr=src.doctor(c.doctors[i % len(c.doctors)], src.pick(("dr_caps", "initial_last_md"))))
    doc.line()
    doc.line("Stopped: aspirin ({y}) - GI bleed; simvastatin ({d}) - myalgia, changed to ZOCOR.",
             y=src.year(c.past(800, 5000).year), d=c.d(c.past(100, 800), "early_month_year"))
    doc.line("Allergies: penicillin (rash), codeine (vomiting).")
    doc.line("Carer who fills the dosette box: {kin}, {em}", kin=c.kin("full"), em=src.email(c.relative))
    return doc


# ---- 8. international transfer note ---------------------------------------------------------------------


def transfer_note(c: Case) -> Doc:
    """Written in English by the receiving team about a patient sent from abroad: the sending
    hospital, its address and the patient's home are written the way the home country writes them."""
    src, doc = c.src, Doc("transfer_note")
    sending = make_facility(src, c.code)
    complaint, dx, course, epo = c.scenario
    local = "local_long" if COUNTRIES[c.code].month_lang else "long_dmy"
    doc.line("INTER-HOSPITAL TRANSFER - ACCEPTING NOTE")
    doc.line("Receiving: {org}, {r}", org=c.facility.name, r=src.room("Room"))
    doc.line("Sending: {org}", org=sending.name)
    for ln in sending.addr.lines(with_country=True):
        doc.line("         {x}", x=ln)
    doc.line("         switchboard {ph}, fax {fx}", ph=sending.phone, fx=sending.fax)
    doc.line()
    doc.line("Patient: {n}, {age}, passport {pp}", n=c.name(src.pick(("full", "caps_last", "title_last"))),
             age=c.agep("appos"), pp=src.ident("passport", c.code))
    doc.line("Home: {a}; {ph}", a=c.home.inline(with_country=True), ph=c.landline)
    doc.line("{nat}; travel insurer {ins}, policy {pol}", nat=c.national(), ins=src.company(c.code),
             pol=src.ident("plan"))
    doc.line()
    doc.line("Reason for Transfer")
    country = COUNTRIES[c.care].name
    where = Ent(LOCATION, src.city(c.care), f"loc:city:{c.care}") if src.chance(0.5) else \
        (in_sentence(country)[:-len(country)], Neg(country, "country"))
    doc.line("On holiday in {where} when {she} developed {cc}. Admitted to {org} on {d}; the discharge letter from "
             "there (dated {d2}, signed {dr}) gives the diagnosis as {dx}.",
             where=where, she=c.she, cc=complaint, org=sending.name, d=c.d(c.days(-src.rng.randint(3, 9)), local),
             d2=c.d(c.days(-1), src.pick(("dmy_dot", local))), dr=src.doctor(src.human(c.code), "dr_last"),
             dx=dx)
    doc.line("Outside course: {course}. {labs} on the day of transfer.", course=course, labs=c.labs())
    doc.line("Background: {p}. Born {dob}.", p=c.problems(2), dob=c.d(c.dob, src.pick(("dmy_dot", local))))
    doc.line()
    doc.line("Contacts abroad: {kin}, mobile {ph}; family doctor {gp}, {gph}.", kin=c.kin("full"), ph=c.mobile,
             gp=src.doctor(src.human(c.code), "dr_full"), gph=src.phone(c.code, "landline"))
    doc.line("Records requested via {url} (login issued to {em}).", url=src.url(sending.host),
             em=src.email(c.relative, sending.domain) if src.chance(0.5) else src.email(c.patient))
    doc.line()
    if c.code in ENGLISH_LOCALES:
        doc.line("Accepted by {dr}. Family meeting planned for {d}.", dr=c.doc_name(0), d=c.d(c.visit, partial=True))
    else:
        doc.line("Accepted by {dr}. Interpreter ({lang}) booked for {d}.", dr=c.doc_name(0), lang=_language(c.code),
                 d=c.d(c.visit, partial=True))
    return doc


def _language(code: str) -> str:
    return {"cs": "Czech", "pl": "Polish", "hr": "Croatian", "is": "Icelandic", "el": "Greek", "ru": "Russian",
            "uk": "Ukrainian", "de": "German", "de-at": "German", "de-ch": "Swiss German", "fr": "French",
            "nl": "Dutch", "nl-be": "Flemish", "es": "Spanish", "es-mx": "Spanish", "pt": "Portuguese",
            "pt-br": "Portuguese", "it": "Italian", "tr": "Turkish", "sv": "Swedish", "da": "Danish",
            "no": "Norwegian", "fi": "Finnish", "hu": "Hungarian", "et": "Estonian", "ja": "Japanese",
            "zh": "Mandarin", "ko": "Korean", "ar-eg": "Arabic", "fa": "Farsi", "sk": "Slovak"}.get(code, "English")


# ---- 9. message / e-mail thread --------------------------------------------------------------------------


def message_thread(c: Case) -> Doc:
    src, doc = c.src, Doc("message_thread")
    f = c.facility
    clinician = c.doctors[0]
    first_sent = c.days(-src.rng.randint(1, 6))
    complaint, dx, _course, _epo = c.scenario
    doc.line("From: {n} <{e}>", n=src.name(c.relative, "full"), e=src.email(c.relative))
    doc.line("To: {e}", e=src.email(clinician, f.domain))
    doc.line("Sent: {wd}, {d} {t}", wd=first_sent.strftime("%a"), d=c.d(first_sent, src.pick(("long_dmy", "long_us"))),
             t=c.clock())
    doc.line("Subject: Re: results for {who}", who=c.patient_to_relative.removeprefix("my "))
    doc.line()
    doc.line("Hello {dr},", dr=src.doctor(clinician, "dr_last"))
    doc.line()
    doc.line("Sorry to bother you again. {who}'s GP said the bloods from {d} were 'borderline' and that "
             "you would explain. {she} is still getting {cc}. We can't make {d2} because I am working at {org} "
             "that week - could we do a video call instead? My number is {ph}.",
             who=c.patient_to_relative.replace("my ", "My "), d=c.d(c.days(-10), partial=True),
             she=c.she.capitalize(), cc=complaint, d2=c.d(c.days(src.rng.randint(3, 14)), partial=True),
             org=src.company(c.care), ph=src.phone(c.code, "mobile"))
    doc.line()
    doc.line("Thanks,")
    doc.line("{n}", n=src.name(c.relative, "first"))
    doc.line()
    doc.line("-----Original Message-----")
    doc.line("From: Patient Portal <{e}>", e=Ent(EMAIL, f"no-reply@{f.domain}", "email:org"))
    doc.line("Date: {d}", d=c.d(c.days(-12), "iso"))
    doc.line("New results are available for {n} (born {dob}; {mrn}; {nat}). Sign in at {url}. This sign-in came from "
             "{ip}; if this was not you, call {ph} or {home}.", n=c.name(src.pick(("full", "initials", "first_mi_last"))),
             dob=c.born(), mrn=c.mrn, nat=c.national(), url=src.url(f.host), ip=src.ip(src.draw("ip_version", (4, 6))),
             ph=f.phone, home=c.landline)
    doc.line()
    doc.line("Registered address and mobile on file: {a}; {mob}. Update them under Settings if they have changed.",
             a=c.home.inline(), mob=c.mobile)
    doc.line()
    doc.line("-----Reply-----")
    doc.line("Dear {n},", n=src.name(c.relative, "title_last"))
    doc.line("Thank you. The {sc} and {labs} are reassuring; the working diagnosis remains {dx}. "
             "A video slot on {d} is fine - the link will come from {url}.", sc=c.score(), labs=c.labs(), dx=dx,
             d=c.d(c.days(src.rng.randint(2, 9)), partial=True), url=src.url(None))
    doc.line("{dr}", dr=c.doc_name(0, src.pick(("initial_last_md", "full_md"))))
    doc.line("{org} | {ph}", org=f.name, ph=src.phone(c.care, "landline", ext=True))
    return doc


# ---- 10. community home visit ------------------------------------------------------------------------------


def home_visit(c: Case) -> Doc:
    src, doc = c.src, Doc("home_visit")
    nurse = src.human(c.care)
    doc.line("COMMUNITY NURSING - HOME VISIT RECORD")
    doc.line("Visit {d}, arrived {t}. Seen at home: {a}. Tel {ph}.",
             d=c.d(c.visit, src.pick(("dmy_slash", "long_dmy", "iso"))),
             t=f"{src.rng.randint(8, 16):02d}:{src.rng.randint(0, 5)}0", a=c.home.inline(), ph=c.landline)
    doc.line("Access: key safe by the door of {b}, code held by the team; parking permit {pl}.",
             b=src.building(), pl=src.ident("plate", c.code))
    doc.line("Ref. {mrn}, {nat}, DOB {dob}", mrn=c.mrn, nat=c.national(), dob=c.born())
    doc.line()
    doc.line("Home Visit")
    doc.line("{n} was sitting in the front room; {age}, lives alone since {her} {spouse} died in {y}.",
             n=c.name("title_last"), age=c.agep("appos"), her=c.her,
             spouse="husband" if c.patient.female else "wife", y=src.year(c.past(800, 8000).year))
    doc.line("Obs {v}. {sc}. Weight stable. Mobile {mob} kept by the chair.", v=c.vitals(), sc=c.score(), mob=c.mobile)
    doc.line("Medication check: {m}; blister pack from the pharmacy correct.", m=c.meds(2))
    doc.line()
    doc.line("Social History")
    doc.line("{job} Grandson studies at {sch} and visits at weekends. Neighbour at number {no} has a spare key.",
             job=c.employment(), sch=src.school(c.code),
             no=Ent(LOCATION, str(src.rng.randint(2, 120)), "loc:house_number"))
    doc.line("{Rel} {kin} phones daily from {city} ({ph}).", Rel=c.relation.capitalize(),
             kin=src.name(c.relative, "full"), city=Ent(LOCATION, src.city(c.code), f"loc:city:{c.code}"),
             ph=src.phone(c.code, "mobile"))
    doc.line()
    doc.line("Assessment")
    doc.line("{p}. Coping, but at risk of falls.", p=c.problems(2))
    doc.line("Recommendations")
    doc.line("Review by {dr} (surgery {ph}) before {d}; next nurse visit {d2}.", dr=src.doctor(c.doctors[1], "dr_last"),
             ph=src.phone(c.care, "landline"), d=c.d(c.days(src.rng.randint(10, 40)), "early_month_year"),
             d2=c.d(c.days(7), partial=True))
    doc.line("{nurse}, District Nurse, {org}", nurse=src.name(nurse, "first_mi_last"), org=c.facility.name)
    return doc


STYLES: dict[str, Callable[[Case], Doc]] = {
    "discharge_summary": discharge_summary,
    "referral_letter": referral_letter,
    "lab_report": lab_report,
    "radiology_report": radiology_report,
    "nursing_note": nursing_note,
    "ed_triage": ed_triage,
    "medication_list": medication_list,
    "transfer_note": transfer_note,
    "message_thread": message_thread,
    "home_visit": home_visit,
}
