"""Candidate phrases: capitalised runs and unclaimed numbers, with the span to redact apart from the text to classify."""

import pytest

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
    text = "Badge seal 44321 noted. BP 120/80, Metformin 500 mg."
    # "BP" and "Metformin" used to be candidates too: a clinical abbreviation and a drug name are not
    # names, and proposing them is how they came to be redacted as people.
    assert spans(text) == [("Badge", "Badge"), ("44321", "Badge seal 44321")]


def test_long_runs_are_split_into_short_phrases():
    text = "ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT"
    assert [s for s, _ in spans(text)] == ["ONE TWO THREE FOUR FIVE SIX", "SEVEN EIGHT"]


def test_a_reversed_name_around_a_comma_is_one_candidate():
    text = "The patient, STAFFORD, CYNTHIA, was brought in. Gonzalez, Maria signed."
    assert [s for s, _ in spans(text)] == ["STAFFORD, CYNTHIA", "Gonzalez, Maria"]


def test_labels_next_to_a_name_are_not_part_of_it():
    text = "STAFFORD, CYNTHIA Acct 123 and Referral for Lisa Fielding DOB on file; Dear Fr. Kim Choi, thanks."
    assert [s for s, _ in spans(text)] == ["STAFFORD, CYNTHIA", "Lisa Fielding", "Kim Choi"]


# -- names in any script -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "Dvořák", "Łukasz Wróbel", "Đorđević", "Ólafsdóttir", "Παπαδόπουλος", "Кузнецова", "Brkić",
    "Nguyễn Thị Minh", "Øyvind Sæther", "José García",
    "Jose\u0301 Garci\u0301a",   # decomposed accents: the combining mark stays inside the word
])
def test_names_with_letters_outside_latin_1_or_in_other_scripts_are_whole_candidates(name):
    text = f"The family of {name} was informed."
    assert [s for s, _ in spans(text)] == [name]


def test_a_word_of_a_script_without_case_is_a_candidate():
    assert [s for s, _ in spans("The interpreter for 王秀英 and محمد علي came.")] == ["王秀英", "محمد علي"]


def test_a_lower_case_word_of_any_script_does_not_start_a_candidate():
    assert spans("пациентка жалуется на боль, ο ασθενής, la paciente.") == []


def test_more_connectors_and_titles_of_other_languages_keep_a_name_whole():
    text = "Seen with João dos Santos and Herr Müller zu Berg."
    assert [s for s, _ in spans(text)] == ["João dos Santos", "Müller zu Berg"]


# -- clinical shorthand and drugs are not names --------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Continue PO BID PRN.", "Status post CABG.", "ECG shows RBBB.", "Increasing SOB, MIBI negative.",
    "History: HTN, NIDDM, CHF.", "ZOCOR 20 mg daily.", "Lipitor was stopped.", "Holding Coumadin tonight.",
])
def test_runs_made_only_of_clinical_abbreviations_or_drug_names_are_not_candidates(text):
    words = {w for s, _ in spans(text) for w in s.split()}
    shorthand = {"PO", "BID", "PRN", "CABG", "RBBB", "SOB", "MIBI", "HTN", "NIDDM", "CHF", "ZOCOR", "Lipitor",
                 "Coumadin"}
    assert not words & shorthand, spans(text)


def test_a_drug_or_long_abbreviation_at_the_edge_of_a_run_is_left_out_of_it():
    assert [s for s, _ in spans("Continue ZOCOR and see Maria Gonzalez CABG team.")] == ["Continue", "Maria Gonzalez"]


def test_names_that_are_also_drug_names_or_abbreviations_stay_candidates():
    # "Allegra" is a brand of fexofenadine and a given name, "ED" and "DOE" are shorthand and names: names win
    # (Faker's name lists are subtracted). Abbreviations match only in the case listed ("Pa" is not "PA"), and a
    # two-letter one stays at a run's edge unless shorthand is next to it: "PA JONES" may be Pa Jones.
    text = "Allegra called. Seen in ED by JANE DOE. PA JONES signed; Pa Jones too; Continue PO BID."
    assert [s for s, _ in spans(text)] == ["Allegra", "ED", "JANE DOE", "PA JONES", "Pa Jones", "Continue"]


def test_no_clinical_abbreviation_is_also_a_given_name_or_surname():
    from services.gateway.pipeline.clinical_terms import CLINICAL_ABBREVIATIONS
    from services.gateway.pipeline.vocabulary import _person_names

    names = _person_names()
    assert not {a for a in CLINICAL_ABBREVIATIONS if a.casefold() in names}


def test_the_clinical_vocabulary_is_loaded_once_and_looked_up_by_case_rules():
    from services.gateway.pipeline import vocabulary

    assert vocabulary.is_clinical_term("ZOCOR") and vocabulary.is_clinical_term("zocor")
    assert vocabulary.is_clinical_term("simvastatin") and vocabulary.is_clinical_term("CABG")
    assert not vocabulary.is_clinical_term("Cabg") and not vocabulary.is_clinical_term("ED")
    assert not vocabulary.is_clinical_term("Maria") and not vocabulary.is_clinical_term("Allegra")
    assert len(vocabulary.drug_names()) > 10000
    assert vocabulary.drug_names() is vocabulary.drug_names()
