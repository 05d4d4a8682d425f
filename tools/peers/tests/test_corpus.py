"""The same PDF bytes for both tools, and one scoring for both outputs: failures count as nothing removed."""

from __future__ import annotations

import pymupdf

from tools.evaluation.results import recall
from tools.peers import corpus


def _gold(tmp_path):
    folder = tmp_path / "gold"
    folder.mkdir()
    (folder / "visit.txt").write_text("Seen: Maria Gonzalez on 03/04/2071 for a cough.\n")
    (folder / "visit.ann").write_text("T1\tPERSON 6 20\tMaria Gonzalez\nT2\tDATE 24 34\t03/04/2071\n")
    return folder


def _blank_all(pdf: bytes) -> tuple[bytes, dict]:
    with pymupdf.open("pdf", pdf) as doc:
        for page in doc:
            for word in page.get_text("words"):
                if word[4] in ("Maria", "Gonzalez", "03/04/2071"):
                    page.add_redact_annot(pymupdf.Rect(word[:4]))
            page.apply_redactions()
        return doc.tobytes(), {"entities": []}


def test_a_text_note_is_rendered_once_and_its_words_counted(tmp_path):
    c = corpus.load(_gold(tmp_path))
    assert [d.name for d in c.documents] == ["visit"] and c.documents[0].rendered
    assert c.documents[0].pdf.startswith(b"%PDF")
    # 9 words in the body, 4 in the header ("visit", "Page 1 of 1")
    assert c.words == 13
    assert "1 documents" in c.describe() and "1 text notes rendered to PDF" in c.describe()


def test_both_outputs_are_scored_alike_and_a_failure_counts_as_nothing_removed(tmp_path):
    c = corpus.load(_gold(tmp_path))
    good, failures = corpus.score(c, [_blank_all(c.documents[0].pdf)])
    assert recall(good.counts) == 1.0 and good.leaks == [] and failures == []
    bad, failures = corpus.score(c, [RuntimeError("job failed")])
    assert failures == [("visit", "RuntimeError: job failed")]
    assert recall(bad.counts) == 0.0
    assert {leak.text for leak in bad.leaks} == {"Maria Gonzalez", "03/04/2071"}
    garbage, failures = corpus.score(c, [(b"<html>not a pdf</html>", {})])
    assert len(failures) == 1 and recall(garbage.counts) == 0.0
