"""The options every `veil` command spells the same way: -o/--output, --api-key, --json [FILE], --url.

One helper per option, so a new command cannot drift: `-o/--output` is where results go (a
file or a folder, as the command says), `--api-key` the key a command sends, and `--json`
always means "the figures as JSON": to FILE, or to stdout when no FILE is given. Older
spellings (`--out`, `--out-dir`, `--key`) still parse but are not shown in the help.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


class InputError(Exception):
    """A file or folder the user named cannot be read; the CLI prints the message and exits with 2."""


def add_output(parser: argparse.ArgumentParser, help: str, *, legacy: tuple[str, ...] = ("--out",),
               default: Any = None) -> None:
    # Never argparse's required=True: it would refuse an old spelling (--out) as a missing -o.
    parser.add_argument("-o", "--output", type=Path, default=default, help=help)
    for spelling in legacy:
        parser.add_argument(spelling, dest="output", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def add_api_key(parser: argparse.ArgumentParser, help: str = "API key (default: VEIL_API_KEY)") -> None:
    parser.add_argument("--api-key", default=None, help=help)
    parser.add_argument("--key", dest="api_key", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def add_json(parser: argparse.ArgumentParser, what: str = "the figures", *,
             legacy: tuple[str, ...] = ()) -> None:
    parser.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                        help=f"also write {what} as JSON to FILE (to stdout with no FILE)")
    for spelling in legacy:
        parser.add_argument(spelling, dest="json", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def write_json(target: str | Path | None, data: Any) -> None:
    """Writes `data` where --json said: nowhere (None), stdout ("-"), or a file (its folder made)."""
    if target is None:
        return
    text = json.dumps(data, indent=2, default=str) + "\n"
    if str(target) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def readable_file(path: Path, what: str = "file") -> Path:
    """`path` when it is a readable file; InputError with the reason otherwise."""
    if not path.exists():
        raise InputError(f"no such {what}: {path}")
    if not path.is_file():
        raise InputError(f"not a {what}: {path}")
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return path
