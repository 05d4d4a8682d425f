"""Reading gold in every supported format, the label mapping, the neutral flag and the errors for malformed files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.evaluation.gold import GoldFormatError, load_gold, unknown_labels
from tools.evaluation.labels import veil_type
from tools.evaluation.render import render_text_pdf

DATA = Path(__file__).parent / "data"
GOLD = DATA / "gold"


def _by_text(document):
    return {s.text: s for s in document.spans}


def test_when_i2b2_2014_xml_is_read_then_spans_have_offsets_veil_types_and_original_labels():
    [doc] = load_gold(GOLD / "i2b2" / "note-2014.xml")
    spans = _by_text(doc)
    assert doc.format == "i2b2-2014" and doc.name == "note-2014" and doc.pdf_path is None
    assert doc.text.startswith("Record date: 2067-05-03")
    assert all(doc.text[s.start:s.end] == s.text for s in doc.spans)
    assert (spans["Anna Kuznetsova"].type, spans["Anna Kuznetsova"].original_type) == ("PERSON", "PATIENT")
    assert spans["Mercy Hospital"].type == "ORGANIZATION"
    assert spans["Springfield"].type == "LOCATION"
    assert spans["4471023"].type == "ID"
    assert spans["555-201-7788"].type == "PHONE"


def test_when_i2b2_2006_xml_is_read_then_each_record_is_a_document_with_offsets_from_its_text():
    first, second = load_gold(GOLD / "i2b2" / "records-2006.xml")
    assert (first.name, second.name) == ("records-2006#11", "records-2006#12")
    assert "<PHI" not in first.text and "Omar Haddad" in first.text
    assert [(s.text, s.type) for s in first.spans] == [
        ("04/11/2070", "DATE"), ("Helen Brandt", "PERSON"), ("Omar Haddad", "PERSON"), ("730-55-19", "ID")]
    assert all(d.text[s.start:s.end] == s.text for d in (first, second) for s in d.spans)


def test_when_a_brat_pair_has_a_discontinuous_span_then_its_fragments_are_kept_and_other_lines_ignored():
    [doc] = load_gold(GOLD / "brat" / "visit.ann")
    assert len(doc.spans) == 6          # T lines only: A, R and # lines are skipped
    street = _by_text(doc)["Elm Street"]
    assert street.parts == ("Elm", "Street") and street.type == "LOCATION"
    assert doc.text[street.start:street.end] == "Elm and Oak Street"
    assert _by_text(doc)["03/04/2071"].original_type == "DATE_TIME"
    assert _by_text(doc)["Boston"].type == "LOCATION"
    assert _by_text(doc)["maria.g@example.org"].type == "EMAIL"


def test_when_veil_json_labels_a_text_note_then_its_offsets_are_used():
    [doc] = load_gold(GOLD / "veil" / "clinic.json")
    assert doc.format == "veil-text"
    assert [(s.start, s.end, s.type) for s in doc.spans][:2] == [(12, 23, "PERSON"), (27, 37, "DATE")]


def test_when_veil_json_labels_a_pdf_then_its_spans_are_page_level(tmp_path):
    (tmp_path / "scan.pdf").write_bytes(render_text_pdf("Maria Gonzalez"))
    (tmp_path / "scan.json").write_text(json.dumps(
        {"template": "x", "spans": [{"text": "Maria Gonzalez", "type": "PERSON", "page": 1}]}))
    [doc] = load_gold(tmp_path)
    assert doc.format == "veil-pdf" and doc.text is None and doc.pdf_path == tmp_path / "scan.pdf"
    [span] = doc.spans
    assert (span.page, span.start, span.located_by_offset) == (1, None, False)


def test_when_a_directory_mixes_formats_then_every_document_is_read_recursively():
    names = [d.name for d in load_gold(GOLD)]
    assert names == ["brat/visit", "i2b2/note-2014", "i2b2/records-2006#11", "i2b2/records-2006#12", "veil/clinic"]


@pytest.mark.parametrize(("label", "expected"), [
    ("PATIENT", "PERSON"), ("doctor", "PERSON"), ("USERNAME", "ID"), ("HOSPITAL", "ORGANIZATION"),
    ("Department", "ORGANIZATION"), ("location-other", "LOCATION"), ("ZIP", "LOCATION"), ("ROOM", "LOCATION"),
    ("FAX", "PHONE"), ("IPADDR", "IP"), ("HEALTHPLAN", "ID"), ("BIOID", "ID"),
    ("PERSON", "PERSON"), ("PHONE_NUMBER", "PHONE"), ("email_address", "EMAIL"), ("US_SSN", "ID"),
    ("DATE_TIME", "DATE"), ("CREDIT_CARD", "ID"), ("IP_ADDRESS", "IP"), ("URL", "URL"),
    ("ORGANIZATION", "ORGANIZATION"), ("GPE", "LOCATION"), ("PROFESSION", "PROFESSION"), ("NRP", "NRP"),
])
def test_when_a_foreign_label_is_mapped_then_it_gets_veils_type_whatever_its_case(label, expected):
    assert veil_type(label) == (expected, True)


def test_when_a_label_is_unknown_then_it_keeps_its_own_type_and_is_reported(tmp_path):
    (tmp_path / "n.txt").write_text("Rex the dog")
    (tmp_path / "n.ann").write_text("T1\tPet_Name 0 3\tRex\n")
    docs = load_gold(tmp_path)
    [span] = docs[0].spans
    assert (span.type, span.known) == ("PET_NAME", False)
    assert unknown_labels(docs) == {"Pet_Name": 1}


def test_when_professions_are_labelled_then_they_are_neutral_even_without_the_flag():
    [doc] = load_gold(GOLD / "i2b2" / "note-2014.xml")
    neutral = {s.text for s in doc.spans if s.neutral}
    assert neutral == {"nurse"}


def test_when_safe_harbor_neutral_is_asked_then_states_countries_years_and_ages_to_89_are_neutral(tmp_path):
    text = "Ages 67 and 93, born 1950 on 1950-02-03 in Ohio, Texas, TX, Poland and Salem."
    spans = [{"start": text.index(s), "end": text.index(s) + len(s), "type": t} for s, t in [
        ("67", "AGE"), ("93", "AGE"), ("1950", "DATE"), ("1950-02-03", "DATE"), ("Ohio", "STATE"),
        ("Texas", "LOCATION"), ("TX", "LOCATION"), ("Poland", "COUNTRY"), ("Salem", "CITY")]]
    (tmp_path / "n.txt").write_text(text)
    (tmp_path / "n.json").write_text(json.dumps({"spans": spans}))
    [doc] = load_gold(tmp_path, safe_harbor_neutral=True)
    assert {s.text for s in doc.spans if s.neutral} == {"67", "1950", "Ohio", "Texas", "TX", "Poland"}
    [strict] = load_gold(tmp_path)
    assert not any(s.neutral for s in strict.spans)


@pytest.mark.parametrize(("path", "where", "says"), [
    ("unclosed.xml", "unclosed.xml:6", "not well-formed XML"),
    ("bad-offset.xml", "bad-offset.xml:6", "start/end must be integers"),
    ("brat/short.ann", "short.ann:2", "outside the text"),
    ("broken.json", "broken.json:3", "not valid JSON"),
])
def test_when_a_gold_file_is_malformed_then_the_error_names_the_file_and_line(path, where, says):
    with pytest.raises(GoldFormatError) as caught:
        load_gold(DATA / "malformed" / path)
    assert where in str(caught.value) and says in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_when_brat_text_does_not_match_its_offsets_then_the_error_says_so(tmp_path):
    (tmp_path / "n.txt").write_text("Seen on 2067-05-03.")
    (tmp_path / "n.ann").write_text("T1\tDATE 8 18\t2067-05-03\nT2\tPERSON 0 4\tJohn\n")
    with pytest.raises(GoldFormatError, match=r"n\.ann:2: .*does not match"):
        load_gold(tmp_path)


def test_when_annotations_lack_their_document_then_the_error_names_the_file(tmp_path):
    (tmp_path / "lonely.ann").write_text("T1\tDATE 0 4\t2067\n")
    with pytest.raises(GoldFormatError, match="lonely.ann"):
        load_gold(tmp_path)


def test_when_a_directory_holds_no_gold_then_the_error_says_what_was_expected(tmp_path):
    (tmp_path / "readme.md").write_text("nothing here")
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(GoldFormatError, match="no gold documents"):
        load_gold(tmp_path)
