"""`veil model build|info`, `veil bench embedder`, `veil cache size|sample-log`: the embedder's commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.options import add_json, write_json
from tools.synthetic.phrases import DEFAULT_POOL_SIZE, DEFAULT_ZIPF_S, phrase_pool


def register(sub, group) -> None:
    # `veil models build|info`, beside the heads' list/versions/rollback; `veil model ...` is the old spelling.
    for name, hidden in (("models", False), ("model", True)):
        _register_model(group(name, hidden=hidden))
    _register_rest(sub, group)


def _register_model(models) -> None:
    p = models.add_parser("build", help="build the default embedding model (MiniLM-L6 as a TF-Hub SavedModel)")
    p.add_argument("--force", action="store_true", help="rebuild even if this version is already built")
    p.add_argument("--precision", choices=("float32", "bfloat16"), default="float32",
                   help="bfloat16: also build the reduced-precision variant (after float32) and install it only "
                        "if it passes the fidelity gate against float32")
    p.set_defaults(func=_model_build)
    p = models.add_parser("info", help="where the default embedding model lives and whether it is built")
    p.set_defaults(func=_model_info)


def _register_rest(sub, group) -> None:
    from tools.embedder import bench

    p = group("bench").add_parser("embedder", help="the embedder's four figures: raw, service, cache-hit latency, Zipf")
    p.add_argument("--model", default="", help="model path or TF-Hub handle (default: the built default model)")
    p.add_argument("--seconds", type=float, default=bench.DEFAULT_SECONDS, help="duration of each load figure")
    p.add_argument("--clients", type=int, default=bench.DEFAULT_CLIENTS, help="concurrent client threads")
    p.add_argument("--per-call", type=int, default=bench.DEFAULT_TEXTS_PER_CALL, help="phrases per Embed call")
    p.add_argument("--batch-sizes", default=",".join(map(str, bench.DEFAULT_BATCH_SIZES)),
                   help="batch sizes tried for figure 1, comma-separated")
    p.add_argument("--pool-size", type=int, default=DEFAULT_POOL_SIZE, help="phrases in the Zipf pool (>= 50000)")
    p.add_argument("--zipf-s", type=float, default=DEFAULT_ZIPF_S, help="Zipf exponent of the stream")
    p.add_argument("--max-batch-size", type=int, help="server's VEIL_EMBEDDER_MAX_BATCH_SIZE (default: its own)")
    p.add_argument("--max-wait-ms", type=float, help="server's VEIL_EMBEDDER_MAX_WAIT_MS (default: its own)")
    p.add_argument("--zipf-clients", type=int, default=0,
                   help="clients for figure 4 (default: scaled by the predicted hit rate, see the README)")
    p.add_argument("--sweep-wait", metavar="MS,MS,...",
                   help="instead of the four figures, measure these VEIL_EMBEDDER_MAX_WAIT_MS values")
    p.add_argument("--precision", choices=("auto", "float32", "bfloat16"), default="auto",
                   help="variant compared with float32 side by side and then used for the service figures "
                        "(auto: the fastest this CPU runs natively; float32 skips the comparison)")
    add_json(p)
    p.set_defaults(func=_bench)

    caches = group("cache")
    p = caches.add_parser("size", help="replay a phrase log against a range of cache sizes and recommend one")
    p.add_argument("phrase_log", nargs="?", type=Path, help="text file, one phrase per line")
    p.add_argument("--from-store", metavar="URL",
                   help="replay the texts recorded in the inference store at this database URL instead "
                        "(postgresql://... or sqlite:///...; table inference_records, oldest first)")
    p.add_argument("--limit", type=int, help="with --from-store: at most this many (oldest) texts")
    p.add_argument("--sizes",
                   help="maxsizes to try, comma-separated (default: 1-2-5 steps up to every distinct phrase)")
    p.add_argument("--tolerance", type=float, default=0.10,
                   help="recommend the smallest size whose miss rate is at most (1 + this) x the best size's "
                        "(default 0.10: at most 10%% more model work than the largest cache)")
    p.add_argument("--memory-budget-mb", type=float, default=1024, help="never recommend more memory than this")
    p.add_argument("--case-sensitive", action="store_true",
                   help="keys keep their case (for a cased model; the default model is uncased)")
    p.add_argument("--plot", type=Path, help="PNG to write (default: <VEIL_HOME>/bench/cache-sizing.png)")
    p.set_defaults(func=_cache_size)

    p = caches.add_parser("sample-log", help="write a synthetic Zipf phrase log (for sizing before real logs exist)")
    p.add_argument("out", type=Path, help="file to write, one phrase per line")
    p.add_argument("--requests", type=int, default=1_000_000, help="phrases in the log")
    p.add_argument("--pool-size", type=int, default=DEFAULT_POOL_SIZE, help="distinct phrases to draw from")
    p.add_argument("--zipf-s", type=float, default=DEFAULT_ZIPF_S, help="Zipf exponent")
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=_sample_log)


def _model_build(args: argparse.Namespace) -> int:
    from services.embedder.model import ModelNotBuiltError, default_model_path, is_built

    try:
        path = default_model_path()
        if args.precision != "float32":
            return _build_variant(args.precision, args.force)
        if is_built(path) and not args.force:
            print(f"default model already built: {path}")
            return 0
        from services.embedder.export import build_default_model

        print("building the default model (about a minute on 2 cores)...", file=sys.stderr)
        path = build_default_model(force=args.force)
    except ModelNotBuiltError as exc:
        print(f"veil model build: {exc}", file=sys.stderr)
        return 1
    print(f"built default model: {path}")
    return 0


def _build_variant(precision: str, force: bool) -> int:
    from services.embedder import reduced_precision as rp
    from services.embedder.model import variant_path

    path = variant_path(precision)
    if not force and (path / "saved_model.pb").is_file():
        print(f"{precision} variant already built: {path}")
        return 0
    print(f"building the {precision} variant and checking it against float32 (a minute or two)...", file=sys.stderr)
    try:
        path, figures = rp.build_variant(precision, force=force)
    except rp.FidelityGateFailed as exc:
        print(f"veil model build: {exc}; not installed", file=sys.stderr)
        return 1
    print(f"fidelity gate: {figures['summary']}")
    print(f"built {precision} variant: {path}")
    return 0


def _model_info(args: argparse.Namespace) -> int:
    from services.embedder.model import ModelNotBuiltError, default_model_path, is_built, read_metadata

    try:
        path = default_model_path()
    except ModelNotBuiltError as exc:
        print(f"veil model info: {exc}", file=sys.stderr)
        return 1
    print(f"{'path:':<17} {path}")
    print(f"{'built:':<17} {'yes' if is_built(path) else 'no (run: veil model build)'}")
    for key, value in read_metadata(path).items():
        print(f"{key + ':':<17} {value}")
    from services.embedder import precision as rp
    from services.embedder.model import choose_precision, variant_path

    variant = variant_path(rp.BFLOAT16)
    print(f"{'bfloat16 path:':<17} {variant}")
    fidelity = read_metadata(variant).get("fidelity") if is_built(variant) else None
    print(f"{'bfloat16 built:':<17} {fidelity['summary'] if fidelity else 'no (run: veil model build --precision bfloat16)'}")
    print(f"{'this CPU:':<17} bfloat16 {'native' if rp.supported(rp.BFLOAT16) else 'not native'}; "
          f"VEIL_EMBEDDER_PRECISION=auto serves {choose_precision('auto')}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from tools.embedder import bench
    from veil.paths import home

    if args.pool_size < 50_000:
        print("veil bench embedder: --pool-size must be at least 50000", file=sys.stderr)
        return 2
    if args.seconds <= 0 or args.clients < 1 or args.per_call < 1 or args.zipf_clients < 0:
        print("veil bench embedder: --seconds, --clients and --per-call must be positive", file=sys.stderr)
        return 2
    try:
        sizes = [int(x) for x in args.batch_sizes.split(",") if x.strip()]
    except ValueError:
        print("veil bench embedder: --batch-sizes must be comma-separated integers", file=sys.stderr)
        return 2
    env = {}
    if args.max_batch_size:
        env["VEIL_EMBEDDER_MAX_BATCH_SIZE"] = str(args.max_batch_size)
    if args.max_wait_ms is not None:
        env["VEIL_EMBEDDER_MAX_WAIT_MS"] = str(args.max_wait_ms)
    log_path = home() / "bench" / "embedder-server.log"
    say = lambda line: print(line, flush=True)  # noqa: E731
    if args.sweep_wait:
        try:
            waits = [float(x) for x in args.sweep_wait.split(",") if x.strip()]
        except ValueError:
            print("veil bench embedder: --sweep-wait must be comma-separated numbers", file=sys.stderr)
            return 2
        print(f"max-wait sweep: {len(waits)} server starts, {args.seconds:.0f}s of load each")
        bench.sweep_wait(args.model, waits, args.seconds, log_path=log_path, say=say)
        return 0
    precision, compared = _compare_precisions(args, say)
    if compared is not None:
        env["VEIL_EMBEDDER_MAX_BATCH_TOKENS"] = str(compared.max_batch_tokens)
    fig = bench.run(args.model, sizes, args.clients, args.per_call, args.seconds, args.pool_size, args.zipf_s,
                    server_env=env, log_path=log_path, say=say, zipf_clients=args.zipf_clients, precision=precision)
    print()
    if compared is not None:
        from tools.embedder import precision_bench

        print("\n".join(precision_bench.report_lines(compared)))
        print()
    print(bench.report(fig, args.per_call, args.clients, args.zipf_s, args.pool_size))
    if args.json:
        write_json(args.json, bench.as_dict(fig))
    return 0


def _compare_precisions(args: argparse.Namespace, say):
    """(precision for the service figures, the side-by-side figures or None when there is no variant to compare)."""
    if args.model or args.precision == "float32":
        return "float32", None
    from services.embedder import precision as rp
    from services.embedder.fidelity import paragraphs
    from tools.embedder import precision_bench

    variant = rp.BFLOAT16 if args.precision == "auto" else args.precision
    if not rp.supported(variant):
        say(f"this CPU has no native {variant} kernels (none of {', '.join(rp.BF16_FLAGS)}): float32 only")
        return "float32", None
    say(f"float32 against {variant}, side by side (the variant is built and gated first if needed)")
    compared = precision_bench.compare(variant, phrase_pool(2_000, seed=5), paragraphs(64, seed=5), say=say)
    return variant, compared


def _cache_size(args: argparse.Namespace) -> int:
    from tools.embedder import sizing
    from veil.paths import home

    if bool(args.phrase_log) == bool(args.from_store):
        print("veil cache size: give a phrase log file or --from-store URL (one of them)", file=sys.stderr)
        return 2
    try:
        if args.from_store:
            phrases = sizing.phrases_from_store(args.from_store, args.limit)
            source = f"inference store ({len(phrases):,} texts)"
        else:
            phrases = sizing.read_phrase_log(args.phrase_log)
            source = str(args.phrase_log)
        sizes = [int(x) for x in args.sizes.split(",")] if args.sizes else None
        if sizes and min(sizes) < 1:
            raise ValueError("--sizes must be positive integers")
        report = sizing.size_cache(phrases, sizes, args.tolerance, args.memory_budget_mb,
                                   case_insensitive=not args.case_sensitive)
    except FileNotFoundError as exc:
        print(f"veil cache size: no such file: {exc.filename}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"veil cache size: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a database that cannot be read: say why, no traceback
        print(f"veil cache size: could not read the phrases: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    plot_path = sizing.plot(report, args.plot or home() / "bench" / "cache-sizing.png")
    print(f"phrase log: {source}: {report.requests:,} requests, {report.distinct:,} distinct phrases; "
          f"{report.bytes_per_entry:,.0f} bytes per cache entry (measured)")
    print(report.table())
    print(f"recommended maxsize: {report.recommended.maxsize:,} (hit rate {report.recommended.hit_rate:.4f}; "
          f"miss rate {1 - report.recommended.hit_rate:.4f}, at most {1 + report.tolerance:.2f} x the best "
          f"{1 - report.best_hit_rate:.4f}; {report.recommended.memory_bytes / 2**20:.1f} MB)")
    print(f"plot: {plot_path}")
    return 0


def _sample_log(args: argparse.Namespace) -> int:
    from tools.synthetic.phrases import phrase_pool, zipf_stream

    if args.requests < 1 or args.pool_size < 1:
        print("veil cache sample-log: --requests and --pool-size must be positive", file=sys.stderr)
        return 2
    pool = phrase_pool(args.pool_size, seed=args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        for phrase in zipf_stream(pool, args.requests, s=args.zipf_s, seed=args.seed + 1):
            f.write(phrase + "\n")
    print(f"wrote {args.requests:,} phrases (Zipf s={args.zipf_s} over {args.pool_size:,}) to {args.out}")
    return 0
