"""Evaluating a de-identifier over a whole gold directory: notes rendered, PDFs passed as they are, failures listed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pymupdf

from tools.evaluation.render import render_text_pdf
from tools.evaluation.report import to_json
from tools.evaluation.run import PYMUPDF_LOCK, evaluate_gold
from tools.evaluation.score import precision, recall
from tools.evaluation.tests.fake_deidentifier import redacting

GOLD = Path(__file__).parent / "data" / "gold"


def _gold_with_a_pdf(tmp_path: Path) -> Path:
    folder = tmp_path / "gold"
    shutil.copytree(GOLD, folder)
    (folder / "scan.pdf").write_bytes(render_text_pdf("Page one names Maria Gonzalez."))
    (folder / "scan.json").write_text(json.dumps({"spans": [{"text": "Maria Gonzalez", "type": "PERSON", "page": 1}]}))
    return folder


def _remove_everything(pdf: bytes) -> tuple[bytes, dict]:
    with PYMUPDF_LOCK, pymupdf.open("pdf", pdf) as doc:
        for page in doc:
            page.add_redact_annot(page.rect)
            page.apply_redactions()
        return doc.tobytes(), {}


def test_when_nothing_is_removed_then_recall_is_zero_and_every_gold_string_leaks(tmp_path):
    result = evaluate_gold(_gold_with_a_pdf(tmp_path), lambda pdf: (pdf, {"entities": []}))
    assert len(result.documents) == 6 and not result.errors
    assert recall(result.counts) == 0.0 and precision(result.counts) is None
    assert {(leak.document, leak.text) for leak in result.leaks} >= {
        ("scan", "Maria Gonzalez"), ("brat/visit", "Elm Street"), ("i2b2/note-2014", "Anna Kuznetsova"),
        ("i2b2/records-2006#12", "(617) 555-0199"), ("veil/clinic", "https://portal.example.org/ruth")}
    assert "nurse" not in {leak.text for leak in result.leaks}     # professions are neutral
    assert all(not d.unlocated for d in result.documents)


def test_when_everything_is_removed_then_recall_is_one_and_nothing_leaks(tmp_path):
    result = evaluate_gold(_gold_with_a_pdf(tmp_path), _remove_everything)
    assert recall(result.counts) == 1.0 and result.leaks == [] and not result.typed
    assert 0 < precision(result.counts) < 1


def test_when_safe_harbor_neutral_is_asked_then_kept_states_years_and_ages_are_not_leaks(tmp_path):
    keep_neutral = redacting({w: "X" for w in ("Anna", "Kuznetsova", "2067-05-03", "Springfield", "Paul", "Dvorak",
                                              "Mercy", "Hospital", "555-201-7788", "4471023")})
    result = evaluate_gold(GOLD / "i2b2" / "note-2014.xml", keep_neutral, safe_harbor_neutral=True)
    assert recall(result.counts) == 1.0 and result.leaks == []
    strict = evaluate_gold(GOLD / "i2b2" / "note-2014.xml", keep_neutral)
    assert {leak.text for leak in strict.leaks} == {"67", "MA", "Poland", "2051"}


def test_when_the_deidentifier_fails_on_a_document_then_it_is_listed_and_the_others_are_scored(tmp_path):
    def picky(pdf: bytes) -> tuple[bytes, dict]:
        with PYMUPDF_LOCK, pymupdf.open("pdf", pdf) as doc:
            if "Okafor" in doc[0].get_text():
                raise RuntimeError("rejected: too many pages")
        return pdf, {"entities": []}

    result = evaluate_gold(GOLD, picky)
    assert result.errors == [("veil/clinic", "RuntimeError: rejected: too many pages")]
    assert to_json(result)["scored"] == 4


def test_when_two_workers_run_then_the_result_equals_one_workers(tmp_path):
    deidentify = redacting({"Maria": "PERSON", "Gonzalez": "PERSON", "seen": "DATE", "Boston": "LOCATION"})
    one = to_json(evaluate_gold(GOLD, deidentify))
    two = to_json(evaluate_gold(GOLD, deidentify, workers=2))
    assert one == two and one["total"]["removed_tokens"] > 0


def test_when_the_output_is_not_a_pdf_then_the_document_is_listed_as_not_scored():
    result = evaluate_gold(GOLD / "veil" / "clinic.json", lambda pdf: (b"<html>oops</html>", {}))
    [(name, error)] = result.errors
    assert name == "clinic" and error == "the output for clinic is not a PDF but HTML5"
