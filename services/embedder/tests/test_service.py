"""The service logic: cache per model version, single flight, hits beside model work, deadlines, errors."""

import threading
import time

import numpy as np
import pytest

from services.embedder.cache import LRUCache
from services.embedder.service import (
    DeadlineExceeded,
    EmbeddingService,
    InvalidInput,
    ModelFailure,
    Overloaded,
    VersionMismatch,
    estimated_tokens,
)
from services.embedder.tests.fakes import FakeModel
from services.embedder.texts import Limits

LIMITS = Limits(max_texts=100, max_text_chars=200)


@pytest.fixture()
def make_service():
    made = []

    def make(model=None, cache=None, max_batch_size=16, max_wait_s=0.0, max_queue=1000):
        service = EmbeddingService(model or FakeModel(), cache or LRUCache(1000), LIMITS, max_batch_size,
                                   max_wait_s, max_queue)
        made.append(service)
        return service

    yield make
    for service in made:
        if service.model.gate is not None:
            service.model.gate.set()
        service.close(timeout=5)


def test_vectors_come_back_in_request_order_with_duplicates_answered_once(make_service):
    service = make_service()
    result = service.embed(["b", "a", "b", " a "])
    vectors = result.vectors()
    model = service.model
    assert vectors.shape == (4, model.dimension) and vectors.dtype == np.float32
    np.testing.assert_array_equal(vectors[0], model.vector("b"))
    np.testing.assert_array_equal(vectors[1], model.vector("a"))
    np.testing.assert_array_equal(vectors[3], model.vector("a"))
    assert sorted(model.texts_computed) == ["a", "b"]
    assert (result.model_name, result.model_version, result.cache_hits) == ("fake", "v1", 0)


def test_when_a_text_is_asked_again_then_it_is_a_cache_hit_and_the_model_is_not_called(make_service):
    service = make_service()
    service.embed(["chest pain"])
    again = service.embed(["chest  pain", "fever"])
    assert again.cache_hits == 1
    assert service.model.texts_computed == ["chest pain", "fever"]
    s = service.cache.stats()
    assert (s.hits, s.misses, s.size) == (1, 2, 2)


def test_when_the_model_is_case_insensitive_then_case_variants_share_one_entry(make_service):
    service = make_service(FakeModel(case_insensitive=True))
    service.embed(["Maria Gonzalez"])
    assert service.embed(["MARIA GONZALEZ"]).cache_hits == 1


def test_when_several_calls_miss_the_same_text_at_once_then_it_is_computed_once(make_service):
    gate = threading.Event()
    service = make_service(FakeModel(gate=gate))
    results = []

    def call():
        results.append(service.embed(["the same text"]).vectors())

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    assert service.model.started.wait(5)
    time.sleep(0.05)  # let every caller join the in-flight computation
    gate.set()
    for t in threads:
        t.join(5)
    assert len(results) == 8
    assert service.model.texts_computed == ["the same text"]
    assert all((r == results[0]).all() for r in results)


def test_when_the_model_is_busy_then_a_cache_hit_is_answered_without_waiting(make_service):
    gate = threading.Event()
    service = make_service(FakeModel(gate=gate))
    gate.set()
    service.embed(["cached"])
    gate.clear()
    slow = threading.Thread(target=service.embed, args=(["a new text"],))
    slow.start()
    assert service.model.started.wait(5)
    done = threading.Event()
    hit = []
    threading.Thread(target=lambda: (hit.append(service.embed(["cached"])), done.set())).start()
    # The model is still held by the gate: only a hit that skips the model can finish now.
    assert done.wait(5)
    assert hit[0].cache_hits == 1
    assert slow.is_alive()
    gate.set()
    slow.join(5)


def test_when_the_model_version_changes_then_old_vectors_are_never_served(make_service):
    cache = LRUCache(1000)
    old = make_service(FakeModel(version="v1"), cache)
    new = make_service(FakeModel(version="v2"), cache)
    v1 = old.embed(["phrase"]).vectors()
    result = new.embed(["phrase"])
    assert result.cache_hits == 0 and result.model_version == "v2"
    np.testing.assert_array_equal(result.vectors()[0], new.model.vector("phrase"))
    assert not np.allclose(result.vectors(), v1)


def test_when_the_caller_expects_another_version_then_it_is_refused(make_service):
    service = make_service()
    with pytest.raises(VersionMismatch, match="'v1'.*'v0'"):
        service.embed(["x"], expected_version="v0")
    assert service.embed(["x"], expected_version="v1").model_version == "v1"


def test_when_the_deadline_passes_then_the_call_ends_and_the_service_keeps_working(make_service):
    service = make_service(FakeModel(delay=0.3))
    with pytest.raises(DeadlineExceeded):
        service.embed(["slow"], deadline=time.monotonic() + 0.05)
    assert service.embed(["fast enough"]).vectors().shape == (1, 8)


def test_when_input_is_bad_then_invalid_input_is_raised_and_nothing_is_computed(make_service):
    service = make_service()
    with pytest.raises(InvalidInput):
        service.embed(["ok", "   "])
    assert service.model.batches == []


def test_when_the_queue_is_full_then_the_call_is_refused_and_later_ones_work(make_service):
    gate = threading.Event()
    service = make_service(FakeModel(gate=gate), max_queue=3)
    threading.Thread(target=service.embed, args=(["blocker"],), daemon=True).start()
    assert service.model.started.wait(5)
    with pytest.raises(Overloaded):
        service.embed(["a", "b", "c", "d"])
    gate.set()
    assert service.embed(["a", "b", "c"]).vectors().shape == (3, 8)


def test_when_the_model_fails_then_the_call_reports_a_model_failure_and_nothing_is_cached(make_service):
    service = make_service()
    service.model.fail_next = True
    with pytest.raises(ModelFailure):
        service.embed(["boom"])
    assert service.embed(["boom"]).cache_hits == 0


def test_a_batch_of_paragraphs_is_bounded_by_tokens_and_one_of_phrases_by_texts():
    gate = threading.Event()
    model = FakeModel(gate=gate)
    limits = Limits(max_texts=100, max_text_chars=2000)
    service = EmbeddingService(model, LRUCache(1000), limits, max_batch_size=16, max_wait_s=0.0, max_queue=1000,
                               max_batch_tokens=200)
    try:
        blocker = threading.Thread(target=service.embed, args=(["first call holds the model"],))
        blocker.start()
        assert model.started.wait(5)
        # ~300 characters = ~100 estimated tokens + [CLS]/[SEP]: two fit a budget of 200 only just,
        # so each batch of paragraphs holds one; 40 short phrases go 16 at a time.
        paragraphs = [f"paragraph {i} " + "x" * 290 for i in range(4)]
        phrases = [f"phrase {i}" for i in range(40)]
        callers = [threading.Thread(target=service.embed, args=(group,)) for group in (paragraphs, phrases)]
        for t in callers:
            t.start()
        time.sleep(0.2)  # both calls queue behind the held model call
        gate.set()
        for t in callers + [blocker]:
            t.join(10)
        batches = model.batches[1:]
        per_batch = [sum(t.startswith("paragraph") for t in b) for b in batches]
        assert sum(per_batch) == 4 and max(per_batch) == 1  # never two paragraphs in one batch
        assert sorted(t for b in batches for t in b if t.startswith("phrase")) == sorted(phrases)
        assert max(map(len, batches)) == 16  # phrases are bounded by the count, not the budget
        # a batch's tokens stay within the budget (a batch topped up with phrases included)
        assert all(sum(min(estimated_tokens(t) + 2, 256) for t in b) <= 200 for b in batches)
    finally:
        gate.set()
        service.close(timeout=5)
