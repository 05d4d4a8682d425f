"""Rendering a text note to the PDF a records system would print, in any script the notes are written in."""

from __future__ import annotations

import pymupdf

from tools.evaluation.render import BODY_AREA, MARGIN_X, PAGE_HEIGHT, PAGE_WIDTH, render_text_pdf

NOTE = ("Pacjentka Zofia Wójcik-Łukasiewicz (Łódź), konsultacja: dr Anna Кузнецова.\n"
        "Seen by Dr. Antonín Dvořák and Ελένη Παπαδοπούλου; relative 王小明.\n")


def _open(pdf: bytes) -> pymupdf.Document:
    return pymupdf.open("pdf", pdf)


def test_when_a_note_has_non_latin_names_then_the_pdf_text_gives_every_word_back():
    with _open(render_text_pdf(NOTE)) as doc:
        words = {w[4].strip(".,;:()") for w in doc[0].get_text("words")}
    for expected in ("Кузнецова", "Dvořák", "Antonín", "Ελένη", "Παπαδοπούλου", "Łódź", "Wójcik-Łukasiewicz", "王小明"):
        assert expected in words


def test_when_a_note_is_long_then_its_lines_wrap_inside_the_margins_on_letter_pages():
    note = "Findings: " + " ".join(f"lesion{i} measured" for i in range(700))
    with _open(render_text_pdf(note)) as doc:
        assert doc.page_count > 1
        assert all((p.rect.width, p.rect.height) == (PAGE_WIDTH, PAGE_HEIGHT) for p in doc)
        words = [w for p in doc for w in p.get_text("words")]
        text = " ".join(w[4] for p in doc for w in p.get_text("words", clip=BODY_AREA))
    assert all(MARGIN_X - 1 <= w[0] and w[2] <= PAGE_WIDTH - MARGIN_X + 1 for w in words if w[1] > BODY_AREA[1])
    assert text.split() == note.split()


def test_when_a_title_is_given_then_every_page_has_a_header_line_with_page_numbers():
    with _open(render_text_pdf("word " * 1500, title="Discharge summary")) as doc:
        headers = [p.get_text(clip=(0, 0, PAGE_WIDTH, BODY_AREA[1])) for p in doc]
        assert doc.metadata["title"] == ""      # the title stays out of the metadata
    assert all("Discharge summary" in h and f"Page {n} of {len(headers)}" in h for n, h in enumerate(headers, 1))


def test_when_a_word_is_wider_than_the_line_then_it_is_cut_rather_than_overflowing():
    token = "x" * 200
    with _open(render_text_pdf(token)) as doc:
        words = doc[0].get_text("words", clip=BODY_AREA)
    assert len(words) > 1 and "".join(w[4] for w in words) == token
    assert all(w[2] <= PAGE_WIDTH - MARGIN_X + 1 for w in words)
