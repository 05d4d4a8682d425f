"""Synthetic clinical PDFs with known PHI, built with PyMuPDF: test fixtures, demo documents, evaluation corpora.

`generate()` lays out a seeded, multi-page clinical document (title, numbered or upper-case
headings, running header and footer, a two-column page, hyphenated line ends, ﬁ/ﬂ ligatures,
optionally a landscape page stored rotated) and returns the PDF bytes together with every PHI
string it placed: (text, type, page), pages counted from 1. Templates come in two families:
"train" and "heldout" differ in document types, section names, sentence templates, fonts and
heading style, so an evaluation on "heldout" documents measures templates training never saw.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass
from typing import Iterator, Sequence

import pymupdf

PAGE_WIDTH, PAGE_HEIGHT = 612.0, 792.0  # US Letter
_MARGIN_X, _MARGIN_TOP, _MARGIN_BOTTOM = 72.0, 72.0, 66.0
_COLUMN_GAP = 20.0
_HEADER_Y, _FOOTER_Y = 40.0, PAGE_HEIGHT - 34.0
_RUNNING_SIZE = 8.0
_MIN_HYPHEN_PART = 3

TEMPLATE_FAMILIES: dict[str, tuple[str, ...]] = {
    "train": ("discharge_summary", "progress_note", "referral_letter"),
    "heldout": ("operative_report", "radiology_report"),
}

# Surnames with "fi"/"fl" put ligatures inside PHI, where a missed match is a leak.
_LIGATURE_SURNAMES = ("Whitfield", "Clifford", "Fischer", "Fleming", "Mayfield", "Duffield",
                      "Sheffield", "Flanagan", "Fitzgerald", "Stafford", "Redfield", "Fielding")
_LIGATURE_FIRST_NAMES = ("Fiona", "Florence", "Flavia", "Fidel", "Filip", "Felicity")


@dataclass(frozen=True)
class PhiSpan:
    """One PHI string as placed on a page (pages count from 1)."""

    text: str
    type: str
    page: int

    def to_dict(self) -> dict:
        return {"text": self.text, "type": self.type, "page": self.page}


@dataclass(frozen=True)
class SampleDocument:
    pdf: bytes
    spans: tuple[PhiSpan, ...]
    headings: tuple[str, ...]
    template: str
    family: str
    seed: int
    pages: int
    two_column_page: int | None
    rotated_page: int | None

    def span_dicts(self) -> list[dict]:
        return [s.to_dict() for s in self.spans]


# ---------------------------------------------------------------------------------------------
# Templates. Placeholders {name} are filled from the patient context; the context says which of
# them are PHI and of which type. Sentences of the two families never share a template.


@dataclass(frozen=True)
class _Style:
    regular: str
    bold: str
    body_size: float
    title_size: float
    heading_sizes: tuple[float, float]
    numbered: bool
    upper_headings: bool


_TRAIN_STYLE = _Style("helv", "hebo", 10.0, 16.0, (13.0, 11.0), numbered=True, upper_headings=False)
_HELDOUT_STYLE = _Style("tiro", "tibo", 10.5, 14.0, (10.5, 10.5), numbered=False, upper_headings=True)


@dataclass(frozen=True)
class _Template:
    name: str
    family: str
    title: str
    style: _Style
    header: str
    footer: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]
    entry_heading: str          # repeated sections that fill long documents
    entry_sentences: tuple[str, ...]
    demographics: tuple[str, ...] = ()


_DEMOGRAPHICS_TRAIN = (
    "Patient Name: {patient}", "Date of Birth: {dob}", "Medical Record Number: {mrn}",
    "Address: {address}", "Phone: {phone}", "Email: {email}",
)

_TRAIN_SENTENCES = {
    "hpi": (
        "{patient} is a {age}-year-old {sex} who presented to {hospital} on {admit_date} with {complaint}.",
        "{title_last} reports that the symptoms started {days} days before admission and have become significantly worse.",
        "She was referred by {doctor} of {clinic}, who noted fluid retention and difficulty breathing at rest.",
        "The patient lives at {address} with {relative}, who can be reached at {phone}.",
        "Previous records from {clinic} dated {old_date} confirmed a diagnosis of {diagnosis}.",
        "{patient_initial} denies chest pain, fever or recent travel, and her medication list was reconciled.",
    ),
    "course": (
        "During the stay {title_last} received intravenous {medication} and her oxygen requirement improved steadily.",
        "An echocardiogram performed on {visit_date} showed a moderately reduced ejection fraction without new findings.",
        "Nephrology was consulted because of a rising creatinine; the team recommended careful fluid management.",
        "Laboratory results were reviewed with {doctor}, and the anticoagulation plan was adjusted accordingly.",
        "Her daughter, {relative_name}, was updated by telephone at {phone} and agreed with the plan.",
        "Insurance authorization for home oxygen was obtained under plan ID {plan_id} on {visit_date}.",
    ),
    "instructions": (
        "{title_last} should weigh herself every morning and call {clinic} at {phone} if her weight rises by "
        "more than two kilograms.",
        "Questions can be sent through the patient portal at {url} or by email to {email}.",
        "A follow-up appointment with {doctor} is scheduled for {followup_date} at {clinic}.",
        "She was advised to continue {medication} and to avoid nonsteroidal anti-inflammatory medication.",
    ),
    "entry": (
        "{title_last} was seen on rounds on {visit_date}; she was comfortable and her vital signs were stable.",
        "Overnight telemetry showed no significant arrhythmia and the infusion pump (serial {device}) was checked.",
        "The nursing team documented adequate oral intake and ambulation in the hallway with assistance.",
        "{doctor} reviewed the chest radiograph, which demonstrated a small right-sided effusion without consolidation.",
        "The plan was discussed with {relative_name} at the bedside and the discharge date remains {discharge_date}.",
        "Remote monitoring data were uploaded from {ip} and reviewed by the heart failure service.",
        "Potassium supplementation was continued because of diuresis; magnesium was within the normal range.",
    ),
    "progress": (
        "{patient} returns to {clinic} on {visit_date} for reassessment of {diagnosis}.",
        "Since the last visit on {old_date} she has been compliant with {medication} and reports improved energy.",
        "Vital signs today: blood pressure {bp} mmHg, heart rate {hr} beats per minute, oxygen saturation {spo2} percent.",
        "Examination shows mild bilateral ankle edema and clear lungs; the abdominal examination is unremarkable.",
        "Her contact number was updated to {phone} and her email address to {email}.",
        "The remote glucose meter (device {device}) transmitted readings from {ip} that were reviewed with her.",
    ),
    "referral": (
        "Dear {doctor}, I am writing to refer {patient}, date of birth {dob}, for evaluation of {diagnosis}.",
        "{title_last} has been under my care at {clinic} since {old_date} and her condition has become more "
        "difficult to control.",
        "Her current medications include {medication}; she has no known drug allergies.",
        "Please contact our office at {phone} or by fax at {fax} with any questions about her history.",
        "She can be reached directly at {email}, and her home address is {address}.",
        "Relevant imaging is available on the shared portal at {url} under record {mrn}.",
    ),
}

_HELDOUT_SENTENCES = {
    "operative": (
        "The patient, {patient_upper}, was brought to the operating room at {hospital} on {visit_date}.",
        "After induction of general anesthesia the abdomen was prepped and draped in the usual sterile fashion.",
        "The surgeon of record was {doctor}, assisted by {doctor2}, and the procedure was performed without complication.",
        "Estimated blood loss was minimal and no specimens were sent to pathology other than the gallbladder.",
        "Findings included a distended gallbladder with inflammatory changes and no evidence of a fistula.",
        "Postoperatively {title_last} was transferred to recovery in stable condition; family was notified at {phone}.",
        "Implant lot number {device} was recorded in the chart under account {acct}.",
    ),
    "radiology": (
        "Comparison is made with the prior examination from {old_date} performed at {clinic}.",
        "Clinical history provided by {doctor}: {age}-year-old with {complaint}; patient identifier {mrn}.",
        "There is no focal consolidation, pleural effusion or pneumothorax; the cardiomediastinal silhouette is normal.",
        "Images were acquired on {visit_date} and transferred from workstation {ip} to the archive.",
        "Findings were communicated to {doctor2} by telephone at {phone} on {visit_date}.",
        "The full image series is available at {url} for referring clinicians.",
        "Patient {patient_upper} resides at {address} and was identified with two identifiers before the study.",
    ),
}

_TEMPLATES: dict[str, _Template] = {t.name: t for t in (
    _Template(
        "discharge_summary", "train", "Discharge Summary", _TRAIN_STYLE,
        header="Patient: {patient}   MRN: {mrn}   DOB: {dob}",
        footer="{hospital} - Confidential - Page {page} of {pages}",
        sections=(
            ("Patient Information", ()),
            ("History of Present Illness", _TRAIN_SENTENCES["hpi"]),
            ("Hospital Course", _TRAIN_SENTENCES["course"]),
            ("Discharge Instructions", _TRAIN_SENTENCES["instructions"]),
        ),
        entry_heading="Hospital Day {n}: {visit_date}",
        entry_sentences=_TRAIN_SENTENCES["entry"],
        demographics=_DEMOGRAPHICS_TRAIN,
    ),
    _Template(
        "progress_note", "train", "Outpatient Progress Note", _TRAIN_STYLE,
        header="{patient}   MRN {mrn}   Visit {visit_date}",
        footer="{clinic} - Page {page} of {pages}",
        sections=(
            ("Patient Information", ()),
            ("Subjective", _TRAIN_SENTENCES["progress"]),
            ("Assessment and Plan", _TRAIN_SENTENCES["instructions"]),
        ),
        entry_heading="Interval Note {n}: {visit_date}",
        entry_sentences=_TRAIN_SENTENCES["progress"] + _TRAIN_SENTENCES["entry"],
        demographics=_DEMOGRAPHICS_TRAIN,
    ),
    _Template(
        "referral_letter", "train", "Referral Letter", _TRAIN_STYLE,
        header="Referral for {patient}   DOB {dob}",
        footer="{clinic} - {phone} - Page {page} of {pages}",
        sections=(
            ("Patient Information", ()),
            ("Reason for Referral", _TRAIN_SENTENCES["referral"]),
            ("Relevant History", _TRAIN_SENTENCES["hpi"]),
        ),
        entry_heading="Supplementary Note {n}: {visit_date}",
        entry_sentences=_TRAIN_SENTENCES["referral"] + _TRAIN_SENTENCES["course"],
        demographics=_DEMOGRAPHICS_TRAIN,
    ),
    _Template(
        "operative_report", "heldout", "OPERATIVE REPORT", _HELDOUT_STYLE,
        header="{patient_upper}   Acct {acct}   {hospital}",
        footer="Printed {print_date}   Page {page}/{pages}",
        sections=(
            ("Preoperative Diagnosis", _HELDOUT_SENTENCES["operative"][:2]),
            ("Procedure", _HELDOUT_SENTENCES["operative"]),
            ("Findings", _HELDOUT_SENTENCES["operative"][3:]),
        ),
        entry_heading="Addendum {n}",
        entry_sentences=_HELDOUT_SENTENCES["operative"],
    ),
    _Template(
        "radiology_report", "heldout", "RADIOLOGY REPORT", _HELDOUT_STYLE,
        header="{patient_upper}   Acct {acct}   {hospital}",
        footer="Printed {print_date}   Page {page}/{pages}",
        sections=(
            ("Clinical History", _HELDOUT_SENTENCES["radiology"][:2]),
            ("Technique", _HELDOUT_SENTENCES["radiology"][3:4]),
            ("Findings", _HELDOUT_SENTENCES["radiology"]),
            ("Impression", _HELDOUT_SENTENCES["radiology"][2:3]),
        ),
        entry_heading="Comparison Study {n}",
        entry_sentences=_HELDOUT_SENTENCES["radiology"],
    ),
)}

_COMPLAINTS = ("shortness of breath", "progressive leg swelling", "fatigue and dizziness",
               "intermittent abdominal pain", "a persistent cough", "palpitations")
_DIAGNOSES = ("congestive heart failure", "type 2 diabetes mellitus", "chronic kidney disease",
              "atrial fibrillation", "hypertension", "chronic obstructive pulmonary disease")
_MEDICATIONS = ("furosemide 40 mg daily", "metoprolol succinate 50 mg daily", "apixaban 5 mg twice daily",
                "lisinopril 10 mg daily", "insulin glargine 20 units nightly", "atorvastatin 40 mg nightly")
_DATE_FORMATS = ("%m/%d/%Y", "%B %d, %Y", "%Y-%m-%d", "%d %b %Y")


# ---------------------------------------------------------------------------------------------
# The patient context: every placeholder, as pieces of (text, PHI type or None).

_Piece = tuple[str, "str | None"]


def _luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


class _Context:
    """The invented patient and the people and places around them; values are stable per document."""

    def __init__(self, rng: random.Random, faker_seed: int):
        from faker import Faker

        fake = Faker("en_US")
        fake.seed_instance(faker_seed)
        self._rng = rng
        self._fake = fake
        first = rng.choice(_LIGATURE_FIRST_NAMES) if rng.random() < 0.25 else fake.first_name_female()
        last = rng.choice(_LIGATURE_SURNAMES) if rng.random() < 0.4 else fake.last_name()
        self.first, self.last = first, last
        base = fake.date_between(start_date="-3y", end_date="-30d")
        self._base = base
        age = rng.choice((rng.randint(35, 88), rng.randint(90, 101)))
        self.age = age
        dob = fake.date_of_birth(minimum_age=age, maximum_age=age)
        mrn = "".join(rng.choice("0123456789") for _ in range(7))
        hospital = f"{fake.last_name()} {rng.choice(('General Hospital', 'Medical Center', 'Memorial Hospital'))}"
        slug = re.sub(r"[^a-z]", "", hospital.lower())[:18]
        self.values: dict[str, list[_Piece]] = {
            "patient": [(f"{first} {last}", "PERSON")],
            "patient_upper": [(f"{last.upper()}, {first.upper()}", "PERSON")],
            "patient_initial": [(f"{first[0]}. {last}", "PERSON")],
            "title_last": [("Ms. ", None), (last, "PERSON")],
            "dob": [(self._date_text(dob), "DATE")],
            "mrn": [(mrn + _luhn_digit(mrn), "ID")],
            "acct": [(f"A{rng.randint(10**7, 10**8 - 1)}", "ID")],
            "plan_id": [(f"{fake.lexify('???').upper()}{rng.randint(10**8, 10**9 - 1)}", "ID")],
            "device": [(f"SN-{fake.hexify('^^^^^^^^', upper=True)}", "ID")],
            "phone": [(self._phone(), "PHONE")],
            "fax": [(self._phone(), "PHONE")],
            "email": [(f"{first}.{last}{rng.randint(1, 99)}@{fake.free_email_domain()}".lower(), "EMAIL")],
            "hospital": [(hospital, "ORGANIZATION")],
            "clinic": [(f"{fake.last_name()} "
                        f"{rng.choice(('Family Practice', 'Cardiology Associates', 'Internal Medicine Clinic'))}",
                        "ORGANIZATION")],
            "url": [(f"https://portal.{slug}.org/records/{rng.randint(10000, 99999)}", "URL")],
            "ip": [(fake.ipv4_private(), "IP")],
            "address": [(fake.street_address(), "LOCATION"), (", ", None), (fake.city(), "LOCATION"),
                        (f", {fake.state_abbr(include_territories=False)} ", None), (fake.zipcode(), "LOCATION")],
            "doctor": [("Dr. ", None), (f"{fake.first_name()} {fake.last_name()}", "PERSON")],
            "doctor2": [("Dr. ", None), (f"{fake.first_name()} {fake.last_name()}", "PERSON")],
            "relative": [("her daughter ", None), (f"{fake.first_name_female()} {last}", "PERSON")],
            "relative_name": [(f"{fake.first_name_female()} {fake.last_name()}", "PERSON")],
            "age": [(str(age), "AGE" if age > 89 else None)],
            "sex": [("woman", None)],
            "print_date": [(self._date_text(fake.date_between(start_date="-30d", end_date="today")), "DATE")],
        }

    def _date_text(self, day) -> str:
        return day.strftime(self._rng.choice(_DATE_FORMATS))

    def _phone(self) -> str:
        a, b, c = self._rng.randint(201, 989), self._rng.randint(200, 999), self._rng.randint(0, 9999)
        return self._rng.choice((f"({a}) {b}-{c:04d}", f"{a}-{b}-{c:04d}", f"{a}.{b}.{c:04d}"))

    def fresh(self) -> dict[str, list[_Piece]]:
        """Values that change from sentence to sentence (dates, vitals, drugs)."""
        import datetime as dt

        rng = self._rng
        day = self._base + dt.timedelta(days=rng.randint(0, 20))
        return {
            "admit_date": [(self._date_text(self._base), "DATE")],
            "discharge_date": [(self._date_text(self._base + dt.timedelta(days=9)), "DATE")],
            "visit_date": [(self._date_text(day), "DATE")],
            "followup_date": [(self._date_text(day + dt.timedelta(days=rng.randint(7, 30))), "DATE")],
            "old_date": [(self._date_text(self._base - dt.timedelta(days=rng.randint(60, 900))), "DATE")],
            "days": [(str(rng.randint(2, 14)), None)],
            "complaint": [(rng.choice(_COMPLAINTS), None)],
            "diagnosis": [(rng.choice(_DIAGNOSES), None)],
            "medication": [(rng.choice(_MEDICATIONS), None)],
            "bp": [(f"{rng.randint(105, 150)}/{rng.randint(60, 95)}", None)],
            "hr": [(str(rng.randint(58, 104)), None)],
            "spo2": [(str(rng.randint(91, 99)), None)],
        }

    def fill(self, template: str, extra: dict[str, object] | None = None) -> list[_Piece]:
        values = {**self.values, **self.fresh()}
        for key, value in (extra or {}).items():
            values[key] = [(str(value), None)]
        pieces: list[_Piece] = []
        pos = 0
        for m in re.finditer(r"\{(\w+)\}", template):
            if m.start() > pos:
                pieces.append((template[pos:m.start()], None))
            pieces.extend(values[m.group(1)])
            pos = m.end()
        if pos < len(template):
            pieces.append((template[pos:], None))
        return pieces


# ---------------------------------------------------------------------------------------------
# Layout: words are wrapped into frames (one per page, two on the two-column page); every PHI
# piece remembers the page it landed on.


@dataclass
class _Run:
    text: str
    phi: str | None
    seg: int | None


@dataclass
class _Word:
    runs: list[_Run]

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)

    @property
    def plain(self) -> bool:
        return all(r.phi is None for r in self.runs)


class _Full(Exception):
    """The last page is full."""


@functools.lru_cache(maxsize=None)
def _font(name: str) -> pymupdf.Font:
    return pymupdf.Font(name)


@functools.lru_cache(maxsize=None)
def _advance(font: str, ch: str) -> float:
    # Font.text_length encodes character by character through MuPDF; per-character advances
    # summed are the same number (TextWriter does not kern) and make 100-page documents fast.
    return _font(font).text_length(ch, 1.0)


def _words(pieces: Sequence[_Piece], seg_counter: list[int]) -> list[_Word]:
    chars: list[tuple[str, str | None, int | None]] = []
    for text, phi in pieces:
        seg = None
        if phi is not None:
            seg_counter[0] += 1
            seg = seg_counter[0]
        chars.extend((ch, phi, seg) for ch in text)
    words: list[_Word] = []
    current: list[_Run] = []
    for ch, phi, seg in chars + [(" ", None, None)]:
        if ch == " ":
            if current:
                words.append(_Word(current))
                current = []
            continue
        if current and current[-1].phi == phi and current[-1].seg == seg:
            current[-1].text += ch
        else:
            current.append(_Run(ch, phi, seg))
    return words


@dataclass
class _Page:
    number: int
    writer: pymupdf.TextWriter
    width: float
    height: float
    frames: list[pymupdf.Rect]
    rotated: bool = False


class _Layout:
    def __init__(self, doc: pymupdf.Document, pages: int, style: _Style, *, ligatures: bool, hyphenate: bool,
                 two_column_page: int | None, rotated_page: int | None):
        self.doc = doc
        self.pages_wanted = pages
        self.style = style
        self.ligatures = ligatures
        self.hyphenate = hyphenate
        self.two_column_page = two_column_page
        self.rotated_page = rotated_page
        self.pages: list[_Page] = []
        self.frame = -1
        self.y = 0.0
        self.placed: list[tuple[int, str, str, int]] = []   # (seg, text, type, page)
        self.headings: list[str] = []
        self._new_page()

    # -- pages and frames
    def _new_page(self) -> None:
        number = len(self.pages) + 1
        if number > self.pages_wanted:
            raise _Full()
        rotated = number == self.rotated_page
        width, height = (PAGE_HEIGHT, PAGE_WIDTH) if rotated else (PAGE_WIDTH, PAGE_HEIGHT)
        top, bottom = _MARGIN_TOP, height - _MARGIN_BOTTOM
        if number == self.two_column_page:
            col = (width - 2 * _MARGIN_X - _COLUMN_GAP) / 2
            frames = [pymupdf.Rect(_MARGIN_X, top, _MARGIN_X + col, bottom),
                      pymupdf.Rect(width - _MARGIN_X - col, top, width - _MARGIN_X, bottom)]
        else:
            frames = [pymupdf.Rect(_MARGIN_X, top, width - _MARGIN_X, bottom)]
        self.pages.append(_Page(number, pymupdf.TextWriter(pymupdf.Rect(0, 0, width, height)), width, height,
                                frames, rotated))
        self.frame = 0
        self.y = frames[0].y0

    @property
    def _rect(self) -> pymupdf.Rect:
        return self.pages[-1].frames[self.frame]

    def _next_frame(self) -> None:
        if self.frame + 1 < len(self.pages[-1].frames):
            self.frame += 1
            self.y = self._rect.y0
        else:
            self._new_page()

    def _room(self, height: float) -> None:
        if self.y + height > self._rect.y1:
            self._next_frame()

    # -- drawing
    def render(self, text: str) -> str:
        if self.ligatures:
            return text.replace("fi", "\ufb01").replace("fl", "\ufb02")
        return text

    def width(self, text: str, font: str, size: float) -> float:
        return sum(_advance(font, ch) for ch in self.render(text)) * size

    def _emit(self, x: float, baseline: float, text: str, font: str, size: float) -> None:
        self.pages[-1].writer.append((x, baseline), self.render(text), font=_font(font), fontsize=size)

    def _record(self, words: Sequence[_Word]) -> None:
        page = self.pages[-1].number
        for w in words:
            for r in w.runs:
                if r.phi is not None:
                    self.placed.append((r.seg, r.text, r.phi, page))

    # -- blocks of text
    def space(self, amount: float) -> None:
        if self.y > self._rect.y0:
            self.y += amount

    def lines(self, words: list[_Word], font: str, size: float, leading: float = 1.25,
              keep_with_next: float = 0.0) -> None:
        """Wraps words into the frame, hyphenating long plain words at line ends."""
        line_h = size * leading
        self._room(line_h + keep_with_next)
        space_w = self.width(" ", font, size)
        pending = list(words)
        while pending:
            self._room(line_h)
            width = self._rect.width
            line: list[_Word] = []
            used = 0.0
            while pending:
                w = pending[0]
                add = self.width(w.text, font, size) + (space_w if line else 0.0)
                if used + add <= width or not line and add > width and not self._can_split(w):
                    line.append(pending.pop(0))
                    used += add
                    continue
                split = self._split(w, width - used - (space_w if line else 0.0), font, size) if self.hyphenate else None
                if split:
                    head, tail = split
                    line.append(head)
                    pending[0] = tail
                elif not line:
                    line.append(pending.pop(0))   # longer than the frame: let it overflow
                break
            baseline = self.y + size * 0.95
            self._emit(self._rect.x0, baseline, " ".join(w.text for w in line), font, size)
            self._record(line)
            self.y += line_h

    def _can_split(self, w: _Word) -> bool:
        return w.plain and w.text.isalpha() and w.text.islower() and len(w.text) >= 2 * _MIN_HYPHEN_PART + 2

    def _split(self, w: _Word, room: float, font: str, size: float) -> tuple[_Word, _Word] | None:
        # Only plain lower-case words are hyphenated: PHI stays whole, so the ground truth is
        # exactly what a reader sees, and the continuation starts lower case as dehyphenation expects.
        if not self._can_split(w):
            return None
        text = w.text
        for cut in range(len(text) - _MIN_HYPHEN_PART, _MIN_HYPHEN_PART - 1, -1):
            if self.width(text[:cut] + "-", font, size) <= room:
                return _Word([_Run(text[:cut] + "-", None, None)]), _Word([_Run(text[cut:], None, None)])
        return None

    def heading(self, words: list[_Word], size: float) -> None:
        self.space(size * 1.1)
        # A heading is never the last line of a frame: keep it with two body lines.
        self.lines(words, self.style.bold, size, leading=1.3, keep_with_next=self.style.body_size * 2.6)
        self.headings.append(" ".join(w.text for w in words))
        self.y += size * 0.3

    def running(self, page: _Page, header: list[_Word], footer: list[_Word]) -> None:
        font, size = self.style.regular, _RUNNING_SIZE
        for words, baseline in ((header, _HEADER_Y), (footer, page.height - (PAGE_HEIGHT - _FOOTER_Y))):
            text = " ".join(w.text for w in words)
            page.writer.append((_MARGIN_X, baseline), self.render(text), font=_font(font), fontsize=size)
            for w in words:
                for r in w.runs:
                    if r.phi is not None:
                        self.placed.append((r.seg, r.text, r.phi, page.number))

    def finish(self) -> None:
        for page in self.pages:
            target = self.doc.new_page(width=PAGE_WIDTH, height=PAGE_HEIGHT)
            if not page.rotated:
                page.writer.write_text(target)
                continue
            # A landscape page stored the way scanners and report engines store it: a portrait
            # page with /Rotate 90 whose content is drawn turned, so it reads upright on screen.
            scratch = pymupdf.open()
            landscape = scratch.new_page(width=page.width, height=page.height)
            page.writer.write_text(landscape)
            target.set_rotation(90)
            target.show_pdf_page(target.mediabox, scratch, 0, rotate=90)


def _spans(placed: Sequence[tuple[int, str, str, int]]) -> tuple[PhiSpan, ...]:
    """Joins the words of one PHI value placed on one page into one span."""
    merged: dict[tuple[int, int], list] = {}
    for seg, text, phi, page in placed:
        key = (seg, page)
        if key in merged:
            merged[key][0].append(text)
        else:
            merged[key] = [[text], phi, page]
    return tuple(PhiSpan(" ".join(parts), phi, page) for parts, phi, page in merged.values())


def template_names(templates: str | Sequence[str] = "train") -> tuple[str, ...]:
    """"train", "heldout", "all", or explicit template names."""
    if isinstance(templates, str):
        if templates == "all":
            return TEMPLATE_FAMILIES["train"] + TEMPLATE_FAMILIES["heldout"]
        if templates in TEMPLATE_FAMILIES:
            return TEMPLATE_FAMILIES[templates]
        templates = (templates,)
    unknown = [t for t in templates if t not in _TEMPLATES]
    if unknown:
        raise ValueError(f"unknown template(s) {', '.join(unknown)}; choose from {', '.join(_TEMPLATES)} "
                         "or a family: train, heldout, all")
    return tuple(templates)


def generate(seed: int = 0, *, pages: int = 3, paragraphs: int = 2, templates: str | Sequence[str] = "train",
             two_column: bool = True, rotated: bool = False, hyphenate: bool = True,
             ligatures: bool = True) -> SampleDocument:
    """One clinical document of exactly `pages` pages with its ground-truth PHI spans.

    `paragraphs` is the most paragraphs per section (each section draws 1..paragraphs);
    `templates` picks the family ("train", "heldout", "all") or explicit template names, one
    of which is drawn with the seed. The two-column page is page 2 (page 1 of a one-page
    document); the rotated landscape page, when asked for, is the last page.
    """
    if pages < 1:
        raise ValueError("pages must be >= 1")
    if paragraphs < 1:
        raise ValueError("paragraphs must be >= 1")
    rng = random.Random(seed)
    template = _TEMPLATES[rng.choice(template_names(templates))]
    style = template.style
    ctx = _Context(rng, seed)
    two_col = (2 if pages >= 2 else 1) if two_column else None
    rot = pages if rotated else None
    if rot is not None and rot == two_col and pages > 1:
        two_col = 1
    doc = pymupdf.open()
    layout = _Layout(doc, pages, style, ligatures=ligatures, hyphenate=hyphenate,
                     two_column_page=two_col, rotated_page=rot)
    seg = [0]

    def heading_words(number: str, title: str, extra: dict | None = None) -> list[_Word]:
        # Upper-case the words, not the {placeholders}.
        text = re.sub(r"[^{}]+(?=\{|$)", lambda m: m.group(0).upper(), title) if style.upper_headings else title
        prefix = f"{number} " if style.numbered and number else ""
        suffix = ":" if style.upper_headings else ""
        return _words(ctx.fill(prefix + text + suffix, extra), seg)

    def paragraph(sentences: Sequence[str]) -> None:
        chosen = rng.sample(list(sentences), min(rng.randint(2, 4), len(sentences)))
        pieces: list[_Piece] = []
        for i, sentence in enumerate(chosen):
            if i:
                pieces.append((" ", None))
            pieces.extend(ctx.fill(sentence))
        layout.lines(_words(pieces, seg), style.regular, style.body_size)
        layout.space(style.body_size * 0.7)

    try:
        layout.lines(_words([(template.title, None)], seg), style.bold, style.title_size, leading=1.4)
        layout.headings.append(template.title)
        layout.space(style.body_size)
        number = 0
        for title, sentences in template.sections:
            number += 1
            layout.heading(heading_words(f"{number}.", title), style.heading_sizes[0])
            if not sentences:
                for line in template.demographics:
                    layout.lines(_words(ctx.fill(line), seg), style.regular, style.body_size, leading=1.35)
                layout.space(style.body_size * 0.7)
                continue
            for _ in range(rng.randint(1, paragraphs)):
                paragraph(sentences)
        number += 1
        entries_heading = "Daily Progress" if style.numbered else ""
        if entries_heading:
            layout.heading(heading_words(f"{number}.", entries_heading), style.heading_sizes[0])
        n = 0
        while True:
            n += 1
            sub = f"{number}.{n}" if style.numbered else ""
            layout.heading(heading_words(sub, template.entry_heading, {"n": n}), style.heading_sizes[1])
            for _ in range(rng.randint(1, paragraphs)):
                paragraph(template.entry_sentences)
    except _Full:
        pass
    # Headings that did not fit are not in the document.
    headings = tuple(layout.headings)
    header = _words(ctx.fill(template.header), seg)   # one text on every page, as report engines print it
    for page in layout.pages:
        footer = _words(ctx.fill(template.footer, {"page": page.number, "pages": pages}), seg)
        layout.running(page, header, footer)
    layout.finish()
    doc.set_metadata({"title": f"{template.title} - {ctx.first} {ctx.last}", "author": "Veil samples",
                      "subject": "synthetic clinical document", "creator": "tools.synthetic.samples"})
    pdf = doc.tobytes(garbage=3, deflate=True, no_new_id=True)  # byte-identical for one seed
    doc.close()
    return SampleDocument(pdf=pdf, spans=_spans(layout.placed), headings=headings, template=template.name,
                          family=template.family, seed=seed, pages=pages,
                          two_column_page=two_col, rotated_page=rot)


def corpus(count: int, *, seed: int = 0, templates: str | Sequence[str] = "heldout", pages: int = 2,
           paragraphs: int = 2, **options) -> Iterator[SampleDocument]:
    """`count` documents with seeds seed, seed+1, ...: an evaluation or benchmark corpus."""
    for i in range(count):
        yield generate(seed + i, pages=pages, paragraphs=paragraphs, templates=templates, **options)


def clinical_note_pdf(pages: int, seed: int = 0) -> bytes:
    """Just the PDF of `generate(seed, pages=pages)`: the load tests' request documents."""
    return generate(seed, pages=pages).pdf
