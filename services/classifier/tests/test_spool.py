"""The durable spool: fsynced segments survive kill -9, are replayed once their writer is gone, and are bounded."""

import logging
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from services.classifier.spool import Spool, SpoolFull, iter_records


def _collect(spool: Spool) -> list[dict]:
    got: list[dict] = []
    spool.drain(got.extend)
    return got


def test_records_appended_then_drained_come_back_in_order_and_the_segments_are_deleted(tmp_path):
    spool = Spool(tmp_path / "spool", segment_bytes=200)
    for i in range(10):
        spool.append([{"i": i, "text": "ä" * 20}])
        assert spool.depth().records == i + 1  # counted as segments grow
    assert Spool(tmp_path / "spool").depth().records == 10
    assert spool.depth().segments > 1
    spool.rotate()
    assert [r["i"] for r in _collect(spool)] == list(range(10))
    assert spool.depth().records == 0
    assert list((tmp_path / "spool").iterdir()) == []


def test_a_segment_still_open_by_its_writer_is_left_alone(tmp_path):
    writer = Spool(tmp_path / "spool")
    reader = Spool(tmp_path / "spool")
    writer.append([{"i": 1}])
    assert _collect(reader) == []
    writer.rotate()
    assert _collect(reader) == [{"i": 1}]


def test_when_the_writer_is_killed_with_sigkill_its_records_are_replayed(tmp_path):
    directory = tmp_path / "spool"
    script = textwrap.dedent(f"""
        import sys, time
        from services.classifier.spool import Spool
        spool = Spool({str(directory)!r})
        for i in range(50):
            spool.append([{{"i": i}}])
        print("spooled", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "spooled"
        # While the writer lives, its segment is locked.
        assert _collect(Spool(directory)) == []
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert [r["i"] for r in _collect(Spool(directory))] == list(range(50))


def test_a_line_torn_by_a_crash_is_skipped_and_the_rest_delivered(tmp_path, caplog):
    directory = tmp_path / "spool"
    spool = Spool(directory)
    spool.append([{"i": 1}, {"i": 2}])
    spool.rotate()
    segment = next(directory.iterdir())
    with open(segment, "ab") as f:
        f.write(b'{"i": 3, "te')
    with caplog.at_level(logging.WARNING):
        assert _collect(Spool(directory)) == [{"i": 1}, {"i": 2}]
    assert "unreadable" in caplog.text


def test_when_delivery_fails_the_segment_stays_for_the_next_drain(tmp_path):
    spool = Spool(tmp_path / "spool")
    spool.append([{"i": 1}, {"i": 2}, {"i": 3}])
    spool.rotate()

    def broken(records):
        raise ConnectionError("database went away")

    with pytest.raises(ConnectionError):
        spool.drain(broken)
    assert spool.depth().records == 3
    assert [r["i"] for r in _collect(spool)] == [1, 2, 3]


def test_when_the_bound_is_reached_append_refuses_and_says_so_once(tmp_path, caplog):
    spool = Spool(tmp_path / "spool", max_bytes=300)
    spool.append([{"text": "x" * 100}, {"text": "y" * 100}])
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            with pytest.raises(SpoolFull):
                spool.append([{"text": "z" * 100}])
    assert caplog.text.count("is full") == 1
    assert spool.is_full
    assert spool.depth().records == 2
    spool.rotate()
    _collect(spool)
    spool.append([{"text": "z" * 100}])
    assert not spool.is_full


def test_tools_can_read_the_spool_without_taking_it(tmp_path):
    spool = Spool(tmp_path / "spool")
    spool.append([{"i": 1}])
    assert list(iter_records(tmp_path / "spool")) == [{"i": 1}]
    assert spool.depth().records == 1
