"""`veil bench redactor`: pages per second for extraction and for redaction of a generated 100-page document."""

from __future__ import annotations

import os
import platform
import re
import statistics
import time
from pathlib import Path
from typing import Any

from services.redactor.extract import extract
from services.redactor.limits import Limits
from services.redactor.redact import redact
from tools.synthetic import samples

README_START = "<!-- bench:redactor:start -->"
README_END = "<!-- bench:redactor:end -->"
# A benchmark document is far over the service's default per-request time limit on a slow
# machine; the benchmark measures the work, not the limit.
_NO_LIMIT = Limits(max_bytes=1 << 31, max_pages=100_000, time_limit_s=24 * 3600)


def run(pages: int = 100, repeat: int = 3, seed: int = 0, style: str = "box") -> dict[str, Any]:
    """Times extraction and redaction (with the document's ground-truth PHI spans) `repeat` times each."""
    started = time.perf_counter()
    doc = samples.generate(seed, pages=pages, paragraphs=3)
    generated = time.perf_counter() - started
    spans = doc.span_dicts()
    extraction: list[float] = []
    redaction: list[float] = []
    extraction_cpu: list[float] = []
    redaction_cpu: list[float] = []
    stages: list[dict[str, float]] = []
    document: dict[str, Any] = {}
    report: dict[str, Any] = {}
    for _ in range(repeat):
        # Wall time is what a caller waits; CPU time of this process shows the work itself when
        # other processes share the cores.
        t0, c0 = time.perf_counter(), time.process_time()
        document = extract(doc.pdf, limits=_NO_LIMIT)
        extraction.append(time.perf_counter() - t0)
        extraction_cpu.append(time.process_time() - c0)
        t0, c0 = time.perf_counter(), time.process_time()
        _, report = redact(doc.pdf, spans, style=style, limits=_NO_LIMIT)
        redaction.append(time.perf_counter() - t0)
        redaction_cpu.append(time.process_time() - c0)
        stages.append(report["seconds"])
    best = min(range(repeat), key=lambda i: redaction[i])
    return {
        "pages": pages, "repeat": repeat, "seed": seed, "style": style,
        "template": doc.template, "pdf_kb": len(doc.pdf) / 1024, "spans": len(spans), "generated_s": generated,
        "paragraphs": len(document["paragraphs"]),
        "headings": sum(1 for p in document["paragraphs"] if p["heading"]),
        "extract_s": min(extraction), "extract_median_s": statistics.median(extraction),
        "extract_cpu_s": min(extraction_cpu),
        "redact_s": min(redaction), "redact_median_s": statistics.median(redaction),
        "redact_cpu_s": min(redaction_cpu), "cores": os.cpu_count(),
        "load": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "stages": stages[best], "areas": report["areas"], "verified": report["verified"],
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
    }


def render(r: dict[str, Any]) -> str:
    """The figures as printed (and as written into the README)."""
    pages = r["pages"]
    stages = r["stages"]
    lines = [
        f"veil bench redactor: generated {pages}-page document ({r['template']}, {r['pdf_kb']:.0f} KB, "
        f"{r['spans']} PHI spans), best of {r['repeat']} runs, one process",
        f"machine: {r['machine']}, {r['cores']} cores, load average {r['load']:.1f} at the end",
        "",
        f"{'operation':<12} {'best s':>7} {'median s':>9} {'pages/s':>8} {'CPU s':>7} {'pages/CPU-s':>12}",
        f"{'extraction':<12} {r['extract_s']:>7.2f} {r['extract_median_s']:>9.2f} {pages / r['extract_s']:>8.1f}"
        f" {r['extract_cpu_s']:>7.2f} {pages / r['extract_cpu_s']:>12.1f}"
        f"   {r['paragraphs']} paragraphs, {r['headings']} headings",
        f"{'redaction':<12} {r['redact_s']:>7.2f} {r['redact_median_s']:>9.2f} {pages / r['redact_s']:>8.1f}"
        f" {r['redact_cpu_s']:>7.2f} {pages / r['redact_cpu_s']:>12.1f}"
        f"   {r['areas']} areas, verified={str(r['verified']).lower()}",
        "",
        "redaction stages (best run): " + ", ".join(
            f"{name} {stages.get(key, 0.0):.2f} s" for name, key in
            (("open+OCR check", "open"), ("locate", "locate"), ("remove+paint", "apply"),
             ("scrub+save", "scrub_save"), ("verify", "verify"))),
        f"redaction / extraction: {r['redact_s'] / r['extract_s']:.1f}x the wall time, "
        f"{r['redact_cpu_s'] / r['extract_cpu_s']:.1f}x the CPU time",
    ]
    return "\n".join(lines)


def write_readme(path: Path, text: str) -> None:
    """Replaces the figures between the README's benchmark markers with `text`."""
    content = path.read_text()
    block = f"{README_START}\n```\n{text}\n```\n{README_END}"
    pattern = re.compile(re.escape(README_START) + r".*?" + re.escape(README_END), re.DOTALL)
    if not pattern.search(content):
        raise ValueError(f"{path} has no {README_START} ... {README_END} block")
    path.write_text(pattern.sub(lambda _: block, content))
