"""The Presidio runner for real, in its own virtual environment, on two tiny generated PDFs."""

from __future__ import annotations

import importlib.util
import re

import pymupdf
import pytest

from tools.evaluation import render_text_pdf
from tools.peers.run_presidio import run_presidio

pytestmark = pytest.mark.integration

EMAIL = "maria.gonzalez@example.org"


def _with_metadata(text: str) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 100), text, fontsize=11)
    doc.set_metadata({"author": "Maria Gonzalez", "title": "Visit of Maria Gonzalez"})
    try:
        return doc.tobytes()
    finally:
        doc.close()


def _pdfs() -> list[bytes]:
    return [render_text_pdf(f"Patient Maria Gonzalez was seen for hypertension. Contact: {EMAIL}.", title="one"),
            _with_metadata(f"Follow-up for hypertension. Write to {EMAIL} or visit https://portal.example.org/maria")]


def _text(pdf: bytes) -> str:
    with pymupdf.open("pdf", pdf) as doc:
        return " ".join(page.get_text() for page in doc)


def test_presidio_redacts_both_pdfs_in_its_own_environment_and_reports_what_and_how_long(peers_venv, tmp_path):
    run = run_presidio(peers_venv, _pdfs(), tmp_path / "work", processes=2)

    assert len(run.outcomes) == 2 and all(isinstance(o, tuple) for o in run.outcomes)
    for redacted, report in run.outcomes:
        text = _text(redacted)
        assert EMAIL not in text and "hypertension" in text      # the e-mail is gone, the diagnosis kept
        types = {e["type"] for e in report["entities"]}
        assert "EMAIL" in types
        for e in report["entities"]:
            assert e["page"] == 1 and len(e["bbox"]) == 4 and e["presidio_type"]
    second, _ = run.outcomes[1]
    assert "portal.example.org" not in _text(second)
    with pymupdf.open("pdf", second) as doc:
        assert not doc.metadata.get("author") and not doc.metadata.get("title")   # metadata scrubbed

    assert run.processes == 2
    assert isinstance(run.load_seconds, float) and isinstance(run.seconds, float)
    pinned = re.search(r"^presidio-analyzer==(\S+)$", peers_venv.requirements.read_text(), re.MULTILINE).group(1)
    assert run.versions["presidio-analyzer"] == pinned and run.versions["pymupdf"] == pymupdf.__version__


def test_presidio_stays_out_of_veils_environment(peers_venv):
    assert importlib.util.find_spec("presidio_analyzer") is None
    assert importlib.util.find_spec("spacy") is None
