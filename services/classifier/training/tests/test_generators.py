"""The seeded generators: reproducible, every class present, a large realistic NONE class, enough variety."""

from __future__ import annotations

import collections
import re

import pytest

from tools.synthetic import phi_data, phrase_data, vocab


@pytest.fixture(scope="module")
def phi_rows():
    return phi_data.generate(6000, seed=13)


def test_when_seeded_twice_then_the_phi_rows_are_identical(phi_rows):
    assert phi_data.generate(6000, seed=13) == phi_rows


def test_when_the_seed_changes_then_the_values_change(phi_rows):
    other = phi_data.generate(6000, seed=14)
    person = {r.text for r in phi_rows if r.label == "PERSON"}
    other_person = {r.text for r in other if r.label == "PERSON"}
    assert len(person & other_person) < 0.2 * len(person)


def test_every_agreed_label_is_generated_and_none_is_the_largest_class(phi_rows):
    counts = collections.Counter(r.label for r in phi_rows)
    assert set(counts) == {"PERSON", "DATE", "AGE", "PHONE", "EMAIL", "ID", "LOCATION", "URL", "IP",
                           "ORGANIZATION", "NONE"}
    assert counts.most_common(1)[0][0] == "NONE"
    assert counts["NONE"] > 0.3 * len(phi_rows)


def test_the_none_class_holds_drugs_diagnoses_units_sections_and_capitalised_words(phi_rows):
    none = [r for r in phi_rows if r.label == "NONE"]
    kinds = collections.Counter(r.template.split(":")[1] for r in none)
    for kind in ("drug", "drug_dose", "diagnosis", "measurement", "section", "common", "title_words"):
        assert kinds[kind] > 0, kind
    texts = {r.text for r in none}
    assert any(re.search(r"\d+ ?(mg|mcg|units)\b", t) for t in texts)
    assert texts & set(vocab.DRUGS) and texts & set(vocab.DIAGNOSES) and texts & set(vocab.SECTIONS)


def test_each_entity_type_comes_in_many_formats_with_few_repeated_values(phi_rows):
    for label in ("PERSON", "DATE", "PHONE", "ID", "LOCATION", "ORGANIZATION", "EMAIL"):
        rows = [r for r in phi_rows if r.label == label]
        assert len({r.template for r in rows}) >= 8, label
        assert len({r.text for r in rows}) > 0.8 * len(rows), label


def test_only_ages_over_89_are_age_and_younger_ages_are_none(phi_rows):
    for r in phi_rows:
        if r.label == "AGE" or r.template == "NONE:young_age":
            age = int(re.search(r"\d+", r.text).group())
            assert (age > 89) == (r.label == "AGE"), r


def test_every_row_carries_the_clinical_sentence_it_came_from(phi_rows):
    assert all(r.text in r.context for r in phi_rows)


def test_the_general_set_has_about_190_imbalanced_classes():
    rows = phrase_data.generate(20000, seed=29)
    counts = collections.Counter(r.label for r in rows)
    assert len(counts) >= 150
    assert len(phrase_data.classes()) == 190
    assert max(counts.values()) >= 10 * min(counts.values())
    assert phrase_data.generate(20000, seed=29) == rows
    assert len({r.text for r in rows}) > 0.4 * len(rows)


def test_when_too_few_rows_are_asked_for_then_the_generator_says_so():
    with pytest.raises(ValueError, match="at least 11"):
        phi_data.generate(5)
