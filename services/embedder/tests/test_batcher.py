"""Request batching: coalescing concurrent texts, splitting large requests, length buckets, deadlines, back-pressure."""

import threading
import time

import pytest

from services.embedder.batcher import Batcher, BatcherStopped, DeadlineExceeded, Item, QueueFull, bucket_of
from services.embedder.tests.fakes import FakeModel


def _batcher(model, max_batch_size=8, max_wait_s=0.0, max_queue=1000):
    return Batcher(model.embed, max_batch_size, max_wait_s, max_queue).start()


def _results(items, timeout=5):
    return [item.future.result(timeout) for item in items]


def test_when_many_callers_submit_while_the_model_is_busy_then_their_texts_go_in_one_batch():
    gate = threading.Event()
    model = FakeModel(gate=gate)
    batcher = _batcher(model, max_batch_size=32)
    try:
        first = Item("first")
        batcher.submit([first])
        assert model.started.wait(5)
        items = [Item(f"text {i}") for i in range(10)]
        threads = [threading.Thread(target=batcher.submit, args=([item],)) for item in items]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        gate.set()
        _results([first, *items])
    finally:
        batcher.stop()
    assert [len(b) for b in model.batches] == [1, 10]


def test_when_the_model_is_idle_then_a_lone_text_waits_at_most_max_wait_for_company():
    model = FakeModel()
    batcher = _batcher(model, max_batch_size=32, max_wait_s=0.2)
    try:
        a = Item("a")
        batcher.submit([a])
        time.sleep(0.05)  # well inside the wait window
        b = Item("b")
        batcher.submit([b])
        _results([a, b])
    finally:
        batcher.stop()
    assert model.batches == [["a", "b"]]


def test_when_a_request_is_larger_than_a_batch_then_it_is_split_into_model_sized_batches():
    model = FakeModel()
    batcher = _batcher(model, max_batch_size=8)
    try:
        items = [Item(f"t{i}") for i in range(20)]
        batcher.submit(items)
        vectors = _results(items)
    finally:
        batcher.stop()
    assert sorted(len(b) for b in model.batches) == [4, 8, 8]
    assert all((v == model.vector(f"t{i}")).all() for i, v in enumerate(vectors))


def test_when_short_and_long_texts_wait_together_then_short_ones_are_not_padded_to_the_long_ones():
    gate = threading.Event()
    model = FakeModel(gate=gate)
    batcher = _batcher(model, max_batch_size=8)
    try:
        blocker = Item("block")
        batcher.submit([blocker])
        assert model.started.wait(5)
        long_items = [Item("long " + "x" * 600 + str(i)) for i in range(3)]
        short_items = [Item(f"short {i}") for i in range(3)]
        batcher.submit(long_items + short_items)
        gate.set()
        _results([blocker, *long_items, *short_items])
    finally:
        batcher.stop()
    later = model.batches[1:]
    assert len(later) == 2
    for batch in later:
        assert len({bucket_of(t) for t in batch}) == 1


def test_when_a_long_batch_is_not_full_then_it_is_topped_up_with_shorter_texts():
    gate = threading.Event()
    model = FakeModel(gate=gate)
    batcher = _batcher(model, max_batch_size=8)
    try:
        blocker = Item("block")
        batcher.submit([blocker])
        assert model.started.wait(5)
        long_items = [Item("long " + "x" * 600 + str(i)) for i in range(3)]
        batcher.submit(long_items)  # older than the short ones, so its bucket goes first
        short_items = [Item(f"short {i}") for i in range(3)]
        batcher.submit(short_items)
        gate.set()
        _results([blocker, *long_items, *short_items])
    finally:
        batcher.stop()
    assert len(model.batches) == 2 and len(model.batches[1]) == 6


def test_when_a_callers_deadline_passed_while_queued_then_the_model_never_sees_the_text():
    gate = threading.Event()
    model = FakeModel(gate=gate)
    batcher = _batcher(model)
    try:
        blocker = Item("block")
        batcher.submit([blocker])
        assert model.started.wait(5)
        late = Item("late", deadline=time.monotonic() + 0.01)
        patient = Item("patient", deadline=time.monotonic() + 30)
        batcher.submit([late, patient])
        time.sleep(0.05)
        gate.set()
        with pytest.raises(DeadlineExceeded):
            late.future.result(5)
        patient.future.result(5)
    finally:
        batcher.stop()
    assert "late" not in model.texts_computed


def test_when_the_queue_is_full_then_submit_refuses_all_of_the_request():
    gate = threading.Event()
    model = FakeModel(gate=gate)
    batcher = _batcher(model, max_queue=4)
    try:
        batcher.submit([Item("block")])
        assert model.started.wait(5)
        batcher.submit([Item("a"), Item("b"), Item("c")])
        with pytest.raises(QueueFull):
            batcher.submit([Item("d"), Item("e")])
        assert batcher.depth == 3
    finally:
        gate.set()
        batcher.stop()


def test_when_the_model_fails_then_every_waiting_caller_hears_it_and_the_next_batch_works():
    model = FakeModel()
    batcher = _batcher(model)
    try:
        model.fail_next = True
        bad = [Item("a"), Item("b")]
        batcher.submit(bad)
        for item in bad:
            with pytest.raises(RuntimeError, match="exploded"):
                item.future.result(5)
        good = Item("c")
        batcher.submit([good])
        good.future.result(5)
    finally:
        batcher.stop()


def test_when_stopped_then_queued_work_finishes_and_new_work_is_refused():
    model = FakeModel(delay=0.05)
    batcher = _batcher(model, max_batch_size=2)
    items = [Item(f"t{i}") for i in range(6)]
    batcher.submit(items)
    batcher.stop(timeout=5)
    assert all(item.future.done() and item.future.exception() is None for item in items)
    with pytest.raises(BatcherStopped):
        batcher.submit([Item("late")])
