"""Candidate phrases: capitalised runs and unclaimed numbers, with the span to redact apart from the text to classify."""

from services.gateway.pipeline import candidates, patterns


def spans(text):
    return [(text[c.start:c.end], c.text) for c in candidates.extract(text, patterns.find(text))]


def test_names_organisations_and_places_are_candidates_without_the_words_around_them():
    text = "Patient Maria Gonzalez was seen at St. Mary's Hospital in Lake Amy."
    assert spans(text) == [("Maria Gonzalez", "Maria Gonzalez"), ("St. Mary's Hospital", "St. Mary's Hospital"),
                           ("Lake Amy", "Lake Amy")]


def test_a_title_is_sent_to_the_model_but_not_redacted():
    text = "Results were discussed with Fr. Ortega today."
    assert ("Ortega", "Fr. Ortega") in spans(text)


def test_names_keep_their_connectors_initials_and_hyphens():
    text = "Maria de la Cruz met John Smith-Jones, then Maria G. left; Johnson & Johnson paid."
    assert [s for s, _ in spans(text)] == ["Maria de la Cruz", "John Smith-Jones", "Maria G.", "Johnson & Johnson"]


def test_a_possessive_is_not_part_of_the_name():
    text = "M. Gonzalez's daughter called."
    assert spans(text) == [("M. Gonzalez", "M. Gonzalez")]


def test_spans_a_pattern_matched_are_not_asked_again():
    text = "Seen by Dr. Alan Turing on March 3, 2021 at 4321 Maria Mills Apt. 5."
    assert spans(text) == []


def test_unclaimed_numbers_go_with_the_words_before_them_and_measurements_do_not():
    text = "Badge ref 44321 noted. BP 120/80, Metformin 500 mg."
    assert spans(text) == [("Badge", "Badge"), ("44321", "Badge ref 44321"), ("BP", "BP"),
                           ("Metformin", "Metformin")]


def test_long_runs_are_split_into_short_phrases():
    text = "ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT"
    assert [s for s, _ in spans(text)] == ["ONE TWO THREE FOUR FIVE SIX", "SEVEN EIGHT"]


def test_a_reversed_name_around_a_comma_is_one_candidate():
    text = "The patient, STAFFORD, CYNTHIA, was brought in. Gonzalez, Maria signed."
    assert [s for s, _ in spans(text)] == ["STAFFORD, CYNTHIA", "Gonzalez, Maria"]


def test_labels_next_to_a_name_are_not_part_of_it():
    text = "STAFFORD, CYNTHIA Acct 123 and Referral for Lisa Fielding DOB on file; Dear Fr. Kim Choi, thanks."
    assert [s for s, _ in spans(text)] == ["STAFFORD, CYNTHIA", "Lisa Fielding", "Kim Choi"]
