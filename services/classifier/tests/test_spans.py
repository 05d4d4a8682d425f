"""The token-head rules shared by the service and training: features with neighbours, one label per word,
runs of tokens into spans, spans into token labels."""

from __future__ import annotations

import re

import numpy as np

from services.classifier import spans

LABELS = ["O", "PERSON", "PHONE", "EMAIL"]


def _tokens(text: str, pattern: str = r"\w+|[^\w\s]") -> tuple[np.ndarray, np.ndarray]:
    found = list(re.finditer(pattern, text))
    return np.array([m.start() for m in found], np.int32), np.array([m.end() for m in found], np.int32)


def _probabilities(ids: list[int], sure: float = 0.9) -> np.ndarray:
    p = np.full((len(ids), len(LABELS)), (1 - sure) / (len(LABELS) - 1), np.float32)
    p[np.arange(len(ids)), ids] = sure
    return p


def test_consecutive_tokens_of_one_type_make_one_span_scored_by_their_mean_probability():
    text = "Call Anna Novak at 555 0100 today"
    starts, ends = _tokens(text)
    p = _probabilities([0, 1, 1, 0, 2, 2, 0])
    p[2] = [0.2, 0.7, 0.05, 0.05]
    found = spans.decode(LABELS, p, starts, ends, text)
    assert [(text[s["start"]:s["end"]], s["type"]) for s in found] == [("Anna Novak", "PERSON"), ("555 0100", "PHONE")]
    assert found[0]["score"] == round((0.9 + 0.7) / 2, 6)


def test_the_pieces_of_a_word_share_one_label_but_punctuation_at_its_edges_stays_alone():
    text = "(Κατερίνη), anna.novak@mail.gr."
    # WordPiece-like pieces: the Greek word in three, the address in seven, punctuation alone.
    cuts = [(0, 1), (1, 6), (6, 8), (8, 9), (9, 10), (10, 11), (12, 16), (16, 17), (17, 22), (22, 23), (23, 27),
            (27, 28), (28, 30), (30, 31)]
    starts, ends = np.array([c[0] for c in cuts]), np.array([c[1] for c in cuts])
    units = spans.word_units(text, starts, ends)
    assert units.tolist() == [0, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 5]
    ids = [0, 1, 3, 1, 0, 0, 3, 3, 1, 3, 3, 3, 3, 0]  # the pieces disagree; the word's mean decides
    found = spans.decode(LABELS, _probabilities(ids), starts, ends, text)
    assert [(text[s["start"]:s["end"]], s["type"]) for s in found] == [("Κατερίνη", "PERSON"),
                                                                      ("anna.novak@mail.gr", "EMAIL")]


def test_characters_of_scripts_without_spaces_are_never_joined_into_one_word():
    text = "田中様は東京"
    starts, ends = np.arange(6), np.arange(1, 7)
    assert spans.word_units(text, starts, ends).tolist() == [0, 1, 2, 3, 4, 5]
    found = spans.decode(LABELS, _probabilities([1, 1, 0, 0, 0, 0]), starts, ends, text)
    assert [(text[s["start"]:s["end"]], s["type"]) for s in found] == [("田中", "PERSON")]


def test_a_text_without_tokens_has_no_spans():
    empty = np.zeros(0, np.int32)
    assert spans.decode(LABELS, np.zeros((0, 4), np.float32), empty, empty, "") == []
    assert spans.word_units("", empty, empty).tolist() == []


def test_a_token_that_touches_a_span_takes_its_type_and_unknown_types_stay_outside():
    text = "Dr. Novak's MRN 123456 in Room 4B"
    starts, ends = _tokens(text)
    labelled = [{"start": 4, "end": 9, "type": "PERSON"}, {"start": 16, "end": 20, "type": "PHONE"},
                {"start": 26, "end": 33, "type": "LOCATION"}]
    ids = spans.token_label_ids(starts, ends, labelled, {"O": 0, "PERSON": 1, "PHONE": 2}, 0)
    words = [text[s:e] for s, e in zip(starts, ends)]
    assert dict(zip(words, ids.tolist())) == {"Dr": 0, ".": 0, "Novak": 1, "'": 0, "s": 0, "MRN": 0, "123456": 2,
                                              "in": 0, "Room": 0, "4B": 0}


def test_features_hold_each_token_then_its_neighbours_and_never_cross_into_another_text():
    vectors = np.arange(5, dtype=np.float16).reshape(5, 1) + 1  # tokens 1..5; text A = 1,2,3 and text B = 4,5
    text_of = np.array([0, 0, 0, 1, 1])
    features = spans.with_context(vectors, text_of, np.arange(5), 1)
    assert features.dtype == np.float32 and features.shape == (5, spans.input_width(1, 1))
    assert features.tolist() == [[1, 0, 2], [2, 1, 3], [3, 2, 0], [4, 0, 5], [5, 4, 0]]
    assert spans.with_context(vectors, text_of, np.array([4, 0]), 2).tolist() == [[5, 4, 0, 0, 0], [1, 0, 2, 0, 3]]
    assert spans.with_context(vectors, text_of, np.array([2]), 0).tolist() == [[3]]
