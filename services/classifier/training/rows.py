"""Training rows in PostgreSQL: the tables, loading a generated dataset, and running a config's query.

Two tables: `training_rows` (a phrase and its label, for phrase heads) and
`training_token_rows` (a paragraph and its labelled character spans as JSONB, for token
heads). PostgreSQL only: the pipeline reads its own database (VEIL_TRAINING_DATABASE_URL),
never the services' SQLite stores.

Every connection and query goes through `veil.decorators.retry`: a restarting server or a
dropped connection is retried with backoff, bad SQL or a missing column fails at once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.extras
from psycopg2 import sql

from veil.decorators import retry
from veil.stores.db import Database

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

# A paragraph per row; `spans` is a JSON array of {"start", "end", "type"} (Python str offsets into
# `text`, end exclusive). `style` and `locale` say how it was written, for grouping the split.
TOKEN_TABLE = "training_token_rows"
TOKEN_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TOKEN_TABLE} (
    id          BIGSERIAL PRIMARY KEY,
    dataset     TEXT        NOT NULL,
    text        TEXT        NOT NULL,
    spans       JSONB       NOT NULL DEFAULT '[]'::jsonb,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    style       TEXT,
    locale      TEXT,
    shard       INTEGER,
    source      TEXT,
    CONSTRAINT {TOKEN_TABLE}_spans_array CHECK (jsonb_typeof(spans) = 'array')
);
CREATE INDEX IF NOT EXISTS {TOKEN_TABLE}_dataset_created_at ON {TOKEN_TABLE} (dataset, created_at);
"""
_TOKEN_COLUMNS = ("dataset", "text", "spans", "created_at", "style", "locale", "shard", "source")
REQUIRED_TOKEN_COLUMNS = ("text", "spans")

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


@dataclass(frozen=True)
class TokenRow:
    """A paragraph and its labelled spans: [{"start", "end", "type"}], offsets into `text`."""

    text: str
    spans: tuple[dict[str, Any], ...] | list[dict[str, Any]] = ()
    created_at: dt.datetime | None = None
    style: str | None = None
    locale: str | None = None
    shard: int | None = None
    source: str | None = None


@db_retry
def connect(url: str, timeout: float = 5.0) -> Any:
    """A new connection of its own (for the caller to close); the functions here borrow `pooled` ones."""
    return psycopg2.connect(url, connect_timeout=max(1, int(timeout)))


@contextmanager
def pooled(url: str, timeout: float = 5.0) -> Iterator[Any]:
    """A connection borrowed from this process's pool for `url` (veil.stores.db), given back after the block:
    a training run seeds, counts and reads in several steps, and a Dask worker trains several heads."""
    with Database.from_url(url).connection(timeout) as conn:
        yield conn


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
    """Creates both tables (and their indexes) when missing; idempotent."""
    with pooled(url) as conn:
        with conn, conn.cursor() as cur:
            # Two seeders creating the table at once would race on the catalog; serialise them.
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (TABLE,))
            cur.execute(SCHEMA)
            cur.execute(TOKEN_SCHEMA)


def check_spans(text: str, spans: Any, where: str = "row") -> list[dict[str, Any]]:
    """The spans of a token row as a list of {"start", "end", "type"}; ValueError naming what is wrong.

    `spans` may be a JSON string (a team's own table with a TEXT column) or already parsed.
    """
    if isinstance(spans, (str, bytes)):
        try:
            spans = json.loads(spans)
        except ValueError:
            raise ValueError(f"{where}: spans is not valid JSON") from None
    if not isinstance(spans, (list, tuple)):
        raise ValueError(f"{where}: spans must be a list of {{start, end, type}}, not {type(spans).__name__}")
    out = []
    for i, span in enumerate(spans):
        try:
            start, end, kind = int(span["start"]), int(span["end"]), str(span["type"])
        except (TypeError, KeyError, ValueError):
            raise ValueError(f"{where}: spans[{i}] must have integer start and end and a type") from None
        if not (0 <= start < end <= len(text)) or not kind:
            raise ValueError(f"{where}: spans[{i}] ({start}, {end}, {kind!r}) is not inside the text "
                             f"({len(text)} characters)")
        out.append({"start": start, "end": end, "type": kind})
    return out


@db_retry
def replace_token_dataset(url: str, dataset: str, rows: Sequence[TokenRow], page_size: int = 2000) -> int:
    """Replaces every token row of `dataset` with `rows` in one transaction; spans are checked first."""
    values = []
    for i, r in enumerate(rows):
        spans = check_spans(r.text, r.spans, f"{dataset} row {i}")
        values.append((dataset, r.text, json.dumps(spans, ensure_ascii=False),
                       r.created_at or dt.datetime.now(dt.timezone.utc), r.style, r.locale, r.shard, r.source))
    with pooled(url) as conn:
        with conn, conn.cursor() as cur:
            cur.execute(f"DELETE FROM {TOKEN_TABLE} WHERE dataset = %s", (dataset,))
            psycopg2.extras.execute_values(
                cur, f"INSERT INTO {TOKEN_TABLE} ({', '.join(_TOKEN_COLUMNS)}) VALUES %s", values,
                template="(%s, %s, %s::jsonb, %s, %s, %s, %s, %s)", page_size=page_size)
        _log.info("loaded %d token rows into dataset %s", len(values), dataset)
        return len(values)


@db_retry
def replace_dataset(url: str, dataset: str, rows: Sequence[Row], page_size: int = 5000) -> int:
    """Replaces every row of `dataset` with `rows` in one transaction (readers see old or new, never half)."""
    with pooled(url) as conn:
        with conn, conn.cursor() as cur:
            cur.execute(f"DELETE FROM {TABLE} WHERE dataset = %s", (dataset,))
            values = [(dataset, r.text, r.label, r.created_at or dt.datetime.now(dt.timezone.utc), r.context,
                       r.template, r.shard, r.source) for r in rows]
            psycopg2.extras.execute_values(
                cur, f"INSERT INTO {TABLE} ({', '.join(_COLUMNS)}) VALUES %s", values, page_size=page_size)
        _log.info("loaded %d rows into dataset %s", len(values), dataset)
        return len(values)


@db_retry
def count_by_dataset(url: str, table: str = TABLE) -> dict[str, int]:
    if table not in (TABLE, TOKEN_TABLE):
        raise ValueError(f"unknown table {table!r}")
    with pooled(url) as conn:
        with conn, conn.cursor() as cur:
            cur.execute(f"SELECT dataset, count(*) FROM {table} GROUP BY dataset ORDER BY dataset")
            return {name: int(n) for name, n in cur.fetchall()}


@db_retry
def fetch(url: str, query: str, params: Mapping[str, Any],
          required: Sequence[str] = REQUIRED_COLUMNS) -> list[dict[str, Any]]:
    """Runs a config's query (psycopg2 named parameters, e.g. %(since)s) and returns its rows as dicts.

    The query must return the `required` columns (`text` and `label` for a phrase head, `text`
    and `spans` for a token head); any other column is kept (for grouping the split or for the
    raw/ snapshot). A read-only transaction keeps a config from changing data.
    """
    with pooled(url) as conn:
        with conn, conn.cursor() as cur:
            # Read-only for this transaction only: the connection goes back to the pool afterwards.
            cur.execute("SET TRANSACTION READ ONLY")
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
            missing = [c for c in required if c not in columns]
            if missing:
                raise QueryError(f"the training query must return the columns {', '.join(required)}; "
                                 f"missing: {', '.join(missing)} (got: {', '.join(columns)})")
            return [dict(zip(columns, record)) for record in cur.fetchall()]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
