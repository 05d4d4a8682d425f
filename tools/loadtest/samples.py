"""Request samples that look like production: Zipf-repeated phrases from a large pool, and clinical PDFs.

Callers send short, highly repetitive phrases, and the embedder's cache lives off that
repetition. A load test that repeats a handful of phrases measures the cache, not the
service; one that never repeats measures a cold cache no production instance has. So rows
are drawn from a pool of tens of thousands of distinct phrases with Zipf-like popularity:
a few phrases are very common, most are rare, as in production traffic.
"""

from __future__ import annotations

import csv
import json
import logging
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:
    import numpy as np

_log = logging.getLogger(__name__)

DEFAULT_POOL_SIZE = 60_000
# s = 1 is classic Zipf: the most popular phrase is ~1/ln(N) of the traffic. Raise it for more
# repetitive callers (a higher cache hit rate), lower it towards 0 for near-uniform traffic.
DEFAULT_ZIPF_S = 1.0
DEFAULT_SEED = 8
DEFAULT_ROWS_BATCH1 = 50_000
DEFAULT_ROWS_BATCH32 = 5_000
# name: pages. Several sizes, because de-identification time grows with the page count.
DEFAULT_PDF_SIZES = {"small": 1, "medium": 4, "large": 12}
# How often each size is uploaded (shares of the rows), and how many distinct files per size.
DEFAULT_PDF_WEIGHTS = {"small": 0.6, "medium": 0.3, "large": 0.1}
DEFAULT_PDF_FILES_PER_SIZE = 3
DEFAULT_PDF_ROWS = 500

BATCH1_CSV = "classify-b1.csv"
BATCH32_CSV = "classify-b32.csv"
PDF_CSV = "deidentify-pdfs.csv"

_SYMPTOMS = ("chest pain", "shortness of breath", "nausea", "fatigue", "headache", "dizziness", "fever",
             "cough", "abdominal pain", "back pain", "palpitations", "joint swelling", "rash", "insomnia",
             "blurred vision", "weight loss", "night sweats", "numbness", "wheezing", "anxiety")
_CONDITIONS = ("type 2 diabetes", "hypertension", "asthma", "COPD", "atrial fibrillation", "migraine",
               "hypothyroidism", "chronic kidney disease", "osteoarthritis", "depression", "GERD",
               "heart failure", "hyperlipidemia", "sleep apnea", "anemia", "psoriasis")
_DRUGS = ("metformin", "lisinopril", "atorvastatin", "albuterol", "levothyroxine", "amlodipine",
          "omeprazole", "sertraline", "metoprolol", "gabapentin", "losartan", "prednisone",
          "warfarin", "insulin glargine", "furosemide", "apixaban")
_DOSES_MG = (2.5, 5, 10, 20, 25, 40, 50, 81, 100, 250, 500, 1000)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_FREQ = ("daily", "twice daily", "at bedtime", "every 8 hours", "as needed", "weekly")
_BODY = ("cardiac", "pulmonary", "abdominal", "neurologic", "skin", "musculoskeletal", "HEENT", "renal")
_FINDINGS = ("unremarkable", "within normal limits", "without acute findings", "stable since last visit",
             "mildly abnormal", "improved")
_DEPARTMENTS = ("Cardiology", "Radiology", "Oncology", "Pediatrics", "Neurology", "Orthopedics",
                "Internal Medicine", "Emergency Department")


class _Vocabulary:
    """Names, places and organisations from Faker, drawn once; phrases combine them.

    Faker takes 100-400 us per name or address, too slow for tens of thousands of phrases;
    combining a few thousand drawn parts is fast and still gives millions of distinct phrases.
    """

    def __init__(self, seed: int, size: int = 1500):
        from faker import Faker

        fake = Faker("en_US")
        fake.seed_instance(seed)
        self.first = [fake.first_name() for _ in range(size)]
        self.last = [fake.last_name() for _ in range(size)]
        self.streets = [fake.street_name() for _ in range(size)]
        self.cities = [fake.city() for _ in range(size // 2)]
        self.companies = [fake.company() for _ in range(size // 3)]
        self.domains = [fake.domain_name() for _ in range(size // 5)]
        self.states = [fake.state_abbr() for _ in range(60)]


def _phrase(v: _Vocabulary, rng: random.Random) -> str:
    """One phrase of about five words, of the kinds a PHI-type head sees (identifiers and clinical text)."""
    pick = rng.choice
    n = rng.randint(1, 14)
    kind = rng.randrange(22)
    if kind == 0:
        return f"{pick(v.first)} {pick(v.last)}"
    if kind == 1:
        return f"patient {pick(v.first)} {pick(v.last)}"
    if kind == 2:
        return f"seen by Dr. {pick(v.last)} today"
    if kind == 3:
        return f"DOB {rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(1925, 2024)}"
    if kind == 4:
        return f"admitted on {pick(_MONTHS)} {rng.randint(1, 28)}, {rng.randint(2019, 2026)}"
    if kind == 5:
        return f"{rng.randint(18, 103)}-year-old {pick(('female', 'male', 'patient'))}"
    if kind == 6:
        return f"{pick(('call', 'phone', 'fax', 'cell'))} ({rng.randint(201, 989)}) {rng.randint(200, 999)}-" \
               f"{rng.randint(0, 9999):04d}"
    if kind == 7:
        return f"email {pick(v.first).lower()}.{pick(v.last).lower()}{rng.randint(1, 99)}@{pick(v.domains)}"
    if kind == 8:
        return f"MRN {rng.randint(10**6, 10**8 - 1):08d}"
    if kind == 9:
        return f"SSN {rng.randint(100, 899):03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
    if kind == 10:
        return f"lives at {rng.randint(1, 9999)} {pick(v.streets)}"
    if kind == 11:
        return f"{pick(v.cities)}, {pick(v.states)} {rng.randint(501, 99950):05d}"
    if kind == 12:
        return f"patient portal https://{pick(v.domains)}/{pick(v.last).lower()}"
    if kind == 13:
        return f"login from {rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if kind == 14:
        return f"referred by {pick(v.companies)}"
    if kind == 15:
        return f"{pick(_DEPARTMENTS)} at {pick(v.last)} Memorial Hospital"
    if kind == 16:
        return f"{pick(_SYMPTOMS)} for {n} days"
    if kind == 17:
        return f"denies {pick(_SYMPTOMS)} and {pick(_SYMPTOMS)}"
    if kind == 18:
        return f"{pick(_DRUGS)} {pick(_DOSES_MG)} mg {pick(_FREQ)}"
    if kind == 19:
        return f"history of {pick(_CONDITIONS)} since {rng.randint(1970, 2025)}"
    if kind == 20:
        return f"{pick(_BODY)} exam {pick(_FINDINGS)}"
    return f"follow up in {n} {pick(('days', 'weeks', 'months'))}"


def phrase_pool(size: int = DEFAULT_POOL_SIZE, seed: int = DEFAULT_SEED) -> list[str]:
    """`size` distinct phrases, in a random order that becomes their popularity rank."""
    if size < 1:
        raise ValueError("the pool needs at least one phrase")
    # Enough parts that combinations never run short, few enough to draw quickly for small pools.
    vocabulary = _Vocabulary(seed, size=min(1500, max(200, size // 20)))
    rng = random.Random(seed)
    pool: dict[str, None] = {}
    attempts = 0
    while len(pool) < size:
        attempts += 1
        if attempts > size * 20:
            raise RuntimeError(f"could not make {size} distinct phrases")
        # "${" would be read by JMeter as a variable reference when the row is substituted.
        text = _phrase(vocabulary, rng).replace("${", "$ {").strip()
        pool.setdefault(text, None)
    phrases = list(pool)
    rng.shuffle(phrases)
    return phrases


def zipf_weights(n: int, s: float = DEFAULT_ZIPF_S) -> np.ndarray:
    """Probabilities of ranks 1..n under a Zipf law with exponent s (bounded, so any s >= 0 works)."""
    import numpy as np

    if n < 1:
        raise ValueError("n must be >= 1")
    if s < 0:
        raise ValueError("the Zipf exponent must be >= 0")
    weights = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** s
    return weights / weights.sum()


def draw(pool: Sequence[str], count: int, s: float = DEFAULT_ZIPF_S,
         rng: np.random.Generator | None = None) -> list[str]:
    """`count` phrases drawn with Zipf-like repetition: pool[0] is the most popular."""
    import numpy as np

    rng = rng or np.random.default_rng(DEFAULT_SEED)
    index = rng.choice(len(pool), size=count, p=zipf_weights(len(pool), s))
    return [pool[i] for i in index]


@dataclass(frozen=True)
class PhraseStats:
    rows: int
    phrases: int
    distinct: int
    top_share: float

    @property
    def repeat_share(self) -> float:
        """Share of phrases already seen earlier in the file: what an unbounded cache would hit."""
        return 1.0 - self.distinct / self.phrases if self.phrases else 0.0


def write_classify_csv(path: Path, pool: Sequence[str], rows: int, batch: int, s: float = DEFAULT_ZIPF_S,
                       seed: int = DEFAULT_SEED) -> PhraseStats:
    """One JSON array of `batch` texts per line (no header), the body field the plans splice in.

    JSON arrays go in whole, with tabs as the CSV delimiter (phrases never contain one), so
    commas and quotes inside phrases need no CSV quoting, which JMeter 2.13 handles poorly.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    texts = draw(pool, rows * batch, s, rng)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for i in range(rows):
            out.write(json.dumps(texts[i * batch:(i + 1) * batch]))
            out.write("\n")
    counts: dict[str, int] = {}
    for t in texts:
        counts[t] = counts.get(t, 0) + 1
    return PhraseStats(rows=rows, phrases=len(texts), distinct=len(counts),
                       top_share=max(counts.values()) / len(texts))


def read_classify_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_pdfs(folder: Path, sizes: dict[str, int] | None = None, files_per_size: int = DEFAULT_PDF_FILES_PER_SIZE,
               seed: int = DEFAULT_SEED) -> dict[str, list[Path]]:
    """Clinical-note PDFs of several page counts, each file a different synthetic patient."""
    sizes = sizes or DEFAULT_PDF_SIZES
    folder.mkdir(parents=True, exist_ok=True)
    made: dict[str, list[Path]] = {}
    for n, (name, pages) in enumerate(sorted(sizes.items(), key=lambda kv: kv[1])):
        made[name] = []
        for i in range(files_per_size):
            path = folder / f"{name}-{pages}p-{i + 1}.pdf"
            path.write_bytes(clinical_pdf(pages, seed=seed * 1000 + n * 100 + i))
            made[name].append(path)
    return made


def clinical_pdf(pages: int, seed: int = DEFAULT_SEED) -> bytes:
    """A synthetic clinical note: headings, paragraphs full of identifiers, a header and a footer."""
    redactor_samples = _redactor_samples()
    if redactor_samples is not None:
        return redactor_samples(pages, seed)
    return _clinical_pdf_pymupdf(pages, seed)


def _redactor_samples():
    """The redactor's own sample generator when it offers a (pages, seed) -> bytes function.

    Its documents are the ones its tests are built around; ours are the fallback.
    """
    try:
        from tools.synthetic import samples  # type: ignore[attr-defined]
    except ImportError:
        return None
    func = getattr(samples, "clinical_note_pdf", None)
    return func if callable(func) else None


def _clinical_pdf_pymupdf(pages: int, seed: int) -> bytes:
    import fitz
    import numpy as np
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = np.random.default_rng(seed)
    patient = fake.name()
    doctor = fake.last_name()
    mrn = f"{int(rng.integers(10**6, 10**8)):08d}"
    doc = fitz.open()
    sections = ("History of Present Illness", "Past Medical History", "Medications", "Physical Examination",
                "Assessment and Plan", "Social History", "Follow-up")
    section = 0
    for page_no in range(pages):
        page = doc.new_page(width=612, height=792)
        page.insert_text((54, 40), f"{fake.company()} Medical Center - confidential", fontsize=8)
        y = 80.0
        if page_no == 0:
            page.insert_text((54, y), "Clinical Note", fontsize=16, fontname="hebo")
            y += 26
            page.insert_text((54, y), f"Patient: {patient}   MRN: {mrn}   DOB: "
                             f"{fake.date_of_birth(minimum_age=20, maximum_age=95).strftime('%m/%d/%Y')}",
                             fontsize=10)
            y += 24
        while y < 700:
            section += 1
            heading = f"{section}. {sections[int(rng.integers(len(sections)))]}"
            page.insert_text((54, y), heading, fontsize=12, fontname="hebo")
            y += 18
            for _ in range(int(rng.integers(1, 3))):
                text = _paragraph(fake, rng, patient, doctor)
                rect = fitz.Rect(54, y, 558, y + 80)
                page.insert_textbox(rect, text, fontsize=10)
                y += 84
                if y > 690:
                    break
        page.insert_text((54, 770), f"Page {page_no + 1} of {pages} - printed {fake.date_this_year()}",
                         fontsize=8)
    doc.set_metadata({"author": f"Dr. {doctor}", "title": f"Clinical note {patient}"})
    data = doc.tobytes(garbage=3, deflate=True)
    doc.close()
    return data


def _paragraph(fake, rng: np.random.Generator, patient: str, doctor: str) -> str:
    last = patient.split()[-1]
    parts = [
        f"{patient} is a {int(rng.integers(20, 95))}-year-old seen on {fake.date_this_decade().strftime('%m/%d/%Y')} "
        f"by Dr. {doctor} for {_SYMPTOMS[int(rng.integers(len(_SYMPTOMS)))]}.",
        f"Ms. {last} reports {_SYMPTOMS[int(rng.integers(len(_SYMPTOMS)))]} for {int(rng.integers(1, 20))} days "
        f"and takes {_DRUGS[int(rng.integers(len(_DRUGS)))]} daily.",
        f"Contact: {fake.phone_number()}, {fake.email()}; lives at {fake.street_address()}, {fake.city()}, "
        f"{fake.state_abbr()} {fake.zipcode()}.",
        f"History of {_CONDITIONS[int(rng.integers(len(_CONDITIONS)))]}; "
        f"{_BODY[int(rng.integers(len(_BODY)))]} exam {_FINDINGS[int(rng.integers(len(_FINDINGS)))]}.",
    ]
    rng.shuffle(parts)
    return " ".join(parts[: int(rng.integers(2, 5))])


def write_pdf_csv(path: Path, pdfs: dict[str, list[Path]], rows: int = DEFAULT_PDF_ROWS,
                  weights: dict[str, float] | None = None, seed: int = DEFAULT_SEED) -> None:
    """One absolute PDF path per line; sizes in the proportions of `weights`."""
    weights = weights or DEFAULT_PDF_WEIGHTS
    import numpy as np

    names = [n for n in pdfs if pdfs[n]]
    p = np.array([weights.get(n, 0.0) for n in names], dtype=np.float64)
    if p.sum() <= 0:
        p = np.ones(len(names))
    p = p / p.sum()
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(names), size=rows, p=p)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for c in chosen:
            files = pdfs[names[c]]
            out.write(str(files[int(rng.integers(len(files)))].resolve()) + "\n")


@dataclass(frozen=True)
class SampleSet:
    folder: Path
    batch1: Path
    batch32: Path
    pdfs: Path
    stats: dict[str, PhraseStats]


def generate(folder: Path, *, pool_size: int = DEFAULT_POOL_SIZE, zipf_s: float = DEFAULT_ZIPF_S,
             rows_batch1: int = DEFAULT_ROWS_BATCH1, rows_batch32: int = DEFAULT_ROWS_BATCH32,
             pdf_sizes: dict[str, int] | None = None, pdf_files_per_size: int = DEFAULT_PDF_FILES_PER_SIZE,
             pdf_rows: int = DEFAULT_PDF_ROWS, seed: int = DEFAULT_SEED) -> SampleSet:
    """Writes every data set the plans use into `folder`."""
    pool = phrase_pool(pool_size, seed)
    stats = {
        BATCH1_CSV: write_classify_csv(folder / BATCH1_CSV, pool, rows_batch1, 1, zipf_s, seed),
        BATCH32_CSV: write_classify_csv(folder / BATCH32_CSV, pool, rows_batch32, 32, zipf_s, seed + 1),
    }
    pdfs = write_pdfs(folder / "pdfs", pdf_sizes, pdf_files_per_size, seed)
    write_pdf_csv(folder / PDF_CSV, pdfs, pdf_rows, seed=seed)
    _log.info("wrote samples to %s", folder)
    return SampleSet(folder, folder / BATCH1_CSV, folder / BATCH32_CSV, folder / PDF_CSV, stats)


def describe(stats: dict[str, PhraseStats]) -> Iterable[str]:
    for name, s in stats.items():
        yield (f"{name}: {s.rows} rows, {s.phrases} phrases, {s.distinct} distinct "
               f"({s.repeat_share:.1%} repeats), most common phrase {s.top_share:.2%} of traffic")


def read_pdf_csv(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as f:
        return [row[0] for row in csv.reader(f, delimiter="\t") if row]
