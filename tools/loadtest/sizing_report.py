"""The sizing sweep's report: the table, the plot, the best point in words, and the machine it was measured on."""

from __future__ import annotations

import logging
import math
import os
import platform
from pathlib import Path
from typing import Sequence

from tools.loadtest.sizing_points import DEFAULT_MAX_ERROR_RATE, DEFAULT_PERCENTILE, PointResult

_log = logging.getLogger(__name__)


def _fmt(value: float, digits: int = 0) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def format_table(results: Sequence[PointResult], objective_ms: float, percentile: int = DEFAULT_PERCENTILE,
                 max_error_rate: float = DEFAULT_MAX_ERROR_RATE, best: PointResult | None = None) -> str:
    """A Markdown table: per point, its capacity within the objective and the step that reached it."""
    p = f"p{percentile}"
    lines = [f"| workers | threads | embedder batch | wait ms | capacity req/s | at users | p50 ms | {p} ms "
             f"| p99 ms | errors % | highest users tried: req/s, {p} ms |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        pt = r.point
        head = f"| {pt.workers} | {pt.threads} | {pt.max_batch_size} | {pt.max_wait_ms:g} "
        if r.error:
            lines.append(head + f"| not measured | | | | | | {r.error[:80]} |")
            continue
        cap = r.capacity(objective_ms, percentile, max_error_rate)
        last = r.steps[-1] if r.steps else None
        tail = (f"{last.users} users: {_fmt(last.throughput, 1)}, {_fmt(last.latency(percentile))}"
                + (f", {100 * last.error_rate:.1f} % errors" if last.error_rate else "")) if last else ""
        mark = " **best**" if best is r else ""
        if cap is None:
            lines.append(head + f"| 0 (objective missed) | | | | | | {tail} |")
        else:
            lines.append(head + f"| {_fmt(cap.throughput, 1)}{mark} | {cap.users} | {_fmt(cap.p50_ms)} "
                                f"| {_fmt(cap.latency(percentile))} | {_fmt(cap.p99_ms)} "
                                f"| {100 * cap.error_rate:.2f} | {tail} |")
    return "\n".join(lines)


def plot(results: Sequence[PointResult], objective_ms: float, path: Path, *, percentile: int = DEFAULT_PERCENTILE,
         max_error_rate: float = DEFAULT_MAX_ERROR_RATE, best: PointResult | None = None, title: str = "") -> Path:
    """Left: latency against throughput per point, one marker per concurrency step, with the
    objective as a line. Right: each point's capacity within the objective."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    measured = [r for r in results if r.steps]
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.2), gridspec_kw={"width_ratios": [1.25, 1]})
    for r in measured:
        xs = [s.throughput for s in r.steps]
        ys = [s.latency(percentile) for s in r.steps]
        style = dict(linewidth=2.6, marker="o") if r is best else dict(linewidth=1.2, marker=".", alpha=0.8)
        left.plot(xs, ys, label=r.point.label, **style)
        for s in r.steps:
            left.annotate(str(s.users), (s.throughput, s.latency(percentile)), fontsize=7,
                          textcoords="offset points", xytext=(3, 3))
    left.axhline(objective_ms, color="red", linestyle="--", linewidth=1)
    left.text(0.99, objective_ms, f"objective p{percentile} <= {objective_ms:g} ms ", color="red", fontsize=8,
              ha="right", va="bottom", transform=left.get_yaxis_transform())
    left.set_xlabel("throughput (requests/s)")
    left.set_ylabel(f"p{percentile} latency (ms)")
    left.set_ylim(bottom=0)
    left.set_title("latency vs throughput (labels: JMeter users)")
    left.grid(True, alpha=0.3)
    left.legend(fontsize=7, loc="upper left")

    labels = [r.point.label.replace(", ", "\n", 1) for r in results]
    caps = []
    for r in results:
        cap = r.capacity(objective_ms, percentile, max_error_rate)
        caps.append(cap.throughput if cap else 0.0)
    colors = ["tab:green" if r is best else "tab:blue" for r in results]
    right.barh(range(len(results)), caps, color=colors)
    right.set_yticks(range(len(results)))
    right.set_yticklabels(labels, fontsize=7)
    right.invert_yaxis()
    right.set_xlabel(f"capacity within p{percentile} <= {objective_ms:g} ms (requests/s)")
    right.set_title("capacity per configuration (green: chosen)")
    right.grid(True, axis="x", alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def machine() -> str:
    """What the figures were measured on: they only hold for this kind of machine."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = f", load average {os.getloadavg()[0]:.2f} at start"
    return f"{cores} cores ({model or 'unknown CPU'}){mem}{load}"


def describe_best(best: PointResult | None, objective_ms: float, percentile: int = DEFAULT_PERCENTILE,
                  max_error_rate: float = DEFAULT_MAX_ERROR_RATE) -> str:
    if best is None:
        return (f"no configuration met p{percentile} <= {objective_ms:g} ms even at the lowest concurrency: "
                "give the service more CPU, or widen the sweep (--users 1,2,4)")
    cap = best.capacity(objective_ms, percentile, max_error_rate)
    p = best.point
    return (f"best: VEIL_CLASSIFIER_WORKERS={p.workers} VEIL_CLASSIFIER_THREADS={p.threads} "
            f"VEIL_EMBEDDER_MAX_BATCH_SIZE={p.max_batch_size} VEIL_EMBEDDER_MAX_WAIT_MS={p.max_wait_ms:g}: "
            f"{cap.throughput:.1f} req/s at p{percentile} {cap.latency(percentile):.0f} ms with {cap.users} users")
