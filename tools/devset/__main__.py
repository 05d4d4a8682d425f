"""``python -m tools.devset --out DIR [--n N] [--seed S] [--locales a,b]``: write the dev set."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.devset.countries import COUNTRIES
from tools.devset.generator import DEFAULT_NOTES, DEFAULT_SEED, generate, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.devset",
                                     description="Write Veil's independent development set (notes + BRAT gold).")
    parser.add_argument("--out", required=True, type=Path, help="output folder (created if missing)")
    parser.add_argument("--n", type=int, default=DEFAULT_NOTES, help=f"number of notes (default {DEFAULT_NOTES})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--locales", default=None,
                        help="comma-separated mimesis locales (default: all of " + ",".join(COUNTRIES) + ")")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    locales = [loc.strip() for loc in args.locales.split(",") if loc.strip()] if args.locales else None
    try:
        paths = generate(args.out, n_notes=args.n, seed=args.seed, locales=locales)
    except ValueError as exc:
        parser.error(str(exc))
    s = stats(args.out)
    print(f"wrote {len(paths)} notes to {args.out} ({s['chars']} bytes of text)")
    print("gold spans: " + ", ".join(f"{t} {n}" for t, n in s["types"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
