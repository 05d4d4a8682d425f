"""`veil db migrate` and `veil bench classifier`: the stores' schemas and the classifier's benchmark.

`veil db migrate` creates or upgrades the services' stores (inference store, job store) in the
service database, and the training tables (`training_rows`, `training_token_rows`) in the
training database, which is PostgreSQL only and usually another database: it is migrated when
one is named (`--training-database-url` or VEIL_TRAINING_DATABASE_URL), and skipped, saying
so, otherwise (`veil data seed` creates it too).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from tools.options import add_json, write_json

_README = Path(__file__).resolve().parent / "README.md"


def register(sub, group) -> None:
    p = group("db").add_parser("migrate", help="create or upgrade the schema of the inference store (and job store)")
    p.add_argument("--database-url", default=None,
                   help="postgresql://... or sqlite:///path (default: VEIL_DATABASE_URL, else SQLite in VEIL_HOME)")
    p.add_argument("--training-database-url", default=None,
                   help="PostgreSQL database of the training tables (default: VEIL_TRAINING_DATABASE_URL; "
                        "without either they are skipped)")
    p.set_defaults(func=_migrate)

    p = group("bench").add_parser("classifier", help="predict throughput and p50/p95/p99 latency, batch 1 and 32, "
                                                     "under gunicorn with the real embedder")
    p.add_argument("--batch-sizes", default="1,32", help="texts per request, comma-separated (default 1,32)")
    p.add_argument("--clients", type=int, default=8, help="concurrent client threads (default 8)")
    p.add_argument("--seconds", type=float, default=10.0, help="measured seconds per row (default 10)")
    p.add_argument("--workers", type=int, help="gunicorn workers (default: VEIL_CLASSIFIER_WORKERS)")
    p.add_argument("--threads", type=int, help="threads per worker (default: VEIL_CLASSIFIER_THREADS)")
    p.add_argument("--embedder", metavar="HOST:PORT",
                   help="use this running embedder instead of starting one with the default model")
    p.add_argument("--registry", type=Path,
                   help="serve heads from this registry (default: a small head trained for the run)")
    p.add_argument("--model", default="phi-type", help="model to call (default phi-type)")
    add_json(p)
    p.add_argument("--update-readme", action="store_true",
                   help="write the printed figures into services/classifier/README.md")
    p.set_defaults(func=_bench)


# Stores whose schema `veil db migrate` manages: (module, how to migrate a Database).
_STORES = (
    ("services.classifier.inference", lambda module, db: module.migrate(db)),
    ("services.gateway.jobs", lambda module, db: module.JobStore(db).ensure_schema()),
)


def _migrate(args: argparse.Namespace) -> int:
    from veil import config
    from veil.stores.db import Database

    url = args.database_url
    if url is None:
        url = config.load(config.COMMON).database_url
    elif url:
        try:
            url = config.database_url(url)
        except ValueError as exc:
            print(f"veil db migrate: --database-url {exc}", file=sys.stderr)
            return 2
    database = Database.from_url(url or None)
    for module_name, migrate in _STORES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        try:
            applied = migrate(module, database)
        except Exception as exc:  # noqa: BLE001 - an unreachable database is a message, not a traceback
            print(f"veil db migrate: {module_name.rsplit('.', 1)[1]} store at {database.redacted_url()}: "
                  f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}",
                  file=sys.stderr)
            return 1
        name = module_name.rsplit(".", 1)[1]
        if isinstance(applied, list):
            done = f"applied migration(s) {', '.join(map(str, applied))}" if applied else "already up to date"
        else:
            done = "schema ensured"
        print(f"{name} store: {done} ({database.redacted_url()})")
    return _migrate_training(args.training_database_url or os.environ.get("VEIL_TRAINING_DATABASE_URL"))


def _migrate_training(url: str | None) -> int:
    """The training tables (phrase rows and token rows) in the training database, when one is named."""
    if not url:
        print("training tables: skipped (PostgreSQL only: name the database with --training-database-url or "
              "VEIL_TRAINING_DATABASE_URL)")
        return 0
    from services.classifier.training import rows, settings
    from veil.stores.db import Database

    try:
        settings.postgres_url(url)
    except ValueError as exc:
        print(f"veil db migrate: --training-database-url {exc}", file=sys.stderr)
        return 2
    shown = Database(url).redacted_url()
    try:
        rows.ensure_database(url)
        rows.ensure_schema(url)
    except Exception as exc:  # noqa: BLE001 - an unreachable database is a message, not a traceback
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(f"veil db migrate: training tables at {shown}: {type(exc).__name__}: {first}", file=sys.stderr)
        return 1
    print(f"training tables: {rows.TABLE}, {rows.TOKEN_TABLE} ensured ({shown})")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from tools.classifier import bench

    try:
        sizes = [int(x) for x in args.batch_sizes.split(",") if x.strip()]
    except ValueError:
        print("veil bench classifier: --batch-sizes must be integers like 1,32", file=sys.stderr)
        return 2
    if not sizes or min(sizes) < 1 or args.clients < 1 or args.seconds <= 0:
        print("veil bench classifier: batch sizes and clients must be >= 1 and seconds > 0", file=sys.stderr)
        return 2
    result = bench.run(batch_sizes=sizes, clients=args.clients, seconds=args.seconds, workers=args.workers,
                       threads=args.threads, embedder_address=args.embedder, registry_root=args.registry,
                       model=args.model, say=lambda line: print(line, flush=True))
    text = bench.report(result)
    print()
    print(bench.ratios(result))
    if args.json:
        write_json(args.json, bench.as_dict(result))
    if args.update_readme:
        bench.write_readme(_README, text)
        print(f"figures written into {_README}")
    return 0
