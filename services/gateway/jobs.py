"""The de-identification job store and queue: job rows and their files, claimed by workers under a lease.

PostgreSQL is the production backend: several gateway replicas share one queue, each claim
takes one row with `SELECT ... FOR UPDATE SKIP LOCKED`, so no two workers get the same job
and none waits on another's lock. SQLite is the single-machine default; its one writer lock
makes the same claim statement atomic there. Jobs survive restarts: a worker renews its
lease while it works, and a job whose lease ran out (its worker died) is claimed again,
at most `max_attempts` times. Documents live in the same database as the rows (one
transaction per state change, one retention purge for both).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator

from veil.stores.db import Database

_log = logging.getLogger(__name__)

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED)
FINAL = (SUCCEEDED, FAILED)

# Callback delivery state of a job: none asked, waiting for delivery, delivered, given up.
CALLBACK_NONE, CALLBACK_PENDING, CALLBACK_DELIVERED, CALLBACK_FAILED = "none", "pending", "delivered", "failed"

INPUT, OUTPUT, REPORT = "input", "output", "report"
OPTIONS = "options"  # the de-identification options the job was submitted with (JSON)

DEFAULT_MAX_ATTEMPTS = 3
# Serialises schema creation across processes on PostgreSQL (CREATE ... IF NOT EXISTS races).
_SCHEMA_LOCK_ID = 7_031_977_001

_COLUMNS = ("id, caller, status, created_at, updated_at, started_at, finished_at, expires_at, not_before, "
            "attempts, worker, lease_until, error, result, callback_url, callback_state, callback_attempts, "
            "callback_lease_until")


def _schema(blob: str, real: str) -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS jobs (
            id TEXT PRIMARY KEY,
            caller TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at {real} NOT NULL,
            updated_at {real} NOT NULL,
            started_at {real},
            finished_at {real},
            expires_at {real} NOT NULL,
            not_before {real} NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            worker TEXT,
            lease_until {real},
            error TEXT,
            result TEXT,
            callback_url TEXT,
            callback_state TEXT NOT NULL,
            callback_attempts INTEGER NOT NULL DEFAULT 0,
            callback_lease_until {real})""",
        "CREATE INDEX IF NOT EXISTS jobs_status_created ON jobs (status, created_at)",
        "CREATE INDEX IF NOT EXISTS jobs_expires ON jobs (expires_at)",
        f"""CREATE TABLE IF NOT EXISTS job_files (
            job_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            content {blob} NOT NULL,
            PRIMARY KEY (job_id, kind))""",
        # A caller's Idempotency-Key, kept as long as the job it created: the same key again returns that job.
        f"""CREATE TABLE IF NOT EXISTS job_idempotency (
            caller TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            job_id TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            expires_at {real} NOT NULL,
            PRIMARY KEY (caller, idempotency_key))""",
    ]


@dataclass(frozen=True)
class Job:
    id: str
    caller: str
    status: str
    created_at: float
    updated_at: float
    started_at: float | None
    finished_at: float | None
    expires_at: float
    not_before: float
    attempts: int
    worker: str | None
    lease_until: float | None
    error: str | None
    result: dict | None
    callback_url: str | None
    callback_state: str
    callback_attempts: int
    callback_lease_until: float | None

    @classmethod
    def from_row(cls, row: tuple) -> "Job":
        values = list(row)
        values[13] = json.loads(values[13]) if values[13] else None
        return cls(*values)

    def public(self) -> dict[str, Any]:
        """The job as callers see it (GET /v1/jobs/{id} and the callback body)."""
        body: dict[str, Any] = {"job_id": self.id, "status": self.status}
        if self.error:
            body["error"] = self.error
        if self.result is not None:
            body["result"] = self.result
        return body

    def status_body(self) -> dict[str, Any]:
        """GET /v1/jobs/{id}: the public job and, while it runs, its attempts and its worker's last heartbeat.

        Only claims and lease renewals update a running job, so `updated_at` is that heartbeat.
        A finished job's body is exactly its callback's.
        """
        body = self.public()
        if self.status == RUNNING:
            body["attempts"] = self.attempts
            body["heartbeat_at"] = _iso(self.updated_at)
        return body


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JobStore:
    """Jobs and their files in one database; every method runs one short transaction on a pooled connection."""

    def __init__(self, database: Database, max_attempts: int = DEFAULT_MAX_ATTEMPTS):
        self.db = database
        self.max_attempts = max_attempts
        self._schema_ready = False

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        """A cursor inside one transaction: committed on success, rolled back on error."""
        with self.db.connection() as conn:
            try:
                cur = conn.cursor()
                yield cur
                conn.commit()
            except BaseException:
                if not getattr(conn, "closed", False):  # psycopg2 closes a connection the server dropped
                    conn.rollback()
                raise

    def _exec(self, cur: Any, statement: str, params: tuple = ()) -> None:
        cur.execute(self.db.sql(statement), params)

    def _blob(self, data: bytes) -> Any:
        if self.db.is_postgres:
            import psycopg2

            return psycopg2.Binary(data)
        return data

    def ensure_schema(self) -> None:
        """Creates the tables once per store object; safe to call from many processes at once."""
        if self._schema_ready:
            return
        blob, real = ("BYTEA", "DOUBLE PRECISION") if self.db.is_postgres else ("BLOB", "REAL")
        with self._tx() as cur:
            if self.db.is_postgres:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK_ID,))
            for statement in _schema(blob, real):
                cur.execute(statement)
        self._schema_ready = True

    # -- callers' side ----------------------------------------------------------------------

    def submit(self, caller: str, document: bytes, *, retention_s: float, callback_url: str | None = None,
               options: bytes | None = None, now: float | None = None,
               idempotency: tuple[str, str] | None = None) -> Job:
        """Stores the PDF (and its options) and a queued job row in one transaction.

        `idempotency` is (Idempotency-Key, request fingerprint), stored in the same transaction;
        use `submit_once`, which answers a key seen before with its job.
        """
        self.ensure_schema()
        now = time.time() if now is None else now
        job_id = uuid.uuid4().hex
        callback_state = CALLBACK_PENDING if callback_url else CALLBACK_NONE
        with self._tx() as cur:
            if idempotency is not None:
                # First, so a concurrent request with the same key fails here, before anything is written.
                self._exec(cur, "INSERT INTO job_idempotency (caller, idempotency_key, job_id, fingerprint, expires_at) "
                                "VALUES (?, ?, ?, ?, ?)", (caller, idempotency[0], job_id, idempotency[1],
                                                          now + retention_s))
            self._exec(cur, "INSERT INTO job_files (job_id, kind, content) VALUES (?, ?, ?)",
                       (job_id, INPUT, self._blob(document)))
            if options is not None:
                self._exec(cur, "INSERT INTO job_files (job_id, kind, content) VALUES (?, ?, ?)",
                           (job_id, OPTIONS, self._blob(options)))
            self._exec(cur, "INSERT INTO jobs (id, caller, status, created_at, updated_at, expires_at, not_before, "
                            "attempts, callback_url, callback_state, callback_attempts) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 0)",
                       (job_id, caller, QUEUED, now, now, now + retention_s, now, callback_url, callback_state))
        job = self.get(job_id, now=now)
        assert job is not None
        return job

    def get(self, job_id: str, caller: str | None = None, now: float | None = None) -> Job | None:
        """The job, or None when it does not exist, has expired, or belongs to another caller."""
        self.ensure_schema()
        now = time.time() if now is None else now
        with self._tx() as cur:
            self._exec(cur, f"SELECT {_COLUMNS} FROM jobs WHERE id = ? AND expires_at > ?", (job_id, now))
            row = cur.fetchone()
        if row is None:
            return None
        job = Job.from_row(row)
        if caller is not None and job.caller != caller:
            return None
        return job

    def file(self, job_id: str, kind: str) -> bytes | None:
        self.ensure_schema()
        with self._tx() as cur:
            self._exec(cur, "SELECT content FROM job_files WHERE job_id = ? AND kind = ?", (job_id, kind))
            row = cur.fetchone()
        return bytes(row[0]) if row else None

    def counts(self) -> dict[str, int]:
        """Jobs per status (for the queue-depth gauge)."""
        self.ensure_schema()
        with self._tx() as cur:
            cur.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status")
            found = dict(cur.fetchall())
        return {status: int(found.get(status, 0)) for status in STATUSES}

    # -- workers' side ----------------------------------------------------------------------

    def claim(self, worker: str, lease_s: float, now: float | None = None) -> Job | None:
        """Takes the oldest runnable job (queued, or running under an expired lease) for `worker`."""
        self.ensure_schema()
        now = time.time() if now is None else now
        lock = " FOR UPDATE SKIP LOCKED" if self.db.is_postgres else ""
        with self._tx() as cur:
            # A job whose workers keep dying (a PDF that crashes them) stops here instead of
            # taking every worker down in turn.
            self._exec(cur, "UPDATE jobs SET status = ?, error = ?, finished_at = ?, updated_at = ?, worker = NULL, "
                            "lease_until = NULL WHERE status = ? AND lease_until < ? AND attempts >= ?",
                       (FAILED, f"processing stopped {self.max_attempts} times (worker lost); not retried",
                        now, now, RUNNING, now, self.max_attempts))
            self._exec(cur, f"UPDATE jobs SET status = ?, worker = ?, lease_until = ?, attempts = attempts + 1, "
                            f"started_at = COALESCE(started_at, ?), updated_at = ? "
                            f"WHERE id = (SELECT id FROM jobs WHERE ((status = ? AND not_before <= ?) "
                            f"OR (status = ? AND lease_until < ?)) AND expires_at > ? "
                            f"ORDER BY created_at LIMIT 1{lock}) RETURNING {_COLUMNS}",
                       (RUNNING, worker, now + lease_s, now, now, QUEUED, now, RUNNING, now, now))
            row = cur.fetchone()
        return Job.from_row(row) if row else None

    def renew(self, job_id: str, worker: str, lease_s: float, now: float | None = None) -> bool:
        """Extends the lease; False when the job is no longer this worker's (taken over or expired)."""
        now = time.time() if now is None else now
        with self._tx() as cur:
            self._exec(cur, "UPDATE jobs SET lease_until = ?, updated_at = ? WHERE id = ? AND worker = ? AND status = ?",
                       (now + lease_s, now, job_id, worker, RUNNING))
            return cur.rowcount == 1

    def finish(self, job_id: str, worker: str, *, status: str, result: dict | None = None,
               error: str | None = None, files: dict[str, bytes] | None = None, now: float | None = None) -> bool:
        """Ends a job with its output files; the input PDF is deleted (PHI is kept no longer than needed).

        False when the job is no longer this worker's: another worker took it over, so this
        worker's outcome is dropped and the job is finished exactly once.
        """
        if status not in FINAL:
            raise ValueError(f"a job ends as {' or '.join(FINAL)}, not {status!r}")
        now = time.time() if now is None else now
        with self._tx() as cur:
            self._exec(cur, "UPDATE jobs SET status = ?, result = ?, error = ?, finished_at = ?, updated_at = ?, "
                            "lease_until = NULL WHERE id = ? AND worker = ? AND status = ?",
                       (status, json.dumps(result) if result is not None else None, error, now, now,
                        job_id, worker, RUNNING))
            if cur.rowcount != 1:
                return False
            # The options go with the input: a deny list may name the patient.
            self._exec(cur, "DELETE FROM job_files WHERE job_id = ? AND kind IN (?, ?)", (job_id, INPUT, OPTIONS))
            for kind, content in (files or {}).items():
                self._exec(cur, "INSERT INTO job_files (job_id, kind, content) VALUES (?, ?, ?)",
                           (job_id, kind, self._blob(content)))
        return True

    def release(self, job_id: str, worker: str, *, delay_s: float, error: str | None = None,
                now: float | None = None) -> bool:
        """Puts a job back in the queue after a transient failure (a dependency down), to run after `delay_s`.

        When the job has used all its attempts it fails instead, with `error`.
        """
        now = time.time() if now is None else now
        with self._tx() as cur:
            self._exec(cur, "UPDATE jobs SET status = ?, error = ?, finished_at = ?, updated_at = ?, worker = NULL, "
                            "lease_until = NULL WHERE id = ? AND worker = ? AND status = ? AND attempts >= ?",
                       (FAILED, error, now, now, job_id, worker, RUNNING, self.max_attempts))
            if cur.rowcount == 1:
                self._exec(cur, "DELETE FROM job_files WHERE job_id = ? AND kind IN (?, ?)", (job_id, INPUT, OPTIONS))
                return False
            self._exec(cur, "UPDATE jobs SET status = ?, worker = NULL, lease_until = NULL, not_before = ?, "
                            "updated_at = ? WHERE id = ? AND worker = ? AND status = ?",
                       (QUEUED, now + delay_s, now, job_id, worker, RUNNING))
            return cur.rowcount == 1

    # -- callbacks --------------------------------------------------------------------------

    def claim_callback(self, worker: str, lease_s: float, now: float | None = None) -> Job | None:
        """Takes a finished job whose callback still waits for delivery (none in flight elsewhere)."""
        self.ensure_schema()
        now = time.time() if now is None else now
        lock = " FOR UPDATE SKIP LOCKED" if self.db.is_postgres else ""
        with self._tx() as cur:
            self._exec(cur, f"UPDATE jobs SET callback_lease_until = ?, updated_at = ? "
                            f"WHERE id = (SELECT id FROM jobs WHERE status IN (?, ?) AND callback_state = ? "
                            f"AND (callback_lease_until IS NULL OR callback_lease_until < ?) AND expires_at > ? "
                            f"ORDER BY finished_at LIMIT 1{lock}) RETURNING {_COLUMNS}",
                       (now + lease_s, now, SUCCEEDED, FAILED, CALLBACK_PENDING, now, now))
            row = cur.fetchone()
        return Job.from_row(row) if row else None

    def callback_done(self, job_id: str, *, delivered: bool, attempts: int, now: float | None = None) -> None:
        now = time.time() if now is None else now
        state = CALLBACK_DELIVERED if delivered else CALLBACK_FAILED
        with self._tx() as cur:
            self._exec(cur, "UPDATE jobs SET callback_state = ?, callback_attempts = callback_attempts + ?, "
                            "callback_lease_until = NULL, updated_at = ? WHERE id = ?",
                       (state, attempts, now, job_id))

    # -- retention --------------------------------------------------------------------------

    def purge_expired(self, now: float | None = None) -> int:
        """Deletes expired jobs with all their files; returns how many jobs went."""
        self.ensure_schema()
        now = time.time() if now is None else now
        with self._tx() as cur:
            self._exec(cur, "DELETE FROM job_files WHERE job_id IN (SELECT id FROM jobs WHERE expires_at <= ?)",
                       (now,))
            self._exec(cur, "DELETE FROM jobs WHERE expires_at <= ?", (now,))
            purged = cur.rowcount
            self._exec(cur, "DELETE FROM job_idempotency WHERE expires_at <= ?", (now,))
        if purged:
            _log.info("purged %d expired job(s)", purged)
        return purged

    def delete(self, job_id: str, caller: str) -> bool:
        """Deletes a caller's job with all its files at once (PHI need not wait for retention).

        False when there is no such job for this caller. A worker still running the job loses it:
        its lease renewal and its finish find no row, so its outcome is dropped, never stored.
        """
        self.ensure_schema()
        with self._tx() as cur:
            self._exec(cur, "DELETE FROM jobs WHERE id = ? AND caller = ?", (job_id, caller))
            if cur.rowcount != 1:
                return False
            self._exec(cur, "DELETE FROM job_files WHERE job_id = ?", (job_id,))
        _log.info("job %s deleted by its caller", job_id)
        return True

    # -- Idempotency-Key --------------------------------------------------------------------

    def submit_once(self, caller: str, document: bytes, *, idempotency_key: str, fingerprint: str,
                    retention_s: float, callback_url: str | None = None, options: bytes | None = None,
                    now: float | None = None) -> tuple[Job, bool]:
        """(job, created): a new job, or the job this caller's key already created (while it is kept).

        A retried POST (a timeout, a 502 on the way back) thus never makes a second job. The same
        key with another request (another PDF, callback or options) is IdempotencyConflict.
        """
        self.ensure_schema()
        now = time.time() if now is None else now
        existing = self._job_for_key(caller, idempotency_key, fingerprint, now)
        if existing is not None:
            return existing, False
        try:
            return self.submit(caller, document, retention_s=retention_s, callback_url=callback_url, options=options,
                               now=now, idempotency=(idempotency_key, fingerprint)), True
        except _integrity_errors():
            # A concurrent request with the same key won the insert: answer with its job.
            existing = self._job_for_key(caller, idempotency_key, fingerprint, now)
            if existing is None:
                raise
            return existing, False

    def _job_for_key(self, caller: str, key: str, fingerprint: str, now: float) -> Job | None:
        with self._tx() as cur:
            # A key whose job expired or was deleted is free again.
            self._exec(cur, "DELETE FROM job_idempotency WHERE caller = ? AND idempotency_key = ? AND (expires_at <= ? "
                            "OR job_id NOT IN (SELECT id FROM jobs))", (caller, key, now))
            self._exec(cur, "SELECT job_id, fingerprint FROM job_idempotency WHERE caller = ? AND idempotency_key = ?",
                       (caller, key))
            row = cur.fetchone()
        if row is None:
            return None
        if row[1] != fingerprint:
            raise IdempotencyConflict(key)
        return self.get(row[0], caller=caller, now=now)


class IdempotencyConflict(ValueError):
    """An Idempotency-Key already used by this caller for a different request."""


def _integrity_errors() -> tuple[type[BaseException], ...]:
    import sqlite3

    errors: list[type[BaseException]] = [sqlite3.IntegrityError]
    try:
        import psycopg2

        errors.append(psycopg2.IntegrityError)
    except ImportError:  # pragma: no cover - psycopg2 is in the base requirements
        pass
    return tuple(errors)
