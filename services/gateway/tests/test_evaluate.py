"""Scoring of the evaluation: per-type precision and recall by overlap, and redaction recall on the output text."""

import pytest

from tools.gateway.evaluate import score_document

PARAGRAPHS = [{"page": 1, "text": "Patient STAFFORD, CYNTHIA seen on 03/14/2021 at Munoz General Hospital."},
              {"page": 2, "text": "Ms. Stafford was called at 555-123-4567 by Dr. Owen."}]
SPANS = [{"text": "STAFFORD, CYNTHIA", "type": "PERSON", "page": 1}, {"text": "03/14/2021", "type": "DATE", "page": 1},
         {"text": "Munoz General Hospital", "type": "ORGANIZATION", "page": 1},
         {"text": "Stafford", "type": "PERSON", "page": 2}, {"text": "555-123-4567", "type": "PHONE", "page": 2},
         {"text": "Owen", "type": "PERSON", "page": 2}]


def entity(paragraph, needle, type_, texts=PARAGRAPHS):
    start = texts[paragraph]["text"].index(needle)
    return {"paragraph": paragraph, "start": start, "end": start + len(needle), "type": type_}


def test_overlap_of_the_right_type_counts_and_two_entities_on_one_name_are_both_right():
    entities = [entity(0, "STAFFORD", "PERSON"), entity(0, "CYNTHIA", "PERSON"), entity(0, "03/14/2021", "DATE"),
                entity(0, "Munoz General Hospital", "LOCATION"), entity(1, "Stafford", "PERSON"),
                entity(1, "555-123-4567", "PHONE"), entity(1, "called", "PERSON")]
    scores = score_document(PARAGRAPHS, entities, SPANS, output_text="Patient Owen seen. Ms. was called.").as_dict()
    person = scores["by_type"]["PERSON"]
    assert (person["tp"], person["fp"], person["found"], person["fn"]) == (3, 1, 2, 1)  # "Owen" missed
    assert scores["by_type"]["ORGANIZATION"]["recall"] == 0.0
    assert scores["by_type"]["LOCATION"]["precision"] == 0.0
    assert scores["any_phi"]["recall"] == pytest.approx(5 / 6, abs=1e-4)
    # Only "Owen" is still in the output: 5 of the 6 labelled strings are gone.
    assert scores["redaction_recall"] == pytest.approx(5 / 6, abs=1e-4)


def test_ligatures_and_line_breaks_do_not_hide_a_labelled_string():
    paragraphs = [{"page": 1, "text": "Seen by Dr. Whit\ufb01eld\ntoday."}]
    spans = [{"text": "Whitfield", "type": "PERSON", "page": 1}]
    scores = score_document(paragraphs, [], spans, output_text="Seen by Dr. Whit\ufb01eld today.").as_dict()
    assert scores["unlocated"] == 0 and scores["by_type"]["PERSON"]["fn"] == 1
    assert scores["redaction_recall"] == 0.0
