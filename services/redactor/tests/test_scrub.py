"""Scrubbing: metadata, XMP, annotations, links, outlines, embedded files, form fields and JavaScript are gone."""

from __future__ import annotations

import pymupdf
import pytest

from services.redactor.redact import redact
from services.redactor.tests import pdfs

PHI = "Maria Gonzalez"


@pytest.fixture(scope="module")
def scrubbed():
    source = pdfs.rich_pdf(PHI)
    out, report = redact(source, [{"page": 1, "text": PHI, "type": "PERSON"}])
    return source, out, report


def test_the_source_really_carries_the_phi_in_every_place(scrubbed):
    source, _, _ = scrubbed
    doc = pymupdf.open("pdf", source)
    page = doc[0]
    assert doc.metadata["author"] == PHI and PHI in doc.get_xml_metadata()
    assert len(list(page.annots())) == 2 and len(page.get_links()) == 1 and len(list(page.widgets())) == 1
    assert doc.get_toc() and doc.embfile_count() == 1
    assert "JavaScript" in doc.xref_object(doc.xref_get_key(doc.pdf_catalog(), "OpenAction")[1].split()[0] and
                                           int(doc.xref_get_key(doc.pdf_catalog(), "OpenAction")[1].split()[0]))


def test_every_place_besides_the_page_text_is_emptied(scrubbed):
    _, out, report = scrubbed
    doc = pymupdf.open("pdf", out)
    page = doc[0]
    assert not any(v for k, v in doc.metadata.items() if k not in ("format", "encryption"))
    assert doc.get_xml_metadata() == ""
    assert list(page.annots()) == [] and page.get_links() == [] and list(page.widgets()) == []
    assert doc.get_toc() == [] and doc.embfile_count() == 0
    catalog = doc.pdf_catalog()
    for key in ("OpenAction", "AcroForm", "Names", "Outlines", "Metadata"):
        assert doc.xref_get_key(catalog, key)[0] == "null"
    assert doc.xref_get_key(-1, "Info")[0] == "null"
    # The FreeText annotation shows the name on the page, so MuPDF's redaction took it already.
    assert report["scrubbed"]["annotations"] >= 1 and report["scrubbed"]["form_fields"] == 1
    assert report["scrubbed"]["links"] == 1 and report["scrubbed"]["embedded_files"] == 1
    assert report["scrubbed"]["outline_entries"] == 1 and report["scrubbed"]["javascript"] >= 1


def test_the_phi_is_in_no_object_and_no_stream_of_the_output(scrubbed):
    _, out, report = scrubbed
    everything = pdfs.everything_readable(out)
    assert "Gonzalez" not in everything and "Gonzalez".upper() not in everything.upper()
    assert report["verified"]
    assert "Follow-up in two weeks." in pymupdf.open("pdf", out)[0].get_text()


def test_old_objects_do_not_survive_in_the_file(scrubbed):
    source, out, _ = scrubbed
    # Saved with garbage collection, not incrementally: no earlier revision is appended.
    assert out.count(b"%%EOF") == 1
    assert b"history.txt" in source and b"history.txt" not in out


def test_replacement_text_of_marked_content_is_stripped():
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 100), f"Name: {PHI} today", fontname="helv", fontsize=11)
    xref = page.get_contents()[0]
    doc.update_stream(xref, b"/Span <</ActualText (" + PHI.encode() + b")>> BDC\n" + doc.xref_stream(xref) + b"\nEMC")
    out, report = redact(doc.tobytes(), [{"page": 1, "text": PHI, "type": "PERSON"}])
    assert report["verified"] and report["scrubbed"]["replacement_texts"] == 1
    assert "Gonzalez" not in pdfs.everything_readable(out)
    assert pymupdf.open("pdf", out)[0].get_text(flags=0).split() == ["Name:", "today"]


def _note() -> pymupdf.Document:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), f"Patient {PHI} seen today.", fontname="helv")
    return doc


def test_a_document_with_javascript_actions_is_cleaned_and_delivered():
    doc = _note()
    script = doc.get_new_xref()
    doc.update_object(script, f"<</S/JavaScript/JS(app.alert('{PHI}'))>>")
    doc.xref_set_key(doc.pdf_catalog(), "OpenAction", f"{script} 0 R")
    doc.xref_set_key(doc[0].xref, "AA", f"<</O {script} 0 R>>")
    out, report = redact(doc.tobytes(), [{"page": 1, "text": PHI, "type": "PERSON"}])
    assert report["verified"] and report["scrubbed"]["javascript"] >= 1
    assert b"JavaScript" not in out and "Gonzalez" not in pdfs.everything_readable(out)


def test_text_in_a_hidden_layer_is_found_and_redacted_and_the_layers_are_flattened():
    doc = _note()
    hidden = doc.add_ocg("Hidden", on=False)
    doc[0].insert_text((72, 120), f"Hidden note on {PHI}, call 555-123-4567", fontname="helv", oc=hidden)
    out, report = redact(doc.tobytes(), [{"page": 1, "text": PHI, "type": "PERSON"}])
    assert report["verified"] and report["scrubbed"]["hidden_layers"] == 1
    result = pymupdf.open("pdf", out)
    assert result.xref_get_key(result.pdf_catalog(), "OCProperties")[0] == "null"
    # Flattened, not dropped: the rest of the hidden layer is now ordinary, visible text.
    assert "555-123-4567" in result[0].get_text() and "Gonzalez" not in pdfs.everything_readable(out)


def test_private_keys_of_the_catalog_and_pages_are_dropped_and_the_document_delivered():
    doc = _note()
    doc.xref_set_key(doc.pdf_catalog(), "HospitalPatient", f"({PHI})")
    doc.xref_set_key(doc[0].xref, "PrivateNote", f"<</Who({PHI})>>")
    out, report = redact(doc.tobytes(), [{"page": 1, "text": PHI, "type": "PERSON"}])
    assert report["verified"] and report["scrubbed"]["private_keys"] >= 2
    result = pymupdf.open("pdf", out)
    assert result.xref_get_key(result.pdf_catalog(), "HospitalPatient")[0] == "null"
    assert result.xref_get_key(result[0].xref, "PrivateNote")[0] == "null"
    assert "Gonzalez" not in pdfs.everything_readable(out)
