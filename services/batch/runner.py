"""Runs a batch: plan against the ledger, send groups of documents to the cluster, write results as they finish.

The client (this process) reads the PDFs, sends them inside the tasks (so the scheduler can
rerun a unit whose worker died on another worker), and is the only writer of outputs: as
each unit completes it writes the redacted PDFs and reports atomically, then the ledger
entry. A unit that dies with its worker is rerun by Dask; one that cannot finish at all is
split into single-document units, so only the document at fault fails.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import sys
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from services.batch import inputs, ledger
from services.batch import summary as summary_mod
from services.batch.cluster import ClusterOptions, Connection, connect
from services.batch.files import write_atomic, write_json
from services.batch.inputs import InputDocument
from services.batch.ledger import Ledger
from services.batch.work import WorkerSpec, classify, process_group, warm_up

_log = logging.getLogger(__name__)

REDACTED_DIR = "redacted"
REPORTS_DIR = "reports"
SUMMARY_FILE = "summary.json"
LOCK_FILE = ".lock"
# The gateway's settings that shape the pipeline; the rest (keys, ports) stay out of the tasks.
PIPELINE_KEYS = ("gateway_blob_workers", "gateway_predict_batch_size", "gateway_phi_model", "gateway_tagger_model",
                 "gateway_tagger_threshold",
                 "gateway_use_ml_model", "gateway_ml_weight", "gateway_model_threshold", "gateway_review_threshold")
_TASK_PREFIX = "veil-batch"


class BatchError(RuntimeError):
    """The batch cannot run at all (the workers cannot load the models, no workers); the message says why."""


@dataclass(frozen=True)
class BatchOptions:
    cluster: ClusterOptions = field(default_factory=ClusterOptions)
    group_size: int = 8
    in_flight: int = 2            # units queued per worker
    retry_failed: bool = False    # also rerun documents an earlier run found unprocessable
    progress: bool = True
    classifier_url: str = ""
    redactor_url: str = ""
    # Called with the run's exit stack before the workers' settings are read, only when there is work:
    # the CLI starts an embedder there when none answers (its address reaches the workers' spec).
    prepare: Callable[[contextlib.ExitStack], None] | None = None


def worker_spec(options: BatchOptions, overrides: dict[str, Any] | None = None) -> WorkerSpec:
    """The pipeline settings and model locations of this machine, for the workers to use alike."""
    import services.classifier as classifier
    import services.gateway as gateway

    cfg = gateway.load_settings(overrides)
    registry_root, ml_root = classifier.model_roots()
    return WorkerSpec(
        pipeline={k: cfg.values[k] for k in PIPELINE_KEYS},
        embedder_address=os.environ.get("VEIL_EMBEDDER_ADDRESS", ""),
        registry_root=str(registry_root.resolve()),
        ml_root=str(ml_root.resolve()),
        classifier_url=options.classifier_url,
        redactor_url=options.redactor_url,
        threads=options.cluster.threads,
        log_level=logging.getLevelName(logging.getLogger().getEffectiveLevel()),
    )


def group_size_for(documents: int, workers: int, configured: int) -> int:
    """Configured size, made smaller when there are too few documents to give each worker two units."""
    return max(1, min(configured, math.ceil(documents / (2 * max(1, workers)))))


def run_batch(source: str | Path, out: str | Path, options: BatchOptions | None = None, *,
              spec: WorkerSpec | None = None, connection: Connection | None = None,
              notify: Callable[[str], None] | None = None,
              on_result: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """De-identifies every document of `source` not yet done into `out`; returns (and writes) the summary.

    `connection` runs on an existing cluster (benchmarks, tests); otherwise one is started from
    `options.cluster`. `notify` receives the lines worth showing a person (cluster, dashboard);
    `on_result` is called with each document's ledger entry as it is written.
    """
    options = options or BatchOptions()
    notify = notify or (lambda line: _log.info("%s", line))
    out = Path(out)
    started = time.time()
    if out.exists() and not out.is_dir():
        raise inputs.InputError(f"the output folder {out} is a file")
    if out.resolve() == Path(source).resolve():
        raise inputs.InputError("the output folder must not be the input folder (give --out another folder)")
    documents, problems = inputs.scan(source, exclude=out)
    out.mkdir(parents=True, exist_ok=True)
    with _exclusive(out):
        return _run(documents, problems, out, options, spec, connection, notify, on_result, started)


@contextlib.contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """One batch at a time per output folder: two would do the same documents twice (harmless, but wasted)."""
    import fcntl

    with open(out / LOCK_FILE, "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BatchError(f"another batch is writing to {out}; wait for it or give another --out") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _run(documents: list[InputDocument], problems: list[inputs.InputProblem], out: Path, options: BatchOptions,
         spec: WorkerSpec | None, connection: Connection | None, notify: Callable[[str], None],
         on_result: Callable[[dict[str, Any]], None] | None, started: float) -> dict[str, Any]:
    book = Ledger(out)
    by_hash: dict[str, list[InputDocument]] = {}
    for doc in documents:
        by_hash.setdefault(doc.sha256, []).append(doc)
    pending: list[list[InputDocument]] = []
    skipped = copied = 0
    for sha, docs in by_hash.items():
        entry = book.get(sha)
        if book.is_settled(entry, options.retry_failed):
            skipped += 1
            copied += _add_names(book, entry, docs)
        else:
            pending.append(docs)
    run: dict[str, Any] = {"started_at": _iso(started), "cluster": None, "dashboard": None, "workers": 0,
                           "group_size": None, "seconds": 0.0, "startup_seconds": 0.0,
                           "documents_per_minute": None, "interrupted": False}
    counts = {"processed": 0}  # kept outside the driver so an interrupted run still reports what it finished
    try:
        if pending:
            _run_pending(pending, out, book, options, spec, connection, notify, on_result, run, counts)
        else:
            notify(f"nothing to do: all {len(by_hash)} distinct document(s) are already in the ledger")
    except KeyboardInterrupt:
        run["interrupted"] = True
        raise
    finally:
        run["finished_at"] = _iso(time.time())
        entries = [e for e in (book.get(sha) for sha in by_hash) if e is not None]
        result = summary_mod.build(documents=len(documents) + len(problems), distinct=len(by_hash), entries=entries,
                                   problems=[{"name": p.name, "error": p.error} for p in problems],
                                   processed=counts["processed"], skipped=skipped, copied=copied, run=run)
        write_json(out / SUMMARY_FILE, result)
    return result


def _run_pending(pending: list[list[InputDocument]], out: Path, book: Ledger, options: BatchOptions,
                 spec: WorkerSpec | None, connection: Connection | None, notify: Callable[[str], None],
                 on_result: Callable[[dict[str, Any]], None] | None, run: dict[str, Any],
                 counts: dict[str, int]) -> None:
    clock = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if options.prepare is not None:
            options.prepare(stack)
        spec = spec or worker_spec(options)
        conn = connection or stack.enter_context(connect(options.cluster))
        run["cluster"] = conn.description
        run["dashboard"] = conn.dashboard
        notify(f"running on {conn.description}")
        if conn.dashboard:
            notify(f"Dask dashboard: {conn.dashboard}")
        workers = _wait_for_workers(conn, options.cluster.connect_timeout)
        run["workers"] = workers
        warmed = warm_up_workers(conn.client, spec)
        notify(f"{len(warmed)} worker(s) ready: models {warmed[0]['dl']}" + (f" + {warmed[0]['ml']}" if warmed[0]["ml"]
                                                                           else " (no ML model)"))
        size = group_size_for(len(pending), workers, options.group_size)
        run["group_size"] = size
        run["startup_seconds"] = round(time.perf_counter() - clock, 3)
        groups = deque(pending[i:i + size] for i in range(0, len(pending), size))
        clock = time.perf_counter()
        try:
            _Driver(conn.client, spec, book, out, options, on_result, counts).run(groups, workers * options.in_flight,
                                                                                  len(pending))
        finally:
            seconds = time.perf_counter() - clock
            run["seconds"] = round(seconds, 3)
            processed = counts["processed"]
            run["documents_per_minute"] = round(processed / seconds * 60.0, 2) if seconds > 0 and processed else None


def _wait_for_workers(conn: Connection, timeout: float) -> int:
    try:
        conn.client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise BatchError(f"no Dask worker joined {conn.description} within {timeout:g}s; start workers with "
                         "`dask worker <scheduler address>` on machines that have Veil installed") from None
    return max(1, conn.workers)


def warm_up_workers(client: Any, spec: WorkerSpec) -> list[dict[str, Any]]:
    """Builds the pipeline on every worker at once, before any document is sent; fails the batch early."""
    addresses = list(client.scheduler_info(n_workers=-1)["workers"])
    tag = uuid.uuid4().hex[:8]
    futures = [client.submit(warm_up, spec, key=f"{_TASK_PREFIX}-warm-up-{tag}-{i}", workers=[address],
                             allow_other_workers=True, pure=False)
               for i, address in enumerate(addresses)]
    ready, errors = [], []
    for future in futures:
        try:
            ready.append(future.result())
        except Exception as exc:  # noqa: BLE001 - reported as one clear message below
            errors.append(classify(exc)[1])
    if errors:
        raise BatchError(f"the workers could not load the pipeline: {errors[0]}")
    return ready


class _Driver:
    """Keeps a window of units in flight and handles each as it completes."""

    def __init__(self, client: Any, spec: WorkerSpec, book: Ledger, out: Path, options: BatchOptions,
                 on_result: Callable[[dict[str, Any]], None] | None, counts: dict[str, int]):
        self.client = client
        self.spec = spec
        self.book = book
        self.out = out
        self.options = options
        self.on_result = on_result
        self.units: dict[str, list[list[InputDocument]]] = {}
        self.futures: dict[str, Any] = {}
        self.counts = counts
        self.failed = 0

    def run(self, groups: deque, window: int, total: int) -> None:
        from dask.distributed import as_completed
        from tqdm import tqdm

        self.bar = tqdm(total=total, unit="doc", desc="de-identifying", file=sys.stderr, dynamic_ncols=True,
                        smoothing=0.1, disable=not self.options.progress)
        self.completed = as_completed()
        try:
            while groups and len(self.units) < window:
                self._submit(groups.popleft())
            for future in self.completed:
                units = self.units.pop(future.key)
                self.futures.pop(future.key, None)
                try:
                    results = future.result()
                except Exception as exc:  # noqa: BLE001 - the unit died (KilledWorker) or could not run
                    results = self._unit_failed(units, exc)
                finally:
                    future.release()
                for r in results:
                    self._handle(r, units)
                while groups and len(self.units) < window:
                    self._submit(groups.popleft())
        except BaseException:
            self.client.cancel(list(self.futures.values()))
            raise
        finally:
            self.bar.close()

    def _submit(self, units: Sequence[list[InputDocument]]) -> None:
        items, kept = [], []
        for docs in units:
            first = docs[0]
            try:
                data = first.path.read_bytes()
            except OSError as exc:
                self._record_failure(docs, ledger.ERROR, f"cannot read {first.path}: {exc.strerror or exc}")
                continue
            if inputs.sha256_bytes(data) != first.sha256:
                self._record_failure(docs, ledger.ERROR, "the file changed while the batch ran; rerun to process it")
                continue
            items.append((first.sha256, data))
            kept.append(docs)
        if not items:
            return
        future = self.client.submit(process_group, self.spec, items, pure=False,
                                    key=f"{_TASK_PREFIX}-{uuid.uuid4().hex}")
        self.units[future.key] = kept
        self.futures[future.key] = future
        self.completed.add(future)

    def _unit_failed(self, units: list[list[InputDocument]], exc: BaseException) -> list[dict[str, Any]]:
        if len(units) > 1:
            # Dask gave up on the unit (it killed workers again and again): find the document at fault.
            _log.warning("a unit of %d documents could not run (%s); sending them one by one", len(units),
                         type(exc).__name__)
            for docs in units:
                self._submit([docs])
            return []
        from distributed.scheduler import KilledWorker

        if isinstance(exc, KilledWorker):
            kind, error = ledger.CRASHED, ("the document crashed the worker processing it every time it was "
                                           "tried (KilledWorker); it was not processed")
        else:
            kind, error = classify(exc)
        return [{"key": units[0][0].sha256, "status": ledger.FAILED, "kind": kind, "error": error}]

    def _handle(self, result: dict[str, Any], units: list[list[InputDocument]]) -> None:
        docs = next(d for d in units if d[0].sha256 == result["key"])
        if result["status"] == ledger.DONE:
            entry = self._write_done(docs, result)
            self.counts["processed"] += 1
        else:
            entry = self._record_failure(docs, result["kind"], result["error"])
        self.bar.update(1)
        if self.failed:
            self.bar.set_postfix(failed=self.failed, refresh=False)
        if self.on_result:
            self.on_result(entry)

    def _write_done(self, docs: list[InputDocument], result: dict[str, Any]) -> dict[str, Any]:
        report = result["report"]
        outputs, reports = [], []
        for doc in docs:
            pdf_rel = f"{REDACTED_DIR}/{doc.name}"
            report_rel = f"{REPORTS_DIR}/{doc.name}.json"
            write_atomic(self.out / pdf_rel, result["pdf"])
            write_json(self.out / report_rel, {"document": doc.name, "sha256": doc.sha256, **report})
            outputs.append(pdf_rel)
            reports.append(report_rel)
        entry = {"sha256": docs[0].sha256, "status": ledger.DONE, "names": [d.name for d in docs],
                 "outputs": outputs, "reports": reports, "risk": result["result"]["risk"],
                 "counts": result["result"]["counts"], "pages": report.get("document", {}).get("pages"),
                 "seconds": result.get("seconds"), "finished_at": _iso(time.time())}
        self.book.record(entry)
        return entry

    def _record_failure(self, docs: list[InputDocument], kind: str, error: str) -> dict[str, Any]:
        self.failed += 1
        entry = {"sha256": docs[0].sha256, "status": ledger.FAILED, "kind": kind, "error": error,
                 "names": [d.name for d in docs], "finished_at": _iso(time.time())}
        self.book.record(entry)
        # By hash, not name: file names of clinical documents often carry the patient's name.
        _log.info("document %s failed: [%s]", docs[0].sha256[:12], kind)
        return entry


def _add_names(book: Ledger, entry: dict[str, Any], docs: Iterable[InputDocument]) -> int:
    """Gives documents already done under another name (same content) their outputs, by copying; returns how many."""
    if entry.get("status") != ledger.DONE:
        return 0
    known = set(entry.get("names", []))
    new = [d for d in docs if d.name not in known]
    if not new:
        return 0
    pdf = (book.out / entry["outputs"][0]).read_bytes()
    report = json.loads((book.out / entry["reports"][0]).read_text(encoding="utf-8")) if entry.get("reports") else None
    for doc in new:
        write_atomic(book.out / REDACTED_DIR / doc.name, pdf)
        entry.setdefault("outputs", []).append(f"{REDACTED_DIR}/{doc.name}")
        if report is not None:
            write_json(book.out / REPORTS_DIR / f"{doc.name}.json", {**report, "document": doc.name})
            entry.setdefault("reports", []).append(f"{REPORTS_DIR}/{doc.name}.json")
        entry.setdefault("names", []).append(doc.name)
    book.record(entry)
    return len(new)


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
