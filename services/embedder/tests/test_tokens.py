"""EmbedTokens without TensorFlow: windows, offsets, the byte-bounded cache, token batches and the service logic."""

import threading

import numpy as np
import pytest

from services.embedder.batcher import Batcher, Item, Kind
from services.embedder.cache import LRUCache
from services.embedder.model import char_offsets, token_windows
from services.embedder.service import (
    TOKENS,
    EmbeddingService,
    InvalidInput,
    NotSupported,
    Overloaded,
    VersionMismatch,
    estimated_tokens,
    token_rows_size,
)
from services.embedder.tests.fakes import FakeModel
from services.embedder.texts import Limits, check_token_texts

LIMITS = Limits(max_texts=10, max_text_chars=200, max_token_call_chars=500)


@pytest.mark.parametrize("n", [0, 1, 253, 254, 255, 444, 445, 1000, 4096])
def test_windows_tile_the_tokens_and_each_token_is_owned_by_its_most_central_window(n):
    size, overlap = 254, 64
    windows = token_windows(n, size, overlap)
    assert windows[0][0] == 0 and windows[-1][1] == n
    owned = [t for _, _, a, b in windows for t in range(a, b)]
    assert owned == list(range(n))
    for start, end, a, b in windows:
        assert end - start <= size and start <= a <= b <= end
    def margin(w, t):
        """Distance from token t to the nearest cut of window w (an edge that is not the text's edge)."""
        start, end = w[0], w[1]
        left = t - start if start > 0 else n
        right = end - 1 - t if end < n else n
        return min(left, right)

    for t in range(n):
        holders = [w for w in windows if w[0] <= t < w[1]]
        owner = next(w for w in windows if w[2] <= t < w[3])
        assert margin(owner, t) >= max(margin(w, t) for w in holders) - 1  # -1: the middle of an even overlap


def test_long_texts_keep_at_least_half_the_overlap_of_context_on_the_cut_side():
    n, size, overlap = 1000, 254, 64
    windows = token_windows(n, size, overlap)
    assert len(windows) == 5 and windows[-1][1] == n and all(e - s == size for s, e, _, _ in windows)
    for start, end, a, b in windows:
        if start > 0:
            assert a - start >= overlap // 2
        if end < n:
            assert end - b >= overlap // 2


def test_byte_offsets_become_python_string_indices():
    text = "Łukasz  😀 Кузнецова"
    raw = text.encode("utf-8")
    words = [(raw.index(w.encode()), raw.index(w.encode()) + len(w.encode())) for w in ("Łukasz", "😀", "Кузнецова")]
    starts, ends = char_offsets(text, np.array([a for a, _ in words]), np.array([b for _, b in words]))
    assert [text[a:b] for a, b in zip(starts, ends)] == ["Łukasz", "😀", "Кузнецова"]
    assert starts.dtype == np.int32 and ends.dtype == np.int32


def test_tokens_that_one_character_makes_share_that_characters_span():
    text = "안녕"  # the tokeniser gives the first jamo of a syllable an empty span
    starts, ends = char_offsets(text, np.array([0, 0, 0, 3]), np.array([0, 0, 3, 6]))
    assert [text[a:b] for a, b in zip(starts, ends)] == ["안", "안", "안", "녕"]


def test_when_the_cache_is_bounded_in_bytes_then_the_oldest_entries_go_until_it_fits():
    cache = LRUCache(100, max_bytes=1000, sizeof=len)
    cache.put_many([("a", b"x" * 400), ("b", b"x" * 400)])
    cache.get("a")  # "b" is now the oldest
    cache.put("c", b"x" * 300)
    assert cache.peek("b") is None and cache.peek("a") is not None and cache.peek("c") is not None
    s = cache.stats()
    assert (s.size, s.bytes, s.max_bytes, s.evictions) == (2, 700, 1000, 1)
    cache.put("a", b"x" * 100)  # replacing an entry re-counts its bytes
    assert cache.stats().bytes == 400
    cache.put("huge", b"x" * 1001)  # larger than the whole bound: never kept, evicts nothing
    assert cache.peek("huge") is None and cache.stats().size == 2
    cache.clear()
    assert cache.stats().bytes == 0


def test_when_the_cache_is_bounded_in_entries_too_then_the_first_bound_reached_wins():
    cache = LRUCache(2, max_bytes=10_000, sizeof=len)
    cache.put_many([("a", b"1"), ("b", b"2"), ("c", b"3")])
    assert len(cache) == 2 and cache.stats().bytes == 2


def test_token_batches_are_bounded_by_their_cost_and_never_mix_with_sentence_batches():
    gate = threading.Event()
    model = FakeModel(gate=gate)
    runs: list[tuple[str, list[str]]] = []

    def tokens(texts):
        runs.append(("tokens", list(texts)))
        return [None] * len(texts)

    def embed(texts):
        runs.append(("embed", list(texts)))
        return model.embed(texts)

    batcher = Batcher(embed, 8, 0.0, 1000, kinds={TOKENS: Kind(tokens, budget=100)}).start()
    try:
        blocker = Item("block")
        batcher.submit([blocker])
        assert model.started.wait(5)
        token_items = [Item(f"p{i}", kind=TOKENS, cost=30) for i in range(7)]
        sentences = [Item(f"s{i}") for i in range(3)]
        batcher.submit(token_items[:4] + sentences + token_items[4:])
        gate.set()
        for item in [blocker, *token_items, *sentences]:
            item.future.result(5)
    finally:
        batcher.stop()
    token_runs = [texts for kind, texts in runs if kind == "tokens"]
    assert [len(t) for t in token_runs] == [3, 3, 1]  # 3 x 30 fits a budget of 100, 4 x 30 does not
    assert [texts for kind, texts in runs if kind == "embed"][1:] == [["s0", "s1", "s2"]]


def test_a_text_costlier_than_the_budget_still_runs_alone():
    batcher = Batcher(lambda texts: texts, 8, 0.0, 1000, kinds={TOKENS: Kind(lambda t: t, budget=10)}).start()
    try:
        big = Item("x" * 500, kind=TOKENS, cost=estimated_tokens("x" * 500))
        batcher.submit([big])
        assert big.future.result(5) == "x" * 500
    finally:
        batcher.stop()


def test_unknown_kinds_are_refused():
    batcher = Batcher(lambda texts: texts, 8, 0.0, 1000)
    with pytest.raises(ValueError, match="no such kind"):
        batcher.submit([Item("a", kind=TOKENS)])


def test_the_token_estimate_is_about_a_third_of_the_utf8_bytes():
    assert estimated_tokens("") == 1
    assert estimated_tokens("chest pain radiating") == 6
    assert estimated_tokens("山田太郎") == 4


@pytest.fixture()
def make_service():
    made = []

    def make(model=None, token_cache=None, max_queue=1000, limits=LIMITS):
        service = EmbeddingService(model or FakeModel(), LRUCache(1000), limits, 16, 0.0, max_queue,
                                   token_cache=token_cache if token_cache is not None else
                                   LRUCache(100, max_bytes=1 << 20, sizeof=token_rows_size))
        made.append(service)
        return service

    yield make
    for service in made:
        if service.model.gate is not None:
            service.model.gate.set()
        service.close(timeout=5)


def test_token_vectors_come_back_in_order_with_spans_into_the_texts_as_sent(make_service):
    service = make_service()
    texts = ["Maria  Gonzalez", "", "fever", "Maria  Gonzalez", "   "]
    result = service.embed_tokens(texts)
    model = service.model
    assert (result.model_name, result.model_version, result.dimension) == ("fake", "v1", 8)
    rows = result.rows
    assert [[t[a:b] for a, b in zip(r.starts, r.ends)] for t, r in zip(texts, rows)] == \
        [["Maria", "Gonzalez"], [], ["fever"], ["Maria", "Gonzalez"], []]
    vectors = rows[0].as_float32(8)
    np.testing.assert_allclose(vectors[1], model.token_vector("Maria  Gonzalez", 1), atol=2e-3)  # float16
    assert len(rows[0].vectors) == 2 * 8 * 2
    # Each distinct non-empty text computed once; the empty one never reaches the model.
    assert sorted(t for batch in model.token_batches for t in batch) == ["   ", "Maria  Gonzalez", "fever"]
    assert result.cache_hit == [False] * 5


def test_when_a_text_is_asked_again_then_its_tokens_come_from_the_cache_keyed_by_the_exact_text(make_service):
    service = make_service()
    service.embed_tokens(["chest pain"])
    again = service.embed_tokens(["chest pain", "chest  pain", "Chest pain"])
    assert again.cache_hit == [True, False, False] and again.cache_hits == 1
    assert service.model.token_batches[-1] == ["chest  pain", "Chest pain"]
    s = service.token_cache.stats()
    assert s.size == 3 and s.bytes == sum(token_rows_size(r) for r in again.rows)
    # Token entries never answer Embed, and Embed's entries never answer EmbedTokens.
    assert service.embed(["chest pain"]).cache_hits == 0
    assert len(service.cache) == 1


def test_when_the_token_cache_is_off_then_every_call_computes(make_service):
    service = make_service(token_cache=LRUCache(0))
    service.embed_tokens(["a b"])
    assert service.embed_tokens(["a b"]).cache_hits == 0
    assert len(service.model.token_batches) == 2


def test_when_several_calls_miss_the_same_text_at_once_then_its_tokens_are_computed_once(make_service):
    gate = threading.Event()
    service = make_service(FakeModel(gate=gate))
    results = []
    threads = [threading.Thread(target=lambda: results.append(service.embed_tokens(["same note"])))
               for _ in range(6)]
    for t in threads:
        t.start()
    assert service.model.started.wait(5)
    gate.set()
    for t in threads:
        t.join(5)
    assert len(results) == 6 and service.model.token_batches == [["same note"]]


@pytest.mark.parametrize("texts, message", [
    ([], "texts is empty"),
    (["a"] * 11, "too many texts in one call: 11, the limit is 10"),
    (["ok", "x" * 201], r"texts\[1\] is too long: 201 characters, the limit is 200"),
    (["x" * 200] * 3, "too much text in one EmbedTokens call: 600 characters, the limit is 500"),
])
def test_when_input_is_bad_then_invalid_input_names_it_and_nothing_is_computed(make_service, texts, message):
    service = make_service()
    with pytest.raises(InvalidInput, match=message):
        service.embed_tokens(texts)
    assert service.model.token_batches == []


def test_empty_and_whitespace_texts_are_fine_for_tokens():
    check_token_texts(["", "  ", "\n"], LIMITS)


def test_when_the_caller_expects_another_version_then_token_vectors_are_refused(make_service):
    service = make_service()
    with pytest.raises(VersionMismatch, match="'v1'.*'v0'"):
        service.embed_tokens(["x"], expected_version="v0")
    assert service.embed_tokens(["x"], expected_version="v1").model_version == "v1"


def test_when_the_model_has_no_token_functions_then_not_supported(make_service):
    class SentencesOnly(FakeModel):
        token_vectors = False

    service = make_service(SentencesOnly())
    with pytest.raises(NotSupported, match="gives no token vectors"):
        service.embed_tokens(["x"])
    assert service.embed(["x"]).vectors().shape == (1, 8)


def test_when_the_queue_is_full_then_token_calls_are_refused_too(make_service):
    gate = threading.Event()
    service = make_service(FakeModel(gate=gate), max_queue=2)
    threading.Thread(target=service.embed, args=(["blocker"],), daemon=True).start()
    assert service.model.started.wait(5)
    with pytest.raises(Overloaded):
        service.embed_tokens(["a", "b", "c"])
    gate.set()
    assert len(service.embed_tokens(["a"]).rows) == 1
