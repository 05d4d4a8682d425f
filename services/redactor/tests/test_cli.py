"""`veil redactor ...` and `veil bench redactor` through the real `veil` entry point."""

from __future__ import annotations

import json

import pymupdf

from tools.cli import main
from tools.redactor import bench


def test_sample_then_extract_then_redact_from_the_command_line(tmp_path, capsys):
    pdf = tmp_path / "note.pdf"
    assert main(["redactor", "sample", "--out", str(pdf), "--pages", "2", "--templates", "heldout",
                 "--seed", "3"]) == 0
    spans = tmp_path / "note.spans.json"
    assert pdf.exists() and json.loads(spans.read_text())
    assert main(["redactor", "extract", str(pdf), "--out", str(tmp_path / "note.json")]) == 0
    assert json.loads((tmp_path / "note.json").read_text())["page_count"] == 2
    report = tmp_path / "report.json"
    assert main(["redactor", "redact", str(pdf), "--spans", str(spans), "--report", str(report)]) == 0
    out = tmp_path / "note.redacted.pdf"
    text = " ".join(p.get_text() for p in pymupdf.open(out))
    assert not [s["text"] for s in json.loads(spans.read_text()) if s["text"] in text]
    assert json.loads(report.read_text())["verified"] is True
    assert "verified=true" in capsys.readouterr().out


def test_a_refused_document_is_a_message_and_exit_code_1(tmp_path, capsys):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf")
    assert main(["redactor", "extract", str(bad)]) == 1
    assert "not_a_pdf" in capsys.readouterr().err


def test_bench_prints_pages_per_second_for_both_operations(capsys):
    assert main(["bench", "redactor", "--pages", "2", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "extraction" in out and "redaction" in out and "pages/s" in out and "verified=true" in out


def test_bench_figures_replace_the_readme_block(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{bench.README_START}\nold\n{bench.README_END}\nafter\n")
    bench.write_readme(readme, "new figures")
    assert readme.read_text() == f"before\n{bench.README_START}\n```\nnew figures\n```\n{bench.README_END}\nafter\n"
