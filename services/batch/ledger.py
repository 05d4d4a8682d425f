"""The resume ledger: one small JSON file per finished document in <out>/ledger/, named by its content hash.

Each entry is written atomically after the document's outputs are, so an entry that exists
always points at complete files, and a document can be counted at most once however often a
worker died on it: a second write of the same hash replaces the first. A rerun reads the
ledger and skips every document whose content it lists as done.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any, Iterator

from services.batch.files import write_json

_log = logging.getLogger(__name__)

LEDGER_DIR = "ledger"
DONE, FAILED = "done", "failed"
# Failure kinds. Rejected documents fail the same way every time (not a PDF, encrypted), so a
# rerun skips them unless asked to retry; the others (a service down, a crashed worker) are retried.
REJECTED, UNVERIFIED, UNAVAILABLE, MODEL, CRASHED, ERROR = (
    "rejected", "unverified", "unavailable", "model", "crashed", "error")
FINAL_FAILURES = frozenset({REJECTED})

_HASH = re.compile(r"^[0-9a-f]{64}$")


class Ledger:
    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.folder = self.out / LEDGER_DIR

    def path(self, sha256: str) -> Path:
        if not _HASH.match(sha256):
            raise ValueError("a ledger key is a lower-case hex SHA-256")
        return self.folder / f"{sha256}.json"

    def get(self, sha256: str) -> dict[str, Any] | None:
        try:
            entry = json.loads(self.path(sha256).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            # Written atomically, so only a hand-edited or foreign file gets here: redo that document.
            _log.warning("ignoring unreadable ledger entry %s (%s)", sha256[:12], type(exc).__name__)
            return None
        return entry if isinstance(entry, dict) and entry.get("sha256") == sha256 else None

    def record(self, entry: dict[str, Any]) -> None:
        write_json(self.path(entry["sha256"]), entry)

    def entries(self) -> Iterator[dict[str, Any]]:
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("*.json")):
            entry = self.get(path.stem) if _HASH.match(path.stem) else None
            if entry is not None:
                yield entry

    def is_settled(self, entry: dict[str, Any] | None, retry_failed: bool = False) -> bool:
        """True when a rerun should leave the document alone: done with its output present, or finally rejected."""
        if entry is None:
            return False
        if entry.get("status") == DONE:
            return all((self.out / rel).is_file() for rel in entry.get("outputs", [])[:1])
        return entry.get("status") == FAILED and entry.get("kind") in FINAL_FAILURES and not retry_failed
