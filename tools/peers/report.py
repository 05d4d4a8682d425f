"""What `veil bench peers` prints and saves: quality and throughput of each tool side by side, recall per type, the ratio."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from tools.evaluation import EvaluationResult, to_json
from tools.evaluation.results import UNTYPED, f2, precision, recall
from tools.peers.throughput import Throughput, ratio
from veil.contracts import ENTITY_TYPES


@dataclass
class ToolRun:
    """One tool's figures: its scores, its throughput, how it ran (`how`), what its start-up was
    (`startup`, e.g. "stack start-up"), the documents it failed on, and notes."""

    tool: str
    result: EvaluationResult
    throughput: Throughput
    how: str
    startup: str
    failures: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)   # extra JSON fields (versions, models, ...)


def _cell(value: float | None, width: int, digits: int = 3) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width},.{digits}f}"


def _gold_types(runs: Sequence[ToolRun]) -> list[str]:
    present = set().union(*(set(r.result.counts.gold_by_type) for r in runs)) - {UNTYPED}
    return [t for t in ENTITY_TYPES if t in present] + sorted(present - set(ENTITY_TYPES))


def side_by_side(runs: Sequence[ToolRun]) -> str:
    """tool | recall | precision | F2 | leaked strings | docs/s | words/s."""
    width = max(10, *(len(r.tool) + 2 for r in runs))
    lines = [f"{'tool':<{width}}{'recall':>8}{'precision':>11}{'F2':>8}{'leaked strings':>16}{'docs/s':>9}"
             f"{'words/s':>10}"]
    for r in runs:
        c = r.result.counts
        rec, prec = recall(c), precision(c)
        lines.append(f"{r.tool:<{width}}{_cell(rec, 8)}{_cell(prec, 11)}{_cell(f2(prec, rec), 8)}"
                     f"{len(r.result.leaks):>16,}{_cell(r.throughput.documents_per_s, 9, 2)}"
                     f"{_cell(r.throughput.words_per_s, 10, 0)}")
    return "\n".join(lines)


def recall_by_type(runs: Sequence[ToolRun]) -> str:
    """Recall per gold type, one column per tool (gold words are the same for every tool)."""
    first = runs[0].result.counts
    header = f"{'recall by gold type':<22}{'gold words':>11}" + "".join(f"{r.tool:>10}" for r in runs)
    lines = [header]
    for t in _gold_types(runs):
        lines.append(f"{t:<22}{first.gold_by_type[t]:>11,}" + "".join(_cell(recall(r.result.counts, t), 10)
                                                                   for r in runs))
    return "\n".join(lines)


def throughput_lines(runs: Sequence[ToolRun]) -> list[str]:
    width = max(len(r.tool) for r in runs) + 2
    lines = ["throughput, cold, on the same cores, timed around the processing only "
             "(words = words of the input PDFs):"]
    for r in runs:
        t = r.throughput
        lines.append(f"  {r.tool:<{width}}{t.documents} documents in {t.seconds:.1f}s: {r.how}; "
                     f"{r.startup} {t.startup_seconds:.1f}s, not counted")
    if len(runs) == 2:
        a, b = runs
        docs = ratio(a.throughput.documents_per_s, b.throughput.documents_per_s)
        words = ratio(a.throughput.words_per_s, b.throughput.words_per_s)
        lines.append(f"  {a.tool} / {b.tool} throughput: {_ratio(docs)} in documents/s, {_ratio(words)} in words/s")
    return lines


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def format_report(runs: Sequence[ToolRun], *, corpus: str, machine: str, date: str) -> str:
    """The whole printout: inputs, the side-by-side table, recall per type, throughput and ratio, notes."""
    lines = [f"veil bench peers, {date}: {corpus}", "", side_by_side(runs), ""]
    lines.append("recall = gold words removed / gold words; precision = removed words that are gold / removed "
                 "words; F2 weighs recall 4x; leaked strings = gold strings with a word still readable")
    meta = [f"{r.tool} {len(r.result.metadata_leaks)}" for r in runs]
    failed = [f"{r.tool} {len(r.failures)}" for r in runs]
    lines.append(f"metadata leaks: {', '.join(meta)}; documents failed (scored as nothing removed): "
                 f"{', '.join(failed)}")
    unlocated = [sum(len(d.unlocated) for d in r.result.documents) for r in runs]
    if any(unlocated):
        lines.append("gold strings not found in the input PDF's words (not scored; a right-to-left script is "
                     "extracted in another order): " + ", ".join(f"{r.tool} {n}" for r, n in zip(runs, unlocated)))
    lines += ["", recall_by_type(runs), "", *throughput_lines(runs)]
    for r in runs:
        for note in r.notes:
            lines.append(f"{r.tool}: {note}")
        for name, why in r.failures[:5]:
            lines.append(f"{r.tool} failed on {name}: {why}")
    lines.append(f"machine: {machine}")
    return "\n".join(lines)


def to_dict(runs: Sequence[ToolRun], *, corpus: dict[str, Any], machine: str, date: str) -> dict[str, Any]:
    out: dict[str, Any] = {"date": date, "machine": machine, "corpus": corpus, "tools": {}}
    for r in runs:
        out["tools"][r.tool] = {"how": r.how, "startup": r.startup, "throughput": r.throughput.as_dict(),
                                "failures": [{"document": n, "error": e} for n, e in r.failures],
                                "notes": list(r.notes), **r.details, "scores": to_json(r.result)}
    if len(runs) == 2:
        a, b = runs
        out["ratio"] = {"tools": f"{a.tool}/{b.tool}",
                        "documents_per_s": ratio(a.throughput.documents_per_s, b.throughput.documents_per_s),
                        "words_per_s": ratio(a.throughput.words_per_s, b.throughput.words_per_s)}
    return out
