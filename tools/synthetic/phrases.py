"""Synthetic short phrases (about five words) and Zipf-distributed request streams, seeded, for benchmarks and sizing.

Callers' real traffic is short, repetitive phrases; until an inference store has recorded
some, these stand in for it: names, places, dates, roles and clinical findings combined by
templates (Faker's word lists, our own clinical vocabulary), deduplicated by cache key.
"""

from __future__ import annotations

import functools
from typing import Iterator

import numpy as np

from services.embedder.texts import normalise

DEFAULT_POOL_SIZE = 50_000
DEFAULT_ZIPF_S = 1.1

_FINDINGS = (
    "chest pain", "shortness of breath", "abdominal pain", "headache", "fever", "nausea", "dizziness", "cough",
    "back pain", "fatigue", "rash", "palpitations", "syncope", "wheezing", "edema", "weight loss", "anemia",
    "hypertension", "diabetes", "pneumonia", "sepsis", "fracture", "migraine", "asthma", "seizure", "stroke",
    "hypoglycemia", "cellulitis", "bronchitis", "insomnia", "anxiety", "depression", "vertigo", "tachycardia",
)
_ACTIONS = ("admitted", "discharged", "seen", "referred", "transferred", "evaluated", "treated", "examined",
            "scheduled", "called", "visited", "consulted")
_WHEN = ("on monday", "on tuesday", "on wednesday", "on thursday", "on friday", "on saturday", "on sunday",
         "last week", "yesterday", "this morning", "last night", "in march", "in june", "in october")
_SEVERITY = ("mild", "moderate", "severe", "acute", "chronic", "recurrent", "intermittent", "persistent")
_PLACES = ("clinic", "emergency room", "ward", "pharmacy", "lab", "icu", "radiology", "cardiology",
           "oncology", "pediatrics")


@functools.lru_cache(maxsize=4)
def _vocab(seed: int) -> dict[str, list[str]]:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    person = fake.provider("faker.providers.person")
    return {
        "first": list(person.first_names),
        "last": list(person.last_names),
        "city": sorted({fake.city() for _ in range(3000)}),
        "job": sorted({fake.job().split(",")[0].lower() for _ in range(2000)}),
        "street": sorted({fake.street_name() for _ in range(3000)}),
    }


_TEMPLATES = (
    "{first} {last} {action} {when}",
    "patient {first} {last} from {city}",
    "{severity} {finding} {when}",
    "{action} at {place} in {city}",
    "dr. {last} {action} the patient",
    "{first} {last}, {job}",
    "{severity} {finding} since {month} {day}",
    "lives on {street} in {city}",
    "{first} {last} reports {finding}",
    "follow up with {first} {last}",
    "{job} from {city}",
    "{finding} treated at {place}",
)
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")


def phrase_pool(size: int = DEFAULT_POOL_SIZE, seed: int = 1, exclude: set[str] | None = None) -> list[str]:
    """`size` distinct phrases (distinct as cache keys), the same list for the same seed."""
    rng = np.random.default_rng(seed)
    words = _vocab(seed)  # shared and cached: only read below
    pick = {k: (lambda v=v: v[rng.integers(len(v))]) for k, v in words.items()}
    fixed = {"action": _ACTIONS, "when": _WHEN, "severity": _SEVERITY, "finding": _FINDINGS, "place": _PLACES,
             "month": _MONTHS}
    for k, v in fixed.items():
        pick[k] = lambda v=v: v[rng.integers(len(v))]
    pick["day"] = lambda: str(int(rng.integers(1, 29)))
    seen = set(exclude or ())
    pool: list[str] = []
    attempts = 0
    while len(pool) < size:
        attempts += 1
        if attempts > size * 50:
            raise RuntimeError(f"could not make {size} distinct phrases; the templates are exhausted")
        template = _TEMPLATES[rng.integers(len(_TEMPLATES))]
        phrase = template.format(**{k: f() for k, f in pick.items() if "{" + k + "}" in template})
        key = normalise(phrase, case_insensitive=True)
        if key in seen:
            continue
        seen.add(key)
        pool.append(phrase)
    return pool


def zipf_indices(pool_size: int, n: int, s: float = DEFAULT_ZIPF_S, seed: int = 2) -> np.ndarray:
    """n draws of ranks 0..pool_size-1 with P(rank k) proportional to 1 / (k + 1)**s."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, pool_size + 1, dtype=np.float64) ** s
    return rng.choice(pool_size, size=n, p=weights / weights.sum())


def zipf_stream(pool: list[str], n: int, s: float = DEFAULT_ZIPF_S, seed: int = 2) -> Iterator[str]:
    """A request stream over `pool`; popularity is by position in a seeded shuffle, not by template."""
    order = np.random.default_rng(seed + 1).permutation(len(pool))
    for i in zipf_indices(len(pool), n, s, seed):
        yield pool[order[i]]
