"""The sample generator: seeded, exact page counts, ground truth that is really on its pages, two template families."""

from __future__ import annotations

import pymupdf
import pytest

from services.redactor.locate import PageLocator
from tools.synthetic import samples

FLAGS = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_DEHYPHENATE


def test_when_generated_twice_with_one_seed_then_the_documents_are_identical():
    a, b = samples.generate(3, pages=2), samples.generate(3, pages=2)
    assert a.spans == b.spans
    assert [p.get_text() for p in pymupdf.open("pdf", a.pdf)] == [p.get_text() for p in pymupdf.open("pdf", b.pdf)]


def test_when_seeds_differ_then_patients_differ():
    assert samples.generate(1, pages=1).spans != samples.generate(2, pages=1).spans


@pytest.mark.parametrize("pages", [1, 2, 5])
def test_when_pages_are_asked_for_then_exactly_that_many_are_made(pages):
    doc = samples.generate(0, pages=pages)
    assert pymupdf.open("pdf", doc.pdf).page_count == pages
    assert {s.page for s in doc.spans} == set(range(1, pages + 1))


def test_every_ground_truth_span_is_found_on_its_page(clinical):
    doc = pymupdf.open("pdf", clinical.pdf)
    locators = {n: PageLocator(doc[n - 1]) for n in range(1, doc.page_count + 1)}
    missing = [s for s in clinical.spans if not locators[s.page].find(s.text)]
    assert not missing
    assert {s.type for s in clinical.spans} >= {"PERSON", "DATE", "ID", "PHONE", "EMAIL", "LOCATION",
                                                 "ORGANIZATION", "URL", "IP"}


def test_running_header_and_footer_carry_phi_on_every_page(clinical):
    pages_with_person = {s.page for s in clinical.spans if s.type == "PERSON"}
    assert pages_with_person == set(range(1, clinical.pages + 1))


def test_the_document_has_ligatures_hyphenation_two_columns_and_a_rotated_page(clinical):
    doc = pymupdf.open("pdf", clinical.pdf)
    raw = "".join(p.get_text(flags=pymupdf.TEXT_PRESERVE_LIGATURES) for p in doc)
    assert "\ufb01" in raw or "\ufb02" in raw
    assert any(line.rstrip().endswith("-") and line.rstrip()[-2].isalpha() for line in raw.splitlines())
    assert clinical.two_column_page == 2 and clinical.rotated_page == 4
    rotated = doc[3]
    assert rotated.rotation == 90
    directions = {ln["dir"] for b in rotated.get_text("dict")["blocks"] for ln in b.get("lines", [])}
    assert directions == {(0.0, -1.0)}  # drawn turned, so it reads upright on screen
    two_col = doc[1]
    left = [b for b in two_col.get_text("blocks") if b[2] < two_col.rect.width / 2]
    right = [b for b in two_col.get_text("blocks") if b[0] > two_col.rect.width / 2]
    assert len(left) > 2 and len(right) > 2


def test_template_families_are_disjoint_and_heldout_differs_in_style(heldout):
    assert not set(samples.TEMPLATE_FAMILIES["train"]) & set(samples.TEMPLATE_FAMILIES["heldout"])
    assert heldout.family == "heldout" and heldout.template in samples.TEMPLATE_FAMILIES["heldout"]
    doc = pymupdf.open("pdf", heldout.pdf)
    fonts = {s["font"] for b in doc[0].get_text("dict")["blocks"] for ln in b.get("lines", []) for s in ln["spans"]}
    assert any("Roman" in f or "Times" in f for f in fonts)
    assert all(h.isupper() for h in heldout.headings)


def test_train_documents_never_use_heldout_sentences():
    train_text = " ".join(pymupdf.open("pdf", samples.generate(s, pages=2, templates="train").pdf)[1].get_text()
                          for s in range(3))
    assert "operating room" not in train_text and "cardiomediastinal" not in train_text


def test_when_a_template_is_unknown_then_the_error_names_the_choices():
    with pytest.raises(ValueError, match="heldout"):
        samples.generate(0, templates="nonsense")


def test_clinical_note_pdf_is_the_pdf_of_generate():
    assert samples.clinical_note_pdf(2, seed=5) == samples.generate(5, pages=2).pdf
