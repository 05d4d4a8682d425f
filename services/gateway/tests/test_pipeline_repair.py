"""The pipeline's repair: a string the redactor's verification still finds on another page is redacted there too.

The redactor is the real library in this process. The only stand-in is the phrase model
(it knows one name) and a redactor that drops the spans of page 2 on its first call, as if
the models had missed the name in a later section: what the repair exists for.
"""

from __future__ import annotations

import pymupdf

from services.gateway.assembly import LocalRedactor
from services.gateway.pipeline.deidentify import Pipeline
from services.gateway.pipeline.predict import PhraseModels
from services.redactor.tests import pdfs

NAME = "Maria Gonzalez"


def name_model(phrases):
    return [{"PERSON": 0.99, "NONE": 0.01} if p == NAME else {"PERSON": 0.01, "NONE": 0.99} for p in phrases]


class MissesPageTwoOnce(LocalRedactor):
    """The real redactor; its first redaction is sent without the spans of page 2."""

    def __init__(self) -> None:
        self.calls: list[list[dict]] = []

    def redact(self, pdf, spans):
        if not self.calls:
            spans = [s for s in spans if s.get("page") != 2]
        self.calls.append(spans)
        return super().redact(pdf, spans)


def two_pages() -> bytes:
    return pdfs.pages_pdf([[f"Patient {NAME} was admitted on the ward.", "Her vitals were stable overnight."],
                           [f"Discharge: {NAME} went home with her daughter.", "Follow-up in two weeks."]])


def sections(pages: list[tuple[str, str]]) -> bytes:
    """A page per (heading, paragraph): each heading starts a blob, so nothing found on one page reaches the next."""
    doc = pymupdf.open()
    for heading, paragraph in pages:
        page = doc.new_page()
        page.insert_text((72, 90), heading.upper(), fontname="hebo", fontsize=15)
        page.insert_text((72, 120), paragraph, fontname="helv", fontsize=11)
    return doc.tobytes()


def text_of(pdf: bytes) -> str:
    with pymupdf.open("pdf", pdf) as doc:
        return " ".join(page.get_text() for page in doc)


def test_a_name_left_readable_on_another_page_is_found_by_verification_and_redacted_there():
    redactor = MissesPageTwoOnce()
    outcome = Pipeline(redactor, PhraseModels(dl=name_model)).run(two_pages())

    assert len(redactor.calls) == 2, "a second redaction repairs the leak"
    assert {s["page"] for s in redactor.calls[1]} == {2}
    assert "Gonzalez" not in text_of(outcome.pdf) and "Maria" not in text_of(outcome.pdf)
    assert "went home with her daughter" in " ".join(text_of(outcome.pdf).split())
    verification = outcome.report["verification"]
    assert verification["verified"] and verification["redactor_verified"] and verification["leaks"] == 0
    # The first pass found the name on both pages; page 2's occurrence was covered by an entity
    # already, so the repair redacts without adding entities.
    assert verification["repaired_spans"] == 0


def test_a_name_the_models_never_saw_on_another_page_is_reported_as_a_propagated_entity():
    # Lower case is no candidate phrase, so no model sees it; the redactor's check is case-insensitive.
    data = sections([("Admission", f"Patient {NAME} was admitted on the ward."),
                     ("Discharge", "Note copied from the old system: maria gonzalez, bed 4.")])
    redactor = MissesPageTwoOnce()
    redactor.calls.append([])   # drops nothing: the first pass simply has no span on page 2
    outcome = Pipeline(redactor, PhraseModels(dl=name_model)).run(data)

    assert len(redactor.calls) == 3 and {s["page"] for s in redactor.calls[2]} == {2}
    assert "gonzalez" not in text_of(outcome.pdf).lower()
    repaired = [e for e in outcome.report["entities"] if e["page"] == 2]
    assert [(e["type"], e["source"]) for e in repaired] == [("PERSON", "propagated")]
    assert outcome.report["verification"]["repaired_spans"] == 1 and outcome.report["verification"]["verified"]


def test_a_clean_redaction_is_not_redacted_again():
    redactor = MissesPageTwoOnce()
    redactor.calls.append([])   # the first call is already spent: nothing is dropped
    outcome = Pipeline(redactor, PhraseModels(dl=name_model)).run(two_pages())

    assert len(redactor.calls) == 2   # the placeholder and the one real redaction
    verification = outcome.report["verification"]
    assert {k: verification[k] for k in ("verified", "redactor_verified", "repaired_spans", "leaks", "reason")} == {
        "verified": True, "redactor_verified": True, "repaired_spans": 0, "leaks": 0, "reason": None}
    assert "text" in verification["checks"]  # which read-backs the verdict rests on
