"""An honest development set for Veil: synthetic clinical notes from an independent generator.

`generate(out_dir, n_notes=60, seed=20261207, locales=None)` writes NAME.txt + NAME.ann (BRAT)
pairs whose fake values come from mimesis (not Faker, which makes the training data) and whose
note templates are this package's own. Run it with ``python -m tools.devset --out DIR``.
"""

from tools.devset.generator import DEFAULT_NOTES, DEFAULT_SEED, generate, read_brat, stats

__all__ = ["DEFAULT_NOTES", "DEFAULT_SEED", "generate", "read_brat", "stats"]
