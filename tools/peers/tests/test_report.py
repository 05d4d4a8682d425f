"""The side-by-side printout and its JSON, from hand-made counts and timings."""

from __future__ import annotations

from collections import Counter

from tools.evaluation.results import Counts, DocumentScore, Leak, aggregate
from tools.peers.report import ToolRun, format_report, recall_by_type, side_by_side, to_dict
from tools.peers.throughput import Throughput


def _result(gold: dict[str, int], removed: dict[str, int], removed_tokens: int, removed_gold: int, leaks: int,
            unlocated: int = 0):
    counts = Counts(tokens=1000, gold_tokens=sum(gold.values()), gold_removed=sum(removed.values()),
                    removed_tokens=removed_tokens, removed_gold=removed_gold,
                    gold_by_type=Counter(gold), gold_removed_by_type=Counter(removed))
    doc = DocumentScore(name="note", counts=counts, typed=True,
                        leaks=[Leak("note", f"secret {i}", "PERSON", "page 1") for i in range(leaks)],
                        unlocated=[("\u0627\u0645\u0627\u0644", "PERSON")] * unlocated)
    return aggregate([doc])


def _runs() -> list[ToolRun]:
    gold = {"PERSON": 100, "DATE": 50, "LOCATION": 50}
    veil = _result(gold, {"PERSON": 90, "DATE": 50, "LOCATION": 40}, removed_tokens=200, removed_gold=180, leaks=7,
                   unlocated=3)
    presidio = _result(gold, {"PERSON": 60, "DATE": 30, "LOCATION": 10}, removed_tokens=125, removed_gold=100,
                       leaks=42)
    return [
        ToolRun("Veil", veil, Throughput(documents=60, words=30_000, seconds=30.0, startup_seconds=20.0),
                how="4 in flight", startup="stack start-up", notes=["phi-tagger: not trained on this machine"]),
        ToolRun("Presidio", presidio, Throughput(documents=60, words=30_000, seconds=12.0, startup_seconds=3.0),
                how="2 processes", startup="engine load", failures=[("note-7", "RuntimeError: boom")]),
    ]


def test_the_table_has_one_row_per_tool_with_quality_leaks_and_throughput():
    lines = side_by_side(_runs()).splitlines()
    assert lines[0].split() == ["tool", "recall", "precision", "F2", "leaked", "strings", "docs/s", "words/s"]
    # Veil: recall 180/200, precision 180/200, F2 = 0.9; 60 documents / 30 s, 30,000 words / 30 s
    assert lines[1].split() == ["Veil", "0.900", "0.900", "0.900", "7", "2.00", "1,000"]
    # Presidio: recall 100/200 = 0.5, precision 100/125 = 0.8, F2 = 5*0.8*0.5 / (3.2+0.5) = 0.541
    assert lines[2].split() == ["Presidio", "0.500", "0.800", "0.541", "42", "5.00", "2,500"]


def test_recall_by_type_lists_each_gold_type_once_with_a_column_per_tool():
    lines = recall_by_type(_runs()).splitlines()
    assert lines[0].split()[-2:] == ["Veil", "Presidio"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert rows == {"PERSON": ["100", "0.900", "0.600"], "DATE": ["50", "1.000", "0.600"],
                    "LOCATION": ["50", "0.800", "0.200"]}
    assert [line.split()[0] for line in lines[1:]] == ["PERSON", "DATE", "LOCATION"]   # Veil's type order


def test_the_report_states_the_ratio_how_each_tool_ran_startup_apart_notes_and_failures():
    text = format_report(_runs(), corpus="60 documents", machine="2 cores", date="2026-12-07")
    assert "Veil / Presidio throughput: 0.40x in documents/s, 0.40x in words/s" in text
    assert "4 in flight; stack start-up 20.0s, not counted" in text
    assert "2 processes; engine load 3.0s, not counted" in text
    assert "Veil: phi-tagger: not trained on this machine" in text
    assert "Presidio failed on note-7: RuntimeError: boom" in text
    assert "documents failed (scored as nothing removed): Veil 0, Presidio 1" in text
    assert "gold strings not found in the input PDF's words" in text and text.count("Veil 3, Presidio 0") == 1
    assert text.rstrip().endswith("machine: 2 cores")


def test_the_json_holds_both_tools_scores_throughput_and_the_ratio():
    data = to_dict(_runs(), corpus={"documents": 60}, machine="2 cores", date="2026-12-07")
    assert set(data["tools"]) == {"Veil", "Presidio"}
    assert data["tools"]["Veil"]["throughput"] == {"documents": 60, "words": 30_000, "seconds": 30.0,
                                                   "startup_seconds": 20.0, "documents_per_s": 2.0,
                                                   "words_per_s": 1000.0}
    assert data["tools"]["Presidio"]["scores"]["total"]["recall"] == 0.5
    assert data["tools"]["Presidio"]["failures"] == [{"document": "note-7", "error": "RuntimeError: boom"}]
    assert data["ratio"] == {"tools": "Veil/Presidio", "documents_per_s": 0.4, "words_per_s": 0.4}
