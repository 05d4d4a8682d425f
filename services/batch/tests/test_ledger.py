"""The resume ledger: atomic per-hash entries, and which documents a rerun leaves alone."""

from __future__ import annotations

import hashlib

import pytest

from services.batch import ledger
from services.batch.ledger import Ledger

SHA = hashlib.sha256(b"document").hexdigest()


def _done(out, sha=SHA):
    (out / "redacted").mkdir(parents=True, exist_ok=True)
    (out / "redacted" / "a.pdf").write_bytes(b"%PDF-1.7 redacted")
    return {"sha256": sha, "status": ledger.DONE, "names": ["a.pdf"], "outputs": ["redacted/a.pdf"]}


def test_when_an_entry_is_recorded_then_it_reads_back_and_no_temporary_file_is_left(tmp_path):
    book = Ledger(tmp_path)
    book.record(_done(tmp_path))

    assert book.get(SHA)["outputs"] == ["redacted/a.pdf"]
    assert [p.name for p in (tmp_path / "ledger").iterdir()] == [f"{SHA}.json"]


def test_when_the_same_document_is_recorded_twice_then_the_ledger_counts_it_once(tmp_path):
    book = Ledger(tmp_path)
    book.record(_done(tmp_path))
    book.record(_done(tmp_path))

    assert len(list(book.entries())) == 1


def test_when_a_document_is_done_then_a_rerun_skips_it_while_its_output_exists(tmp_path):
    book = Ledger(tmp_path)
    book.record(_done(tmp_path))

    assert book.is_settled(book.get(SHA))
    (tmp_path / "redacted" / "a.pdf").unlink()
    assert not book.is_settled(book.get(SHA))


@pytest.mark.parametrize("kind, settled, settled_with_retry", [
    (ledger.REJECTED, True, False),
    (ledger.UNAVAILABLE, False, False),
    (ledger.CRASHED, False, False),
    (ledger.UNVERIFIED, False, False),
])
def test_when_a_document_failed_then_only_rejected_ones_are_skipped_unless_retried(tmp_path, kind, settled,
                                                                                   settled_with_retry):
    book = Ledger(tmp_path)
    book.record({"sha256": SHA, "status": ledger.FAILED, "kind": kind, "error": "...", "names": ["a.pdf"]})

    assert book.is_settled(book.get(SHA)) is settled
    assert book.is_settled(book.get(SHA), retry_failed=True) is settled_with_retry


def test_when_an_entry_is_unreadable_then_it_is_ignored_so_the_document_is_redone(tmp_path):
    book = Ledger(tmp_path)
    book.folder.mkdir(parents=True)
    book.path(SHA).write_text("{not json", encoding="utf-8")

    assert book.get(SHA) is None
    assert list(book.entries()) == []


def test_when_a_key_is_not_a_content_hash_then_it_is_refused(tmp_path):
    with pytest.raises(ValueError):
        Ledger(tmp_path).path("../../etc/passwd")
