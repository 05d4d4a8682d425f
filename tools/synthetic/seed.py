"""`veil data seed`: generates the datasets Veil trains on and loads them into PostgreSQL, reproducibly.

Phrase datasets (a phrase and its label) go to `training_rows`; token datasets (a paragraph and
its labelled character spans, for token heads such as phi-tagger) to `training_token_rows`.
"""

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
    kind: str = "phrase"  # "token": generate() gives tagged_notes rows {"text", "spans", "style", "locale"}


def _tagged_paragraphs(n: int, seed: int) -> list[dict]:
    # Imported on use: the tagged generators load Faker providers of every locale.
    from tools.synthetic import tagged_notes

    return tagged_notes.to_rows(tagged_notes.generate(n, seed))


DATASETS: dict[str, DatasetSpec] = {
    "phi-type": DatasetSpec(
        "phi-type", lambda n, s: phi_data.generate(n, seed=s), 36000, 13,
        "candidate phrases of clinical notes: 10 Safe Harbor types + NONE"),
    "general-phrases": DatasetSpec(
        "general-phrases", lambda n, s: phrase_data.generate(n, seed=s), 45000, 29,
        f"customer-request phrases in {len(phrase_data.classes())} imbalanced classes"),
    "phi-tagger": DatasetSpec(
        "phi-tagger", _tagged_paragraphs, 12000, 17,
        "paragraphs of clinical documents with labelled character spans of the Safe Harbor types", kind="token"),
}


def build_token_rows(spec: DatasetSpec, size: int, seed: int, now: dt.datetime) -> list[rows.TokenRow]:
    examples = spec.generate(size, seed)
    rng = random.Random(f"created_at:{spec.name}:{seed}")
    source = f"seed:{spec.name}:{seed}"
    return [rows.TokenRow(text=ex["text"], spans=list(ex["spans"]), style=ex.get("style"), locale=ex.get("locale"),
                          created_at=now - dt.timedelta(seconds=rng.uniform(0, SPREAD_DAYS * 86400)), shard=seed,
                          source=source)
            for ex in examples]


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
        seed_for = spec.seed if seed_value is None else seed_value
        if spec.kind == "token":
            loaded[name] = rows.replace_token_dataset(url, name, build_token_rows(spec, size, seed_for, now))
        else:
            loaded[name] = rows.replace_dataset(url, name, build_rows(spec, size, seed_for, now))
    return loaded
