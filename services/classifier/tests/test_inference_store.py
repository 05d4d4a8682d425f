"""The inference store on SQLite and the real PostgreSQL: migrations, exactly-once inserts, the background
writer, and no record lost when the database goes away, comes back, or the process is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from services.classifier.inference import InferenceRecord, InferenceRecorder, InferenceStore, RecorderMetrics, migrate
from services.classifier.spool import Spool
from services.classifier.tests import outages
from veil.stores.db import Database


def _records(n: int, model: str = "phi-type", start: int = 0) -> list[InferenceRecord]:
    return [InferenceRecord(request_id=f"req-{i}", caller="team-a", model=model, version="v1",
                            input_text=f"Maria Gonzalez {i}", label="PERSON", probability=0.9,
                            top_k=[{"label": "PERSON", "probability": 0.9}], latency_ms=3.5, position=0)
            for i in range(start, start + n)]


def _ids(store: InferenceStore) -> list[str]:
    return [r.record_id for r in store.records()]


class _Counting(RecorderMetrics):
    def __init__(self):
        self.events: dict[str, int] = {}

    def _add(self, key: str, n: int) -> None:
        self.events[key] = self.events.get(key, 0) + n

    def written(self, count, lag_seconds):
        self._add("written", count)

    def spooled(self, count):
        self._add("spooled", count)

    def dropped(self, count, reason):
        self._add(f"dropped:{reason}", count)


def _wait_for(predicate, timeout: float = 20.0, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def _recorder(database: Database, spool_dir, metrics=None) -> InferenceRecorder:
    return InferenceRecorder(InferenceStore(database, connect_timeout=2), Spool(spool_dir), batch_size=50,
                             flush_interval=0.02, retry_interval=0.1, max_retry_interval=0.3,
                             metrics=metrics).start()


def test_migrate_creates_the_table_once_and_reports_nothing_new_the_second_time(database):
    assert migrate(database) == [1]
    assert migrate(database) == []
    store = InferenceStore(database)
    assert store.schema_version() == 1
    assert store.count() == 0
    store.close()


def test_inserting_the_same_records_twice_stores_each_once(database):
    migrate(database)
    store = InferenceStore(database)
    records = _records(20)
    assert store.insert(records) == 20
    assert store.insert(records[5:15] + _records(3, start=100)) == 3
    assert store.count() == 23
    back = {r.record_id: r for r in store.records()}
    original = records[0]
    assert back[original.record_id] == original
    assert store.input_texts()[:1] == [records[0].input_text]
    store.close()


def test_the_recorder_writes_everything_in_the_background(database, tmp_path):
    metrics = _Counting()
    recorder = _recorder(database, tmp_path / "spool", metrics)
    try:
        for i in range(10):
            recorder.record(_records(7, start=i * 7))
        assert recorder.flush(10)
        store = InferenceStore(database)
        assert store.count() == 70
        assert metrics.events == {"written": 70}
        store.close()
    finally:
        recorder.close()


def test_a_record_the_database_refuses_does_not_hold_back_the_others(database, tmp_path):
    metrics = _Counting()
    recorder = _recorder(database, tmp_path / "spool", metrics)
    good = _records(4)
    bad = InferenceRecord(request_id="r", caller="c", model="m", version="v", input_text="bad \ud800 text",
                          label="NONE", probability=0.5)
    try:
        recorder.record(good[:2] + [bad] + good[2:])
        assert recorder.flush(10)
        store = InferenceStore(database)
        assert sorted(_ids(store)) == sorted(r.record_id for r in good)
        assert metrics.events.get("dropped:refused") == 1
        store.close()
    finally:
        recorder.close()


@pytest.mark.postgres
def test_when_postgres_goes_away_mid_stream_records_wait_in_the_spool_and_arrive_exactly_once(postgres_url, tmp_path):
    database = Database(postgres_url)
    metrics = _Counting()
    recorder = _recorder(database, tmp_path / "spool", metrics)
    sent: list[InferenceRecord] = []
    try:
        for _ in range(5):
            batch = _records(10, start=len(sent))
            recorder.record(batch)
            sent += batch
        assert recorder.flush(10)
        with outages.outage(postgres_url):
            for _ in range(10):
                batch = _records(10, start=len(sent))
                recorder.record(batch)  # must return at once, whatever the database does
                sent += batch
                time.sleep(0.02)
            assert recorder.flush(20)
            assert recorder.database_up is False
            assert recorder.spool.depth().records > 0
        for _ in range(5):
            batch = _records(10, start=len(sent))
            recorder.record(batch)
            sent += batch
        store = InferenceStore(database)
        _wait_for(lambda: store.count() == len(sent) and recorder.spool.depth().records == 0)
        assert sorted(_ids(store)) == sorted(r.record_id for r in sent)
        assert metrics.events["spooled"] > 0
        store.close()
    finally:
        outages.unblock(postgres_url)
        recorder.close()


@pytest.mark.postgres
def test_when_the_process_is_killed_with_records_in_the_spool_none_is_lost(postgres_url, tmp_path):
    database = Database(postgres_url)
    migrate(database)
    spool_dir = tmp_path / "spool"
    ids_file = tmp_path / "ids.txt"
    script = textwrap.dedent(f"""
        import time
        from veil.stores.db import Database
        from services.classifier.inference import InferenceRecord, InferenceRecorder, InferenceStore
        from services.classifier.spool import Spool
        recorder = InferenceRecorder(InferenceStore(Database({postgres_url!r}), connect_timeout=2),
                                     Spool({str(spool_dir)!r}), flush_interval=0.02, retry_interval=60).start()
        records = [InferenceRecord(request_id="r%d" % i, caller="c", model="m", version="v1",
                                   input_text="text %d" % i, label="NONE", probability=0.5) for i in range(300)]
        recorder.record(records)
        assert recorder.flush(30)
        assert recorder.database_up is False, "the database should be unreachable"
        with open({str(ids_file)!r}, "w") as f:
            f.write("\\n".join(r.record_id for r in records))
        print("spooled", flush=True)
        time.sleep(120)
    """)
    with outages.outage(postgres_url):
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "VEIL_LOG_LEVEL": "ERROR"})
        try:
            assert proc.stdout.readline().strip() == "spooled"
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert Spool(spool_dir).depth().records == 300
    recorder = _recorder(database, spool_dir)
    try:
        store = InferenceStore(database)
        _wait_for(lambda: store.count() == 300)
        assert sorted(_ids(store)) == sorted(ids_file.read_text().split())
        assert Spool(spool_dir).depth().records == 0
        store.close()
    finally:
        recorder.close()


def test_a_replayed_spool_with_records_already_stored_adds_only_the_missing_ones(database, tmp_path):
    migrate(database)
    records = _records(30)
    store = InferenceStore(database)
    # As if a commit succeeded but its acknowledgement was lost: the batch is stored *and* spooled.
    store.insert(records[:20])
    spool = Spool(tmp_path / "spool")
    spool.append([r.to_dict() for r in records])
    spool.close()
    recorder = _recorder(database, tmp_path / "spool")
    try:
        _wait_for(lambda: store.count() == 30 and Spool(tmp_path / "spool").depth().records == 0)
        assert sorted(_ids(store)) == sorted(r.record_id for r in records)
    finally:
        recorder.close()
        store.close()


def test_records_queued_at_shutdown_are_written_not_lost(database, tmp_path):
    recorder = _recorder(database, tmp_path / "spool")
    recorder.record(_records(1200))  # many batches still queued when close() is called
    recorder.close()
    store = InferenceStore(database)
    assert store.count() == 1200
    assert recorder.spool.depth().records == 0
    store.close()


@pytest.mark.postgres
def test_records_queued_at_shutdown_while_postgres_is_down_are_spooled(postgres_url, tmp_path):
    recorder = _recorder(Database(postgres_url), tmp_path / "spool")
    with outages.outage(postgres_url):
        recorder.record(_records(5))
        assert recorder.flush(10) and recorder.database_up is False
        recorder.record(_records(300, start=5))
        recorder.close()
    assert Spool(tmp_path / "spool").depth().records == 305
