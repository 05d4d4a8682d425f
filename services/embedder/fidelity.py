"""The fidelity gate: a reduced-precision model is accepted only if its vectors stay with float32's.

Over a fixed, seeded set of short phrases and clinical-note paragraphs (the two kinds of text
Veil embeds: classifier phrases and token-tagging paragraphs), the cosine between the
variant's sentence vector and float32's must be >= MIN_MEAN_COSINE on average and
>= MIN_COSINE for every text. Heads trained on float32 vectors see vectors this close, so
their decisions move only at their margins (the heads' F1 check is `veil eval`'s job).
"""

from __future__ import annotations

import random
from typing import Callable, Sequence

import numpy as np

MIN_MEAN_COSINE = 0.999
MIN_COSINE = 0.995

_NAMES = ["Maria Gonzalez", "Ivan Kuznetsov", "Анна Кузнецова", "Ελένη Παπαδοπούλου", "Łukasz Wiśniewski",
          "Siobhán O'Brien", "Nguyễn Văn An", "Zoë Müller", "José Álvarez-Núñez", "山田 太郎", "Fatima Al-Sayed"]
_PHRASES = [
    "chest pain", "shortness of breath", "Maria Gonzalez", "03/14/2021", "St. Mary's Hospital", "MRN 00482913",
    "type 2 diabetes mellitus", "the patient", "Dr. Okafor", "+1 (617) 555-0143", "Boston, MA 02115",
    "troponin I 0.42 ng/mL", "no known drug allergies", "a", "metoprolol 25 mg twice daily", "COVID-19",
    "Klinikum Köln", "born 1957", "ward 4B, bed 12", "j.smith@example.org", "SSN 078-05-1120", "fever",
    "left lower lobe pneumonia", "discharged home", "Анна Кузнецова", "山田 太郎", "👍 feeling better",
    "ECG: ST depression V4–V6", "follow-up in two weeks", "husband at bedside",
]
_OPENINGS = ["{name}, a {age}-year-old {sex}, presented to {place} on {date} with {complaint}.",
             "{name} ({age} y/o {sex}) was seen at {place} on {date} for {complaint}.",
             "On {date}, {name}, aged {age}, was admitted to {place} because of {complaint}."]
_PLACES = ["St. Mary's Hospital", "the emergency department", "Klinikum Köln", "Hôpital Saint-Louis"]
_COMPLAINTS = ["chest pain radiating to the left arm", "shortness of breath and a productive cough",
               "a fever of 38.9 °C and chills", "sudden weakness of the right hand", "palpitations and dizziness"]
_FINDINGS = ["Troponin I was {lab} ng/mL; the ECG showed ST depression in leads V4–V6.",
             "Blood pressure was {bp} mmHg, heart rate {hr} bpm, SpO2 {spo2}% on room air.",
             "A chest X-ray revealed bilateral infiltrates, more pronounced on the left.",
             "CT of the head was unremarkable; MRI is pending.",
             "Labs: WBC {wbc} ×10⁹/L, CRP {crp} mg/L, creatinine {cr} µmol/L.",
             "The family history includes diabetes and early coronary artery disease."]
_PLANS = ["She was started on aspirin and referred to cardiology; call {phone} with questions.",
          "Discharged home on {date2} with follow-up at the clinic in two weeks (MRN {mrn}).",
          "Plan: repeat labs in the morning, continue IV antibiotics, contact {email}."]


def _paragraph(rng: random.Random) -> str:
    fill = {"name": rng.choice(_NAMES), "age": rng.randint(18, 95), "sex": rng.choice(["woman", "man"]),
            "place": rng.choice(_PLACES), "date": f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/20{rng.randint(10, 25)}",
            "complaint": rng.choice(_COMPLAINTS), "lab": f"{rng.uniform(0.01, 2):.2f}",
            "bp": f"{rng.randint(95, 180)}/{rng.randint(55, 110)}", "hr": rng.randint(48, 130),
            "spo2": rng.randint(86, 100), "wbc": f"{rng.uniform(3, 18):.1f}", "crp": rng.randint(1, 250),
            "cr": rng.randint(50, 300), "phone": f"+1 (617) 555-{rng.randint(0, 9999):04d}",
            "date2": f"{rng.randint(1, 28)} March 20{rng.randint(10, 25)}", "mrn": f"{rng.randint(0, 10**8):08d}",
            "email": f"ward{rng.randint(1, 9)}@hospital.example"}
    parts = [rng.choice(_OPENINGS)] + rng.sample(_FINDINGS, 3) + [rng.choice(_PLANS)]
    return " ".join(p.format(**fill) for p in parts)


def paragraphs(count: int, seed: int) -> list[str]:
    """Seeded ~70-word clinical-note paragraphs (also the benchmark's paragraph load)."""
    rng = random.Random(seed)
    return [_paragraph(rng) for _ in range(count)]


def fixed_texts(count: int = 24, seed: int = 21) -> tuple[list[str], list[str]]:
    """The gate's set: 30 varied phrases and `count` seeded paragraphs (the same on every run)."""
    return list(_PHRASES), paragraphs(count, seed)


def cosines(reference: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    a = reference / np.linalg.norm(reference, axis=1, keepdims=True)
    b = candidate / np.linalg.norm(candidate, axis=1, keepdims=True)
    return np.sum(a * b, axis=1)


def check(reference: Callable[[Sequence[str]], np.ndarray], candidate: Callable[[Sequence[str]], np.ndarray],
          texts: tuple[list[str], list[str]] | None = None) -> dict:
    """Cosine figures of `candidate` against `reference` on phrases and paragraphs, and the verdict."""
    phrases, paragraphs = texts or fixed_texts()
    figures: dict = {"min_mean_cosine": MIN_MEAN_COSINE, "min_cosine": MIN_COSINE}
    every = []
    for name, group in (("phrases", phrases), ("paragraphs", paragraphs)):
        c = cosines(np.asarray(reference(group), dtype=np.float64), np.asarray(candidate(group), dtype=np.float64))
        figures[name] = {"texts": len(group), "mean": float(c.mean()), "min": float(c.min())}
        every.append(c)
    c = np.concatenate(every)
    figures["mean"], figures["min"] = float(c.mean()), float(c.min())
    figures["passed"] = bool(figures["mean"] >= MIN_MEAN_COSINE and figures["min"] >= MIN_COSINE)
    figures["summary"] = (f"cosine to float32 mean {figures['mean']:.5f} (>= {MIN_MEAN_COSINE}), "
                          f"min {figures['min']:.5f} (>= {MIN_COSINE}) over {len(phrases)} phrases and "
                          f"{len(paragraphs)} paragraphs: {'PASS' if figures['passed'] else 'FAIL'}")
    return figures
