"""Scoring by the output: which gold words a real PyMuPDF redaction removed, leaks in the page text and outside it."""

from __future__ import annotations

import dataclasses

import pymupdf
import pytest

from tools.evaluation.labels import labelled_span
from tools.evaluation.render import BODY_AREA, render_text_pdf
from tools.evaluation.report import format_report, to_json
from tools.evaluation.score import aggregate, f2, precision, recall, score_document
from tools.evaluation.tests.fake_deidentifier import redact_words

NOTE = "Patient Maria Gonzalez was seen on 2067-05-03 by Dr Smith."
GOLD = [("Maria Gonzalez", "PERSON"), ("2067-05-03", "DATE"), ("Smith", "PERSON")]
# 3 of the 4 gold words and one word that is not gold.
REMOVE = {"Maria": "PERSON", "Gonzalez": "PERSON", "2067-05-03": "DATE", "seen": "DATE"}


def _spans(text: str, labelled: list[tuple[str, str]], *, neutral: set[str] = frozenset()):
    spans, cursor = [], 0
    for string, label in labelled:
        start = text.index(string, cursor)
        cursor = start + 1
        span = labelled_span(start, start + len(string), string, label)
        spans.append(dataclasses.replace(span, neutral=string in neutral))
    return spans


def _score_note(text: str, spans, remove: dict[str, str], *, typed: bool = True, **options):
    original = render_text_pdf(text, title="note")
    redacted, report = redact_words(original, remove, **options)
    return score_document(original, redacted, spans, entities=report["entities"] if typed else None,
                          name="note", text=text, area=BODY_AREA)


def test_when_three_of_four_gold_words_and_one_other_are_removed_then_recall_and_precision_are_three_quarters():
    score = _score_note(NOTE, _spans(NOTE, GOLD), REMOVE)
    c = score.counts
    assert (c.gold_tokens, c.gold_removed, c.removed_tokens, c.removed_gold) == (4, 3, 4, 3)
    assert recall(c) == 0.75 and precision(c) == 0.75
    assert f2(precision(c), recall(c)) == pytest.approx(0.75)
    assert recall(c, "PERSON") == pytest.approx(2 / 3) and recall(c, "DATE") == 1.0


def test_when_the_report_gives_entities_then_each_removed_word_takes_the_type_of_the_entity_over_it():
    c = _score_note(NOTE, _spans(NOTE, GOLD), REMOVE).counts
    assert precision(c, "PERSON") == 1.0
    assert precision(c, "DATE") == 0.5          # "seen" was called a DATE


def test_when_a_gold_string_keeps_a_readable_word_then_it_is_listed_as_leaked():
    score = _score_note(NOTE, _spans(NOTE, GOLD), REMOVE)
    assert [(leak.text, leak.type, leak.document, leak.where) for leak in score.leaks] == [
        ("Smith", "PERSON", "note", "page 1")]


def test_when_a_name_is_repeated_then_the_gold_offset_picks_the_occurrence_it_labels():
    text = "Smith called the ward. Later Mrs Smith returned."
    gold = [labelled_span(text.rindex("Smith"), text.rindex("Smith") + 5, "Smith", "PERSON")]
    original = render_text_pdf(text)
    with pymupdf.open("pdf", original) as doc:          # redact the second "Smith" only
        page = doc[0]
        last = [w for w in page.get_text("words") if w[4] == "Smith"][-1]
        page.add_redact_annot(pymupdf.Rect(last[:4]) + (0.5, 1, -0.5, -1))
        page.apply_redactions()
        redacted = doc.tobytes()
    c = score_document(original, redacted, gold, text=text, area=BODY_AREA).counts
    assert (c.gold_tokens, c.gold_removed, c.removed_tokens) == (1, 1, 1)


def test_when_one_of_two_equal_words_is_removed_then_removal_is_judged_in_place_not_by_global_search():
    text = "Smith met Smith."
    original = render_text_pdf(text)
    with pymupdf.open("pdf", original) as doc:
        page = doc[0]
        first = [w for w in page.get_text("words") if w[4].startswith("Smith")][0]
        page.add_redact_annot(pymupdf.Rect(first[:4]) + (0.5, 1, -0.5, -1))
        page.apply_redactions()
        redacted = doc.tobytes()
    score = score_document(original, redacted, _spans(text, [("Smith", "PERSON"), ("Smith", "PERSON")]),
                           text=text, area=BODY_AREA)
    assert (score.counts.gold_tokens, score.counts.gold_removed) == (2, 1)
    assert len(score.leaks) == 1


def test_when_names_wrap_across_lines_or_are_hyphenated_then_they_are_still_located():
    doc = pymupdf.open()
    page = doc.new_page()
    for y, line in ((100, "Referred by Anna Kuz-"), (114, "netsova and Maria"), (128, "Gonzalez; call 555-"),
                    (142, "1234 today.")):
        page.insert_text((72, y), line, fontsize=10)
    original = doc.tobytes()
    gold = [labelled_span(None, None, s, t, page=1)
            for s, t in (("Anna Kuznetsova", "PERSON"), ("Maria Gonzalez", "PERSON"), ("555-1234", "PHONE"))]
    redacted, _ = redact_words(original, {"Anna": "PERSON", "Kuz-": "PERSON", "netsova": "PERSON"})
    score = score_document(original, redacted, gold)
    c = score.counts
    assert (c.gold_by_type["PERSON"], c.gold_removed_by_type["PERSON"], c.gold_by_type["PHONE"]) == (5, 3, 2)
    assert not score.unlocated
    assert {leak.text for leak in score.leaks} == {"Maria Gonzalez", "555-1234"}


def test_when_neutral_words_are_kept_or_removed_then_they_count_neither_as_misses_nor_as_false_positives():
    text = "Age 67, from Ohio. Name Maria Gonzalez."
    spans = _spans(text, [("67", "AGE"), ("Ohio", "STATE"), ("Maria Gonzalez", "PERSON")], neutral={"67", "Ohio"})
    score = _score_note(text, spans, {"67": "AGE", "Maria": "PERSON", "Gonzalez": "PERSON"})
    c = score.counts
    assert (recall(c), precision(c), c.removed_tokens) == (1.0, 1.0, 2)
    assert (c.neutral_tokens, c.neutral_removed) == (2, 1)
    assert score.leaks == []


def _hide_in_metadata(doc: pymupdf.Document) -> None:
    doc.set_metadata({"author": "Maria Gonzalez"})
    doc.set_xml_metadata('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
                         '22-rdf-syntax-ns#"><rdf:Description>Seen 2067-05-03</rdf:Description></rdf:RDF>'
                         '</x:xmpmeta>')
    doc.embfile_add("notes.txt", b"MRN 4471023 on file")
    doc.set_toc([[1, "Visit of Maria Gonzalez", 1]])
    page = doc[0]
    page.add_text_annot((300, 300), "ask Maria Gonzalez about it")
    widget = pymupdf.Widget()
    widget.field_type = pymupdf.PDF_WIDGET_TYPE_TEXT
    widget.field_name = "mrn"
    widget.field_value = "4471023"
    widget.rect = pymupdf.Rect(300, 400, 400, 420)
    page.add_widget(widget)


def test_when_the_output_carries_gold_outside_the_page_text_then_metadata_leaks_name_the_place():
    text = "Patient Maria Gonzalez, MRN 4471023, seen 2067-05-03."
    spans = _spans(text, [("Maria Gonzalez", "PERSON"), ("4471023", "ID"), ("2067-05-03", "DATE")])
    score = _score_note(text, spans, {"Maria": "PERSON", "Gonzalez": "PERSON", "4471023": "ID", "2067-05-03": "DATE"},
                        also=_hide_in_metadata)
    assert score.leaks == []
    found = {(leak.text, leak.where) for leak in score.metadata_leaks}
    assert found == {
        ("Maria Gonzalez", "metadata author"), ("Maria Gonzalez", "outline"),
        ("Maria Gonzalez", "annotation on page 1"), ("4471023", "attachment 'notes.txt'"),
        ("4471023", "form field on page 1"), ("2067-05-03", "XMP metadata"),
    }


def test_when_results_are_formatted_then_the_table_shows_types_totals_and_leaks_and_json_has_the_same():
    first = _score_note(NOTE, _spans(NOTE, GOLD), REMOVE)
    second = dataclasses.replace(_score_note(NOTE, _spans(NOTE, GOLD), REMOVE), name="other")
    result = aggregate([first, second], unknown_labels={"Pet_Name": 2})
    table = format_report(result, leaks_shown=1)
    assert "PERSON" in table and "DATE" in table
    total = next(line for line in table.splitlines() if line.startswith("all (any type)"))
    assert total.split() == ["all", "(any", "type)", "8", "0.750", "8", "0.750", "0.750"]
    assert "Leaked PHI strings: 2 (first 1)" in table and "'Smith'  in note, page 1" in table
    assert "Metadata leaks: 0" in table and "Pet_Name (2)" in table
    data = to_json(result)
    assert data["total"]["recall"] == 0.75 and data["by_type"]["DATE"]["precision"] == 0.5
    assert len(data["leaks"]) == 2 and data["per_document"][1]["name"] == "other"


def test_when_the_report_has_no_entities_then_precision_is_overall_only():
    score = _score_note(NOTE, _spans(NOTE, GOLD), REMOVE, typed=False)
    result = aggregate([score])
    assert not result.typed and precision(result.counts) == 0.75
    assert "precision per type needs the report's entities" in format_report(result)


def test_when_a_gold_string_is_not_in_the_input_then_it_is_reported_unlocated_or_as_a_leak_if_the_output_shows_it():
    original = render_text_pdf("Seen by Maria Gonzalez.")
    gold = [labelled_span(None, None, "Maria Gonzalez", "PERSON", page=2),     # wrong page in the gold
            labelled_span(None, None, "Omar Haddad", "PERSON", page=1)]        # not in the document at all
    score = score_document(original, original, gold, name="scan")
    assert score.unlocated == [("Omar Haddad", "PERSON")]
    assert [(leak.text, leak.where) for leak in score.leaks] == [("Maria Gonzalez", "page 1 (not located in the input)")]
    assert "not found in the input PDF (not scored): 1, first PERSON 'Omar Haddad' in scan" in format_report(aggregate([score]))
