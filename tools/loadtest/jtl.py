"""JMeter results (JTL, CSV format) in, throughput, error rate and latency percentiles out.

The runner asks JMeter for a CSV JTL with a header line and start timestamps in ms, so the
columns are found by name and the same parser reads files from JMeter 2.13 and 5.x.
Transaction controllers (labels starting "TX ") time a whole exchange made of several
requests; they get their own row but are not counted again in "all requests".
"""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Sequence

TRANSACTION_PREFIX = "TX "
ALL_REQUESTS = "all requests"
PERCENTILES = (50, 90, 95, 99)

# The JTL columns the runner asks JMeter for (jmeter.save.saveservice.* properties).
SAVE_PROPERTIES = {
    "jmeter.save.saveservice.output_format": "csv",
    "jmeter.save.saveservice.print_field_names": "true",
    "jmeter.save.saveservice.timestamp_format": "ms",
    "jmeter.save.saveservice.default_delimiter": ",",
    "jmeter.save.saveservice.time": "true",
    "jmeter.save.saveservice.label": "true",
    "jmeter.save.saveservice.response_code": "true",
    "jmeter.save.saveservice.response_message": "false",
    "jmeter.save.saveservice.successful": "true",
    "jmeter.save.saveservice.latency": "true",
    "jmeter.save.saveservice.bytes": "true",
    "jmeter.save.saveservice.thread_counts": "true",
    "jmeter.save.saveservice.thread_name": "false",
    "jmeter.save.saveservice.data_type": "false",
    "jmeter.save.saveservice.url": "false",
    "jmeter.save.saveservice.assertion_results_failure_message": "true",
    # Start times, so a sample's window is [timeStamp, timeStamp + elapsed] in 2.13 and 5.x alike.
    "sampleresult.timestamp.start": "true",
}


class JtlError(ValueError):
    """The file is not a CSV JTL with the columns the summary needs."""


@dataclass(frozen=True)
class Sample:
    start_ms: int
    elapsed_ms: int
    label: str
    code: str
    success: bool
    threads: int | None = None
    failure: str = ""

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.elapsed_ms

    @property
    def transaction(self) -> bool:
        return self.label.startswith(TRANSACTION_PREFIX)


_REQUIRED = ("timeStamp", "elapsed", "label", "success")


def read(path: str | Path) -> list[Sample]:
    """Every sample of a CSV JTL; a file with only a header (nothing was sent) gives []."""
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        return parse(f)


def parse(lines: Iterable[str]) -> list[Sample]:
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        return []
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise JtlError(f"not a CSV JTL with a header line (missing {', '.join(missing)}); "
                       "run JMeter with jmeter.save.saveservice.output_format=csv and print_field_names=true")
    col = {name: i for i, name in enumerate(header)}
    samples = []
    for row in reader:
        if len(row) < len(header):
            continue  # a line cut short when JMeter was killed mid-write
        try:
            samples.append(Sample(
                start_ms=int(row[col["timeStamp"]]),
                elapsed_ms=int(row[col["elapsed"]]),
                label=row[col["label"]],
                code=row[col["responseCode"]] if "responseCode" in col else "",
                success=row[col["success"]].strip().lower() == "true",
                threads=int(row[col["allThreads"]]) if "allThreads" in col and row[col["allThreads"]] else None,
                failure=row[col["failureMessage"]] if "failureMessage" in col else "",
            ))
        except ValueError:
            continue
    return samples


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: a latency some sample really had, never an interpolation."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return float(sorted_values[rank - 1])


@dataclass(frozen=True)
class Stats:
    label: str
    count: int
    errors: int
    throughput: float  # per second, over the measured window
    mean_ms: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @property
    def error_rate(self) -> float:
        return self.errors / self.count if self.count else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "error_rate": self.error_rate}


@dataclass(frozen=True)
class Summary:
    window_s: float
    overall: Stats
    by_label: dict[str, Stats]
    top_errors: list[tuple[str, int]]

    def as_dict(self) -> dict:
        return {"window_s": self.window_s, "overall": self.overall.as_dict(),
                "by_label": {k: v.as_dict() for k, v in self.by_label.items()},
                "top_errors": [{"error": e, "count": n} for e, n in self.top_errors]}


def _stats(label: str, samples: Sequence[Sample], window_s: float) -> Stats:
    elapsed = sorted(s.elapsed_ms for s in samples)
    n = len(elapsed)
    p = {q: percentile(elapsed, q) for q in PERCENTILES}
    return Stats(
        label=label,
        count=n,
        errors=sum(1 for s in samples if not s.success),
        throughput=n / window_s if window_s > 0 else 0.0,
        mean_ms=sum(elapsed) / n if n else math.nan,
        p50_ms=p[50], p90_ms=p[90], p95_ms=p[95], p99_ms=p[99],
        max_ms=float(elapsed[-1]) if n else math.nan,
    )


def summarise(samples: Sequence[Sample], skip_first_s: float = 0.0) -> Summary:
    """Figures over the window from the first to the last sample, after an optional warm-up.

    Samples that started in the first `skip_first_s` seconds are left out: the ramp-up and a
    cold cache are not the steady state a sizing decision is about.
    """
    if samples and skip_first_s > 0:
        cut = min(s.start_ms for s in samples) + skip_first_s * 1000
        samples = [s for s in samples if s.start_ms >= cut]
    if samples:
        window_s = (max(s.end_ms for s in samples) - min(s.start_ms for s in samples)) / 1000.0
    else:
        window_s = 0.0
    labels: dict[str, list[Sample]] = {}
    for s in samples:
        labels.setdefault(s.label, []).append(s)
    by_label = {label: _stats(label, group, window_s) for label, group in sorted(labels.items())}
    requests = [s for s in samples if not s.transaction]
    errors: dict[str, int] = {}
    for s in samples:
        if not s.success and not s.transaction:
            # JMeter's assertion messages span lines; one line per kind of error is enough here.
            key = " ".join(f"{s.label}: {s.code or '-'} {s.failure}".split())[:160]
            errors[key] = errors.get(key, 0) + 1
    top = sorted(errors.items(), key=lambda kv: -kv[1])[:5]
    return Summary(window_s, _stats(ALL_REQUESTS, requests, window_s), by_label, top)


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.0f}"


def format_table(summary: Summary) -> str:
    """The figures as a plain-text table: one row per label, then all requests together."""
    head = ("label", "samples", "errors", "error %", "req/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "max ms")
    rows = [head]
    stats = list(summary.by_label.values())
    if len(stats) != 1 or stats[0].label.startswith(TRANSACTION_PREFIX):
        stats.append(summary.overall)
    for s in stats:
        rows.append((s.label, str(s.count), str(s.errors), f"{100 * s.error_rate:.2f}", f"{s.throughput:.1f}",
                     _ms(s.p50_ms), _ms(s.p90_ms), _ms(s.p95_ms), _ms(s.p99_ms), _ms(s.max_ms)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    text = "\n".join(lines) + f"\nmeasured window: {summary.window_s:.1f} s"
    for error, n in summary.top_errors:
        text += f"\nerror x{n}: {error}"
    return text
