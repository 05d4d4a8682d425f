"""The report at the end of a batch: counts, the distribution of risk over documents, entity totals, failures."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from typing import Any, Iterable, Sequence

import services.gateway as gateway
from services.batch import ledger

# Residual-risk buckets of the histogram; the first two edges are risk.level's low/medium cuts.
_EDGES = (0.0, gateway.RISK_LOW, 0.25, gateway.RISK_MEDIUM, 0.75, 1.0)
LEVELS = ("low", "medium", "high")


def risk_distribution(entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """How risk spreads over the documents done: per level, quantiles and a histogram of residual risk."""
    residuals = sorted(float(e.get("risk", {}).get("residual_risk", 0.0)) for e in entries)
    levels = Counter(str(e.get("risk", {}).get("level", "")) for e in entries)
    histogram = []
    for i, (low, high) in enumerate(zip(_EDGES, _EDGES[1:])):
        last = i == len(_EDGES) - 2
        n = sum(1 for r in residuals if low <= r < high or (last and r == high))
        histogram.append({"from": low, "to": high, "documents": n})
    out: dict[str, Any] = {"levels": {level: levels.get(level, 0) for level in LEVELS}, "histogram": histogram}
    if residuals:
        out["residual_risk"] = {"mean": round(statistics.fmean(residuals), 4), "p50": _quantile(residuals, 0.5),
                                "p90": _quantile(residuals, 0.9), "max": round(residuals[-1], 4)}
    return out


def _quantile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank quantile: a residual risk some document really has, not an interpolation."""
    index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return round(ordered[index], 4)


def entity_totals(entries: Iterable[dict[str, Any]]) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for e in entries:
        totals.update({k: int(v) for k, v in e.get("counts", {}).items()})
    return dict(sorted(totals.items()))


def build(*, documents: int, distinct: int, entries: Sequence[dict[str, Any]], problems: Sequence[dict[str, Any]],
          processed: int, skipped: int, copied: int, run: dict[str, Any]) -> dict[str, Any]:
    """The summary of the batch as it stands: every document of the input, whichever run finished it."""
    done = [e for e in entries if e.get("status") == ledger.DONE]
    failed = [e for e in entries if e.get("status") == ledger.FAILED]
    failures = sorted(
        [{"name": name, "sha256": e["sha256"], "kind": e.get("kind", ledger.ERROR), "error": e.get("error", "")}
         for e in failed for name in e.get("names", [""])[:1]]
        + [{"name": p["name"], "sha256": None, "kind": "unreadable", "error": p["error"]} for p in problems],
        key=lambda f: f["name"])
    pages = sum(int(e.get("pages") or 0) for e in done)
    return {
        "documents": {
            "input": documents,
            "distinct": distinct,
            "done": len(done),
            "failed": len(failures),
            "processed_this_run": processed,
            "skipped_finished_earlier": skipped,
            "outputs_copied_for_duplicates": copied,
            "pages_done": pages,
        },
        "risk": risk_distribution(done),
        "entities": entity_totals(done),
        "failures": failures,
        "failures_by_kind": dict(sorted(Counter(f["kind"] for f in failures).items())),
        "run": run,
    }


def text(summary: dict[str, Any], out: str) -> str:
    """The few lines printed at the end of `veil batch`."""
    d = summary["documents"]
    r = summary["risk"]
    run = summary["run"]
    lines = [
        f"documents: {d['input']} in the input ({d['distinct']} distinct), {d['done']} done, {d['failed']} failed; "
        f"this run processed {d['processed_this_run']}, skipped {d['skipped_finished_earlier']} finished by an earlier run",
        "risk: " + ", ".join(f"{k} {v}" for k, v in r["levels"].items())
        + (f"; residual risk mean {r['residual_risk']['mean']}, p90 {r['residual_risk']['p90']}, "
           f"max {r['residual_risk']['max']}" if "residual_risk" in r else ""),
        "entities: " + (", ".join(f"{k} {v}" for k, v in summary["entities"].items() if v) or "none"),
    ]
    if run.get("documents_per_minute") is not None:
        lines.append(f"throughput: {run['documents_per_minute']} documents/minute over {run['seconds']} s "
                     f"on {run.get('cluster', '')}")
    for f in summary["failures"][:20]:
        lines.append(f"FAILED {f['name']}: [{f['kind']}] {f['error']}")
    if len(summary["failures"]) > 20:
        lines.append(f"... and {len(summary['failures']) - 20} more failures (see summary.json)")
    lines.append(f"outputs: {out}/redacted/, reports: {out}/reports/, summary: {out}/summary.json")
    return "\n".join(lines)
