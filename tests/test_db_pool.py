"""PostgreSQL connection pool (veil.stores.db): borrowed connections are reused, bounded, and replaced when they die."""

import sqlite3
import threading

import psycopg2
import pytest

from veil.stores import db
from veil.stores.db import Database


@pytest.fixture()
def pg(postgres_url):
    database = Database(postgres_url, pool_size=3)
    yield database
    database.close_pool()


def _select_one(database: Database) -> int:
    with database.connection() as conn:
        cur = conn.cursor()
        cur.execute("SELECT 1")
        return cur.fetchone()[0]


def _sessions(url: str) -> list[int]:
    """Backend pids of this database's client connections, as the server sees them."""
    admin = psycopg2.connect(url)
    try:
        cur = admin.cursor()
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return [row[0] for row in cur.fetchall()]
    finally:
        admin.close()


def test_many_transactions_in_a_row_share_one_connection(pg):
    before = db.connections_opened()
    for _ in range(50):
        assert _select_one(pg) == 1
    assert db.connections_opened() - before == 1
    assert len(_sessions(pg.url)) == 1


def test_more_threads_than_connections_wait_for_one_instead_of_opening_more(pg):
    before = db.connections_opened()
    errors = []
    gate = threading.Barrier(8)

    def work():
        try:
            gate.wait()
            for _ in range(20):
                with pg.connection() as conn:
                    cur = conn.cursor()
                    cur.execute("SELECT pg_sleep(0.001)")
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert 1 <= db.connections_opened() - before <= pg.pool_size


def test_a_connection_the_server_closed_is_replaced_on_the_next_borrow(pg):
    assert _select_one(pg) == 1
    [pid] = _sessions(pg.url)
    admin = psycopg2.connect(pg.url)
    admin.autocommit = True
    # Waits until the backend has exited (as a database restart does), then borrows.
    admin.cursor().execute("SELECT pg_terminate_backend(%s, 10000)", (pid,))
    admin.close()
    assert _select_one(pg) == 1  # the dead idle connection was noticed and dropped, not handed out
    assert pid not in _sessions(pg.url)


def test_a_failed_statement_leaves_the_connection_clean_for_the_next_borrower(pg):
    with pytest.raises(psycopg2.errors.UndefinedTable):
        with pg.connection() as conn:
            conn.cursor().execute("SELECT * FROM no_such_table")
    assert _select_one(pg) == 1


def test_sqlite_connections_are_not_pooled(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with database.connection() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")  # closed once the block ended
