"""EmbedTokens against the real embedder process (default model) through EmbedderClient."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from services.embedder.model import default_model_version
from services.embedder.tests.paragraphs import long_note, paragraphs
from veil.clients.embedder import EmbedderClient, EmbedderInvalidInput, EmbedderVersionMismatch

pytestmark = pytest.mark.model


def test_tokens_and_spans_through_the_wire_are_the_models(embedder_address, default_model):
    texts = ["Анна Кузнецова, Ελένη Παπαδοπούλου and Łukasz  Wiśniewski 😀 were seen at Hôpital Saint-Louis.",
             "", "   ", "fever"]
    with EmbedderClient(embedder_address) as client:
        got = client.embed_tokens(texts)
    local = default_model.embed_tokens(texts)
    assert [len(r) for r in got] == [len(t.starts) for t in local] and len(got[1]) == len(got[2]) == 0
    for r, t in zip(got, local):
        assert r.starts.tolist() == t.starts.tolist() and r.ends.tolist() == t.ends.tolist()
        assert (r.model_name, r.model_version) == ("minilm-l6-v2", default_model_version())
        if len(r):
            cos = (r.vectors * t.vectors).sum(1) / np.linalg.norm(r.vectors, axis=1) / np.linalg.norm(t.vectors, axis=1)
            assert cos.min() > 0.9999  # float16 on the wire
    text = texts[0]
    spans = [(int(s), int(e)) for s, e in zip(got[0].starts, got[0].ends)]
    assert "😀" in [text[s:e] for s, e in spans]
    for word in ("Łukasz", "Кузнецова", "Παπαδοπούλου", "Hôpital"):
        # WordPiece splits these names; the pieces' spans tile the word exactly.
        start = text.index(word)
        inside = [(s, e) for s, e in spans if start <= s < start + len(word)]
        assert len(inside) > 1 and inside[0][0] == start and inside[-1][1] == start + len(word), word
        assert "".join(text[s:e] for s, e in inside) == word


def test_a_long_note_gets_one_vector_per_token(embedder_address):
    text = long_note(4000, seed=8)[:4096]
    with EmbedderClient(embedder_address, timeout=60) as client:
        (r,) = client.embed_tokens([text])
    assert len(r) > 700 and r.vectors.shape == (len(r), 384)
    assert (np.diff(r.starts) >= 0).all() and r.ends[-1] <= len(text)


def test_when_asked_again_then_the_tokens_come_from_the_cache(embedder_address):
    text = paragraphs(1, seed=1234)[0]
    with EmbedderClient(embedder_address) as client:
        first = client.embed_tokens([text])[0]
        again = client.embed_tokens([text, text + " "])
        info = client.info()
    assert first.cache_hit is False and again[0].cache_hit is True
    assert again[1].cache_hit is False  # the exact text is the key: offsets index that string
    np.testing.assert_array_equal(first.vectors, again[0].vectors)
    assert info["token_vectors"] is True and info["token_cache"]["hits"] >= 1


def test_concurrent_callers_get_what_they_would_get_alone(embedder_address):
    texts = paragraphs(12, seed=99)
    with EmbedderClient(embedder_address, timeout=60) as client:
        alone = client.embed_tokens(texts[:2])
        results: dict[int, list] = {}
        threads = [threading.Thread(target=lambda i=i: results.update({i: client.embed_tokens(texts[i:i + 3])}))
                   for i in range(0, 12, 3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    got = [r for i in range(0, 12, 3) for r in results[i]]
    assert [len(r) for r in got[:2]] == [len(r) for r in alone]
    for a, b in zip(got[:2], alone):
        np.testing.assert_allclose(a.vectors, b.vectors, atol=2e-3)


def test_when_there_are_too_many_texts_or_one_is_too_long_then_invalid_argument(embedder_address):
    with EmbedderClient(embedder_address, chunk_size=5000) as client:
        with pytest.raises(EmbedderInvalidInput, match="too many texts in one call: 1025, the limit is 1024"):
            client.embed_tokens(["a"] * 1025)
        with pytest.raises(EmbedderInvalidInput, match=r"texts\[1\] is too long: 5000 characters, the limit is 4096"):
            client.embed_tokens(["ok", "x" * 5000])
        assert len(client.embed_tokens(["still up"])[0]) == 2


def test_when_the_caller_expects_another_model_version_then_it_is_refused(embedder_address):
    with EmbedderClient(embedder_address) as client:
        with pytest.raises(EmbedderVersionMismatch, match="the caller expects 'not-this-one'"):
            client.embed_tokens(["fever"], expected_model_version="not-this-one")
        assert len(client.embed_tokens(["fever"], expected_model_version=default_model_version())[0]) == 1
