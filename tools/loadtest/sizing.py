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
import json
import logging
import math
import os
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterable, Sequence

from tools.loadtest.jmeter_load import JMeterLoad
from tools.loadtest.sizing_points import (
    _JMETER_INIT_S,
    _STEP_SKIP_S,
    DEFAULT_MAX_BATCH_SIZES,
    DEFAULT_MAX_ERROR_RATE,
    DEFAULT_MAX_WAIT_MS,
    DEFAULT_MODEL,
    DEFAULT_OBJECTIVE_MS,
    DEFAULT_PERCENTILE,
    DEFAULT_PLAN,
    DEFAULT_STEP_SECONDS,
    DEFAULT_THREADS,
    DEFAULT_USERS,
    DEFAULT_WARMUP_SECONDS,
    DEFAULT_WORKERS,
    Point,
    PointResult,
    Step,
    choose_best,
    grid,
)
from tools.loadtest.sizing_report import _fmt, describe_best, format_table, machine, plot
from tools.loadtest.sizing_services import SizingServices, _check_model, _check_untrained
from tools.options import add_output

_log = logging.getLogger(__name__)


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
    add_output(p, "sweep folder (default: $VEIL_HOME/loadtest/sizing/<time>)")
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

    folder = args.output or paths.home() / "loadtest" / "sizing" / time.strftime("%Y%m%dT%H%M%S")
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
    stack = SizingServices(folder, registry_root, args.model, untrained_head=args.untrained_head, embedder=args.embedder)
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


def sweep(points: Sequence[Point], users: Sequence[int], stack: "SizingServices", load: "JMeterLoad", *,
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


