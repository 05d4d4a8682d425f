"""`veil batch <folder or manifest> -o <folder>` and `veil bench batch`: de-identification at scale on Dask."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import Iterator

from tools.options import add_json, add_output, write_json


def register(sub, group) -> None:
    p = sub.add_parser("batch", help="de-identify a folder (or manifest) of PDFs on a Dask cluster; resumable",
                       description="De-identifies every PDF of a folder (recursively), of a manifest (one path per "
                                   "line, or a CSV with a 'path' column) or one PDF, on a local Dask cluster or the "
                                   "cluster at --scheduler. Writes <out>/redacted/, <out>/reports/, the resume "
                                   "ledger <out>/ledger/ and <out>/summary.json. A rerun skips documents already "
                                   "done (by content hash). Exit status: 0 all done, 1 some documents failed "
                                   "(listed), 2 the batch could not run.")
    p.add_argument("input", type=Path, help="folder of PDFs, manifest file, or a PDF")
    add_output(p, "output folder (created; reused by reruns); required")
    p.add_argument("--scheduler", help="Dask scheduler address, tcp://host:8786 or tls://host:8786 "
                                       "(default: VEIL_BATCH_SCHEDULER, else a local cluster)")
    p.add_argument("--tls-ca-file", help="PEM CA certificate of a tls:// cluster (VEIL_BATCH_TLS_CA_FILE)")
    p.add_argument("--tls-cert", help="PEM client certificate for a tls:// scheduler (VEIL_BATCH_TLS_CERT)")
    p.add_argument("--tls-key", help="PEM key of --tls-cert (VEIL_BATCH_TLS_KEY)")
    p.add_argument("--workers", type=_positive, help="worker processes of the local cluster (VEIL_BATCH_WORKERS)")
    p.add_argument("--group-size", type=_positive, help="documents per work unit (VEIL_BATCH_GROUP_SIZE)")
    p.add_argument("--in-flight", type=_positive, help="work units queued per worker (VEIL_BATCH_IN_FLIGHT)")
    p.add_argument("--classifier-url", help="use this classifier service instead of loading the head in each worker")
    p.add_argument("--redactor-url", help="use this redactor service instead of the redactor's code in each worker")
    p.add_argument("--retry-failed", action="store_true",
                   help="also retry documents an earlier run rejected (not a PDF, encrypted, ...)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_batch)

    from tools.batch import bench

    p = group("bench").add_parser("batch", help="documents per minute with 1 and 2 Dask workers, side by side")
    p.add_argument("--documents", type=_positive, default=bench.DEFAULT_DOCUMENTS,
                   help="sample PDFs in the batch (generated once, seeded)")
    p.add_argument("--pages", type=_positive, default=bench.DEFAULT_PAGES, help="pages per sample PDF")
    p.add_argument("--workers", default=",".join(map(str, bench.DEFAULT_WORKERS)),
                   help="worker counts to compare, comma-separated")
    p.add_argument("--group-size", type=_positive, default=bench.DEFAULT_GROUP_SIZE, help="documents per work unit")
    p.add_argument("--repeat", type=_positive, default=bench.DEFAULT_REPEAT,
                   help="runs per worker count, alternating; the table shows their median")
    add_json(p)
    p.set_defaults(func=_bench)


def _positive(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise argparse.ArgumentTypeError("expected a positive integer")
    return value


def _batch(args: argparse.Namespace) -> int:
    from services.batch import settings, summary
    from services.batch.cluster import ClusterError, ClusterOptions, security
    from services.batch.inputs import InputError
    from services.batch.runner import BatchError, BatchOptions, run_batch

    if args.output is None:
        print("veil batch: name the output folder with -o/--output", file=sys.stderr)
        return 2
    cfg = settings.load()
    scheduler = args.scheduler if args.scheduler is not None else cfg.batch_scheduler
    cluster = ClusterOptions(
        scheduler=scheduler,
        workers=args.workers or cfg.batch_workers,
        tls_ca_file=args.tls_ca_file or cfg.batch_tls_ca_file,
        tls_cert=args.tls_cert or cfg.batch_tls_cert,
        tls_key=args.tls_key or cfg.batch_tls_key,
        connect_timeout=cfg.batch_connect_timeout,
        dashboard_address=cfg.batch_dashboard_address,
    )
    options = BatchOptions(cluster=cluster, group_size=args.group_size or cfg.batch_group_size,
                           in_flight=args.in_flight or cfg.batch_in_flight, retry_failed=args.retry_failed,
                           progress=not args.no_progress and sys.stderr.isatty(),
                           classifier_url=args.classifier_url or cfg.batch_classifier_url,
                           redactor_url=args.redactor_url or cfg.batch_redactor_url,
                           prepare=lambda stack: stack.enter_context(_embedder_for(
                               args.classifier_url or cfg.batch_classifier_url, remote=bool(scheduler))))
    if scheduler and args.workers:
        print("veil batch: --workers sizes a local cluster; the remote cluster keeps its own workers",
              file=sys.stderr)
    try:
        security(cluster)  # refuse bad TLS options before reading thousands of files
        result = run_batch(args.input, args.output, options, notify=lambda line: print(line, file=sys.stderr))
    except (InputError, ClusterError, BatchError) as exc:
        print(f"veil batch: {exc}", file=sys.stderr)
        return 2
    except _NoEmbedder as exc:
        print(f"veil batch: {exc}", file=sys.stderr)
        return 2
    print(summary.text(result, str(args.output)))
    return 1 if result["failures"] else 0


def _bench(args: argparse.Namespace) -> int:
    from tools.batch import bench

    try:
        workers = tuple(int(w) for w in args.workers.split(",") if w.strip())
        if not workers or min(workers) < 1:
            raise ValueError
    except ValueError:
        print("veil bench batch: --workers takes positive integers, comma-separated (e.g. 1,2)", file=sys.stderr)
        return 2
    figures = bench.run(documents=args.documents, pages=args.pages, workers=workers, group_size=args.group_size,
                        repeat=args.repeat)
    print(bench.table(figures))
    write_json(args.json, figures)
    return 0


class _NoEmbedder(RuntimeError):
    """No embedder answers where the workers would look for one, and none can be started for them."""


@contextlib.contextmanager
def _embedder_for(classifier_url: str, remote: bool) -> Iterator[None]:
    """Makes sure the workers' embedder answers: the configured one, else (local cluster) one started here.

    The workers load the heads themselves and call the embedder at VEIL_EMBEDDER_ADDRESS; without
    one every document would fail with the same connection error. As `veil demo` does, a local
    run starts the embedder on this machine for the batch; a remote cluster's workers cannot
    reach this machine's loopback, so there the address is named instead.
    """
    if classifier_url:
        yield  # the classifier service calls the embedder, not the workers
        return
    from services.embedder.launch import health_probe
    from veil.clients.embedder import DEFAULT_ADDRESS

    address = os.environ.get("VEIL_EMBEDDER_ADDRESS") or DEFAULT_ADDRESS
    if health_probe(address, timeout=3.0)():
        yield
        return
    if remote:
        raise _NoEmbedder(f"no embedder answers at {address} (VEIL_EMBEDDER_ADDRESS); the cluster's workers need "
                          "one they can reach: start it with `veil up --services embedder` on a host they reach "
                          "and set VEIL_EMBEDDER_ADDRESS, or pass --classifier-url")
    from tools.commands.stack import Stack

    print(f"veil batch: no embedder answers at {address}; starting one on this machine for the batch",
          file=sys.stderr, flush=True)
    try:
        stack = Stack(services=("embedder",)).start()
    except (RuntimeError, TimeoutError, OSError) as exc:
        raise _NoEmbedder(f"no embedder answers at {address} and none could be started here ({exc}); start one "
                          "with `veil up --services embedder` (build its model first: `veil model build`) and set "
                          "VEIL_EMBEDDER_ADDRESS") from None
    before = os.environ.get("VEIL_EMBEDDER_ADDRESS")
    os.environ["VEIL_EMBEDDER_ADDRESS"] = stack.embedder_address
    try:
        yield
    finally:
        stack.stop()
        if before is None:
            os.environ.pop("VEIL_EMBEDDER_ADDRESS", None)
        else:
            os.environ["VEIL_EMBEDDER_ADDRESS"] = before
