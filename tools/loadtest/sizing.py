"""Worker/thread sizing: sweep classifier gunicorn workers x threads (and embedder batching) under JMeter.

For every point of the sweep the real embedder and classifier are started on loopback with
the start commands of their images (veil.services), warmed up, and loaded by a JMeter plan
at rising concurrency. A point's capacity is the most throughput it reached while meeting
the latency objective (default p95 <= 100 ms) with almost no errors; the best point is the
one with the most capacity (within 5 %, the one with fewer workers, then fewer threads,
since every worker holds its own TensorFlow and heads in memory). Measured on the
instance type that will run the containers, this replaces the 2n+1 rule of thumb.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import logging
import math
import os
import platform
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from tools.loadtest import jtl

_log = logging.getLogger(__name__)

DEFAULT_WORKERS = (1, 2, 3)
DEFAULT_THREADS = (2, 8)
DEFAULT_MAX_BATCH_SIZES = (64,)
DEFAULT_MAX_WAIT_MS = (2.0,)
DEFAULT_USERS = (1, 2, 4, 8)
DEFAULT_STEP_SECONDS = 8
DEFAULT_WARMUP_SECONDS = 5
DEFAULT_OBJECTIVE_MS = 100.0
DEFAULT_PERCENTILE = 95
DEFAULT_MAX_ERROR_RATE = 0.01
DEFAULT_PLAN = "classify-batch1"
DEFAULT_MODEL = "phi-type"
# Points within this share of the best capacity count as equally good; the smaller one wins.
CAPACITY_TOLERANCE = 0.05
# Left out of each step's figures: the ramp-up of its users.
_STEP_RAMPUP_S = 1
_STEP_SKIP_S = 2.0
# JMeter's clock starts with its threads, but their first request waits for the HTTP client to
# initialise (seconds on a busy machine); runs last this much longer so a step measures its
# full --step-seconds.
_JMETER_INIT_S = 3
# A hung request fails the step quickly instead of holding it up.
_RESPONSE_TIMEOUT_MS = 10_000
_START_TIMEOUT_S = 240.0
_ROWS_PER_STEP = 40_000


@dataclass(frozen=True)
class Point:
    """One configuration of the stack: classifier workers and threads, embedder batching."""

    workers: int
    threads: int
    max_batch_size: int
    max_wait_ms: float

    @property
    def label(self) -> str:
        return f"{self.workers}w x {self.threads}t, batch {self.max_batch_size}, wait {self.max_wait_ms:g} ms"

    @property
    def embedder(self) -> tuple[int, float]:
        return (self.max_batch_size, self.max_wait_ms)


@dataclass(frozen=True)
class Step:
    """The figures of one point at one concurrency (JMeter users)."""

    point: Point
    users: int
    count: int
    throughput: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    error_rate: float
    # 1-minute load average when the step ended: a step measured while other work ran on the
    # machine shows it here, and its figures deserve less trust.
    load_avg: float = math.nan

    def latency(self, percentile: int) -> float:
        return {50: self.p50_ms, 90: self.p90_ms, 95: self.p95_ms, 99: self.p99_ms}[percentile]

    def meets(self, objective_ms: float, percentile: int = DEFAULT_PERCENTILE,
              max_error_rate: float = DEFAULT_MAX_ERROR_RATE) -> bool:
        value = self.latency(percentile)
        return self.count > 0 and not math.isnan(value) and value <= objective_ms \
            and self.error_rate <= max_error_rate

    @classmethod
    def from_stats(cls, point: Point, users: int, stats: jtl.Stats, load_avg: float = math.nan) -> "Step":
        return cls(point, users, stats.count, stats.throughput, stats.p50_ms, stats.p90_ms, stats.p95_ms,
                   stats.p99_ms, stats.error_rate, load_avg)


@dataclass
class PointResult:
    point: Point
    steps: list[Step] = field(default_factory=list)
    error: str | None = None  # why the point could not be measured (a service did not start)

    def capacity(self, objective_ms: float, percentile: int = DEFAULT_PERCENTILE,
                 max_error_rate: float = DEFAULT_MAX_ERROR_RATE) -> Step | None:
        """The step with the most throughput among those that met the objective."""
        ok = [s for s in self.steps if s.meets(objective_ms, percentile, max_error_rate)]
        return max(ok, key=lambda s: s.throughput) if ok else None


def grid(workers: Iterable[int], threads: Iterable[int], max_batch_sizes: Iterable[int],
         max_wait_ms: Iterable[float]) -> list[Point]:
    """Every combination, ordered so the embedder restarts as rarely as possible."""
    return [Point(w, t, b, m) for (b, m), w, t in
            itertools.product(itertools.product(max_batch_sizes, max_wait_ms), workers, threads)]


def choose_best(results: Sequence[PointResult], objective_ms: float, percentile: int = DEFAULT_PERCENTILE,
                max_error_rate: float = DEFAULT_MAX_ERROR_RATE,
                tolerance: float = CAPACITY_TOLERANCE) -> PointResult | None:
    """The point with the most capacity; among those within `tolerance` of it, the smallest."""
    scored = [(r, r.capacity(objective_ms, percentile, max_error_rate)) for r in results]
    scored = [(r, s) for r, s in scored if s is not None]
    if not scored:
        return None
    top = max(s.throughput for _, s in scored)
    close = [r for r, s in scored if s.throughput >= (1.0 - tolerance) * top]
    return min(close, key=lambda r: (r.point.workers, r.point.threads, -r.capacity(
        objective_ms, percentile, max_error_rate).throughput))


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


# --- the sweep against the real stack -------------------------------------------------


def add_arguments(p: argparse.ArgumentParser) -> None:
    ints = lambda raw: tuple(int(x) for x in raw.split(",") if x.strip())  # noqa: E731
    floats = lambda raw: tuple(float(x) for x in raw.split(",") if x.strip())  # noqa: E731
    p.add_argument("--workers", type=ints, default=DEFAULT_WORKERS,
                   help=f"gunicorn workers to try, comma-separated (default: {_csv(DEFAULT_WORKERS)})")
    p.add_argument("--threads", type=ints, default=DEFAULT_THREADS,
                   help=f"threads per worker to try (default: {_csv(DEFAULT_THREADS)})")
    p.add_argument("--max-batch-size", type=ints, default=DEFAULT_MAX_BATCH_SIZES,
                   help="VEIL_EMBEDDER_MAX_BATCH_SIZE values to try (default: "
                        f"{_csv(DEFAULT_MAX_BATCH_SIZES)}, the embedder's default)")
    p.add_argument("--max-wait-ms", type=floats, default=DEFAULT_MAX_WAIT_MS,
                   help=f"VEIL_EMBEDDER_MAX_WAIT_MS values to try (default: {_csv(DEFAULT_MAX_WAIT_MS)})")
    p.add_argument("--users", type=ints, default=DEFAULT_USERS,
                   help="JMeter users (concurrent callers) per step, rising; a point stops rising once it "
                        f"misses the objective (default: {_csv(DEFAULT_USERS)})")
    p.add_argument("--step-seconds", type=int, default=DEFAULT_STEP_SECONDS,
                   help=f"seconds of load per step (default: {DEFAULT_STEP_SECONDS})")
    p.add_argument("--warmup", type=int, default=DEFAULT_WARMUP_SECONDS,
                   help="seconds of unmeasured load after each start: TensorFlow's first calls and a cold "
                        f"cache are not the steady state (default: {DEFAULT_WARMUP_SECONDS})")
    p.add_argument("--objective-ms", type=float, default=DEFAULT_OBJECTIVE_MS,
                   help=f"latency objective in ms (default: {DEFAULT_OBJECTIVE_MS:g})")
    p.add_argument("--percentile", type=int, choices=(50, 90, 95, 99), default=DEFAULT_PERCENTILE,
                   help=f"latency percentile of the objective (default: {DEFAULT_PERCENTILE})")
    p.add_argument("--max-error-rate", type=float, default=DEFAULT_MAX_ERROR_RATE,
                   help=f"a step with more failed requests misses the objective (default: {DEFAULT_MAX_ERROR_RATE})")
    p.add_argument("--plan", choices=("classify-batch1", "classify-batch32"), default=DEFAULT_PLAN,
                   help=f"plan to load each point with (default: {DEFAULT_PLAN})")
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"classifier head (default: {DEFAULT_MODEL})")
    p.add_argument("--registry", type=Path, default=None,
                   help="model registry (default: VEIL_MODEL_REGISTRY or $VEIL_HOME/registry)")
    p.add_argument("--embedder", default=None, metavar="127.0.0.1:PORT",
                   help="use an embedder that is already running on this machine (e.g. its container, pinned to "
                        "its own cores as in production) instead of starting one; its batch settings are its own")
    p.add_argument("--untrained-head", action="store_true",
                   help="no trained model at hand (a fresh instance type): serve a head built from the model's "
                        "training config (services/classifier/training/configs/<model>.yaml) with untrained weights, "
                        "published into the sweep's own registry. Serving cost depends on the architecture, not on "
                        "the weights; the predictions are meaningless")
    p.add_argument("--out", type=Path, default=None,
                   help="sweep folder (default: $VEIL_HOME/loadtest/sizing/<time>)")
    p.add_argument("--plot", type=Path, default=None, help="also copy the PNG plot here")
    p.add_argument("--dry-run", action="store_true", help="print the points and the time they would take")
    p.add_argument("--from", dest="from_folder", type=Path, default=None, metavar="FOLDER",
                   help="measure nothing: report a previous sweep's folder again (e.g. for another --objective-ms "
                        "or --percentile); writes the table and plot there")


def _csv(values: Iterable) -> str:
    return ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values)


def estimate_seconds(points: Sequence[Point], users: Sequence[int], step_s: int, warmup_s: int) -> float:
    """Upper bound of a sweep's duration: starts, warm-ups and every step (early stops make it shorter)."""
    embedders = len({p.embedder for p in points})
    jvm = 3  # JMeter's JVM start and JTL writing
    per_step = jvm + _JMETER_INIT_S + _STEP_SKIP_S + step_s
    # A classifier start imports TensorFlow in every worker: ~20-40 s on two busy cores.
    return embedders * 30 + len(points) * (30 + jvm + _JMETER_INIT_S + warmup_s + len(users) * per_step)


def _validate(args: argparse.Namespace) -> str | None:
    for name in ("workers", "threads", "max_batch_size", "users"):
        values = getattr(args, name)
        if not values or min(values) < 1:
            return f"--{name.replace('_', '-')} needs positive integers"
    if not args.max_wait_ms or min(args.max_wait_ms) < 0:
        return "--max-wait-ms needs numbers >= 0"
    if args.step_seconds < 3 or args.warmup < 0 or args.objective_ms <= 0:
        return "--step-seconds must be >= 3, --warmup >= 0 and --objective-ms > 0"
    if list(args.users) != sorted(set(args.users)):
        return "--users must rise: e.g. 1,2,4,8"
    if getattr(args, "embedder", None):
        from tools.loadtest.runner import is_loopback

        host, _, port = args.embedder.rpartition(":")
        if not is_loopback(host) or not port.isdigit():
            return f"--embedder {args.embedder}: give 127.0.0.1:PORT of an embedder on this machine"
        if len(args.max_batch_size) > 1 or len(args.max_wait_ms) > 1:
            return "--embedder runs with its own batch settings: sweep --max-batch-size/--max-wait-ms without it"
    return None


def main(args: argparse.Namespace) -> int:
    """`veil loadtest size`."""
    problem = _validate(args)
    if problem:
        print(f"veil loadtest size: {problem}", file=sys.stderr)
        return 2
    if args.from_folder is not None:
        return _report_again(args)
    if args.embedder:
        # The points name the batch settings the running embedder really has.
        settings_of = _embedder_batching(args.embedder)
        if settings_of is None:
            print(f"veil loadtest size: no embedder answers at {args.embedder}", file=sys.stderr)
            return 2
        args.max_batch_size, args.max_wait_ms = (settings_of[0],), (settings_of[1],)
    points = grid(args.workers, args.threads, args.max_batch_size, args.max_wait_ms)
    bound = estimate_seconds(points, args.users, args.step_seconds, args.warmup)
    where = machine()
    print(f"{len(points)} points x up to {len(args.users)} steps ({_csv(args.users)} users, {args.step_seconds} s "
          f"each): at most ~{bound / 60:.0f} min on {where}")
    if args.dry_run:
        for p in points:
            print("  " + p.label)
        return 0

    from tools.loadtest import runner, settings
    from veil import paths

    folder = args.out or paths.home() / "loadtest" / "sizing" / time.strftime("%Y%m%dT%H%M%S")
    if args.untrained_head:
        registry_root = folder / "registry"
        missing = _check_untrained(args.model)
    else:
        registry_root = _registry_root(args.registry)
        missing = _check_model(registry_root, args.model)
    if missing:
        print(f"veil loadtest size: {missing}", file=sys.stderr)
        return 2
    try:
        jmeter = runner.find_jmeter(settings.load().loadtest_jmeter)
    except runner.JMeterNotFound as exc:
        print(f"veil loadtest size: {exc}", file=sys.stderr)
        return 2
    folder.mkdir(parents=True, exist_ok=True)
    stack = Stack(folder, registry_root, args.model, untrained_head=args.untrained_head, embedder=args.embedder)
    load = JMeterLoad(folder, jmeter, args.plan, args.model, args.step_seconds)
    started = time.monotonic()
    results = sweep(points, args.users, stack, load, objective_ms=args.objective_ms, percentile=args.percentile,
                    max_error_rate=args.max_error_rate, warmup_s=args.warmup,
                    progress=lambda line: print(line, flush=True))
    took = time.monotonic() - started
    best, table, png = _best_table_plot(results, args, folder, args.plan, where)
    _write_outputs(folder, results, args, table, best, took, where)
    print()
    print(f"sizing of the classifier ({args.plan}, {args.step_seconds} s per step) on {where}, "
          f"took {took / 60:.1f} min")
    loads = [st.load_avg for r in results for st in r.steps if not math.isnan(st.load_avg)]
    if loads:
        mean = sum(loads) / len(loads)
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        note = ": above the core count, so other work shared the CPU; compare points with care" \
            if mean > 1.5 * cores else ""
        print(f"load average at the end of the steps: {min(loads):.1f} to {max(loads):.1f} (mean {mean:.1f}){note}")
    print(table)
    print()
    print(describe_best(best, args.objective_ms, args.percentile, args.max_error_rate))
    print(f"plot: {args.plot or png}")
    print(f"steps: {folder / 'steps.csv'}")
    return 0 if best is not None else 1


def _best_table_plot(results: Sequence[PointResult], args: argparse.Namespace, folder: Path, plan: str,
                     where: str) -> tuple[PointResult | None, str, Path]:
    """The best point under the objective, the table and the plot (copied to --plot when given)."""
    best = choose_best(results, args.objective_ms, args.percentile, args.max_error_rate)
    title = (f"veil loadtest size: {plan} on the classifier, {where}; objective p{args.percentile} <= "
             f"{args.objective_ms:g} ms")
    png = plot(results, args.objective_ms, folder / "sizing.png", percentile=args.percentile,
               max_error_rate=args.max_error_rate, best=best, title=title)
    if args.plot:
        args.plot.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, args.plot)
    return best, format_table(results, args.objective_ms, args.percentile, args.max_error_rate, best), png


def _embedder_batching(address: str) -> tuple[int, float] | None:
    from veil.clients.embedder import EmbedderClient, EmbedderError

    client = EmbedderClient(address, timeout=5.0)
    try:
        info = client.info()
    except EmbedderError:
        return None
    finally:
        client.close()
    return int(info["max_batch_size"]), float(info["max_wait_ms"])


def load_results(folder: Path) -> tuple[dict, list[PointResult]]:
    """A sweep's sizing.json back as results."""
    data = json.loads((folder / "sizing.json").read_text())
    results = []
    for entry in data["points"]:
        point = Point(**entry["point"])
        results.append(PointResult(point, [Step(point, **step) for step in entry["steps"]], entry.get("error")))
    return data, results


def _report_again(args: argparse.Namespace) -> int:
    folder = args.from_folder
    try:
        data, results = load_results(folder)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"veil loadtest size: {folder} holds no readable sizing.json ({exc})", file=sys.stderr)
        return 2
    best, table, png = _best_table_plot(results, args, folder, data["plan"], data["machine"])
    print(f"sizing of the classifier ({data['plan']}, {data['step_seconds']} s per step) on {data['machine']}, "
          f"measured earlier in {folder}")
    print(table)
    print()
    print(describe_best(best, args.objective_ms, args.percentile, args.max_error_rate))
    print(f"plot: {args.plot or png}")
    return 0 if best is not None else 1


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


def _write_outputs(folder: Path, results: Sequence[PointResult], args: argparse.Namespace, table: str,
                   best: PointResult | None, took: float, where: str) -> None:
    with open(folder / "steps.csv", "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["workers", "threads", "max_batch_size", "max_wait_ms", "users", "samples", "throughput",
                      "p50_ms", "p90_ms", "p95_ms", "p99_ms", "error_rate", "load_avg"])
        for r in results:
            for s in r.steps:
                out.writerow([r.point.workers, r.point.threads, r.point.max_batch_size, r.point.max_wait_ms, s.users,
                              s.count, round(s.throughput, 2), s.p50_ms, s.p90_ms, s.p95_ms, s.p99_ms,
                              round(s.error_rate, 4), round(s.load_avg, 2)])
    best_line = describe_best(best, args.objective_ms, args.percentile, args.max_error_rate)
    (folder / "sizing.md").write_text(f"{table}\n\n{best_line}\n")
    (folder / "sizing.json").write_text(json.dumps({
        "machine": where, "plan": args.plan, "objective_ms": args.objective_ms, "percentile": args.percentile,
        "step_seconds": args.step_seconds, "warmup_s": args.warmup, "minutes": round(took / 60, 2),
        "untrained_head": bool(args.untrained_head),
        "best": asdict(best.point) if best else None,
        "points": [{"point": asdict(r.point), "error": r.error, "steps": [
            {k: v for k, v in asdict(s).items() if k != "point"} for s in r.steps]} for r in results],
    }, indent=2))


def sweep(points: Sequence[Point], users: Sequence[int], stack: "Stack", load: "JMeterLoad", *,
          objective_ms: float, percentile: int = DEFAULT_PERCENTILE, max_error_rate: float = DEFAULT_MAX_ERROR_RATE,
          warmup_s: int = DEFAULT_WARMUP_SECONDS, progress: Callable[[str], None] = lambda _: None
          ) -> list[PointResult]:
    """Measures every point; the embedder restarts only when its batch settings change."""
    results: list[PointResult] = []
    try:
        for point in points:
            result = PointResult(point)
            results.append(result)
            try:
                port = stack.start(point)
            except (RuntimeError, TimeoutError) as exc:
                result.error = str(exc).splitlines()[0]
                progress(f"{point.label}: did not start ({result.error})")
                stack.stop_classifier()
                continue
            try:
                if warmup_s:
                    load.warm_up(port, max(users), warmup_s)
                for n in users:
                    step = load.step(point, port, n)
                    result.steps.append(step)
                    progress(f"{point.label}, {n:>3} users: {step.throughput:7.1f} req/s  p50 {_fmt(step.p50_ms):>5} "
                             f"p95 {_fmt(step.p95_ms):>5} p99 {_fmt(step.p99_ms):>5} ms  "
                             f"errors {100 * step.error_rate:.1f} %  load {step.load_avg:.1f}")
                    if not step.meets(objective_ms, percentile, max_error_rate):
                        break  # more users only queue longer
            finally:
                stack.stop_classifier()
    finally:
        stack.stop()
    return results


def _registry_root(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit.resolve()
    from services.classifier import registry

    return registry.default_root().resolve()


def _check_model(root: Path, model: str) -> str | None:
    from services.classifier import registry

    if registry.active_version(root, model) is None:
        return (f"no active version of model {model!r} in the registry {root}: publish one first "
                "(`veil train`, see services/classifier/README.md), point --registry at a registry that has it, "
                "or size with --untrained-head")
    return None


def _untrained_labels(model: str) -> list[str] | None:
    """The label set of a model the training package knows how to build, for --untrained-head."""
    if model == "phi-type":
        from tools.synthetic import phi_data

        return list(phi_data.LABELS)
    if model == "general-phrases":
        from tools.synthetic import phrase_data

        return list(phrase_data.classes())
    return None


def _check_untrained(model: str) -> str | None:
    from services.classifier.training import config as training_config

    if _untrained_labels(model) is None or not training_config.resolve(model).exists():
        return f"--untrained-head knows phi-type and general-phrases, not {model!r}; publish a trained head instead"
    return None


def publish_untrained_head(root: Path, model: str, embedder_info: dict) -> str:
    """Publishes a head of `model`'s configured architecture with untrained weights; returns its version.

    The head fits the running embedder (name, version, dimension), so the classifier serves it
    exactly as it would a trained one: same layers, same cost, meaningless answers.
    """
    from services.classifier import registry
    from services.classifier.training import config as training_config
    from services.classifier.training import models

    labels = _untrained_labels(model)
    cfg = training_config.load(training_config.resolve(model))
    head = models.build(cfg.model, int(embedder_info["dimension"]), len(labels))
    version = "untrained-" + time.strftime("%Y%m%dT%H%M%S")
    registry.publish(root, model, version, head=head, labels=labels, report={"note": "untrained: sizing only"},
                     metadata={"embedder_model": embedder_info["model_name"],
                               "embedder_version": embedder_info["model_version"],
                               "dimension": int(embedder_info["dimension"]), "untrained": True,
                               "architecture": models.architecture_id(cfg.model)})
    return version


class Stack:
    """The embedder and the classifier, started per point with the images' start commands."""

    def __init__(self, folder: Path, registry_root: Path, model: str, untrained_head: bool = False,
                 embedder: str | None = None):
        self.folder = folder
        self.registry_root = registry_root
        self.model = model
        self.untrained_head = untrained_head
        self.external_embedder = embedder
        self.embedder = None
        self.embedder_settings: tuple[int, float] | None = None
        self.embedder_address = ""
        self.classifier = None
        self._runs = 0

    def start(self, point: Point) -> int:
        """Starts (or keeps) the embedder for this point's batching and a fresh classifier; returns its port."""
        from veil import healthcheck, procs, services

        if self.external_embedder and not self.embedder_address:
            address = self.external_embedder
            if not healthcheck.check_grpc(address, 5.0)[0]:
                raise RuntimeError(f"the embedder at {address} is not SERVING")
            self.embedder_address = address
            if self.untrained_head:
                self._ensure_head(address)
        elif not self.external_embedder and self.embedder_settings != point.embedder:
            self.stop()
            port = procs.free_port()
            env = {"VEIL_EMBEDDER_HOST": "127.0.0.1", "VEIL_EMBEDDER_PORT": str(port),
                   "VEIL_EMBEDDER_METRICS_PORT": "0", "VEIL_EMBEDDER_MAX_BATCH_SIZE": str(point.max_batch_size),
                   "VEIL_EMBEDDER_MAX_WAIT_MS": f"{point.max_wait_ms:g}", "VEIL_LOG_LEVEL": "WARNING"}
            tag = f"b{point.max_batch_size}-w{point.max_wait_ms:g}"
            self.embedder = procs.ManagedProcess("embedder", services.get("embedder").local_argv(), env=env,
                                                 log_path=self.folder / "logs" / f"embedder-{tag}.log")
            self.embedder.start()
            address = f"127.0.0.1:{port}"
            self.embedder.wait_ready(lambda: healthcheck.check_grpc(address, 2.0)[0], timeout=_START_TIMEOUT_S,
                                     interval=0.5)
            self.embedder_settings = point.embedder
            self.embedder_address = address
            if self.untrained_head:
                self._ensure_head(address)
        self._runs += 1
        port = procs.free_port()
        env = {"VEIL_CLASSIFIER_HOST": "127.0.0.1", "VEIL_CLASSIFIER_PORT": str(port),
               "VEIL_CLASSIFIER_WORKERS": str(point.workers), "VEIL_CLASSIFIER_THREADS": str(point.threads),
               "VEIL_CLASSIFIER_MODELS": self.model, "VEIL_MODEL_REGISTRY": str(self.registry_root),
               "VEIL_EMBEDDER_ADDRESS": self.embedder_address, "VEIL_LOG_LEVEL": "WARNING",
               # Inference records go to a scratch store of this sweep, unless a database is configured.
               "VEIL_HOME": str(self.folder / "home")}
        tag = f"w{point.workers}-t{point.threads}-{self._runs}"
        self.classifier = procs.ManagedProcess("classifier", services.get("classifier").local_argv(), env=env,
                                               log_path=self.folder / "logs" / f"classifier-{tag}.log")
        self.classifier.start()
        self.classifier.wait_ready(procs.http_ready(f"http://127.0.0.1:{port}/readyz", timeout=2.0),
                                   timeout=_START_TIMEOUT_S, interval=0.5)
        return port

    def _ensure_head(self, address: str) -> None:
        from services.classifier import registry
        from veil.clients.embedder import EmbedderClient

        if registry.active_version(self.registry_root, self.model) is not None:
            return
        client = EmbedderClient(address)
        try:
            info = client.info()
        finally:
            client.close()
        version = publish_untrained_head(self.registry_root, self.model, info)
        _log.info("published untrained %s %s for sizing", self.model, version)

    def stop_classifier(self) -> None:
        if self.classifier is not None:
            self.classifier.stop(grace=30.0)
            self.classifier = None

    def stop(self) -> None:
        self.stop_classifier()
        if self.embedder is not None:
            self.embedder.stop(grace=30.0)
            self.embedder = None
            self.embedder_settings = None


class JMeterLoad:
    """Runs the plan for a warm-up or a measured step; each step reads fresh Zipf draws from one pool."""

    def __init__(self, folder: Path, jmeter, plan: str, model: str, step_seconds: int):
        from tools.loadtest import samples

        self.folder = folder
        self.jmeter = jmeter
        self.plan = plan
        self.model = model
        self.step_seconds = step_seconds
        self.batch = 32 if plan == "classify-batch32" else 1
        self.pool = samples.phrase_pool()
        self._files = 0

    def _samples(self) -> Path:
        """A new CSV per run: later points must not replay phrases the cache saw for earlier ones
        (popular phrases still repeat across runs, as in production)."""
        from tools.loadtest import samples

        self._files += 1
        path = self.folder / "samples" / f"run-{self._files}.csv"
        rows = max(1, _ROWS_PER_STEP // self.batch)
        samples.write_classify_csv(path, self.pool, rows, self.batch, seed=1000 + self._files)
        return path

    def _run(self, name: str, port: int, users: int, seconds: int, skip_s: float) -> jtl.Summary:
        from tools.loadtest import runner

        samples_csv = self._samples()
        props = {"host": "127.0.0.1", "port": port, "threads": users, "rampup": _STEP_RAMPUP_S,
                 "duration": math.ceil(seconds + skip_s + _JMETER_INIT_S), "loops": 1_000_000,
                 "path": f"/v1/models/{self.model}/predict",
                 "model": self.model, "samples": samples_csv, "response_timeout_ms": _RESPONSE_TIMEOUT_MS}
        result = runner.run(self.plan, props, self.folder / "runs" / name, jmeter=self.jmeter, warmup_s=skip_s)
        samples_csv.unlink(missing_ok=True)
        if result.summary.overall.count == 0:
            _log.warning("run %s recorded no samples:\n%s", name, runner.log_tail(result))
        return result.summary

    def warm_up(self, port: int, users: int, seconds: int) -> None:
        self._files_tag = getattr(self, "_files_tag", 0) + 1
        self._run(f"warmup-{self._files_tag}", port, users, seconds, 0.0)

    def step(self, point: Point, port: int, users: int) -> Step:
        name = (f"w{point.workers}-t{point.threads}-b{point.max_batch_size}-m{point.max_wait_ms:g}-u{users}")
        summary = self._run(name, port, users, self.step_seconds, _STEP_SKIP_S)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
        return Step.from_stats(point, users, summary.overall, load)
