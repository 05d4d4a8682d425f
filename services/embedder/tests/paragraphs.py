"""Seeded clinical-note paragraphs (~60 words) for the token-vector tests and the tokens/s measurement.

Varied on purpose: names in several scripts, dates, numbers, abbreviations and punctuation, so
offsets and windowing meet what real notes hold. Nothing here is real patient data.
"""

from __future__ import annotations

import random

_NAMES = ["Maria Gonzalez", "Ivan Kuznetsov", "Анна Кузнецова", "Ελένη Παπαδοπούλου", "Łukasz Wiśniewski",
          "Siobhán O'Brien", "Nguyễn Văn An", "Zoë Müller", "José Álvarez-Núñez", "山田 太郎", "Fatima Al-Sayed"]
_PLACES = ["St. Mary's Hospital", "the emergency department", "Klinikum Köln", "the cardiology ward",
           "Hôpital Saint-Louis", "the outpatient clinic"]
_OPENINGS = [
    "{name}, a {age}-year-old {sex}, presented to {place} on {date} with {complaint}.",
    "{name} ({age} y/o {sex}) was seen at {place} on {date} for {complaint}.",
    "On {date}, {name}, aged {age}, was admitted to {place} because of {complaint}.",
]
_COMPLAINTS = ["chest pain radiating to the left arm", "shortness of breath and a productive cough",
               "a fever of 38.9 °C and chills", "sudden weakness of the right hand", "abdominal pain after meals",
               "palpitations and dizziness"]
_FINDINGS = [
    "Troponin I was {lab} ng/mL; the ECG showed ST depression in leads V4–V6.",
    "Blood pressure was {bp} mmHg, heart rate {hr} bpm, SpO2 {spo2}% on room air.",
    "A chest X-ray revealed bilateral infiltrates, more pronounced on the left.",
    "CT of the head was unremarkable; MRI is pending.",
    "Labs: WBC {wbc} ×10⁹/L, CRP {crp} mg/L, creatinine {cr} µmol/L.",
    "She denied nausea, vomiting or recent travel.",
    "The family history includes diabetes and early coronary artery disease.",
]
_PLANS = [
    "Started on aspirin 300 mg and heparin; cardiology consulted. Follow-up with Dr. {doctor} in 2 weeks.",
    "Discharged home in stable condition with amoxicillin 500 mg t.i.d. for 7 days; call {phone} if worse.",
    "Admitted for observation; MRN {mrn}. Plan discussed with {name} and the family.",
]


def paragraph(rng: random.Random) -> str:
    """One paragraph of about 55-75 words."""
    name = rng.choice(_NAMES)
    fields = dict(
        name=name, age=rng.randint(19, 94), sex=rng.choice(["woman", "man"]), place=rng.choice(_PLACES),
        date=f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{rng.randint(10, 25)}",
        complaint=rng.choice(_COMPLAINTS), lab=f"{rng.uniform(0.01, 9):.2f}",
        bp=f"{rng.randint(95, 180)}/{rng.randint(55, 110)}", hr=rng.randint(48, 130), spo2=rng.randint(85, 99),
        wbc=f"{rng.uniform(3, 19):.1f}", crp=rng.randint(1, 240), cr=rng.randint(40, 300),
        doctor=rng.choice(_NAMES).split()[-1], phone=f"(555) {rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
        mrn=f"{rng.randint(0, 10**8):08d}")
    parts = [rng.choice(_OPENINGS)] + rng.sample(_FINDINGS, 3) + [rng.choice(_PLANS)]
    return " ".join(p.format(**fields) for p in parts)


def paragraphs(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [paragraph(rng) for _ in range(count)]


def long_note(min_chars: int, seed: int = 0) -> str:
    """Paragraphs joined with blank lines until the note holds at least `min_chars` characters."""
    rng = random.Random(seed)
    parts: list[str] = []
    while sum(len(p) + 2 for p in parts) < min_chars:
        parts.append(paragraph(rng))
    return "\n\n".join(parts)
