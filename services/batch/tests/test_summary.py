"""The summary report: risk distribution over documents, entity totals, failures with their reasons."""

from __future__ import annotations

from services.batch import ledger, summary


def _done(sha, residual, level, persons):
    return {"sha256": sha, "status": ledger.DONE, "names": [f"{sha}.pdf"], "pages": 2,
            "risk": {"residual_risk": residual, "level": level}, "counts": {"PERSON": persons, "DATE": 1}}


ENTRIES = [_done("a" * 64, 0.0, "low", 3), _done("b" * 64, 0.3, "medium", 1), _done("c" * 64, 1.0, "high", 0),
           _done("d" * 64, 0.05, "low", 2),
           {"sha256": "e" * 64, "status": ledger.FAILED, "kind": ledger.REJECTED, "error": "not_a_pdf: ...",
            "names": ["broken.pdf"]}]


def _build(**changes):
    args = dict(documents=6, distinct=5, entries=ENTRIES, problems=[{"name": "gone.pdf", "error": "file not found"}],
                processed=3, skipped=2, copied=0, run={"seconds": 6.0, "documents_per_minute": 30.0,
                                                       "cluster": "local cluster"})
    args.update(changes)
    return summary.build(**args)


def test_when_documents_are_done_then_the_risk_distribution_counts_each_one_once():
    result = _build()["risk"]

    assert result["levels"] == {"low": 2, "medium": 1, "high": 1}
    assert [b["documents"] for b in result["histogram"]] == [2, 0, 1, 0, 1]
    assert result["residual_risk"] == {"mean": 0.3375, "p50": 0.05, "p90": 1.0, "max": 1.0}


def test_when_documents_failed_or_were_unreadable_then_each_is_listed_with_its_reason():
    result = _build()

    assert result["documents"]["done"] == 4
    assert result["documents"]["failed"] == 2
    assert result["failures"] == [
        {"name": "broken.pdf", "sha256": "e" * 64, "kind": "rejected", "error": "not_a_pdf: ..."},
        {"name": "gone.pdf", "sha256": None, "kind": "unreadable", "error": "file not found"},
    ]
    assert result["failures_by_kind"] == {"rejected": 1, "unreadable": 1}


def test_when_summarised_then_entities_are_totalled_over_the_documents_done():
    result = _build()

    assert result["entities"] == {"DATE": 4, "PERSON": 6}
    assert result["documents"]["pages_done"] == 8


def test_when_printed_then_the_text_names_counts_risk_throughput_and_failures():
    text = summary.text(_build(), "/data/out")

    assert "6 in the input (5 distinct), 4 done, 2 failed" in text
    assert "low 2, medium 1, high 1" in text
    assert "30.0 documents/minute" in text
    assert "FAILED broken.pdf: [rejected] not_a_pdf" in text


def test_when_nothing_is_done_yet_then_the_distribution_is_empty_not_an_error():
    result = _build(entries=[], problems=[])

    assert result["risk"]["levels"] == {"low": 0, "medium": 0, "high": 0}
    assert "residual_risk" not in result["risk"]
