"""The inference store: every prediction as a row of `inference_records`, written in the background.

`InferenceStore` is the table (schema migrations, idempotent batch inserts, reads for
tools such as cache sizing). `InferenceRecorder` is what a service holds: `record()`
puts records on an in-memory queue and returns at once; one background thread writes
them in batches. While the database is unreachable, batches go to a durable local
`Spool` and are replayed when it is back. Every record carries a random `record_id`
and inserts skip ids already present, so a batch that is retried (a commit whose
acknowledgement was lost, a spool segment replayed after a crash) lands exactly once.
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Sequence

from services.classifier.spool import Spool, SpoolFull
from veil.stores.db import Database

_log = logging.getLogger(__name__)

TABLE = "inference_records"
_COMPONENT = "inference"
_COLUMNS = ("record_id", "request_id", "caller", "model", "version", "position", "input_text", "label",
            "probability", "top_k", "latency_ms", "created_at")
# Serialises migrations across processes (every gunicorn worker migrates on start).
_MIGRATION_LOCK_ID = 7_031_977_002

DEFAULT_BATCH_SIZE = 500
DEFAULT_FLUSH_INTERVAL = 0.2
DEFAULT_QUEUE_SIZE = 20_000
DEFAULT_RETRY_INTERVAL = 2.0
DEFAULT_MAX_RETRY_INTERVAL = 30.0
DEFAULT_CONNECT_TIMEOUT = 3.0
_REPLAY_INTERVAL = 30.0


@dataclass(frozen=True)
class InferenceRecord:
    """One text's prediction. `record_id` is the idempotency key; `created_at` is epoch seconds."""

    request_id: str
    caller: str
    model: str
    version: str
    input_text: str
    label: str
    probability: float
    top_k: list[dict[str, Any]] | None = None
    latency_ms: float = 0.0
    position: int = 0
    created_at: float = field(default_factory=time.time)
    record_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "InferenceRecord":
        return cls(**{k: data[k] for k in _COLUMNS if k in data})

    def row(self) -> tuple:
        top_k = json.dumps(self.top_k, separators=(",", ":")) if self.top_k is not None else None
        return (self.record_id, self.request_id, self.caller, self.model, self.version, self.position,
                self.input_text, self.label, float(self.probability), top_k, float(self.latency_ms),
                float(self.created_at))


# -- schema ------------------------------------------------------------------------------

def _migrations(db: Database) -> list[tuple[int, str, list[str]]]:
    real = "DOUBLE PRECISION" if db.is_postgres else "REAL"
    return [
        (1, "create inference_records", [
            f"""CREATE TABLE IF NOT EXISTS {TABLE} (
                record_id TEXT PRIMARY KEY,
                request_id TEXT NOT NULL,
                caller TEXT NOT NULL,
                model TEXT NOT NULL,
                version TEXT NOT NULL,
                position INTEGER NOT NULL,
                input_text TEXT NOT NULL,
                label TEXT NOT NULL,
                probability {real} NOT NULL,
                top_k TEXT,
                latency_ms {real} NOT NULL,
                created_at {real} NOT NULL)""",
            f"CREATE INDEX IF NOT EXISTS {TABLE}_created ON {TABLE} (created_at)",
            f"CREATE INDEX IF NOT EXISTS {TABLE}_model ON {TABLE} (model, version, created_at)",
            f"CREATE INDEX IF NOT EXISTS {TABLE}_request ON {TABLE} (request_id)",
        ]),
    ]


LATEST_SCHEMA_VERSION = 1


class InferenceStore:
    """Synchronous access to `inference_records`; one connection, used by one thread at a time."""

    def __init__(self, database: Database, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT):
        self.database = database
        self.connect_timeout = connect_timeout
        self._conn: Any = None
        self._held: ExitStack | None = None

    def _connection(self) -> Any:
        if self._conn is None:
            # Borrowed from the process's pool (PostgreSQL; keepalives and a statement timeout
            # come with it, so a stalled server cannot hold the writer) until close().
            held = ExitStack()
            self._conn = held.enter_context(self.database.connection(timeout=self.connect_timeout))
            self._held = held
        return self._conn

    def close(self) -> None:
        held, self._held, self._conn = self._held, None, None
        if held is not None:
            try:
                held.close()
            except Exception:  # noqa: BLE001 - giving back a broken connection may fail; it is gone either way
                pass

    def migrate(self) -> list[int]:
        """Creates or upgrades the schema; returns the migration versions it applied (idempotent)."""
        conn = self._connection()
        db = self.database
        try:
            cur = conn.cursor()
            if db.is_postgres:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK_ID,))
            else:
                cur.execute("BEGIN IMMEDIATE")
            cur.execute(f"""CREATE TABLE IF NOT EXISTS veil_schema_migrations (
                component TEXT NOT NULL, version INTEGER NOT NULL, description TEXT NOT NULL,
                applied_at {"DOUBLE PRECISION" if db.is_postgres else "REAL"} NOT NULL,
                PRIMARY KEY (component, version))""")
            cur.execute(db.sql("SELECT version FROM veil_schema_migrations WHERE component = ?"), (_COMPONENT,))
            done = {row[0] for row in cur.fetchall()}
            applied = []
            for version, description, statements in _migrations(db):
                if version in done:
                    continue
                for statement in statements:
                    cur.execute(statement)
                cur.execute(db.sql("INSERT INTO veil_schema_migrations (component, version, description, applied_at)"
                                   " VALUES (?, ?, ?, ?)"), (_COMPONENT, version, description, time.time()))
                applied.append(version)
            conn.commit()
            cur.close()
        except Exception:
            self._rollback()
            raise
        if applied:
            _log.info("inference store migrated to schema version %d (%s)", applied[-1], db.redacted_url())
        return applied

    def schema_version(self) -> int:
        conn = self._connection()
        cur = conn.cursor()
        try:
            cur.execute(self.database.sql(
                "SELECT MAX(version) FROM veil_schema_migrations WHERE component = ?"), (_COMPONENT,))
            row = cur.fetchone()
        except Exception:
            self._rollback()
            return 0
        finally:
            cur.close()
        conn.commit()
        return int(row[0] or 0)

    def insert(self, records: Sequence[InferenceRecord]) -> int:
        """Inserts in one transaction, skipping ids already stored; returns how many were new."""
        if not records:
            return 0
        rows = [r.row() for r in records]
        conn = self._connection()
        cols = ", ".join(_COLUMNS)
        try:
            cur = conn.cursor()
            if self.database.is_postgres:
                from psycopg2.extras import execute_values

                inserted = execute_values(
                    cur, f"INSERT INTO {TABLE} ({cols}) VALUES %s ON CONFLICT (record_id) DO NOTHING "
                         "RETURNING 1", rows, page_size=1000, fetch=True)
                count = len(inserted)
            else:
                marks = ", ".join("?" * len(_COLUMNS))
                before = conn.total_changes
                cur.executemany(f"INSERT INTO {TABLE} ({cols}) VALUES ({marks}) ON CONFLICT (record_id) DO NOTHING",
                                rows)
                count = conn.total_changes - before
            conn.commit()
            cur.close()
            return count
        except Exception:
            self._rollback()
            raise

    def ping(self) -> None:
        conn = self._connection()
        cur = conn.cursor()
        try:
            cur.execute("SELECT 1")
            cur.fetchone()
            conn.commit()
        except Exception:
            self._rollback()
            raise
        finally:
            cur.close()

    def count(self, model: str | None = None) -> int:
        where, params = ("WHERE model = ?", (model,)) if model else ("", ())
        return int(self._query(f"SELECT COUNT(*) FROM {TABLE} {where}", params)[0][0])

    def records(self, model: str | None = None, limit: int | None = None,
                since: float | None = None) -> list[InferenceRecord]:
        """Stored records, oldest first (for tools and tests; not for the request path)."""
        clauses, params = [], []
        if model:
            clauses.append("model = ?")
            params.append(model)
        if since is not None:
            clauses.append("created_at >= ?")
            params.append(since)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        tail = f" LIMIT {int(limit)}" if limit else ""
        rows = self._query(f"SELECT {', '.join(_COLUMNS)} FROM {TABLE} {where} "
                           f"ORDER BY created_at, request_id, position{tail}", tuple(params))
        result = []
        for row in rows:
            data = dict(zip(_COLUMNS, row))
            data["top_k"] = json.loads(data["top_k"]) if data["top_k"] else None
            result.append(InferenceRecord.from_dict(data))
        return result

    def input_texts(self, since: float | None = None, limit: int | None = None) -> Iterable[str]:
        """The texts callers sent, oldest first: what the embedder's cache sizing replays."""
        where, params = ("WHERE created_at >= ?", (since,)) if since is not None else ("", ())
        tail = f" LIMIT {int(limit)}" if limit else ""
        rows = self._query(f"SELECT input_text FROM {TABLE} {where} ORDER BY created_at{tail}", params)
        return [row[0] for row in rows]

    def _query(self, statement: str, params: tuple = ()) -> list[tuple]:
        conn = self._connection()
        cur = conn.cursor()
        try:
            cur.execute(self.database.sql(statement), params)
            rows = cur.fetchall()
            conn.commit()
            return rows
        except Exception:
            self._rollback()
            raise
        finally:
            cur.close()

    def _rollback(self) -> None:
        try:
            if self._conn is not None:
                self._conn.rollback()
        except Exception:  # noqa: BLE001 - the connection is broken: drop it and reconnect next time
            self.close()


def is_bad_record(exc: BaseException) -> bool:
    """True when the database refused the data itself (it would refuse it again), not when it was unreachable."""
    if isinstance(exc, (ValueError, UnicodeError, sqlite3.IntegrityError, sqlite3.DataError)):
        return True
    try:
        import psycopg2
    except ImportError:  # pragma: no cover - SQLite-only installs
        return False
    return isinstance(exc, (psycopg2.DataError, psycopg2.IntegrityError))


def _describe(exc: BaseException) -> str:
    """An error for the log: connection errors with their message, others by type only (a message may quote a value)."""
    name = type(exc).__name__
    if "Operational" in name or "Interface" in name:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"{name}: {first}" if first else name
    return name


# -- the background writer ---------------------------------------------------------------

class RecorderMetrics:
    """Hooks the recorder calls; the default does nothing. Services map them to Prometheus."""

    def written(self, count: int, lag_seconds: float) -> None: ...
    def spooled(self, count: int) -> None: ...
    def dropped(self, count: int, reason: str) -> None: ...
    def pending(self, count: int) -> None: ...
    def spool_depth(self, records: int, size_bytes: int) -> None: ...
    def database_up(self, up: bool) -> None: ...


class InferenceRecorder:
    """Takes records without blocking and gets each into the store exactly once, via the spool if needed."""

    def __init__(self, store: InferenceStore, spool: Spool, *, batch_size: int = DEFAULT_BATCH_SIZE,
                 flush_interval: float = DEFAULT_FLUSH_INTERVAL, queue_size: int = DEFAULT_QUEUE_SIZE,
                 retry_interval: float = DEFAULT_RETRY_INTERVAL,
                 max_retry_interval: float = DEFAULT_MAX_RETRY_INTERVAL,
                 metrics: RecorderMetrics | None = None, migrate: bool = True):
        self.store = store
        self.spool = spool
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.retry_interval = retry_interval
        self.max_retry_interval = max_retry_interval
        self.metrics = metrics or RecorderMetrics()
        self._queue: queue.Queue[InferenceRecord] = queue.Queue(maxsize=queue_size)
        self._need_migrate = migrate
        self._db_up: bool | None = None  # unknown until the first attempt
        self._failures = 0
        self._next_attempt = 0.0
        self._spool_dirty = True  # segments of an earlier run may be waiting
        self._next_replay = 0.0
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._busy = 0
        self._thread: threading.Thread | None = None

    # -- what request threads call --------------------------------------------------------

    def record(self, records: Iterable[InferenceRecord]) -> None:
        """Queues the records and returns at once; never touches the database."""
        overflow = []
        for r in records:
            try:
                self._queue.put_nowait(r)
            except queue.Full:
                overflow.append(r)
        if overflow:
            # The writer is stuck (a stalled database); keep the records on disk, not in memory.
            self._to_spool(overflow)
        self.metrics.pending(self._queue.qsize())

    def start(self) -> "InferenceRecorder":
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="inference-recorder", daemon=True)
            self._thread.start()
        return self

    def flush(self, timeout: float = 10.0) -> bool:
        """Waits until every queued record is in the database or the spool (for tests and shutdown)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._queue.unfinished_tasks or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(min(remaining, 0.05))
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Stops the writer once it has written (or spooled) what is queued. Idempotent.

        What it cannot finish within `timeout` (a stalled database) goes to the spool.
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._thread is None or self._thread.is_alive():
            # The store's connection belongs to the writer thread: keep the rest on disk instead.
            leftover = self._take(self._queue.qsize())
            if leftover:
                self._to_spool(leftover)
                self._done(leftover, busy=False)
        self.spool.close()

    @property
    def database_up(self) -> bool | None:
        return self._db_up

    def pending(self) -> int:
        return self._queue.qsize()

    # -- the writer thread ----------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                batch = self._next_batch()
                try:
                    if batch:
                        self._deliver(batch, allow_db=time.monotonic() >= self._next_attempt)
                    elif self._db_up is not True and time.monotonic() >= self._next_attempt:
                        self._probe()
                    if self._db_up and (self._spool_dirty or time.monotonic() >= self._next_replay):
                        self._replay()
                except Exception:  # noqa: BLE001 - the writer must outlive any surprise; the log keeps the traceback
                    _log.exception("inference recorder: unexpected error")
                finally:
                    self._done(batch)
                self.metrics.pending(self._queue.qsize())
            self._write_remaining()
        finally:
            self.store.close()

    def _write_remaining(self) -> None:
        """At shutdown: what is still queued goes to the database once more, else to the spool."""
        while True:
            batch = self._take(self.batch_size)
            if not batch:
                return
            with self._idle:
                self._busy += 1
            try:
                self._deliver(batch, allow_db=self._db_up is not False)
            except Exception:  # noqa: BLE001
                _log.exception("inference recorder: unexpected error at shutdown")
            finally:
                self._done(batch)

    def _done(self, batch: list[InferenceRecord], busy: bool = True) -> None:
        """Marks a batch taken from the queue as handled (for flush())."""
        if not batch:
            return
        with self._idle:
            if busy:
                self._busy -= 1
            for _ in batch:
                self._queue.task_done()
            self._idle.notify_all()

    def _next_batch(self) -> list[InferenceRecord]:
        try:
            first = self._queue.get(timeout=self.flush_interval)
        except queue.Empty:
            return []
        with self._idle:
            self._busy += 1
        batch = [first]
        batch.extend(self._take(self.batch_size - 1))
        return batch

    def _take(self, n: int) -> list[InferenceRecord]:
        items = []
        for _ in range(n):
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return items

    def _deliver(self, batch: list[InferenceRecord], allow_db: bool) -> None:
        if allow_db:
            try:
                self._ensure_schema()
                self._insert(batch)
                self._mark_up()
                return
            except Exception as exc:  # noqa: BLE001 - whatever kept the batch out, it waits on disk
                self._mark_down(exc)
        self._to_spool(batch)

    def _insert(self, batch: Sequence[InferenceRecord]) -> None:
        try:
            new = self.store.insert(batch)
        except Exception as exc:  # noqa: BLE001
            if not is_bad_record(exc):
                raise
            # A record the database refuses (it would be refused forever): insert the rest one by one,
            # so one bad row cannot hold back the batch or block the spool.
            _log.error("inference store refused a batch of %d (%s); inserting records one by one",
                       len(batch), type(exc).__name__)
            new = 0
            for record in batch:
                try:
                    new += self.store.insert([record])
                except Exception as one_exc:  # noqa: BLE001
                    if not is_bad_record(one_exc):
                        raise
                    _log.error("inference record %s refused by the database (%s); dropped",
                               record.record_id, type(one_exc).__name__)
                    self.metrics.dropped(1, "refused")
        oldest = min(r.created_at for r in batch)
        self.metrics.written(new, max(0.0, time.time() - oldest))

    def _ensure_schema(self) -> None:
        if self._need_migrate:
            self.store.migrate()
            self._need_migrate = False

    def _probe(self) -> None:
        try:
            self._ensure_schema()
            self.store.ping()
            self._mark_up()
        except Exception as exc:  # noqa: BLE001 - unreachable, or the schema cannot be created: retry later
            self._mark_down(exc)

    def _mark_up(self) -> None:
        if self._db_up is False:
            _log.info("inference store reachable again after %d failed attempt(s); replaying the spool",
                      self._failures)
            self._spool_dirty = True
        self._db_up = True
        self._failures = 0
        self._next_attempt = 0.0
        self.metrics.database_up(True)

    def _mark_down(self, exc: BaseException) -> None:
        self.store.close()
        if self._db_up is not False:
            _log.warning("inference store unavailable (%s); spooling records to %s",
                         _describe(exc), self.spool.directory)
        self._db_up = False
        self._failures += 1
        delay = min(self.max_retry_interval, self.retry_interval * 2 ** min(self._failures - 1, 10))
        self._next_attempt = time.monotonic() + delay
        self.metrics.database_up(False)

    def _to_spool(self, batch: Sequence[InferenceRecord]) -> None:
        try:
            self.spool.append([r.to_dict() for r in batch])
            self.metrics.spooled(len(batch))
            self._spool_dirty = True
        except SpoolFull:
            self.metrics.dropped(len(batch), "spool_full")
        except OSError as exc:
            _log.error("inference spool write failed (%s); %d record(s) lost", exc, len(batch))
            self.metrics.dropped(len(batch), "spool_error")
        self._report_depth()

    def _replay(self) -> None:
        # Our own open segment is closed first, so this process's spooled records go too.
        self.spool.rotate()

        def deliver(items: list[dict[str, Any]]) -> None:
            self._insert([InferenceRecord.from_dict(item) for item in items])

        # Segments closed by other processes (a worker that died) are picked up by this periodic look.
        self._next_replay = time.monotonic() + _REPLAY_INTERVAL
        try:
            replayed = self.spool.drain(deliver, batch_size=self.batch_size)
            self._spool_dirty = False
            if replayed:
                _log.info("inference spool replayed %d record(s)", replayed)
        except Exception as exc:  # noqa: BLE001 - the segment stays and is replayed whole later
            self._mark_down(exc)
        self._report_depth()

    def _report_depth(self) -> None:
        depth = self.spool.depth()
        self.metrics.spool_depth(depth.records, depth.bytes)


def migrate(database: Database) -> list[int]:
    """`veil db migrate` for this store: applies what is missing and returns the versions applied."""
    store = InferenceStore(database)
    try:
        return store.migrate()
    finally:
        store.close()
