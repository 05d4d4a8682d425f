"""Throughput accounting with hand-made numbers: the processing window only, start-up apart."""

from __future__ import annotations

import pytest

from tools.peers.throughput import Throughput, ratio, window


def test_rates_divide_documents_and_words_by_the_processing_seconds_only():
    t = Throughput(documents=60, words=24_000, seconds=20.0, startup_seconds=40.0)
    assert t.documents_per_s == 3.0
    assert t.words_per_s == 1200.0


def test_without_processing_time_there_is_no_rate():
    t = Throughput(documents=0, words=0, seconds=0.0)
    assert t.documents_per_s is None and t.words_per_s is None
    assert t.as_dict()["documents_per_s"] is None


def test_the_window_runs_from_the_first_submit_to_the_last_result_whatever_overlaps():
    # three documents, two in flight at once: 10.0 -> 14.0, 10.5 -> 12.0, 12.1 -> 15.5
    assert window([(10.0, 14.0), (10.5, 12.0), (12.1, 15.5)]) == pytest.approx(5.5)
    assert window([]) == 0.0


def test_the_ratio_is_first_over_second_and_unknown_without_a_rate():
    assert ratio(2.0, 5.0) == pytest.approx(0.4)
    assert ratio(None, 5.0) is None and ratio(2.0, None) is None and ratio(2.0, 0.0) is None
