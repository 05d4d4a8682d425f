"""Fixtures shared by every test folder: the real PostgreSQL server, scratch state folders."""

from __future__ import annotations

import os
import uuid

import pytest

from veil.stores.db import Database

POSTGRES_ADMIN_URL = os.environ.get("VEIL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Every test gets its own VEIL_HOME, so no test sees another's databases or spools."""
    monkeypatch.setenv("VEIL_HOME", str(tmp_path / "veil-home"))


@pytest.fixture()
def postgres_url():
    """A fresh, empty PostgreSQL database on the real server, dropped after the test."""
    import psycopg2

    name = "veil_t_" + uuid.uuid4().hex[:12]
    try:
        admin = psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({exc}); "
                    "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path) -> Database:
    """The same store test on both backends, as DESIGN.md promises."""
    if request.param == "sqlite":
        return Database(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    return Database(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def embedder_address(tmp_path_factory) -> str:
    """The REAL embedder (default model) as a child process on a free port, for the whole session.

    Builds the default model first if this machine has not (`veil model build`, reused from
    ~/.cache/veil afterwards); yields "127.0.0.1:<port>"; stops the server by its pid.
    """
    from services.embedder.export import build_default_model
    from services.embedder.launch import start_embedder

    build_default_model()
    proc, address = start_embedder(log_path=tmp_path_factory.mktemp("embedder") / "embedder.log")
    try:
        yield address
    finally:
        proc.stop()
