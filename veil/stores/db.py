"""Opens DB-API connections for a database URL: postgresql://... through psycopg2, or sqlite:///path.

Store code writes SQL once with `?` placeholders; `Database.sql()` rewrites them for
psycopg2, so the same statements and tests run on both backends.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veil.paths import home


def default_url(name: str = "veil") -> str:
    return f"sqlite:///{home() / (name + '.sqlite3')}"


@dataclass(frozen=True)
class Database:
    url: str

    @classmethod
    def from_url(cls, url: str | None, default_name: str = "veil") -> "Database":
        return cls(url or default_url(default_name))

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith(("postgresql://", "postgres://"))

    @property
    def sqlite_path(self) -> Path:
        return Path(self.url.removeprefix("sqlite:///"))

    def connect(self, timeout: float = 5.0) -> Any:
        """A new connection; callers own it (one per thread: neither driver shares them safely)."""
        if self.is_postgres:
            import psycopg2

            return psycopg2.connect(self.url, connect_timeout=max(1, int(timeout)))
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
