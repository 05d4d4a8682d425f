"""Span edges (labels trimmed off), address lines abroad, units, and the short forms of dates and signed names."""

import pytest

from services.gateway.pipeline import addresses, edges, organisations, patterns
from services.gateway.pipeline.candidates import Candidate
from services.gateway.pipeline.document import Paragraph
from services.gateway.pipeline.hybrid import PreparedParagraph, SearchOptions, search_paragraph
from services.gateway.pipeline.predict import Decision
from services.gateway.pipeline.propagation import Propagator


def _trimmed(text: str) -> str | None:
    bounds = edges.trim(text, 0, len(text))
    return None if bounds is None else text[bounds[0]:bounds[1]]


@pytest.mark.parametrize("text, expected", [
    ("DR OKAFOR", "OKAFOR"),
    ("Dr. Lindqvist", "Lindqvist"),
    ("Tel: +33 1 42 68 53 00", "+33 1 42 68 53 00"),
    ("0412 345 678 (mobile", "0412 345 678"),
    ("NOK Wróbel, Łukasz", "Wróbel, Łukasz"),
    ("for Harbour Freight Logistics Ltd", "Harbour Freight Logistics Ltd"),
    ("PESEL 84021512345", "84021512345"),
    ("77 Rue de Rivoli, 75001 Paris, tel", "77 Rue de Rivoli, 75001 Paris"),
])
def test_labels_and_cues_at_the_edges_are_trimmed_off(text, expected):
    assert _trimmed(text) == expected


@pytest.mark.parametrize("text", ["Sun Wei", "Pan Yue", "An Nguyen", "A. Brkić", "Do Thi Lan"])
def test_names_that_look_like_cue_words_are_kept_whole(text):
    assert _trimmed(text) == text


@pytest.mark.parametrize("text", ["PESEL", "Tel:", "Thu", "MRN #", "Dr."])
def test_a_span_of_labels_only_is_dropped(text):
    assert _trimmed(text) is None


def test_an_address_line_abroad_is_found_part_by_part():
    text = "Home: Dlouhá 118/7, byt 12, 602 00 Brno, Czechia; mobile +420 601 234 567"
    parts = [text[s:e] for s, e in addresses.address_lines(text)]
    assert parts == ["Dlouhá 118/7", "byt 12", "602 00 Brno"]
    assert "Czechia" not in " ".join(parts) and "mobile" not in " ".join(parts)


@pytest.mark.parametrize("text, parts", [
    # the street after a sentence and the words that lead to it; the town cut at the next sentence
    ("Sent home. Lives at Kestrel Lane 14, 3050 Wilderness. Works nights.", ["Kestrel Lane 14", "3050 Wilderness"]),
    # an organisation before the street is not part of it
    ("Pharmacy: Lékárna U Lva, Husova 212/7, 110 00 Praha 1, tel. 224 000 111",
     ["Husova 212/7", "110 00 Praha 1"]),
    # a street with an initial before its number; the town before the street
    ("Home: Ερμού Κ. 22, 105 63 Αθήνα, Greece", ["Ερμού Κ. 22", "105 63 Αθήνα"]),
    ("On file: 1051 Budapest, Október útja 6.; tel 06 1 234 5678", ["1051 Budapest", "Október útja 6."]),
    # the street's number as a part of its own; designators in Cyrillic; the postcode after the town
    ("Address: Via Giulia, 44, int. 2, 00186 Roma", ["Via Giulia", "44", "int. 2", "00186 Roma"]),
    ("Seen at home: ул. Садовая, д. 12, г. Тверь, 170100. Tel 8 (4822) 12-34-56.",
     ["ул. Садовая", "д. 12", "г. Тверь", "170100"]),
    # a header line of fields apart: the street follows the last column gap and a label with an ID before it
    ("PATIENT: Horvat, Ana, 80 years   DOB 01.02.1944   OIB 12345678903 ADDRESS: Ilica 12, stan 3, 10000 Zagreb",
     ["Ilica 12", "stan 3", "10000 Zagreb"]),
])
def test_address_lines_in_the_orders_and_scripts_of_other_countries(text, parts):
    assert [text[s:e] for s, e in addresses.address_lines(text)] == parts


def test_prose_with_numbers_between_commas_is_no_address():
    text = "He had 3 admissions, 2 in 2019, 1995 Toyota"
    assert addresses.address_lines(text) == []
    text = "Plan: aspirin 81 mg, 2 tabs daily, 100 tablets Walgreens"
    assert addresses.address_lines(text) == []
    assert addresses.address_lines("Seen 3 times, 2 in March, 2019 Ford") == []


def test_the_parts_after_a_known_location_continue_it_up_to_the_country():
    text = "Lives at Birkenweg 4, Whg. 9, 8001 Zürich, Switzerland. Works as a baker."
    end = text.index("Birkenweg 4") + len("Birkenweg 4")
    assert [text[s:e] for s, e in addresses.continuation(text, end)] == ["Whg. 9", "8001 Zürich"]


@pytest.mark.parametrize("text, unit", [
    ("moved to Bay 7 overnight", "Bay 7"), ("Room 412B", "Room 412B"), ("kv. 41", "kv. 41"),
    ("кв. 41", "кв. 41"), ("Daire 8", "Daire 8"), ("3F 305室", "305室"),
])
def test_units_in_many_languages_are_found_with_their_numbers(text, unit):
    assert [text[s:e] for s, e in addresses.units(text)] == [unit]


@pytest.mark.parametrize("text, date", [
    ("Last admission 3/17. Mother", "3/17"),
    ("Previous HbA1c 11/21: 61 mmol/mol", "11/21"),
    ("asked about the 6/2 appointment", "6/2"),
    ("lisinopril   10 mg   PO   daily   04/19  DR ADEYEMI", "04/19"),
])
def test_short_dates_with_a_cue_or_in_a_table_column_are_dates(text, date):
    assert [text[m.start:m.end] for m in patterns.find(text) if m.type == "DATE"] == [date]


@pytest.mark.parametrize("text", ["GCS   11/15   ", "pain 6/10", "BP 130/85", "strength 4/5 in all limbs"])
def test_scores_and_pressures_stay_unredacted(text):
    assert [m for m in patterns.find(text) if m.type == "DATE"] == []


@pytest.mark.parametrize("text, name", [
    ("Requested by   K. Osei, MD   Copy to", "K. Osei"),
    ("cc: M.J. Dvořák, FRCP", "M.J. Dvořák"),
    ("Ines Vukić, MBBS", "Ines Vukić"),
])
def test_signed_names_with_initials_or_other_credentials_are_names(text, name):
    assert [text[m.start:m.end] for m in patterns.find(text) if m.type == "PERSON"] == [name]


def _search(text: str, candidates: list[tuple[str, str]]) -> list[tuple[str, str]]:
    found = []
    for phrase, _label in candidates:
        start = text.index(phrase)
        found.append(Candidate(start, start + len(phrase), phrase))
    decisions = {phrase: Decision(label, 0.99, "model") for phrase, label in candidates}
    pp = PreparedParagraph(Paragraph(0, text, 1, (0, 0, 1, 1), 0), tuple(patterns.find(text)), tuple(found))
    result = search_paragraph(pp, lambda p: decisions.get(p, Decision("NONE", 1.0, "model")), Propagator(),
                              SearchOptions())
    return [(e.type, e.text) for e in result.entities]


def test_phrase_decisions_are_checked_against_their_shape_and_the_words_after_them():
    text = "Babinski sign negative, SpO2 97% on room air; seen by Amara Osei."
    entities = _search(text, [("Babinski", "PERSON"), ("SpO", "PERSON"), ("Amara Osei", "PERSON")])
    assert ("PERSON", "Amara Osei") in entities
    assert not [e for e in entities if e[1] in ("Babinski", "SpO")]


def test_titles_are_trimmed_from_phrase_decisions():
    entities = _search("Reviewed with DR HALVORSEN today.", [("DR HALVORSEN", "PERSON")])
    assert entities == [("PERSON", "HALVORSEN")]


@pytest.mark.parametrize("text, org", [
    ("spent his working life at Halvard Marine LLP. Grandson", "Halvard Marine LLP"),
    ("travel insurer Kovářík s.r.o., policy 1234", "Kovářík s.r.o."),
    ("works at Nordic Timber AS in Oslo", "Nordic Timber AS"),
    ("transferred from Tromsø sykehus", "Tromsø sykehus"),
    ("Sending: Nemocnica Prešov", "Nemocnica Prešov"),
    ("admitted to Mercy General Hospital on", "Mercy General Hospital"),
    ("Городская больница № 4, г. Тверь", "Городская больница № 4"),
    ("moved from Kantonsspital Baden yesterday", "Kantonsspital Baden"),   # one compound word for the kind
    ("seen in Kreiskrankenhaus at night", "Kreiskrankenhaus"),
])
def test_organisations_are_found_by_their_legal_form_or_the_word_for_their_kind(text, org):
    assert [text[s:e] for s, e in organisations.find(text)] == [org]


@pytest.mark.parametrize("text", ["HOSPITAL COURSE: uneventful", "Hospital Course: uneventful", "Severe AS, mild MR",
                                  "sent to the Poliklinik",
                                  "seen in Cardiology Clinic today", "Follow up in Clinic on Tuesday",
                                  "INSULIN 10 UNITS SC", "5 mL PO"])
def test_headings_departments_shorthand_and_doses_are_no_organisation_or_unit(text):
    assert organisations.find(text) == [] and addresses.units(text) == []


def test_an_age_keeps_its_unit_words_and_loses_its_label():
    text = "aged 97 years of age"
    bounds = edges.trim(text, 0, len(text), trailing=False)
    assert text[bounds[0]:bounds[1]] == "97 years of age"


def test_an_address_line_ends_at_a_rule_or_a_column_gap_even_without_a_line_break():
    text = "Home: Rua das Flores 12, 4050-262 Porto ------------------------------ RESULTS"
    assert [text[s:e] for s, e in addresses.address_lines(text)] == ["Rua das Flores 12", "4050-262 Porto"]
    end = text.index("Flores 12") + len("Flores 12")
    assert [text[s:e] for s, e in addresses.continuation(text, end)] == ["4050-262 Porto"]


def test_a_rule_span_replaces_a_models_guess_about_the_same_words():
    text = "Jalovec 278/45, byt 34, 851 71 Budyně nad Ohří"
    entities = _search(text, [("Jalovec", "PERSON"), ("Budyně", "PERSON")])
    assert ("LOCATION", "Jalovec 278/45") in entities and ("LOCATION", "851 71 Budyně nad Ohří") in entities
    assert not [e for e in entities if e[0] == "PERSON"]


def test_a_unit_inside_an_address_already_found_leaves_the_address_whole():
    text = "Patient resides at 0161 Donaldson Causeway Suite 803, Port Nicolefurt, LA 58703 and was seen."
    entities = _search(text, [])
    assert [e for e in entities if e[0] == "LOCATION" and "Donaldson Causeway Suite 803" in e[1]]
    assert ("LOCATION", "Suite 803") not in entities


def test_an_address_written_one_part_to_a_line_is_found_line_by_line():
    lines = ["Sending: Spital Nord", "Dornacherstrasse 41", "4053 Basel", "Switzerland", "Room 12", "Bed 2",
             "Seen 3 times", "2019 Ford"]
    assert [(i, lines[i][s:e]) for i, s, e in addresses.address_blocks(lines)] == [
        (1, "Dornacherstrasse 41"), (2, "4053 Basel")]


@pytest.mark.parametrize("text, found, name", [
    ("salbutamol 100 mcg PRN 5/16  E. Koch (Reg.)", "Koch", "E. Koch"),              # initials before
    ("Result phoned to Hanna B. van der Berg at 1900", "Hanna B.", "Hanna B. van der Berg"),  # particles after
    ("KOWALCZYK Irena | 1 May 1950 | MRN 12345", "Irena", "KOWALCZYK Irena"),       # a surname in capitals
])
def test_a_name_is_widened_over_its_initials_particles_and_capitalised_surname(text, found, name):
    assert ("PERSON", name) in _search(text, [(found, "PERSON")])


def test_a_clinical_abbreviation_or_a_label_before_a_name_is_not_its_surname():
    assert ("PERSON", "Irena") in _search("PRN Irena to give", [("Irena", "PERSON")])
