"""`veil bench pipeline`: the naive mode and the default mode over the same corpus, side by side, in one run.

The corpus is generated sample PDFs (headings, running headers and footers, two-column
pages) totalling at least the asked number of paragraphs. Both modes run against real
services started here: the redactor, and for each mode a fresh embedder and classifier, so
neither inherits the other's warm cache; the naive mode's embedder runs with its cache off,
as the mode prescribes. The scikit-learn model is loaded in this process for both.
"""

from __future__ import annotations

import cProfile
import io
import json
import logging
import pstats
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from services.gateway.pipeline.deidentify import STAGES, Pipeline, PipelineOptions
from services.gateway.pipeline.predict import PhraseModels
from tools.gateway.naive import NaivePipeline

DEFAULT, NAIVE = "default", "naive"

_log = logging.getLogger(__name__)

DEFAULT_PARAGRAPHS = 9_000
_PAGES_PER_DOCUMENT = 10


@dataclass
class Corpus:
    pdfs: list[bytes]
    paragraphs: int
    pages: int
    headings: int


def corpus(target_paragraphs: int, folder: Path, seed: int = 500) -> Corpus:
    """Sample PDFs with at least `target_paragraphs` extracted paragraphs; cached in `folder` between runs."""
    from services.redactor.extract import extract
    from tools.synthetic import samples

    index = folder / "corpus.json"
    if index.exists():
        meta = json.loads(index.read_text())
        if meta.get("target") == target_paragraphs and meta.get("seed") == seed:
            pdfs = [(folder / name).read_bytes() for name in meta["files"]]
            return Corpus(pdfs, meta["paragraphs"], meta["pages"], meta["headings"])
    folder.mkdir(parents=True, exist_ok=True)
    pdfs, files = [], []
    paragraphs = pages = headings = 0
    i = 0
    while paragraphs < target_paragraphs:
        doc = samples.generate(seed + i, pages=_PAGES_PER_DOCUMENT, paragraphs=3, templates="all")
        extraction = extract(doc.pdf)
        paragraphs += len(extraction["paragraphs"])
        headings += sum(1 for p in extraction["paragraphs"] if p["heading"])
        pages += extraction["page_count"]
        name = f"doc-{i:03d}.pdf"
        (folder / name).write_bytes(doc.pdf)
        pdfs.append(doc.pdf)
        files.append(name)
        i += 1
    index.write_text(json.dumps({"target": target_paragraphs, "seed": seed, "files": files,
                                 "paragraphs": paragraphs, "pages": pages, "headings": headings}))
    return Corpus(pdfs, paragraphs, pages, headings)


class CountingModel:
    """Counts the calls and phrases that reach a phrase model (what the two modes differ in)."""

    def __init__(self, model: Callable[[Sequence[str]], list[dict]]):
        self.model = model
        self.calls = 0
        self.phrases = 0
        self._lock = threading.Lock()

    def __call__(self, phrases: Sequence[str]) -> list[dict]:
        with self._lock:
            self.calls += 1
            self.phrases += len(phrases)
        return self.model(phrases)


@dataclass
class RunResult:
    mode: str
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)
    dl_calls: int = 0
    dl_phrases: int = 0
    entities: int = 0
    verified: int = 0
    documents: int = 0


class _TaskProfiles:
    """cProfile for the work that runs on pool threads: one profile per task, merged at the end."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def wrap(self, fn: Callable) -> Callable:
        def profiled(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is threading.main_thread():
                return fn(*args, **kwargs)  # the main thread's profiler already sees it
            profile = cProfile.Profile()
            try:
                return profile.runcall(fn, *args, **kwargs)
            finally:
                with self._lock:
                    self.profiles.append(profile)

        return profiled


def run_mode(mode: str, pdfs: Sequence[bytes], redactor: Any, dl: Callable, ml: Callable | None,
             ml_weight: float, document_workers: int, profile_path: Path | None = None,
             tagger: Callable | None = None) -> RunResult:
    counting = CountingModel(dl)
    options = PipelineOptions(document_workers=document_workers if mode == DEFAULT else 1)
    tasks = _TaskProfiles() if profile_path else None
    kind = Pipeline if mode == DEFAULT else NaivePipeline
    pipeline = kind(redactor, PhraseModels(dl=counting, ml=ml, ml_weight=ml_weight, tagger=tagger), options,
                    wrap=tasks.wrap if tasks else None)
    profiler = cProfile.Profile() if profile_path else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    try:
        outcomes = pipeline.run_many(pdfs)
    finally:
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - start
    if profiler and tasks and profile_path:
        stats = pstats.Stats(profiler)
        for p in tasks.profiles:
            stats.add(p)
        profile_path.parent.mkdir(parents=True, exist_ok=True)
        stats.dump_stats(str(profile_path))
    result = RunResult(mode, seconds, dl_calls=counting.calls, dl_phrases=counting.phrases, documents=len(outcomes))
    for o in outcomes:
        for stage in STAGES:
            value = o.report["timings"].get(stage, 0.0)
            if stage == "predict" and mode == DEFAULT:
                continue  # one batch shared by every document: counted once below
            result.stages[stage] = result.stages.get(stage, 0.0) + value
        result.entities += len(o.report["entities"])
        result.verified += int(o.report["verification"]["verified"])
    if mode == DEFAULT and outcomes:
        result.stages["predict"] = outcomes[0].report["timings"].get("predict", 0.0)
    return result


def combined(parts: Sequence[RunResult]) -> RunResult:
    """One run's figures from runs over consecutive parts of the corpus (the naive run, in halves)."""
    total = RunResult(parts[0].mode, sum(p.seconds for p in parts))
    for p in parts:
        for stage, seconds in p.stages.items():
            total.stages[stage] = total.stages.get(stage, 0.0) + seconds
        total.dl_calls += p.dl_calls
        total.dl_phrases += p.dl_phrases
        total.entities += p.entities
        total.verified += p.verified
        total.documents += p.documents
    return total


def median_run(runs: Sequence[RunResult]) -> RunResult:
    """The run with the median wall time (the lower middle one of an even number)."""
    ordered = sorted(runs, key=lambda r: r.seconds)
    return ordered[(len(ordered) - 1) // 2]


def top_functions(profile_path: Path, n: int = 10) -> str:
    out = io.StringIO()
    stats = pstats.Stats(str(profile_path), stream=out)
    stats.sort_stats("tottime").print_stats(n)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return "\n".join(lines[start:start + n + 1])


def machine() -> str:
    """What the figures were measured on: cores and the load other processes put on them."""
    import os

    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.1f} (1 min) / {five:.1f} (5 min) at the end of the run"


def side_by_side(corpus_: Corpus, naive: RunResult, default: RunResult,
                 default_runs: Sequence[RunResult] = ()) -> str:
    """Both modes' figures; with several default runs, `default` is their median and all are listed."""
    def row(label: str, a: str, b: str) -> str:
        return f"{label:<28}{a:>14}{b:>14}"

    lines = [
        f"corpus: {corpus_.paragraphs:,} paragraphs ({corpus_.headings:,} of them headings) in "
        f"{len(corpus_.pdfs)} PDFs, {corpus_.pages:,} pages",
        row("", "naive", "default"),
        row("wall time (s)", f"{naive.seconds:.1f}", f"{default.seconds:.1f}"),
    ]
    if len(default_runs) > 1:
        lines.append(f"  (default: median of {len(default_runs)} runs, in run order "
                     f"{', '.join(f'{r.seconds:.1f}' for r in default_runs)} s)")
    for stage in STAGES:
        lines.append(row(f"  {stage} (s, summed)", f"{naive.stages.get(stage, 0):.1f}",
                         f"{default.stages.get(stage, 0):.1f}"))
    lines += [
        row("DL model calls", f"{naive.dl_calls:,}", f"{default.dl_calls:,}"),
        row("phrases sent to the DL model", f"{naive.dl_phrases:,}", f"{default.dl_phrases:,}"),
        row("paragraphs per second", f"{corpus_.paragraphs / naive.seconds:.1f}",
            f"{corpus_.paragraphs / default.seconds:.1f}"),
        row("entities redacted", f"{naive.entities:,}", f"{default.entities:,}"),
        row("documents verified", f"{naive.verified}/{naive.documents}", f"{default.verified}/{default.documents}"),
        f"speed-up (naive time / default time): {naive.seconds / default.seconds:.1f}x; prediction stage alone: "
        f"{naive.stages.get('predict', 0) / max(default.stages.get('predict', 0), 1e-9):.0f}x",
        f"machine: {machine()}",
    ]
    return "\n".join(lines)
