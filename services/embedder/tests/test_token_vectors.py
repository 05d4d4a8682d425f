"""The default model's token vectors, in-process: faithful, exact offsets, any length, same forward pass as pooling."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pytest

from services.embedder import model as model_lib
from services.embedder.tests.paragraphs import long_note, paragraphs

pytestmark = pytest.mark.model

DATA = Path(__file__).with_name("data")

# Where the graph's tokeniser (tensorflow-text FastBertTokenizer, which folds case the Unicode
# way and maps compatibility characters: ß -> ss, ς -> σ, ﬁ -> fi, ⁹ -> 9) and BERT's original
# Python tokeniser (str.lower) part. The pooled path has always used the graph's, so these are
# the model's tokens; the reference simply cannot reproduce them.
NORMALISATION_DIFFERS = ["straße", "Παπαδόπουλος", "ﬁne", "Ⅻ", "Ｆｕｌｌｗｉｄｔｈ", "ΣΊΣΥΦΟΣ", "10⁹/L"]

VARIED = [
    "Maria Gonzalez, 67, was admitted on 03/14/2021 with chest pain.",
    "Анна Кузнецова и Γιώργο Παπαδοπούλου met Łukasz Wiśniewski in Łódź.",
    "Café naïve résumé Müller's coöperation — Zoë Ångström",
    "  multiple   spaces,\ttabs\nand\r\nnewlines  ",
    "emoji 😀 and a family 👨‍👩‍👧 and a thumbs-up 👍🏽!",
    "日本語のテキストと English mixed; 山田 太郎",
    "مُحَمَّد بن سلمان and नमस्ते दुनिया",
    "안녕하세요 김민수",
    "Call Dr. O'Brien at (555) 010-0199 or e-mail j.doe@example.com",
    "unaffable antidisestablishmentarianism pseudopseudohypoparathyroidism",
    "MRN 0012345678; SSN 123-45-6789; https://veil.example.org/x?y=1",
    "Cafe\u0301 with a combining accent, x\u200by with a zero-width space",
]


@pytest.fixture(scope="module")
def vocab() -> list[str]:
    return (model_lib.weights_dir() / "vocab.txt").read_text(encoding="utf-8").splitlines()


def _fold(text: str) -> str:
    """What the uncased tokeniser compares: case folded, accents (combining marks) stripped, NFKC."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def test_the_pooled_signature_answers_what_it_answered_before_token_vectors_were_added(default_model):
    golden = np.load(DATA / "pooled_before_token_export.npz")
    texts = [str(t) for t in golden["texts"]]
    assert str(golden["version"]) != default_model.version  # a new export, so a new version...
    ours = default_model.embed(texts)
    np.testing.assert_allclose(ours, golden["vectors"], rtol=0, atol=1e-6)  # ...and the same vectors
    # (bit for bit on the machine that recorded them; atol allows another CPU's rounding)


def test_the_model_exports_token_functions_and_signatures(default_model_dir, default_model):
    import tensorflow as tf
    import tensorflow_hub as hub

    assert default_model.token_vectors and default_model.max_seq_length == 256
    loaded = hub.load(str(default_model_dir))
    assert set(loaded.signatures) == {"serving_default", "tokenize", "encode"}
    tok = loaded.signatures["tokenize"](texts=tf.constant(["chest pain", ""]))
    assert tok["lengths"].numpy().tolist() == [2, 0]
    hidden = loaded.signatures["encode"](token_ids=tf.constant([[101, 3108, 3255, 102]], tf.int64),
                                         lengths=tf.constant([4], tf.int64))["hidden_states"]
    assert hidden.shape == (1, 4, 384)


def test_token_ids_are_the_reference_tokenisers_on_a_varied_sample(default_model, reference_model):
    for text in VARIED:
        got = default_model.embed_tokens([text])[0].token_ids.tolist()
        assert got == reference_model.tokenizer.encode(text)[1:-1], text
    for text in NORMALISATION_DIFFERS:  # the known differences stay known
        got = default_model.embed_tokens([text])[0].token_ids.tolist()
        assert got != reference_model.tokenizer.encode(text)[1:-1], text


def test_token_vectors_are_the_reference_models_last_hidden_states(default_model, reference_model):
    texts = VARIED[:6]
    for text, tv in zip(texts, default_model.embed_tokens(texts)):
        ref = reference_model.hidden_states(reference_model.tokenizer.encode(text))[1:-1]
        assert tv.vectors.shape == ref.shape
        assert _cosines(tv.vectors, ref).min() >= 0.999, text


def test_offsets_index_the_original_text_and_spell_each_word_in_every_script(default_model, vocab):
    texts = VARIED + NORMALISATION_DIFFERS
    for text, tv in zip(texts, default_model.embed_tokens(texts)):
        starts, ends = tv.starts.tolist(), tv.ends.tolist()
        assert all(0 <= s < e <= len(text) for s, e in zip(starts, ends)), text
        assert starts == sorted(starts) and ends == sorted(ends), text
        pieces = [vocab[i] for i in tv.token_ids]
        # A word is a piece and the "##" pieces after it: its span, folded, spells the pieces.
        words: list[tuple[int, int, str]] = []
        for piece, s, e in zip(pieces, starts, ends):
            if piece.startswith("##") and words:
                words[-1] = (words[-1][0], e, words[-1][2] + piece[2:])
            else:
                words.append((s, e, piece))
        for s, e, spelled in words:
            surface = text[s:e]
            if spelled == "[UNK]":
                assert surface.strip(), text  # an emoji or an unknown script: still a real span
                continue
            folded = _fold(surface).replace("\u200b", "")
            assert folded == spelled, (text, surface, spelled)


def test_accented_and_non_latin_names_map_to_their_exact_spans(default_model):
    text = "Кузнецова  Παπαδόπουλος Łukasz 😀 Café"
    tv = default_model.embed_tokens([text])[0]
    spans = [text[s:e] for s, e in zip(tv.starts, tv.ends)]
    assert "".join(spans) == text.replace(" ", "")  # every piece is a slice of the original, nothing lost
    assert spans[-1] == "Café" and "😀" in spans and spans[0] == "К"


def test_an_empty_or_blank_text_has_no_tokens_and_costs_no_model_work(default_model):
    out = default_model.embed_tokens(["", "   \n\t", "fever"])
    assert [len(t.starts) for t in out] == [0, 0, 1]
    assert [t.windows for t in out] == [0, 0, 1]
    assert out[0].vectors.shape == (0, 384) and out[0].vectors.dtype == np.float32
    blank = default_model.embed_tokens([" ", "\u200b"])  # a batch with nothing for the model at all
    assert [len(t.starts) for t in blank] == [0, 0] and [t.windows for t in blank] == [0, 0]


def test_mean_of_cls_tokens_and_sep_is_the_pooled_embedding(default_model):
    """The sentence vector is the L2-normalised mean over [CLS], the tokens and [SEP] of one forward pass.

    EmbedTokens leaves [CLS] and [SEP] out (they are not text), so the mean of its vectors alone
    is close to the pooled one but not equal: cosine ~0.9995 for a paragraph, ~0.9 for a
    one-token phrase, where the two special states are two thirds of the mean. With the two
    states from the same forward pass it is equal.
    """
    texts = paragraphs(3, seed=7) + ["fever"]
    pooled = default_model.embed(texts)
    for tv, expected in zip(default_model.embed_tokens(texts), pooled):
        row = np.concatenate([[default_model._cls], tv.token_ids, [default_model._sep]])
        hidden = default_model.encode_windows([row])[0]
        np.testing.assert_allclose(hidden[1:-1], tv.vectors, atol=1e-5)
        mean = hidden.mean(0)
        np.testing.assert_allclose(mean / np.linalg.norm(mean), expected, atol=1e-6)
        tokens_only = tv.vectors.mean(0)
        cosine = float(tokens_only @ expected / np.linalg.norm(tokens_only))
        assert cosine > (0.999 if len(tv.starts) > 50 else 0.85)


def test_a_text_longer_than_one_window_gets_one_vector_per_token(default_model, reference_model):
    text = long_note(3000, seed=3)
    tv = default_model.embed_tokens([text])[0]
    n = len(tv.starts)
    assert n > 600 and tv.vectors.shape == (n, 384) and tv.windows == len(model_lib.token_windows(n, 254, 64))
    # Every token, none cut off (the reference tokeniser, unlike the model, does not truncate).
    assert n == len([i for w in reference_model.tokenizer._basic(text) for i in reference_model.tokenizer._wordpiece(w)])
    assert np.isfinite(tv.vectors).all() and tv.ends[-1] == len(text.rstrip())


def test_overlap_tokens_agree_with_a_single_window_run_of_the_prefix(default_model):
    text = long_note(3000, seed=3)
    full = default_model.embed_tokens([text])[0]
    size, overlap = 254, 64
    step = size - overlap
    prefix = text[: full.ends[size - 1]]  # exactly the first window's tokens, one window
    alone = default_model.embed_tokens([prefix])[0]
    assert len(alone.starts) == size and alone.windows == 1
    cos = _cosines(full.vectors[:size], alone.vectors)
    overlap_tokens = np.arange(step, size)
    far = overlap_tokens[size - 1 - overlap_tokens >= overlap // 2]
    near = overlap_tokens[size - 1 - overlap_tokens < overlap // 2]
    # Far from the first window's cut: the long text took them from that window.
    assert cos[:step].min() > 0.9999 and cos[far].min() > 0.95
    # Near the cut they came from the next window, where they have context on both sides, so
    # they differ from the prefix run, which has nothing to their right.
    assert cos[near].max() < 0.9999


def test_far_from_a_cut_a_tokens_vector_barely_depends_on_what_lies_beyond(default_model):
    # Measured context sensitivity of this model, which the windowing relies on: cut the text
    # 54 tokens after where the first window would, and tokens 32+ tokens before the cut hardly move.
    text = long_note(3000, seed=2)
    full = default_model.embed_tokens([text])[0]
    k = 200
    alone = default_model.embed_tokens([text[: full.ends[k - 1]]])[0]
    cos = _cosines(full.vectors[: k - 32], alone.vectors[: k - 32])
    assert np.median(cos) > 0.98 and np.quantile(cos, 0.1) > 0.95


def test_each_token_comes_from_its_most_central_window(default_model):
    text = paragraphs(1, seed=11)[0]
    size, overlap = 40, 12  # small windows: several of them over one paragraph
    tv = default_model.embed_tokens([text], window=size, overlap=overlap)[0]
    n = len(tv.starts)
    windows = model_lib.token_windows(n, size, overlap)
    assert len(windows) >= 3
    rows = [np.concatenate([[default_model._cls], tv.token_ids[s:e], [default_model._sep]]) for s, e, _, _ in windows]
    hidden = default_model.encode_windows(rows)
    for (s, _, a, b), h in zip(windows, hidden):
        np.testing.assert_allclose(tv.vectors[a:b], h[1 + a - s: 1 + b - s], atol=1e-5)


def test_a_texts_token_vectors_do_not_depend_on_its_batch_neighbours(default_model):
    texts = [long_note(1500, seed=5), "fever", paragraphs(1, seed=4)[0]]
    together = default_model.embed_tokens(texts, max_windows=3)
    for text, tv in zip(texts, together):
        alone = default_model.embed_tokens([text])[0]
        np.testing.assert_allclose(tv.vectors, alone.vectors, atol=1e-4)
        assert tv.starts.tolist() == alone.starts.tolist()


def test_float16_on_the_wire_loses_nothing_a_head_can_see(default_model):
    vectors = np.concatenate([t.vectors for t in default_model.embed_tokens(paragraphs(20, seed=1))])
    assert np.abs(vectors).max() < 8  # far inside float16's range
    half = vectors.astype("<f2").astype(np.float32)
    assert np.abs(half - vectors).max() < 5e-3 and _cosines(half, vectors).min() > 0.99999
