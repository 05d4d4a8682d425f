"""Verification on its own: it finds what is left, in the text and in the raw streams, and decodes PDF strings."""

from __future__ import annotations

import pymupdf

from services.redactor import verify
from services.redactor.tests import pdfs


def test_an_unredacted_document_fails_verification_in_text_and_in_the_content_stream():
    data = pdfs.pages_pdf([["Patient Maria Gonzalez, MRN 12345678."], ["Nothing here."]])
    doc = pymupdf.open("pdf", data)
    leaks = verify.verify(doc, [verify.Check(0, 1, text="Maria Gonzalez"), verify.Check(1, 1, text="12345678")])
    assert {(leak["span"], leak["page"]) for leak in leaks} == {(0, 1), (1, 1)}
    assert {leak["found_in"] for leak in leaks} == {"text"}
    stream = doc.xref_stream(doc[0].get_contents()[0])
    assert "Maria Gonzalez" in verify.pdf_strings(stream)


def test_a_string_left_on_another_page_is_a_leak_marked_elsewhere():
    data = pdfs.pages_pdf([["Nothing here."], ["Maria Gonzalez on page two"]])
    leaks = verify.verify(pymupdf.open("pdf", data), [verify.Check(0, 1, text="Maria Gonzalez")])
    assert leaks == [{"span": 0, "page": 2, "found_in": "text", "elsewhere": True}]


def test_matching_is_whole_word_case_insensitive_and_spans_line_breaks_and_ligatures():
    data = pdfs.lines_pdf(["Seen by WHIT\ufb01ELD? no: Dr. Whit\ufb01eld and Maria", "Gonzalez; Annual report"])
    doc = pymupdf.open("pdf", data)
    found = {leak["span"] for leak in verify.verify(doc, [
        verify.Check(0, 1, text="whitfield"), verify.Check(1, 1, text="Maria Gonzalez"),
        verify.Check(2, 1, text="Ann"), verify.Check(3, 1, text="Gonzalez Annual report x")])}
    assert found == {0, 1}


def test_a_name_hyphenated_at_a_line_end_is_found_as_the_joined_word():
    data = pdfs.lines_pdf(["The surgeon was Dr. Whit-", "field and the nurse was Smith-", "Jones today."])
    leaks = verify.verify(pymupdf.open("pdf", data), [verify.Check(0, 1, text="Whitfield"),
                                                      verify.Check(1, 1, text="Smith-Jones")])
    assert {leak["span"] for leak in leaks} == {0, 1}
    assert next(leak for leak in leaks if leak["span"] == 0)["found_in"] == "dehyphenated"


def test_a_box_with_text_left_inside_is_a_leak_and_a_label_is_not():
    data = pdfs.lines_pdf(["Left [PERSON] right"], size=12)
    doc = pymupdf.open("pdf", data)
    label = doc[0].search_for("[PERSON]")[0]
    assert verify.verify(doc, [verify.Check(0, 1, box=label)]) == []
    word = doc[0].search_for("right")[0]
    assert verify.verify(doc, [verify.Check(0, 1, box=word)])[0]["found_in"] == "box"


def test_strings_in_the_documents_objects_are_searched_too():
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "clean page", fontname="helv")
    doc.set_metadata({"author": "Maria Gonzalez"})
    leaks = verify.verify(pymupdf.open("pdf", doc.tobytes()), [verify.Check(0, 1, text="Maria Gonzalez")])
    assert leaks == [{"span": 0, "page": None, "found_in": "document-objects", "elsewhere": False}]


def test_pdf_strings_decodes_literals_hex_escapes_and_tj_arrays():
    stream = (rb"BT /F1 12 Tf [(Ma)-20(ria)]TJ ( Gon\172alez)Tj <4D524E> Tj (\(x\)\\ \101)Tj "
              rb"[(A)-250(B)]TJ <FEFF004A006F> Tj ET")
    text = verify.pdf_strings(stream)
    assert "Maria" in text and "Gonzalez" in text and "MRN" in text and "(x)\\ A" in text
    assert "A B" in text and "Jo" in text


def test_plain_text_streams_are_searched_for_words_but_not_for_bare_numbers():
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "clean page", fontname="helv")
    xref = doc.get_new_xref()
    doc.update_object(xref, "<<>>")
    doc.update_stream(xref, b"note: Maria Gonzalez, 92 beginbfchar 0 92 0 1 92")
    leaks = verify.verify(doc, [verify.Check(0, 1, text="Maria Gonzalez"), verify.Check(1, 1, text="92")])
    assert leaks == [{"span": 0, "page": None, "found_in": "document-streams", "elsewhere": False}]


def _actual_text_pdf(inline: bool) -> bytes:
    """"Name: X today" whose glyphs say nothing of the name, with ActualText that does: inline in the
    marked content, or in a /Properties resource the content names."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 100), "Name: X today", fontname="helv", fontsize=11)
    xref = page.get_contents()[0]
    if inline:
        tag = b"/Span <</ActualText (Maria Gonzalez)>> BDC\n"
    else:
        props = doc.get_new_xref()
        doc.update_object(props, "<< /ActualText (Maria Gonzalez) >>")
        resources = doc.xref_get_key(page.xref, "Resources")
        if resources[0] == "xref":
            doc.xref_set_key(int(resources[1].split()[0]), "Properties", f"<< /MC0 {props} 0 R >>")
        else:
            doc.xref_set_key(page.xref, "Resources/Properties", f"<< /MC0 {props} 0 R >>")
        tag = b"/Span /MC0 BDC\n"
    doc.update_stream(xref, tag + doc.xref_stream(xref) + b"\nEMC")
    return doc.tobytes()


def test_a_string_only_in_actual_text_is_found_whether_inline_or_in_a_properties_resource():
    for inline in (True, False):
        doc = pymupdf.open("pdf", _actual_text_pdf(inline))
        assert verify._objects_mention_actual_text(doc) is not inline
        leaks = verify.verify(doc, [verify.Check(0, 1, text="Maria Gonzalez")])
        assert leaks and leaks[0]["page"] == 1, inline
        # Read as a viewer reads it: the glyphs replaced by the ActualText.
        assert "maria gonzalez" in verify._page_texts(doc[0])["actualtext-dehyphenated"]


def test_without_actual_text_the_page_is_read_once_as_a_viewer_would():
    doc = pymupdf.open("pdf", pdfs.pages_pdf([["Patient Maria Gonzalez."]]))
    assert not verify._objects_mention_actual_text(doc)
    texts = verify._page_texts(doc[0], actual_text=False)
    assert "actualtext-dehyphenated" not in texts and "maria gonzalez" in texts["text"]
