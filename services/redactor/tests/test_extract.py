"""Extraction of real (generated) PDFs: headings, running headers/footers, columns, hyphens, ligatures, rotation, blobs."""

from __future__ import annotations

import re
import unicodedata

import pymupdf
import pytest

from services.redactor.extract import extract
from services.redactor.tests import pdfs


@pytest.fixture(scope="module")
def document(clinical):
    return extract(clinical.pdf)


def _page(document, number):
    return [p for p in document["paragraphs"] if p["page"] == number and not p["header_footer"]]


def test_headings_are_exactly_the_headings_that_were_set(clinical, document):
    found = [p["text"] for p in document["paragraphs"] if p["heading"]]
    assert found == list(clinical.headings)


def test_heldout_headings_set_only_bold_and_upper_case_are_found_too(heldout):
    found = [p["text"] for p in extract(heldout.pdf)["paragraphs"] if p["heading"]]
    assert found == list(heldout.headings)


def test_heading_levels_follow_numbering_depth(document):
    levels = {p["text"].split(" ")[0]: p["heading_level"] for p in document["paragraphs"] if p["heading"]}
    assert levels["1."] == 1
    subsections = [number for number in levels if re.fullmatch(r"\d+\.\d+", number)]
    assert subsections and all(levels[n] == 2 for n in subsections)


def test_running_headers_and_footers_are_marked_on_every_page_and_never_headings(clinical, document):
    running = [p for p in document["paragraphs"] if p["header_footer"]]
    assert sorted(p["page"] for p in running if p["role"] == "header") == [1, 2, 3, 4]
    assert sorted(p["page"] for p in running if p["role"] == "footer") == [1, 2, 3, 4]
    assert not any(p["heading"] for p in running)
    # Listed after the body, so blobs stay runs: headers one blob, footers another.
    assert document["paragraphs"][-len(running):] == running
    assert len({p["blob_id"] for p in running}) == 2
    assert all("Page" in p["text"] for p in running if p["role"] == "footer")


def test_two_column_page_is_read_left_column_then_right(document):
    page = _page(document, 2)
    columns = [p["column"] for p in page]
    assert "left" in columns and "right" in columns
    assert columns == sorted(columns, key=lambda c: {"full": 0, "left": 0, "right": 1}[c])
    first_right = columns.index("right")
    assert page[first_right - 1]["bbox"][0] < page[first_right]["bbox"][0]
    # The left column ends mid-paragraph and the right column continues it: in reading order they meet.
    assert page[first_right - 1]["bbox"][3] > page[first_right]["bbox"][3]


def test_words_hyphenated_at_line_ends_are_joined(clinical, document):
    doc = pymupdf.open("pdf", clinical.pdf)
    joined = []
    for page in doc:
        lines = [ln.strip() for ln in unicodedata.normalize("NFKC", page.get_text()).splitlines() if ln.strip()]
        for a, b in zip(lines, lines[1:]):
            m = re.search(r"(\w+)-$", a)
            if m and m.group(1).isalpha() and b[:1].islower():
                joined.append(m.group(1) + re.match(r"\w+", b).group(0))
    assert joined
    text = " ".join(p["text"] for p in document["paragraphs"])
    for word in joined:
        assert word in text
    # Inside a paragraph no hyphen is left dangling (a paragraph broken by a page or column
    # end may still end in one: the two halves are separate paragraphs with their own boxes).
    assert not any(re.search(r"[a-z]- [a-z]", p["text"]) for p in document["paragraphs"])


def test_ligatures_come_out_as_plain_letters(clinical, document):
    text = " ".join(p["text"] for p in document["paragraphs"])
    assert "\ufb01" not in text and "\ufb02" not in text
    assert "fi" in text and "fl" in text


def test_every_phi_string_of_the_ground_truth_is_in_the_extracted_text_of_its_page(clinical, document):
    by_page = {n: " ".join(p["text"] for p in document["paragraphs"] if p["page"] == n) for n in range(1, 5)}
    missing = [s for s in clinical.spans if s.text not in by_page[s.page]]
    assert not missing


def test_a_rotated_landscape_page_reads_upright_with_boxes_on_the_page(document):
    page = _page(document, 4)
    assert page and any(p["heading"] for p in page)
    assert any(p["lines"] > 1 and len(p["text"]) > 100 for p in page)
    for p in page:
        x0, y0, x1, y1 = p["bbox"]
        assert 0 <= x0 < x1 <= 612 and 0 <= y0 < y1 <= 792  # the unrotated page's coordinates
    assert document["pages"][3]["rotation"] == 90


def test_paragraph_fields_and_blobs_agree(document):
    paragraphs = document["paragraphs"]
    for i, p in enumerate(paragraphs):
        assert p["index"] == i
        assert set(p) >= {"text", "page", "bbox", "font_size", "font_weight", "heading", "blob_id", "dep_flag",
                          "header_footer"}
        assert p["font_weight"] in ("bold", "normal")
    for prev, cur in zip(paragraphs, paragraphs[1:]):
        assert cur["dep_flag"] == (cur["blob_id"] == prev["blob_id"])
    for blob in document["blobs"]:
        members = [paragraphs[i] for i in blob["paragraphs"]]
        assert all(p["blob_id"] == blob["blob_id"] for p in members)
        assert blob["heading"] is None or paragraphs[blob["heading"]]["heading"]
    assert document["body_font_size"] == 10.0 and document["page_count"] == 4


def test_headings_are_bold_and_larger_than_the_body(document):
    for p in document["paragraphs"]:
        if p["heading"]:
            assert p["font_weight"] == "bold" and p["font_size"] >= 11


def test_text_outside_the_visible_page_is_extracted_too():
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_text((72, 100), "Visible line", fontname="helv", fontsize=11)
    page.insert_text((72, 780), "Hidden below the crop box: Maria Gonzalez", fontname="helv", fontsize=11)
    page.set_cropbox(pymupdf.Rect(0, 0, 612, 700))
    texts = [p["text"] for p in extract(doc.tobytes())["paragraphs"]]
    assert any("Maria Gonzalez" in t for t in texts)


def test_a_page_without_text_is_fine_when_it_has_no_image_either():
    data = pdfs.pages_pdf([["Some text on the first page"], []])
    document = extract(data)
    assert document["page_count"] == 2 and document["pages"][1]["chars"] == 0
