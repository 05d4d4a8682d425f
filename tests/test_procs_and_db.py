"""Process management used by tests, benchmarks and `veil up`; database URL handling for both backends."""

import sys
import time

import pytest

from veil.procs import ManagedProcess, free_port, http_ready
from veil.stores.db import Database


def test_a_managed_server_is_waited_for_and_stopped_by_its_pid(tmp_path):
    port = free_port()
    proc = ManagedProcess("http", [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                          cwd=tmp_path, log_path=tmp_path / "log.txt")
    with proc:
        proc.wait_ready(http_ready(f"http://127.0.0.1:{port}/"), timeout=30)
        assert proc.alive()
    assert not proc.alive()


def test_a_process_that_dies_before_ready_reports_its_log(tmp_path):
    proc = ManagedProcess("dies", [sys.executable, "-c", "print('cannot start: no model'); raise SystemExit(3)"],
                          log_path=tmp_path / "log.txt")
    with proc, pytest.raises(RuntimeError, match="no model"):
        time.sleep(0.5)
        proc.wait_ready(lambda: False, timeout=10)


def test_placeholders_are_rewritten_only_for_postgres():
    assert Database("sqlite:///x.db").sql("SELECT ? , ?") == "SELECT ? , ?"
    assert Database("postgresql://u@h/db").sql("SELECT ? , ?") == "SELECT %s , %s"


def test_passwords_never_appear_in_the_redacted_url():
    assert Database("postgresql://veil:hunter2@db:5432/veil").redacted_url() == "postgresql://veil:***@db:5432/veil"
    assert Database("postgresql://veil@db/veil").redacted_url() == "postgresql://veil@db/veil"


def test_both_backends_run_the_same_statement(database):
    conn = database.connect()
    try:
        cur = conn.cursor()
        cur.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)")
        cur.execute(database.sql("INSERT INTO t (k, v) VALUES (?, ?)"), ("a", 1))
        conn.commit()
        cur.execute(database.sql("SELECT v FROM t WHERE k = ?"), ("a",))
        assert cur.fetchone()[0] == 1
    finally:
        conn.close()
