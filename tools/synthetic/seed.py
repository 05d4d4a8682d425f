"""`veil data seed`: generates the datasets Veil trains on and loads them into PostgreSQL, reproducibly."""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass
from typing import Callable

from services.classifier.training import rows
from tools.synthetic import phi_data, phrase_data

_log = logging.getLogger(__name__)

# Rows are spread over this many days before the seeding time, so a config's history window
# (365 days by default) really leaves the oldest ones out.
SPREAD_DAYS = 450


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    generate: Callable[[int, int], list]
    size: int
    seed: int
    description: str


DATASETS: dict[str, DatasetSpec] = {
    "phi-type": DatasetSpec(
        "phi-type", lambda n, s: phi_data.generate(n, seed=s), 36000, 13,
        "candidate phrases of clinical notes: 10 Safe Harbor types + NONE"),
    "general-phrases": DatasetSpec(
        "general-phrases", lambda n, s: phrase_data.generate(n, seed=s), 45000, 29,
        f"customer-request phrases in {len(phrase_data.classes())} imbalanced classes"),
}


def build_rows(spec: DatasetSpec, size: int, seed: int, now: dt.datetime) -> list[rows.Row]:
    examples = spec.generate(size, seed)
    rng = random.Random(f"created_at:{spec.name}:{seed}")
    source = f"seed:{spec.name}:{seed}"
    out = []
    for ex in examples:
        created = now - dt.timedelta(seconds=rng.uniform(0, SPREAD_DAYS * 86400))
        out.append(rows.Row(text=ex.text, label=ex.label, created_at=created,
                            context=getattr(ex, "context", None), template=ex.template, shard=ex.shard,
                            source=source))
    return out


def seed(url: str, names: list[str] | None = None, scale: float = 1.0, seed_value: int | None = None,
         now: dt.datetime | None = None) -> dict[str, int]:
    """Creates the database and table if needed and (re)loads each dataset; returns rows per dataset.

    Same (scale, seed) gives the same texts and labels; created_at is relative to `now`.
    """
    names = names or list(DATASETS)
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        raise ValueError(f"unknown dataset(s) {', '.join(unknown)}; known: {', '.join(DATASETS)}")
    if scale <= 0:
        raise ValueError("scale must be > 0")
    now = now or dt.datetime.now(dt.timezone.utc)
    rows.ensure_database(url)
    rows.ensure_schema(url)
    loaded = {}
    for name in names:
        spec = DATASETS[name]
        size = max(200, int(spec.size * scale))
        built = build_rows(spec, size, spec.seed if seed_value is None else seed_value, now)
        loaded[name] = rows.replace_dataset(url, name, built)
    return loaded
