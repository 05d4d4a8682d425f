"""Presents an evaluation's result: the plain-text table `veil eval --gold` prints, and the same figures as JSON."""

from __future__ import annotations

import logging
from typing import Any

from tools.evaluation.copies import BORN_DIGITAL
from tools.evaluation.results import UNTYPED, Counts, EvaluationResult, Leak, f2, precision, recall
from veil.contracts import ENTITY_TYPES

_log = logging.getLogger(__name__)

LEAKS_SHOWN = 20


def _types(counts: Counts) -> list[str]:
    """Veil's types in their usual order, then any other label, then UNTYPED last."""
    present = set(counts.gold_by_type) | set(counts.predicted_by_type)
    others = sorted(present - set(ENTITY_TYPES) - {UNTYPED})
    return [t for t in ENTITY_TYPES if t in present] + others + ([UNTYPED] if UNTYPED in present else [])


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _cell(value: float | None, width: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.3f}"


def _leak_line(leak: Leak) -> str:
    return f"  {leak.type:<14}{leak.text!r}  in {leak.document}, {leak.where}"


def format_report(result: EvaluationResult, *, leaks_shown: int = LEAKS_SHOWN) -> str:
    """The figures as a plain-text table: per type gold tokens, recall, removed tokens,
    precision and F2; totals; leaked strings (the first `leaks_shown`); metadata leaks."""
    c = result.counts
    failed = len(result.errors)
    neutral = "neutral (Safe Harbor permits them)" if result.safe_harbor_neutral else "gold like any other"
    copy = "" if result.copy == BORN_DIGITAL else f", {result.copy} copies"
    lines = [f"Gold evaluation by output{copy}: {len(result.documents)} documents"
             + (f" ({failed} not scored: the de-identifier failed)" if failed else "")
             + f"; states, countries, years, ages <= 89 counted as {neutral}",
             f"{'type':<16}{'gold':>8}{'recall':>9}{'removed':>9}{'precision':>11}{'F2':>8}"]
    for t in _types(c):
        gold = c.gold_by_type[t] if t in c.gold_by_type else None
        p = precision(c, t) if result.typed else None
        r = recall(c, t)
        removed = c.predicted_by_type[t] if result.typed else None
        lines.append(f"{t:<16}{'-' if gold is None else gold:>8}{_cell(r, 9)}{'-' if removed is None else removed:>9}"
                     f"{_cell(p, 11)}{_cell(f2(p, r), 8)}")
    r, p = recall(c), precision(c)
    lines.append(f"{'all (any type)':<16}{c.gold_tokens:>8}{_cell(r, 9)}{c.removed_tokens:>9}{_cell(p, 11)}"
                 f"{_cell(f2(p, r), 8)}")
    if not result.typed:
        lines.append("(precision per type needs the report's entities with page and bbox)")
    if c.neutral_tokens:
        lines.append(f"neutral words: {c.neutral_tokens}, of which removed {c.neutral_removed} (not scored)")
    if result.copy != BORN_DIGITAL:
        lines.append(f"words OCR did not read in the {result.copy} copies as given (not scored): "
                     f"{c.unreadable_tokens}, of which gold {c.unreadable_gold}")
    leaks = result.leaks
    lines.append(f"Leaked PHI strings: {len(leaks)}" + (f" (first {leaks_shown})" if len(leaks) > leaks_shown else ""))
    lines.extend(_leak_line(leak) for leak in leaks[:leaks_shown])
    meta = result.metadata_leaks
    lines.append(f"Metadata leaks: {len(meta)}")
    lines.extend(_leak_line(leak) for leak in meta[:leaks_shown])
    unlocated = [(d.name, text, type_) for d in result.documents for text, type_ in d.unlocated]
    if unlocated:
        name, text, type_ = unlocated[0]
        lines.append(f"Gold strings not found in the input PDF (not scored): {len(unlocated)}, "
                     f"first {type_} {text!r} in {name}")
    if result.unknown_labels:
        lines.append("Labels with no Veil type (kept as their own): "
                     + ", ".join(f"{k} ({v})" for k, v in sorted(result.unknown_labels.items())))
    for name, error in result.errors[:leaks_shown]:
        lines.append(f"Not scored: {name}: {error}")
    return "\n".join(lines)


def _recall_differences(results: dict[str, EvaluationResult]) -> dict[str, float | None]:
    """Each other copy's recall minus the born-digital copy's; empty without a born-digital run."""
    base = results.get(BORN_DIGITAL)
    if base is None or len(results) < 2:
        return {}
    r0 = recall(base.counts)
    out = {}
    for copy, result in results.items():
        if copy != BORN_DIGITAL:
            r = recall(result.counts)
            out[copy] = None if r is None or r0 is None else r - r0
    return out


def format_copies(results: dict[str, EvaluationResult], *, leaks_shown: int = LEAKS_SHOWN) -> str:
    """One report per copy (see `copies`), then each image copy's recall against the born-digital one's."""
    blocks = [format_report(result, leaks_shown=leaks_shown) for result in results.values()]
    differences = [f"recall {copy} - {BORN_DIGITAL}: " + ("-" if d is None else f"{d:+.3f}")
                   for copy, d in _recall_differences(results).items()]
    return "\n\n".join(blocks + (["\n".join(differences)] if differences else []))


def _leak_dict(leak: Leak) -> dict[str, str]:
    return {"document": leak.document, "text": leak.text, "type": leak.type, "where": leak.where}


def to_json(result: EvaluationResult) -> dict[str, Any]:
    """Every figure of the table, all leaks and the per-document summary, JSON-ready."""
    c = result.counts
    by_type = {}
    for t in _types(c):
        r = recall(c, t)
        p = precision(c, t) if result.typed else None
        by_type[t] = {
            "gold_tokens": c.gold_by_type[t], "gold_removed": c.gold_removed_by_type[t], "recall": _round(r),
            "predicted_tokens": c.predicted_by_type[t] if result.typed else None, "precision": _round(p),
            "precision_any_gold": _round(c.gold_any_by_type[t] / c.predicted_by_type[t])
            if result.typed and c.predicted_by_type[t] else None,
            "f2": _round(f2(p, r)),
        }
    r, p = recall(c), precision(c)
    return {
        "copy": result.copy,
        "documents": len(result.documents),
        "scored": len(result.documents) - len(result.errors),
        "safe_harbor_neutral": result.safe_harbor_neutral,
        "typed": result.typed,
        "by_type": by_type,
        "total": {"tokens": c.tokens, "gold_tokens": c.gold_tokens, "gold_removed": c.gold_removed,
                  "removed_tokens": c.removed_tokens, "removed_gold": c.removed_gold,
                  "recall": _round(r), "precision": _round(p), "f2": _round(f2(p, r))},
        "neutral": {"tokens": c.neutral_tokens, "removed": c.neutral_removed},
        "unreadable": {"tokens": c.unreadable_tokens, "gold_tokens": c.unreadable_gold},
        "leaks": [_leak_dict(leak) for leak in result.leaks],
        "metadata_leaks": [_leak_dict(leak) for leak in result.metadata_leaks],
        "unlocated": [{"document": d.name, "text": text, "type": type_}
                      for d in result.documents for text, type_ in d.unlocated],
        "unknown_labels": dict(result.unknown_labels),
        "errors": [{"document": name, "error": error} for name, error in result.errors],
        "per_document": [{"name": d.name, "gold_tokens": d.counts.gold_tokens, "recall": _round(recall(d.counts)),
                          "removed_tokens": d.counts.removed_tokens, "precision": _round(precision(d.counts)),
                          "leaks": len(d.leaks), "metadata_leaks": len(d.metadata_leaks), "error": d.error}
                         for d in result.documents],
    }


def copies_to_json(results: dict[str, EvaluationResult]) -> dict[str, Any]:
    """Every copy's figures (as `to_json`) and each image copy's recall minus the born-digital one's."""
    return {"copies": {copy: to_json(result) for copy, result in results.items()},
            "recall_minus_born_digital": {copy: _round(d) for copy, d in _recall_differences(results).items()}}
