"""Redaction: the text is gone from the file (not covered), neighbours survive, every occurrence is found."""

from __future__ import annotations

import json
import re
import unicodedata

import pymupdf
import pytest

from services.redactor import errors, verify
from services.redactor import redact as redact_mod
from services.redactor.errors import DocumentRejected
from services.redactor.extract import extract
from services.redactor.ocr import OcrOptions
from services.redactor.redact import redact
from services.redactor.tests import pdfs


def readable(data: bytes) -> str:
    """Everything that can be read from the PDF, ligatures expanded and case folded."""
    return unicodedata.normalize("NFKC", pdfs.everything_readable(data)).casefold()


def recoverable(word: str, data: bytes | str) -> bool:
    """True when `word` can be read back from `data` (a PDF, or its `readable` text) as a whole word, any case."""
    text = data if isinstance(data, str) else readable(data)
    needle = word.casefold()
    start = text.find(needle)
    while start >= 0:   # str.find, not a regex: the text is megabytes long
        end = start + len(needle)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() and needle[0].isalnum()) and not (after.isalnum() and needle[-1].isalnum()):
            return True
        start = text.find(needle, start + 1)
    return False


def page_text(data: bytes, number: int = 1) -> str:
    return pymupdf.open("pdf", data)[number - 1].get_text()


@pytest.fixture(scope="module")
def redacted(clinical):
    return redact(clinical.pdf, clinical.span_dicts())


def test_redacted_text_is_not_recoverable_by_any_extraction_or_in_any_stream(clinical, redacted):
    out, report = redacted
    assert report["verified"] is True and report["leaks"] == []
    assert report["spans_not_found"] == 0
    everything = readable(out)
    still_there = sorted({s.text for s in clinical.spans if recoverable(s.text, everything)})
    assert still_there == []
    before = {p["text"] for p in extract(clinical.pdf)["paragraphs"] if p["heading"] and not re.search(r"\d{2}", p["text"])}
    after = {p["text"] for p in extract(out)["paragraphs"]}
    assert before and before <= after  # headings without PHI are untouched


def test_the_report_names_no_phi(clinical, redacted):
    text = json.dumps(redacted[1])
    assert not [s.text for s in clinical.spans if len(s.text) > 4 and s.text in text]


def test_text_is_removed_from_the_content_stream_not_covered_by_a_box():
    data = pdfs.pages_pdf([["Name: Maria Gonzalez, seen today."]])
    doc = pymupdf.open("pdf", data)
    assert "Gonzalez" in verify.pdf_strings(doc.xref_stream(doc[0].get_contents()[0]))
    out, report = redact(data, [{"page": 1, "text": "Maria Gonzalez", "type": "PERSON"}])
    result = pymupdf.open("pdf", out)
    strings = verify.pdf_strings(b"".join(result.xref_stream(x) for x in result[0].get_contents()))
    assert "Name:" in strings and "Gonzalez" not in strings and "Maria" not in strings
    assert result[0].get_text().split() == ["Name:", ",", "seen", "today."]
    boxes = [d["rect"] for d in result[0].get_drawings() if d.get("fill") == (0.0, 0.0, 0.0)]
    assert len(boxes) == 1 and boxes[0].width > 50  # the black box is drawn, over where the name was
    assert report["areas"] == 1


@pytest.mark.parametrize("leading", [1.0, 0.9, 0.85])
def test_neighbouring_lines_keep_every_letter_when_line_boxes_overlap(leading):
    lines = ["Tjgy Qpq (ÅÉ) Whit\ufb01eld's ledger qgpy |[]",
             "xMaria Gonzalezx met Maria Gonzalez_g on 12/03/2024, Jr.",
             "ÅÉÎ Tjgy Qpq bdfhklt Whit\ufb01eld's ledger |[]"]
    data = pdfs.lines_pdf(lines, leading=leading)
    before = page_text(data).splitlines()
    out, report = redact(data, [{"page": 1, "text": "Maria Gonzalez", "type": "PERSON"},
                                {"page": 1, "text": "12/03/2024", "type": "DATE"}])
    after = page_text(out).splitlines()
    assert after[0] == before[0] and after[-1] == before[-1]
    assert report["verified"] and report["areas"] == 2  # "xMaria Gonzalezx" is not the whole word
    assert " ".join(after[1:-1]).split() == ["xMaria", "Gonzalezx", "met", "_g", "on", ",", "Jr."]


def test_overlapping_and_repeated_spans_go_to_mupdf_as_one_cut_per_run_and_spare_the_neighbours(monkeypatch):
    lines = ["Tjgy Qpq Maria Gonzalez bdfhklt",
             "Maria Gonzalez met Ms. Gonzalez and Maria G. Smith",
             "qgpy Gonzalez Whitfield |[]"]
    data = pdfs.lines_pdf(lines, leading=0.9)
    sent: list[int] = []
    real = redact_mod._redact

    def counting(page, rects, *, text, images):
        if text == pymupdf.PDF_REDACT_TEXT_REMOVE:
            sent.append(len(rects))
        return real(page, rects, text=text, images=images)

    monkeypatch.setattr(redact_mod, "_redact", counting)
    # One span per occurrence, as callers send them, and the name's parts on their own.
    spans = [{"page": 1, "text": t, "type": "PERSON"}
             for t in ["Maria Gonzalez"] * 3 + ["Gonzalez"] * 3 + ["Maria"] * 2 + ["Smith"]]
    out, report = redact(data, spans)
    assert report["verified"]
    # Line 1: one run; line 2: "Maria Gonzalez", "Gonzalez", "Maria", "Smith"; line 3: "Gonzalez".
    assert sent == [6]
    after = page_text(out).splitlines()
    assert " ".join(after).split() == ["Tjgy", "Qpq", "bdfhklt", "met", "Ms.", "and", "G.", "qgpy", "Whitfield",
                                       "|[]"]


def test_cuts_join_only_when_they_share_a_band_and_overlap_along_it():
    r = pymupdf.Rect
    joined = redact_mod._merged_cuts([r(10, 100, 40, 103), r(30, 100, 60, 103), r(60, 100, 70, 103),
                                      r(71, 100, 90, 103),           # a gap: the word after stays apart
                                      r(10, 110, 40, 113),           # another line
                                      r(10, 100, 40, 104),           # another band on the same line (font size)
                                      r(200, 10, 203, 40), r(200, 35, 203, 80),     # vertical text
                                      # One word at one place on three lines: lines apart stay apart,
                                      # whatever the float noise in their ends (it once ordered them).
                                      r(198.43, 253.2, 258.60394, 256.5), r(198.43, 540.6, 258.60391, 543.9),
                                      r(198.43, 627.3, 258.60394, 630.6)])
    assert sorted(tuple(x) for x in joined) == sorted([(10, 100, 70, 103), (71, 100, 90, 103), (10, 110, 40, 113),
                                                       (10, 100, 40, 104), (200, 10, 203, 80),
                                                       (198.43, 253.2, 258.60394, 256.5),
                                                       (198.43, 540.6, 258.60391, 543.9),
                                                       (198.43, 627.3, 258.60394, 630.6)])
    assert redact_mod._merged_cuts([]) == []


def test_every_occurrence_on_the_page_is_found_including_across_line_breaks():
    data = pdfs.lines_pdf(["Maria Gonzalez arrived. Later maria gonzalez", "called, and Maria",
                           "Gonzalez left."], leading=1.3)
    out, report = redact(data, [{"page": 1, "text": "Maria Gonzalez", "type": "PERSON"}])
    assert report["span_results"][0]["matches"] == 3
    text = page_text(out)
    assert "maria" not in text.lower() and "gonzalez" not in text.lower()
    assert "arrived. Later" in text and "called, and" in text and "left." in text


def test_a_name_hyphenated_at_a_line_end_is_found_and_removed_from_both_lines():
    data = pdfs.lines_pdf(["The surgeon was Dr. Whit-", "field and the nurse was Smith-", "Jones today."])
    out, report = redact(data, [{"page": 1, "text": "Whitfield", "type": "PERSON"},
                                {"page": 1, "text": "Smith-Jones", "type": "PERSON"}])
    assert report["spans_found"] == 2 and report["verified"]
    text = page_text(out)
    assert "Whit" not in text and "field" not in text.replace("field and", "")
    assert "Smith" not in text and "Jones" not in text
    assert "and the nurse was" in text and "today." in text


def test_names_set_with_ligatures_are_found_by_their_plain_letters():
    data = pdfs.lines_pdf(["Seen by Dr. Whit\ufb01eld and Ms. Cli\ufb02ower for \ufb01ve days."])
    out, report = redact(data, [{"page": 1, "text": "Whitfield", "type": "PERSON"},
                                {"page": 1, "text": "Cliflower", "type": "PERSON"}])
    assert report["spans_found"] == 2 and report["verified"]
    assert unicodedata.normalize("NFKC", page_text(out)).split() == ["Seen", "by", "Dr.", "and", "Ms.", "for",
                                                                     "five", "days."]


@pytest.mark.parametrize("degrees", [0, 90, 30])
def test_text_set_at_any_angle_is_found_and_removed(degrees):
    # 0 and 90: the page's string is searched; 30: a slant, which PyMuPDF's own search follows.
    # A slanted line is cut through the rectangle around the name's band, so the letters next to
    # the name on that line may go too (the safe side): only straight lines keep every neighbour.
    doc = pymupdf.open()
    page = doc.new_page()
    start = pymupdf.Point(150, 400)
    page.insert_text(start, "Seen by Maria Gonzalez today.", fontname="helv", fontsize=11,
                     morph=(start, pymupdf.Matrix(degrees)))
    page.insert_text((72, 700), "Signed by Maria Gonzalez, MD", fontname="helv", fontsize=11)
    out, report = redact(doc.tobytes(), [{"page": 1, "text": "Maria Gonzalez", "type": "PERSON"}])
    assert report["span_results"][0]["matches"] == 2 and report["verified"]
    words = page_text(out).split()
    assert "Maria" not in words and "Gonzalez" not in words and "Gonzalez," not in words
    assert {"Signed", "MD"} <= set(words)
    if degrees % 90 == 0:
        assert {"Seen", "by", "today."} <= set(words)


def test_only_whole_words_are_redacted():
    data = pdfs.lines_pdf(["Ann wrote the Annual report with Joann in 1992; Ann is 92."])
    out, report = redact(data, [{"page": 1, "text": "Ann", "type": "PERSON"}, {"page": 1, "text": "92", "type": "AGE"}])
    assert page_text(out).split() == ["wrote", "the", "Annual", "report", "with", "Joann", "in", "1992;", "is", "."]
    assert [r["matches"] for r in report["span_results"]] == [2, 1]


def test_a_box_span_removes_the_text_inside_it_and_nothing_else():
    data = pdfs.lines_pdf(["Left words  MRN 12345678  right words"], size=12)
    doc = pymupdf.open("pdf", data)
    box = doc[0].search_for("MRN 12345678")[0]
    out, report = redact(data, [{"page": 1, "bbox": list(box), "type": "ID"}])
    assert page_text(out).split() == ["Left", "words", "right", "words"]
    assert report["span_results"][0]["matched_by"] == "bbox" and report["verified"]


def test_when_the_text_is_not_on_the_page_then_its_box_is_redacted_instead():
    data = pdfs.lines_pdf(["Phone: 555 0143 (home)"], size=12)
    box = pymupdf.open("pdf", data)[0].search_for("555 0143")[0]
    out, report = redact(data, [{"page": 1, "text": "555-0143", "bbox": list(box), "type": "PHONE"}])
    assert report["span_results"][0]["matched_by"] == "bbox"
    assert "0143" not in page_text(out) and "(home)" in page_text(out)


def test_when_the_text_is_nowhere_and_has_no_box_then_the_report_says_not_found():
    data = pdfs.lines_pdf(["Nothing to see here"])
    _, report = redact(data, [{"page": 1, "text": "Maria Gonzalez", "type": "PERSON"}])
    assert report["spans_not_found"] == 1 and report["span_results"][0]["matched_by"] == "none"
    assert report["verified"]


def test_the_label_style_writes_the_type_into_the_box():
    data = pdfs.lines_pdf(["Patient Maria Gonzalez was admitted."], size=12)
    out, report = redact(data, [{"page": 1, "text": "Maria Gonzalez", "type": "PERSON"}], style="label")
    page = pymupdf.open("pdf", out)[0]
    assert sorted(page.get_text().split()) == sorted(["Patient", "[PERSON]", "was", "admitted."])
    box = pymupdf.Rect(report["span_results"][0]["boxes"][0])
    label = page.search_for("[PERSON]")[0]
    assert box.contains((label.tl + label.br) / 2) and label.width < box.width
    assert report["verified"] and report["style"] == "label"


def test_a_span_with_its_own_style_is_drawn_in_it_and_the_others_in_the_request_style():
    data = pdfs.lines_pdf(["Patient Maria Gonzalez was admitted on 03/07/2019 today."], size=12)
    spans = [{"page": 1, "text": "Maria Gonzalez", "type": "PERSON", "style": "label"},
             {"page": 1, "text": "03/07/2019", "type": "DATE"}]
    out, report = redact(data, spans, style="box")
    assert sorted(page_text(out).split()) == sorted(["Patient", "[PERSON]", "was", "admitted", "on", "today."])
    assert not recoverable("Gonzalez", out) and not recoverable("03/07/2019", out)
    assert report["verified"] and report["areas_by_type"] == {"DATE": 1, "PERSON": 1}
    # A span's own "box" wins over a request's "label" too.
    out, _ = redact(data, [{**spans[0], "style": "box"}, spans[1]], style="label")
    assert "[PERSON]" not in page_text(out) and "[DATE]" in page_text(out)


def test_a_span_without_a_page_is_redacted_on_every_page():
    data = pdfs.pages_pdf([["Maria Gonzalez on page one"], ["and Maria Gonzalez on page two"]])
    out, report = redact(data, [{"text": "Maria Gonzalez", "type": "PERSON"}])
    assert report["span_results"][0]["matches"] == 2 and report["pages_redacted"] == [1, 2]
    assert not recoverable("Gonzalez", out)


def test_rotated_page_drawn_in_a_form_xobject_is_redacted(clinical, redacted):
    out, _ = redacted
    on_rotated = [s.text for s in clinical.spans if s.page == clinical.rotated_page]
    assert on_rotated
    text = unicodedata.normalize("NFKC", page_text(out, clinical.rotated_page))
    assert not [t for t in on_rotated if t in text]
    assert len(text) > 500  # the page's other text is still there


def test_text_outside_the_visible_page_is_removed_too():
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_text((72, 100), "Visible: Maria Gonzalez", fontname="helv", fontsize=11)
    page.insert_text((72, 780), "Below the crop box: Maria Gonzalez", fontname="helv", fontsize=11)
    page.insert_text((72, -40), "Above the page: Maria Gonzalez", fontname="helv", fontsize=11)
    page.set_cropbox(pymupdf.Rect(0, 0, 612, 700))
    out, report = redact(doc.tobytes(), [{"page": 1, "text": "Maria Gonzalez", "type": "PERSON"}])
    assert report["span_results"][0]["matches"] == 3 and report["verified"]
    assert not recoverable("Gonzalez", out)


@pytest.mark.parametrize("policy", ["pixels", "remove", "none"])
def test_images_under_redacted_text_follow_the_policy(policy):
    data = pdfs.text_over_image_pdf("Maria Gonzalez")
    original = pymupdf.open("pdf", data)
    xref = original[0].get_images()[0][0]
    before = pymupdf.Pixmap(original, xref).samples
    out, report = redact(data, [{"page": 1, "text": "Maria Gonzalez", "type": "PERSON"}], images=policy)
    result = pymupdf.open("pdf", out)
    images = result[0].get_images()
    assert report["verified"] and report["images"] == policy
    if policy == "remove":
        assert images == []
    elif policy == "none":
        assert pymupdf.Pixmap(result, images[0][0]).samples == before
    else:
        after = pymupdf.Pixmap(result, images[0][0]).samples
        assert after != before and len(after) == len(before)


def test_when_the_text_layer_lies_then_verification_finds_the_string_in_the_content_stream():
    # With OCR off; with it, the page falls back to pixel redaction (test_pixels).
    data = pdfs.lying_text_layer_pdf("Patient Maria Gonzalez seen today")
    out, report = redact(data, [{"page": 1, "text": "Maria Gonzalez", "type": "PERSON"}],
                         ocr_options=OcrOptions(mode="off"))
    assert report["verified"] is False
    assert report["leaks"] == [{"span": 0, "page": 1, "found_in": "content-stream", "elsewhere": False}]


def test_when_a_string_is_redacted_on_one_page_but_left_on_another_then_verification_says_so():
    data = pdfs.pages_pdf([["Maria Gonzalez on page one"], ["and Maria Gonzalez on page two"]])
    _, report = redact(data, [{"page": 1, "text": "Maria Gonzalez", "type": "PERSON"}])
    assert report["verified"] is False
    assert {(leak["page"], leak["elsewhere"]) for leak in report["leaks"]} == {(2, True)}


@pytest.mark.parametrize("spans, message", [
    ("not a list", "JSON list"),
    ([42], "span 0: must be an object"),
    ([{"type": "PERSON"}], "needs a non-empty text or a bbox"),
    ([{"text": "   "}], "needs a non-empty text or a bbox"),
    ([{"text": "x", "page": 3}], "page 3 is not in the document"),
    ([{"text": "x", "page": "1"}], "page must be an integer"),
    ([{"bbox": [0, 0, 10, 10]}], "a bbox needs its page"),
    ([{"page": 1, "bbox": [10, 10, 0, 20]}], "x0 < x1"),
    ([{"page": 1, "bbox": [0, 0, "a", 1]}], "finite numbers"),
    ([{"page": 1, "text": "x", "type": "person name"}], "upper-case name"),
    ([{"page": 1, "text": "x" * 1001}], "longer than"),
    ([{"page": 1, "text": "x", "style": "blur"}], "style must be one of box, label"),
])
def test_bad_spans_are_400_invalid_spans_naming_the_span(spans, message):
    data = pdfs.pages_pdf([["Maria Gonzalez"]])
    with pytest.raises(DocumentRejected) as caught:
        redact(data, spans)
    assert (caught.value.code, caught.value.status) == (errors.INVALID_SPANS, 400)
    assert message in caught.value.message


def test_bad_options_are_400_invalid_option():
    data = pdfs.pages_pdf([["Maria Gonzalez"]])
    for options in ({"style": "blur"}, {"images": "keep"}):
        with pytest.raises(DocumentRejected) as caught:
            redact(data, [], **options)
        assert caught.value.code == errors.INVALID_OPTION


def test_too_many_spans_are_refused():
    data = pdfs.pages_pdf([["Maria Gonzalez"]])
    with pytest.raises(DocumentRejected, match="over the limit"):
        redact(data, [{"page": 1, "text": "Maria"}] * 3, max_spans=2)


def test_an_empty_span_list_still_scrubs_and_verifies():
    out, report = redact(pdfs.rich_pdf("Maria Gonzalez"), [])
    assert report["verified"] and report["areas"] == 0
    assert pymupdf.open("pdf", out).metadata["author"] == ""
