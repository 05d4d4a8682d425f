"""Propagation: a name found once is found again in its partial and variant forms; other types as exact repeats."""

from services.gateway.pipeline.propagation import Propagator


def forms(propagator, text):
    return [(text[f.start:f.end], f.form) for f in propagator.find(text)]


def test_a_full_name_is_found_again_as_title_surname_initial_upper_case_and_first_name():
    p = Propagator()
    p.remember("Maria Gonzalez", "PERSON", 0.9)
    text = ("Ms. Gonzalez was stable. M. Gonzalez's labs. GONZALEZ, MARIA signed. Maria agreed. "
            "Maria G. left. GONZALEZ called.")
    assert forms(p, text) == [("Gonzalez", "surname"), ("M. Gonzalez", "initial"), ("GONZALEZ, MARIA", "reversed"),
                              ("Maria", "first"), ("Maria G.", "initial"), ("GONZALEZ", "surname")]


def test_variant_forms_score_below_the_original():
    p = Propagator()
    p.remember("Maria Gonzalez", "PERSON", 0.9)
    found = {f.form: f.score for f in p.find("Maria Gonzalez and Ms. Gonzalez")}
    assert found["full"] == 0.9 and found["surname"] < 0.9


def test_lower_case_words_and_other_names_are_not_matched():
    p = Propagator()
    p.remember("Rose Brown", "PERSON", 0.95)
    assert forms(p, "brown discharge, roses, Browning and Mr. Brownstein") == []
    assert forms(p, "Mrs. Brown") == [("Brown", "surname")]


def test_a_hyphenated_surname_is_found_by_its_parts():
    p = Propagator()
    p.remember("John Smith-Jones Jr.", "PERSON", 0.95)
    assert forms(p, "Mr. Jones and John Smith-Jones") == [("Jones", "surname"), ("John Smith-Jones", "full")]


def test_other_types_are_propagated_as_exact_repeats_in_any_case_and_spacing():
    p = Propagator()
    p.remember("Springfield General Hospital", "ORGANIZATION", 0.8)
    text = "Back to SPRINGFIELD GENERAL  HOSPITAL; not Springfield General."
    assert forms(p, text) == [("SPRINGFIELD GENERAL  HOSPITAL", "exact")]
