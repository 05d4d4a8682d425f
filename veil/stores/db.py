"""DB-API connections for a database URL: postgresql://... through psycopg2, or sqlite:///path.

Store code writes SQL once with `?` placeholders; `Database.sql()` rewrites them for
psycopg2, so the same statements and tests run on both backends.

On PostgreSQL every process keeps one pool per database URL (psycopg2's
ThreadedConnectionPool, at most `pool_size` connections, VEIL_DATABASE_POOL_SIZE), so a
job poll, an idle worker tick or a /readyz borrows an open connection instead of opening
one. The pool is made lazily in the process that uses it (gunicorn forks workers; a
connection must never cross a fork). A connection that failed, or that the server closed
while it sat idle (a restart), is discarded and the next borrower gets a fresh one: the
caller's own retry (a 503 with Retry-After, the worker's next tick, the recorder's spool)
stays what turns a transient error into a success.
"""

from __future__ import annotations

import os
import select
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from veil.paths import home

DEFAULT_POOL_SIZE = 10
# A server that vanishes without closing the connection (a partition, a dead host) must not
# hold a thread forever: TCP keepalives, a send timeout and a per-statement timeout end the wait.
_STATEMENT_TIMEOUT_MS = 15_000
_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3,
               "tcp_user_timeout": _STATEMENT_TIMEOUT_MS}

_pools: dict[tuple[int, str, int], "_Pool"] = {}
_pools_lock = threading.Lock()
_opened = 0
_opened_lock = threading.Lock()


def connections_opened() -> int:
    """PostgreSQL connections this process has opened so far (for tests and the pool's metrics)."""
    return _opened


def _open_postgres(url: str, timeout: float) -> Any:
    import psycopg2

    global _opened
    conn = psycopg2.connect(url, connect_timeout=max(1, int(timeout)),
                            options=f"-c statement_timeout={_STATEMENT_TIMEOUT_MS}", **_KEEPALIVES)
    with _opened_lock:
        _opened += 1
    return conn


def _closed_by_server(conn: Any) -> bool:
    """True when an idle connection is dead: closed here, or the server has spoken or hung up since its last use."""
    if conn.closed:
        return True
    try:
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    # An idle connection has nothing to read; anything there is the server's goodbye (or EOF).
    return bool(readable)


def _lazy_pool_class() -> type:
    from psycopg2.pool import ThreadedConnectionPool

    class LazyPool(ThreadedConnectionPool):
        """Opens connections when first needed (none at start) and keeps every one given back, up to maxconn."""

        def __init__(self, maxconn: int, url: str, timeout: float):
            super().__init__(0, maxconn)
            # putconn closes connections beyond minconn; with minconn == maxconn none is closed.
            self.minconn = maxconn
            self._url, self._timeout = url, timeout

        def _connect(self, key: Any = None) -> Any:
            conn = _open_postgres(self._url, self._timeout)
            if key is not None:
                self._used[key] = conn
                self._rused[id(conn)] = key
            else:
                self._pool.append(conn)
            return conn

    return LazyPool


class _Pool:
    """A lazily filled ThreadedConnectionPool whose borrowers wait for a free connection instead of failing at once."""

    def __init__(self, url: str, size: int, timeout: float):
        self.size = size
        self._free = threading.BoundedSemaphore(size)
        self._pool = _lazy_pool_class()(size, url, timeout)

    def getconn(self, timeout: float) -> Any:
        import psycopg2.pool

        if not self._free.acquire(timeout=timeout):
            raise psycopg2.pool.PoolError(f"no database connection free after {timeout:.0f}s "
                                          f"(all {self.size} in use; raise VEIL_DATABASE_POOL_SIZE)")
        try:
            while True:
                conn = self._pool.getconn()
                if not _closed_by_server(conn):
                    return conn
                self._pool.putconn(conn, close=True)
        except BaseException:
            self._free.release()
            raise

    def putconn(self, conn: Any, discard: bool) -> None:
        try:
            self._pool.putconn(conn, close=discard or bool(conn.closed))
        finally:
            self._free.release()

    def closeall(self) -> None:
        self._pool.closeall()


def default_url(name: str = "veil") -> str:
    return f"sqlite:///{home() / (name + '.sqlite3')}"


@dataclass(frozen=True)
class Database:
    url: str
    pool_size: int = DEFAULT_POOL_SIZE

    @classmethod
    def from_url(cls, url: str | None, default_name: str = "veil",
                 pool_size: int = DEFAULT_POOL_SIZE) -> "Database":
        return cls(url or default_url(default_name), pool_size)

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith(("postgresql://", "postgres://"))

    @property
    def sqlite_path(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///"))

    @contextmanager
    def connection(self, timeout: float = 5.0) -> Iterator[Any]:
        """A connection for one unit of work, by one thread; commit or roll back before the block ends.

        PostgreSQL: borrowed from this process's pool (waiting up to `timeout` for a free one) and
        given back afterwards; discarded instead when the block raised a connection error or
        left it unusable. SQLite: a new connection, closed afterwards (opening one is a file open).
        """
        if not self.is_postgres:
            conn = self.connect(timeout)
            try:
                yield conn
            finally:
                conn.close()
            return
        pool = self._pool(timeout)
        conn = pool.getconn(timeout)
        discard = False
        try:
            yield conn
        except BaseException as exc:
            discard = _is_connection_error(exc)
            raise
        finally:
            if not discard and not conn.closed:
                try:
                    conn.rollback()  # nothing left open for the next borrower
                except Exception:  # noqa: BLE001 - a broken connection is dropped, not returned
                    discard = True
            pool.putconn(conn, discard)

    def _pool(self, timeout: float) -> _Pool:
        key = (os.getpid(), self.url, self.pool_size)
        pool = _pools.get(key)
        if pool is None:
            with _pools_lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = _pools[key] = _Pool(self.url, self.pool_size, timeout)
        return pool

    def close_pool(self) -> None:
        """Closes this process's pooled connections to this database (at exit, and in tests)."""
        with _pools_lock:
            pool = _pools.pop((os.getpid(), self.url, self.pool_size), None)
        if pool is not None:
            pool.closeall()

    def connect(self, timeout: float = 5.0) -> Any:
        """A new connection, not pooled; callers own it (one per thread: neither driver shares them safely)."""
        if self.is_postgres:
            return _open_postgres(self.url, timeout)
        path = self.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=timeout, isolation_level="DEFERRED")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=5000")
        return conn

    def sql(self, statement: str) -> str:
        """Rewrites `?` placeholders to psycopg2's `%s` for PostgreSQL."""
        return statement.replace("?", "%s") if self.is_postgres else statement

    def redacted_url(self) -> str:
        """The URL without its password, for logs and errors."""
        if "@" not in self.url:
            return self.url
        scheme, rest = self.url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else f"{scheme}://{user}@{host}"


def _is_connection_error(exc: BaseException) -> bool:
    try:
        import psycopg2
    except ImportError:  # pragma: no cover - psycopg2 is in the base requirements
        return False
    return isinstance(exc, (psycopg2.OperationalError, psycopg2.InterfaceError))
