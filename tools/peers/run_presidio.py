"""Presidio's side: the PDFs handed to `presidio_runner.py` under the peers venv's python, its outputs read back.

The runner runs as a subprocess (`python -I`: none of Veil's environment leaks in) reading
the PDFs from a folder and writing the redacted PDFs and a JSON result. Its entities carry
Presidio's types; they are mapped to Veil's types here only so that the scorer can give
precision per predicted type (recall, overall precision and leaks do not depend on types).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from tools.peers.corpus import Outcome
from tools.peers.venv import PeersEnvError, PeersVenv
from veil.contracts import DATE, EMAIL, ID, IP, LOCATION, ORGANIZATION, PERSON, PHONE, URL

RUNNER = Path(__file__).resolve().with_name("presidio_runner.py")
EXIT_MISSING = 3        # presidio_runner.EXIT_MISSING (the runner cannot import Veil, nor Veil it)

# Presidio's default entity types as Veil's; any other keeps its own name (NRP: nationality,
# religious or political group, is no Safe Harbor identifier).
PRESIDIO_TYPES = {
    "PERSON": PERSON, "DATE_TIME": DATE, "PHONE_NUMBER": PHONE, "EMAIL_ADDRESS": EMAIL, "LOCATION": LOCATION,
    "URL": URL, "IP_ADDRESS": IP, "ORGANIZATION": ORGANIZATION,
    "US_SSN": ID, "US_DRIVER_LICENSE": ID, "US_PASSPORT": ID, "US_BANK_NUMBER": ID, "US_ITIN": ID,
    "CREDIT_CARD": ID, "IBAN_CODE": ID, "MEDICAL_LICENSE": ID, "UK_NHS": ID, "CRYPTO": ID, "MAC_ADDRESS": ID,
    "UUID": ID,
}


class PresidioFailed(RuntimeError):
    """The runner could not run (as opposed to one document failing)."""


@dataclass
class PresidioRun:
    outcomes: list[Outcome]
    load_seconds: float
    seconds: float
    processes: int
    versions: dict[str, str] = field(default_factory=dict)
    score_threshold: float | None = None
    wall_seconds: float = 0.0           # the whole subprocess, interpreter start to exit


def veil_entities(entities: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The runner's entities in the report shape the scorer reads (page, bbox, type), typed as Veil's."""
    return [{"page": e["page"], "bbox": e["bbox"], "type": PRESIDIO_TYPES.get(e["type"], e["type"]),
             "presidio_type": e["type"], "score": e.get("score")} for e in entities]


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_presidio(venv: PeersVenv, pdfs: Sequence[bytes], work_dir: Path, *, processes: int,
                 score_threshold: float | None = None, timeout: float | None = None) -> PresidioRun:
    """Runs Presidio over `pdfs` in `processes` worker processes; outcomes in the order of `pdfs`.
    Raises PeersEnvError when the venv lacks a package, PresidioFailed when the runner fails."""
    in_dir, out_dir, result_path = work_dir / "in", work_dir / "out", work_dir / "result.json"
    for folder in (in_dir, out_dir):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    result_path.unlink(missing_ok=True)
    names = [f"{i:05d}.pdf" for i in range(len(pdfs))]
    for name, pdf in zip(names, pdfs):
        (in_dir / name).write_bytes(pdf)
    argv = [str(venv.python), "-I", str(RUNNER), "--in", str(in_dir), "--out", str(out_dir),
            "--result", str(result_path), "--processes", str(processes)]
    if score_threshold is not None:
        argv += ["--score-threshold", str(score_threshold)]
    start = time.perf_counter()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise PresidioFailed(f"the Presidio runner did not finish within {timeout:.0f}s") from None
    wall = time.perf_counter() - start
    if done.returncode == EXIT_MISSING:
        raise PeersEnvError(f"Presidio's environment {venv.path} is incomplete: {_tail(done.stderr, 3)}",
                            hint=f"reinstall its packages with: {venv.pip_command}")
    if done.returncode != 0 or not result_path.is_file():
        raise PresidioFailed(f"the Presidio runner exited with {done.returncode}:\n{_tail(done.stderr)}")
    result = json.loads(result_path.read_text())
    outcomes: list[Outcome] = []
    for name, pdf in zip(names, pdfs):
        doc = result["documents"].get(name)
        if doc is None:
            outcomes.append(PresidioFailed(f"no result for {name}"))
        elif doc["error"]:
            outcomes.append(PresidioFailed(doc["error"]))
        elif doc["sha256"] != hashlib.sha256(pdf).hexdigest():
            raise PresidioFailed(f"the runner read other bytes for {name} than Veil was given")
        else:
            outcomes.append(((out_dir / name).read_bytes(), {"entities": veil_entities(doc["entities"])}))
    return PresidioRun(outcomes, load_seconds=result["load_seconds"], seconds=result["process_seconds"],
                       processes=result["processes"], versions=result.get("versions", {}),
                       score_threshold=result.get("score_threshold"), wall_seconds=wall)
