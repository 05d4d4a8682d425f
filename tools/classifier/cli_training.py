"""`veil data seed`, `veil train <config>`, `veil train --all`: the training pipeline from the command line."""

from __future__ import annotations

import argparse
import sys

from tools.options import add_json, write_json


def register(sub, group) -> None:
    p = group("data").add_parser("seed", help="generate the training datasets and load them into PostgreSQL")
    p.add_argument("--dataset", action="append", dest="datasets", metavar="NAME",
                   help="only this dataset (repeatable): phi-type, general-phrases, phi-tagger (default: all)")
    p.add_argument("--scale", type=float, default=1.0, help="multiply the default dataset sizes (default 1.0)")
    p.add_argument("--seed", type=int, default=None, help="generator seed (default: each dataset's own)")
    p.add_argument("--database-url", default=None, help="default: VEIL_TRAINING_DATABASE_URL")
    p.set_defaults(func=_seed)

    p = sub.add_parser("train", help="train classifier heads from a config (or all of them) and publish them")
    p.add_argument("config", nargs="?", help="a config file, or the name of one in "
                                             "services/classifier/training/configs/ (e.g. phi-type)")
    p.add_argument("--all", action="store_true", help="train every config in the configs folder, in parallel on Dask")
    p.add_argument("--configs", default=None, help="with --all: the folder of configs (default: the built-in one)")
    p.add_argument("--scheduler", default=None, metavar="ADDR",
                   help="with --all: a Dask scheduler (tcp://host:8786); default: a local cluster")
    p.add_argument("--workers", type=int, default=None,
                   help="with --all and no scheduler: worker processes (default: min(configs, cores / threads))")
    p.add_argument("--threads", type=int, default=None,
                   help="with --all: BLAS/TensorFlow threads per worker (default: VEIL_TRAINING_WORKER_THREADS)")
    p.add_argument("--embedder", default=None, metavar="ADDR",
                   help="embedder host:port (default: VEIL_EMBEDDER_ADDRESS)")
    p.add_argument("--database-url", default=None, help="default: VEIL_TRAINING_DATABASE_URL")
    p.add_argument("--no-publish", action="store_true", help="write the artifacts but do not register the version")
    add_json(p, "the summaries")
    p.set_defaults(func=_train)

    # Hidden: the same as `veil eval --head VERSION_DIR`, one verb for every evaluation.
    p = sub.add_parser("evaluate")
    p.add_argument("version_dir", help="an artifact folder: <root>/<region>/<model>/<version>")
    p.add_argument("--group-by", default="template",
                   help="keep each value of this column in one part: template (default) or text")
    p.add_argument("--seed", type=int, default=None, help="split seed (default: the version's)")
    p.add_argument("--no-ml", action="store_true", help="skip the ML model")
    add_json(p, "the reports", legacy=("--out",))
    p.set_defaults(func=_evaluate)


def _seed(args: argparse.Namespace) -> int:
    import psycopg2

    from services.classifier.training import settings
    from tools.synthetic import seed
    from veil import config

    try:
        url = settings.postgres_url(args.database_url) if args.database_url else \
            config.load(settings.SETTINGS).training_database_url
        loaded = seed.seed(url, args.datasets, scale=args.scale, seed_value=args.seed)
    except ValueError as exc:
        print(f"veil data seed: {exc}", file=sys.stderr)
        return 2
    except psycopg2.Error as exc:
        print(f"veil data seed: the training database failed: {str(exc).strip()}", file=sys.stderr)
        return 1
    for name, n in loaded.items():
        print(f"{name}: {n} rows ({seed.DATASETS[name].description})")
    return 0


def _print_summaries(summaries: list[dict], json_target: str | None) -> int:
    # `--json` alone: the summaries are the output (stdout, nothing else there); `--json FILE`: also a file.
    as_json = json_target == "-"
    write_json(json_target, summaries)
    failed = 0
    for s in summaries:
        if "error" in s:
            failed += 1
            if not as_json:
                print(f"{s.get('source', s.get('name'))}: FAILED: {s['error']}", file=sys.stderr)
            continue
        if as_json:
            continue
        if s.get("kind") == "token":
            _print_token_summary(s)
            continue
        line = (f"{s['name']} {s['version']}: weighted F1 {s['weighted_f1']:.4f} on {s['test_rows']} held-out "
                f"test rows")
        if "ml_weighted_f1" in s:
            line += f"; ML model weighted F1 {s['ml_weighted_f1']:.4f}"
        print(line + f" ({s['seconds']:.0f}s)")
        print(f"  artifacts: {s['artifact_dir']}")
        if s.get("published"):
            print(f"  published: {s['published']}")
    return 1 if failed else 0


def _print_token_summary(s: dict) -> None:
    """A token head's figures: span F1 (exact and overlapping) per entity type on the held-out rows."""
    print(f"{s['name']} {s['version']}: span F1 {s['span_f1']:.4f} exact, {s['span_f1_overlap']:.4f} overlap on "
          f"{s['test_rows']} held-out rows ({s['test_tokens']} tokens; entity token F1 {s['entity_token_f1']:.4f}) "
          f"({s['seconds']:.0f}s)")
    print(f"  {'type':<13} {'span F1':>8} {'overlap':>8} {'P':>7} {'R':>7} {'token F1':>9} {'spans':>6}")
    for name, t in s["per_type"].items():
        print(f"  {name:<13} {t['span_f1']:>8.4f} {t['span_f1_overlap']:>8.4f} {t['precision']:>7.4f} "
              f"{t['recall']:>7.4f} {t['token_f1']:>9.4f} {t['spans']:>6}")
    print(f"  artifacts: {s['artifact_dir']}")
    if s.get("published"):
        print(f"  published: {s['published']}")


def _train(args: argparse.Namespace) -> int:
    if bool(args.config) == bool(args.all):
        print("veil train: give one config, or --all", file=sys.stderr)
        return 2
    if args.database_url:
        from services.classifier.training import settings

        try:
            settings.postgres_url(args.database_url)
        except ValueError as exc:
            print(f"veil train: --database-url: {exc}", file=sys.stderr)
            return 2
    overrides = {"database_url": args.database_url, "embedder_address": args.embedder}
    overrides = {k: v for k, v in overrides.items() if v}
    if args.all:
        return _train_all(args, overrides)

    import psycopg2

    from services.classifier.training import config, pipeline, rows
    from veil.clients.embedder import EmbedderError

    cfg = config.load(config.resolve(args.config))
    if args.no_publish:
        cfg = _replace(cfg, publish=False)
    env = pipeline.Environment.from_settings(**overrides)
    try:
        result = pipeline.train(cfg, env)
    except (pipeline.TrainingDataError, rows.QueryError) as exc:
        print(f"veil train: {exc}", file=sys.stderr)
        return 1
    except EmbedderError as exc:
        print(f"veil train: the embedder at {env.embedder_address or 'VEIL_EMBEDDER_ADDRESS'} failed: {exc} "
              "(start it with `python -m services.embedder.server`)", file=sys.stderr)
        return 1
    except psycopg2.Error as exc:  # still failing after the retries
        print(f"veil train: the training database failed: {str(exc).strip()}", file=sys.stderr)
        return 1
    return _print_summaries([result.summary()], args.json)


def _train_all(args: argparse.Namespace, overrides: dict) -> int:
    from services.classifier.training import config, fanout, settings
    from veil import config as veil_config

    paths = config.all_configs(args.configs) if args.configs else config.all_configs()
    if not paths:
        print(f"veil train --all: no *.yaml configs in {args.configs or config.CONFIG_DIR}", file=sys.stderr)
        return 2
    for path in paths:  # fail before starting a cluster when any config is malformed
        config.load(path)
    threads = args.threads or veil_config.load(settings.SETTINGS).training_worker_threads
    summaries = fanout.train_all(paths, scheduler=args.scheduler, workers=args.workers, threads=threads,
                                 overrides=overrides, publish=not args.no_publish)
    return _print_summaries(summaries, args.json)


def _evaluate(args: argparse.Namespace) -> int:
    return evaluate_head(args.version_dir, group_by=args.group_by, seed=args.seed, no_ml=args.no_ml,
                         json_target=args.json)


def evaluate_head(version_dir: str, *, group_by: str, seed: int | None, no_ml: bool, json_target: str | None) -> int:
    """Retrains a trained version on its stored embeddings under another split and prints the weighted F1."""
    from services.classifier.training import evaluate

    try:
        result = evaluate.evaluate(version_dir, group_by=group_by, seed=seed, with_ml=not no_ml)
    except evaluate.EvaluationError as exc:
        print(f"veil eval --head: {exc}", file=sys.stderr)
        return 2
    sizes = result["sizes"]
    print(f"{result['model']} ({result['version_dir']}), split grouped by {result['group_by']}: "
          f"train {sizes['train']}, validation {sizes['validation']}, test {sizes['test']}")
    for key, what in (("head", "head"), ("ml_model", "ML model")):
        if key in result:
            r = result[key]
            print(f"  {what}: weighted F1 {r['weighted_f1']:.4f} on {r['rows']} held-out test rows "
                  f"(accuracy {r['accuracy']:.4f}, macro F1 {r['macro_f1']:.4f})")
    write_json(json_target, result)
    return 0


def _replace(cfg, **changes):
    import dataclasses

    return dataclasses.replace(cfg, **changes)
