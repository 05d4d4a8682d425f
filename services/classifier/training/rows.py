"""Training rows in PostgreSQL: the table, loading a generated dataset, and running a config's query.

Every connection and query goes through `veil.decorators.retry`: a restarting server or a
dropped connection is retried with backoff, bad SQL or a missing column fails at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.extras
from psycopg2 import sql

from veil.decorators import retry

_log = logging.getLogger(__name__)

TABLE = "training_rows"
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id          BIGSERIAL PRIMARY KEY,
    dataset     TEXT        NOT NULL,
    text        TEXT        NOT NULL,
    label       TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    context     TEXT,
    template    TEXT,
    shard       INTEGER,
    source      TEXT
);
CREATE INDEX IF NOT EXISTS {TABLE}_dataset_created_at ON {TABLE} (dataset, created_at);
"""
_COLUMNS = ("dataset", "text", "label", "created_at", "context", "template", "shard", "source")
REQUIRED_COLUMNS = ("text", "label")

# SQLSTATE classes worth a retry: connection exceptions (08), operator intervention such as a
# server shutting down (57P), serialization failures and deadlocks (40), too many connections.
_TRANSIENT_SQLSTATE_PREFIXES = ("08", "57P", "40")
_TRANSIENT_SQLSTATES = {"53300"}


def is_transient(exc: BaseException) -> bool:
    """A failure the same call may survive later; programming errors and bad data are not."""
    if not isinstance(exc, psycopg2.OperationalError):
        return False
    code = getattr(exc, "pgcode", None)
    # A failed connect carries no SQLSTATE: the server may be restarting.
    return code is None or code.startswith(_TRANSIENT_SQLSTATE_PREFIXES) or code in _TRANSIENT_SQLSTATES


db_retry = retry(attempts=5, base_delay=0.2, max_delay=5.0, is_transient=is_transient)


class QueryError(ValueError):
    """The configured query failed or does not return the columns training needs."""


@dataclass(frozen=True)
class Row:
    text: str
    label: str
    created_at: dt.datetime | None = None
    context: str | None = None
    template: str | None = None
    shard: int | None = None
    source: str | None = None


@db_retry
def connect(url: str, timeout: float = 5.0) -> Any:
    return psycopg2.connect(url, connect_timeout=max(1, int(timeout)))


def _maintenance_url(url: str) -> tuple[str, str]:
    """The same server's `postgres` database, and the name of the database in `url`."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(path="/postgres")), name


@db_retry
def ensure_database(url: str) -> bool:
    """Creates the database named in `url` when it does not exist; True when it created it."""
    admin_url, name = _maintenance_url(url)
    if not name:
        raise ValueError("no database name in the training database URL")
    conn = psycopg2.connect(admin_url, connect_timeout=5)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone():
                return False
            try:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg2.errors.DuplicateDatabase:
                return False  # created concurrently by another seeder
            _log.info("created database %s", name)
            return True
    finally:
        conn.close()


@db_retry
def ensure_schema(url: str) -> None:
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            # Two seeders creating the table at once would race on the catalog; serialise them.
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (TABLE,))
            cur.execute(SCHEMA)
    finally:
        conn.close()


@db_retry
def replace_dataset(url: str, dataset: str, rows: Sequence[Row], page_size: int = 5000) -> int:
    """Replaces every row of `dataset` with `rows` in one transaction (readers see old or new, never half)."""
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(f"DELETE FROM {TABLE} WHERE dataset = %s", (dataset,))
            values = [(dataset, r.text, r.label, r.created_at or dt.datetime.now(dt.timezone.utc), r.context,
                       r.template, r.shard, r.source) for r in rows]
            psycopg2.extras.execute_values(
                cur, f"INSERT INTO {TABLE} ({', '.join(_COLUMNS)}) VALUES %s", values, page_size=page_size)
        _log.info("loaded %d rows into dataset %s", len(values), dataset)
        return len(values)
    finally:
        conn.close()


@db_retry
def count_by_dataset(url: str) -> dict[str, int]:
    conn = connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(f"SELECT dataset, count(*) FROM {TABLE} GROUP BY dataset ORDER BY dataset")
            return {name: int(n) for name, n in cur.fetchall()}
    finally:
        conn.close()


@db_retry
def fetch(url: str, query: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Runs a config's query (psycopg2 named parameters, e.g. %(since)s) and returns its rows as dicts.

    The query must return `text` and `label`; any other column is kept (for grouping the split
    or for the raw/ snapshot). A read-only transaction keeps a config from changing data.
    """
    conn = connect(url)
    try:
        conn.set_session(readonly=True)
        with conn, conn.cursor() as cur:
            try:
                cur.execute(query, dict(params))
            except KeyError as exc:
                raise QueryError(f"the training query uses the parameter %({exc.args[0]})s; the known ones are "
                                 f"{', '.join(f'%({k})s' for k in sorted(params))}") from None
            except psycopg2.OperationalError:
                raise  # the connection, not the query: db_retry decides
            except psycopg2.Error as exc:
                raise QueryError(f"the training query failed: {_first_line(exc)}") from None
            if cur.description is None:
                raise QueryError("the training query returns no rows (is it a SELECT?)")
            columns = [d.name for d in cur.description]
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise QueryError(f"the training query must return the columns {', '.join(REQUIRED_COLUMNS)}; "
                                 f"missing: {', '.join(missing)} (got: {', '.join(columns)})")
            return [dict(zip(columns, record)) for record in cur.fetchall()]
    finally:
        conn.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
