"""`veil loadtest samples|run|size`: request samples, JMeter runs with their figures, worker/thread sizing."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tools.options import add_output

_TARGET_PORTS = {"gateway": 8080, "classifier": 8081}
_MAX_ERROR_RATE = 0.01


def register(sub, group) -> None:
    loadtest = group("loadtest")

    p = loadtest.add_parser("samples", help="write the request samples (phrase CSVs, PDFs) the plans use")
    add_output(p, "folder (default: $VEIL_HOME/loadtest/samples)")
    _sample_options(p)
    p.set_defaults(func=_samples)

    p = loadtest.add_parser("run", help="run a JMeter plan (non-GUI) and print throughput, errors, p50/p90/p95/p99",
                            description="Runs a plan from loadtests/plans against a service on this machine, then "
                                        "prints the JTL's figures. Exit 1 when the error rate is over the limit.")
    p.add_argument("plan", help="plan name (classify-batch1, classify-batch32, deidentify, mixed) or a .jmx path")
    p.add_argument("--target", choices=sorted(_TARGET_PORTS), default="gateway",
                   help="classify through the gateway (POST /v1/classify, port 8080) or the classifier directly "
                        "(POST /v1/models/<model>/predict, port 8081)")
    p.add_argument("--host", default="127.0.0.1", help="loopback only: 127.0.0.1, ::1 or localhost")
    p.add_argument("--port", type=int, default=None, help="default: 8080 (gateway) or 8081 (classifier)")
    p.add_argument("--model", default="phi-type", help="classifier head to call (default: phi-type)")
    p.add_argument("--threads", type=int, default=4, help="concurrent JMeter users (default: 4)")
    p.add_argument("--rampup", type=int, default=5, help="seconds to start all users (default: 5)")
    p.add_argument("--duration", type=int, default=60, help="seconds the run lasts (default: 60)")
    p.add_argument("--loops", type=int, default=None, help="iterations per user at most (default: the plan's)")
    p.add_argument("--warmup", type=float, default=None,
                   help="seconds left out of the figures at the start (default: the ramp-up)")
    p.add_argument("--samples", type=Path, default=None, help="sample CSV of the plan (default: generated ones)")
    p.add_argument("--samples-dir", type=Path, default=None,
                   help="folder of generated samples (default: $VEIL_HOME/loadtest/samples, made when missing)")
    p.add_argument("--api-key", default=None, help="Bearer key to send (default: VEIL_LOADTEST_API_KEY)")
    p.add_argument("-J", dest="props", action="append", default=[], metavar="NAME=VALUE",
                   help="any other plan property, e.g. -J threads_deid=2 -J poll_ms=250")
    add_output(p, "run folder (default: $VEIL_HOME/loadtest/runs/<time>-<plan>)")
    p.add_argument("--max-error-rate", type=float, default=_MAX_ERROR_RATE,
                   help=f"exit 1 above this share of failed requests (default: {_MAX_ERROR_RATE})")
    p.set_defaults(func=_run)

    p = loadtest.add_parser("size",
                            help="sweep classifier workers x threads (and embedder batching) for a p95 objective",
                            description="Starts the embedder and the classifier on loopback for every point of the "
                                        "sweep, loads each with a JMeter plan at rising concurrency, and reports the "
                                        "configuration with the most throughput within the latency objective.")
    from tools.loadtest import sizing

    sizing.add_arguments(p)
    p.set_defaults(func=_size)


def _sample_options(p: argparse.ArgumentParser) -> None:
    from tools.loadtest import samples as s

    p.add_argument("--pool-size", type=int, default=s.DEFAULT_POOL_SIZE,
                   help=f"distinct phrases to draw from (default: {s.DEFAULT_POOL_SIZE})")
    p.add_argument("--zipf-s", type=float, default=s.DEFAULT_ZIPF_S,
                   help=f"Zipf exponent of phrase popularity; higher is more repetitive (default: {s.DEFAULT_ZIPF_S})")
    p.add_argument("--rows-batch1", type=int, default=s.DEFAULT_ROWS_BATCH1, help="rows of the batch-1 CSV")
    p.add_argument("--rows-batch32", type=int, default=s.DEFAULT_ROWS_BATCH32, help="rows of the batch-32 CSV")
    p.add_argument("--pdf-rows", type=int, default=s.DEFAULT_PDF_ROWS, help="rows of the PDF CSV")
    p.add_argument("--seed", type=int, default=s.DEFAULT_SEED, help="random seed (same seed, same files)")


def _default_samples_dir() -> Path:
    from veil import paths

    return paths.home() / "loadtest" / "samples"


def _samples(args: argparse.Namespace) -> int:
    from tools.loadtest import samples as s

    if args.pool_size < 1 or args.zipf_s < 0 or min(args.rows_batch1, args.rows_batch32, args.pdf_rows) < 1:
        print("veil loadtest samples: sizes must be >= 1 and --zipf-s >= 0", file=sys.stderr)
        return 2
    out = args.output or _default_samples_dir()
    made = s.generate(out, pool_size=args.pool_size, zipf_s=args.zipf_s, rows_batch1=args.rows_batch1,
                      rows_batch32=args.rows_batch32, pdf_rows=args.pdf_rows, seed=args.seed)
    print(f"samples in {made.folder}")
    for line in s.describe(made.stats):
        print("  " + line)
    print(f"  {s.PDF_CSV}: {args.pdf_rows} rows over {len(list((out / 'pdfs').glob('*.pdf')))} PDFs")
    return 0


def ensure_samples(folder: Path) -> Path:
    """The generated samples folder, made with the defaults when it is missing or incomplete."""
    from tools.loadtest import samples as s

    if not all((folder / name).exists() for name in (s.BATCH1_CSV, s.BATCH32_CSV, s.PDF_CSV)):
        print(f"generating request samples in {folder} (once) ...", file=sys.stderr)
        s.generate(folder)
    return folder


def plan_sample_properties(plan: str, folder: Path) -> dict[str, str]:
    """Which generated CSV each of the shipped plans reads, by property."""
    from tools.loadtest import samples as s

    b1, b32, pdfs = (str((folder / n).resolve()) for n in (s.BATCH1_CSV, s.BATCH32_CSV, s.PDF_CSV))
    return {
        "classify-batch1": {"samples": b1},
        "classify-batch32": {"samples": b32},
        "deidentify": {"samples": pdfs},
        "mixed": {"samples": b1, "samples_b32": b32, "samples_pdf": pdfs},
    }.get(plan, {})


def classify_path(target: str, model: str) -> str:
    return "/v1/classify" if target == "gateway" else f"/v1/models/{model}/predict"


def _run(args: argparse.Namespace) -> int:
    from tools.loadtest import jtl, runner, settings
    from veil import paths

    try:
        plan = runner.resolve_plan(args.plan)
    except FileNotFoundError as exc:
        print(f"veil loadtest run: {exc}", file=sys.stderr)
        return 2
    if min(args.threads, args.duration) < 1 or args.rampup < 0 or (args.loops is not None and args.loops < 1):
        print("veil loadtest run: --threads, --duration and --loops must be >= 1, --rampup >= 0", file=sys.stderr)
        return 2
    if not runner.is_loopback(args.host):
        print(f"veil loadtest run: --host {args.host} is not loopback; load tests target this machine only",
              file=sys.stderr)
        return 2
    conf = settings.load()
    props = {"host": args.host, "port": args.port or _TARGET_PORTS[args.target], "threads": args.threads,
             "rampup": args.rampup, "duration": args.duration, "model": args.model,
             "path": classify_path(args.target, args.model)}
    if args.loops is not None:
        props["loops"] = args.loops
    if args.samples is None or plan.stem == "mixed":
        props.update(plan_sample_properties(plan.stem, ensure_samples(args.samples_dir or _default_samples_dir())))
    if args.samples is not None:
        if not args.samples.exists():
            print(f"veil loadtest run: no sample file {args.samples}", file=sys.stderr)
            return 2
        props["samples"] = str(args.samples.resolve())
    for item in args.props:
        name, sep, value = item.partition("=")
        if not sep or not name:
            print(f"veil loadtest run: -J {item!r} is not NAME=VALUE", file=sys.stderr)
            return 2
        if name in ("host", "api_key"):
            print(f"veil loadtest run: set {name} with --{name.replace('_', '-')}", file=sys.stderr)
            return 2
        props[name] = value
    api_key = args.api_key if args.api_key is not None else conf.loadtest_api_key
    folder = args.output or paths.home() / "loadtest" / "runs" / f"{time.strftime('%Y%m%dT%H%M%S')}-{plan.stem}"
    try:
        jmeter = runner.find_jmeter(conf.loadtest_jmeter)
        result = runner.run(plan, props, folder, jmeter=jmeter, secret_properties={"api_key": api_key},
                            warmup_s=args.rampup if args.warmup is None else args.warmup)
    except (runner.JMeterNotFound, runner.NotLoopback, ValueError) as exc:
        print(f"veil loadtest run: {exc}", file=sys.stderr)
        return 2
    print(f"plan {plan.name}: {args.threads} users, {args.duration} s on {args.host}:{props['port']} "
          f"({result.jmeter})")
    if result.timed_out:
        print(f"JMeter overran its bound and was stopped after {result.seconds:.0f} s")
    if result.summary.overall.count == 0 and not result.summary.by_label:
        print("no samples were recorded: JMeter did not run the plan\n" + runner.log_tail(result), file=sys.stderr)
        return 1
    print(jtl.format_table(result.summary))
    print(f"results: {result.folder}")
    if result.summary.overall.error_rate > args.max_error_rate:
        print(f"error rate {result.summary.overall.error_rate:.2%} is over {args.max_error_rate:.2%}",
              file=sys.stderr)
        return 1
    return 0


def _size(args: argparse.Namespace) -> int:
    from tools.loadtest import sizing

    return sizing.main(args)
