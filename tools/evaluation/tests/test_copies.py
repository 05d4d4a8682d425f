"""Scanned and OCR'd copies of a note, and scoring a de-identifier on them by what OCR reads before and after."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pymupdf
import pytest

from tools.evaluation.copies import ocr_copy, scanned_copy
from tools.evaluation.labels import labelled_span
from tools.evaluation.pixels import read_flags
from tools.evaluation.render import BODY_AREA, PAGE_HEIGHT, PAGE_WIDTH, render_text_pdf
from tools.evaluation.report import copies_to_json, format_copies
from tools.evaluation.results import Counts, DocumentScore, aggregate
from tools.evaluation.run import evaluate_gold
from tools.evaluation.score import precision, recall, score_document
from tools.evaluation.tests.fake_deidentifier import black_out
from tools.evaluation.words import Word

GOLD = Path(__file__).parent / "data" / "gold"
NOTE = "Patient Maria Gonzalez was seen on 2067-05-03 by Dr Smith."


def _spans(labelled: list[tuple[str, str]]):
    return [labelled_span(NOTE.index(s), NOTE.index(s) + len(s), s, label) for s, label in labelled]


@pytest.fixture(scope="module")
def note() -> bytes:
    return render_text_pdf(NOTE, title="note")


@pytest.fixture(scope="module")
def gonzalez(note) -> dict[int, list]:
    with pymupdf.open("pdf", note) as doc:
        return {1: doc[0].search_for("Gonzalez")}


def _images_cover_the_page(page: pymupdf.Page) -> bool:
    return any(pymupdf.Rect(info["bbox"]) == page.rect for info in page.get_image_info())


def test_when_a_scanned_copy_is_made_then_its_pages_are_page_sized_images_with_no_text(note):
    with pymupdf.open("pdf", scanned_copy(note)) as doc:
        assert doc.page_count == 1
        page = doc[0]
        assert (page.rect.width, page.rect.height) == (PAGE_WIDTH, PAGE_HEIGHT)
        assert _images_cover_the_page(page) and page.get_text().strip() == ""


def test_when_an_ocr_copy_is_made_then_an_invisible_text_layer_reads_the_note_over_the_image(note):
    with pymupdf.open("pdf", ocr_copy(note)) as doc:
        page = doc[0]
        assert _images_cover_the_page(page)
        assert {"Gonzalez", "Smith."} <= {w[4] for w in page.get_text("words")}
        assert {span["type"] for span in page.get_texttrace()} == {3}     # render mode 3: invisible


def test_when_ocr_spells_punctuation_or_joins_words_otherwise_then_the_word_is_still_read_in_place():
    words = [Word(1, (10, 10, 40, 20), "Smith,", (0, 0)), Word(1, (50, 10, 80, 20), "Maria", (0, 0)),
             Word(1, (90, 10, 120, 20), "Jones", (0, 0))]
    seen = [Word(1, (10, 11, 39, 20), "Smith.", (0, 0)), Word(1, (49, 10, 130, 20), "MariaJones", (0, 0))]
    assert read_flags(words, seen) == [True, True, True]
    moved = [dataclasses.replace(w, box=(300, 300, 330, 310)) for w in seen]
    assert read_flags(words, moved) == [False, False, False]


@pytest.mark.parametrize("make", [scanned_copy, ocr_copy], ids=["scanned", "ocr"])
def test_when_one_gold_word_is_blacked_out_in_the_pixels_then_only_it_is_removed(note, gonzalez, make):
    given = make(note)
    redacted, _ = black_out(given, gonzalez)
    score = score_document(note, redacted, _spans([("Gonzalez", "PERSON"), ("2067-05-03", "DATE")]), name="note",
                           text=NOTE, area=BODY_AREA, given=given)
    c = score.counts
    assert recall(c, "PERSON") == 1.0 and recall(c, "DATE") == 0.0
    assert (c.removed_tokens, precision(c), c.unreadable_tokens) == (1, 1.0, 0)
    assert c.tokens == len(NOTE.split())
    assert [leak.text for leak in score.leaks] == ["2067-05-03"]


def test_when_an_ocr_copy_keeps_a_blacked_out_word_in_its_text_layer_then_the_word_is_not_removed(note, gonzalez):
    given = ocr_copy(note)
    redacted, _ = black_out(given, gonzalez, text_layer=False)
    score = score_document(note, redacted, _spans([("Gonzalez", "PERSON")]), name="note", text=NOTE,
                           area=BODY_AREA, given=given)
    assert score.counts.gold_removed == 0 and [leak.text for leak in score.leaks] == ["Gonzalez"]


def test_when_the_input_copy_is_unreadable_then_its_words_count_neither_way(note, gonzalez):
    given, _ = black_out(scanned_copy(note), gonzalez)     # the scan itself lost the word
    score = score_document(note, given, _spans([("Gonzalez", "PERSON")]), name="note", text=NOTE,
                           area=BODY_AREA, given=given)
    c = score.counts
    assert (c.unreadable_tokens, c.unreadable_gold, c.gold_tokens, c.removed_tokens) == (1, 1, 0, 0)
    assert score.leaks == []


def _result(copy: str, gold: int, removed: int):
    return aggregate([DocumentScore("d", Counts(tokens=100, gold_tokens=gold, gold_removed=removed))], copy=copy)


def test_when_several_copies_are_run_then_each_image_copy_s_recall_is_compared_with_the_born_digital_one():
    results = {"born-digital": _result("born-digital", 100, 95), "scanned": _result("scanned", 90, 84),
               "ocr": _result("ocr", 100, 96)}
    text = format_copies(results)
    assert "Gold evaluation by output, scanned copies: 1 documents" in text
    assert text.endswith("recall scanned - born-digital: -0.017\nrecall ocr - born-digital: +0.010")
    figures = copies_to_json(results)
    assert figures["recall_minus_born_digital"] == {"scanned": -0.0167, "ocr": 0.01}
    assert figures["copies"]["scanned"]["copy"] == "scanned"


def test_when_gold_is_evaluated_on_scanned_copies_then_the_de_identifier_gets_images_and_keeps_everything():
    given_text = []

    def keep_everything(pdf: bytes) -> tuple[bytes, dict]:
        with pymupdf.open("pdf", pdf) as doc:
            given_text.append(doc[0].get_text().strip())
        return pdf, {"entities": []}

    result = evaluate_gold(GOLD / "brat" / "visit.ann", keep_everything, copy="scanned")
    assert given_text == [""] and result.copy == "scanned" and not result.errors
    assert recall(result.counts) == 0.0 and result.counts.gold_tokens >= 8
    assert "Maria Gonzalez" in {leak.text for leak in result.leaks}
