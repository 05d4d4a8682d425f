"""Batch input: folders, manifests and single PDFs become named, content-hashed documents."""

from __future__ import annotations

import hashlib

import pytest

from services.batch.inputs import InputError, scan

PDF_A = b"%PDF-1.7\n% a\n%%EOF\n"
PDF_B = b"%PDF-1.7\n% b\n%%EOF\n"


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_when_a_folder_is_scanned_then_its_pdfs_are_found_recursively_in_a_stable_order(tmp_path):
    _write(tmp_path / "in" / "b.pdf", PDF_B)
    _write(tmp_path / "in" / "sub" / "a.PDF", PDF_A)
    _write(tmp_path / "in" / "notes.txt", b"not a pdf")
    _write(tmp_path / "in" / ".hidden" / "c.pdf", PDF_A)

    documents, problems = scan(tmp_path / "in")

    assert [d.name for d in documents] == ["b.pdf", "sub/a.PDF"]
    assert documents[1].sha256 == hashlib.sha256(PDF_A).hexdigest()
    assert documents[1].size == len(PDF_A)
    assert problems == []


def test_when_the_output_folder_is_inside_the_input_then_its_files_are_not_inputs(tmp_path):
    _write(tmp_path / "in" / "a.pdf", PDF_A)
    _write(tmp_path / "in" / "out" / "redacted" / "a.pdf", PDF_B)

    documents, _ = scan(tmp_path / "in", exclude=tmp_path / "in" / "out")

    assert [d.name for d in documents] == ["a.pdf"]


def test_when_a_manifest_lists_paths_then_comments_are_skipped_and_missing_files_are_problems(tmp_path):
    _write(tmp_path / "docs" / "x" / "a.pdf", PDF_A)
    _write(tmp_path / "docs" / "y" / "b.pdf", PDF_B)
    manifest = tmp_path / "docs" / "batch.txt"
    manifest.write_text("# the week's discharge letters\nx/a.pdf\n\n" + str(tmp_path / "docs" / "y" / "b.pdf")
                        + "\ny/gone.pdf\nx/a.pdf\n", encoding="utf-8")

    documents, problems = scan(manifest)

    assert [d.name for d in documents] == ["x/a.pdf", "y/b.pdf"]
    assert [(p.name, "file not found" in p.error) for p in problems] == [("y/gone.pdf", True)]


def test_when_a_csv_manifest_is_given_then_its_path_column_is_read(tmp_path):
    _write(tmp_path / "a.pdf", PDF_A)
    manifest = tmp_path / "batch.csv"
    manifest.write_text("id,path\n1,a.pdf\n", encoding="utf-8")

    documents, _ = scan(manifest)

    assert [d.name for d in documents] == ["a.pdf"]


def test_when_a_csv_manifest_has_no_path_column_then_the_error_says_so(tmp_path):
    manifest = tmp_path / "batch.csv"
    manifest.write_text("id,file\n1,a.pdf\n", encoding="utf-8")

    with pytest.raises(InputError, match="'path' column"):
        scan(manifest)


def test_when_one_pdf_is_given_then_it_is_a_batch_of_one(tmp_path):
    pdf = _write(tmp_path / "only.pdf", PDF_A)

    documents, _ = scan(pdf)

    assert [d.name for d in documents] == ["only.pdf"]


def test_when_two_entries_would_share_an_output_name_then_they_get_distinct_names(tmp_path):
    _write(tmp_path / "a.pdf", PDF_A)
    _write(tmp_path / "a", PDF_B)
    manifest = tmp_path / "list.txt"
    manifest.write_text("a.pdf\na\n", encoding="utf-8")

    documents, _ = scan(manifest)

    assert documents[0].name == "a.pdf"
    assert documents[1].name == f"a-{hashlib.sha256(PDF_B).hexdigest()[:12]}.pdf"


@pytest.mark.parametrize("setup, message", [
    (lambda root: root / "missing", "does not exist"),
    (lambda root: (root / "empty").mkdir() or root / "empty", "no PDF files"),
    (lambda root: _write(root / "list.txt", b"# nothing yet\n"), "lists no documents"),
    (lambda root: _write(root / "scan", PDF_A), "looks like a PDF"),
    (lambda root: _write(root / "blob.bin", b"\xff\xfe\x00binary"), "neither a PDF nor a text manifest"),
])
def test_when_the_input_cannot_be_used_then_the_error_says_why(tmp_path, setup, message):
    with pytest.raises(InputError, match=message):
        scan(setup(tmp_path))
