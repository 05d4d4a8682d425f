"""Makes a real PostgreSQL database unreachable and reachable again, for the store's outage tests.

Blocking refuses new connections (ALLOW_CONNECTIONS false) and ends the open ones
(pg_terminate_backend): what a client sees when the server goes away mid-stream.
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

import psycopg2

# The same server the root conftest's `postgres_url` fixture creates databases on.
POSTGRES_ADMIN_URL = os.environ.get("VEIL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _admin(sql: str, *params) -> None:
    conn = psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=5)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
    finally:
        conn.close()


def block(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    _admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
           name)


def unblock(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


@contextlib.contextmanager
def outage(url: str) -> Iterator[None]:
    block(url)
    try:
        yield
    finally:
        unblock(url)
