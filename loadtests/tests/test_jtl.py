"""JTL parsing and the figures printed from it: throughput, error rate, nearest-rank percentiles."""

from __future__ import annotations

import math

import pytest

from tools.loadtest import jtl

HEADER = "timeStamp,elapsed,label,responseCode,success,failureMessage,bytes,grpThreads,allThreads,Latency\n"


def _row(ts, elapsed, label="classify b1", code="200", ok=True, failure="", threads=2):
    return f"{ts},{elapsed},{label},{code},{str(ok).lower()},{failure},10,{threads},{threads},{elapsed}\n"


def test_a_csv_jtl_is_read_by_column_name_with_quoted_failure_messages(tmp_path):
    path = tmp_path / "r.jtl"
    path.write_text(HEADER + _row(1000, 12) + _row(1010, 30, code="503", ok=False,
                                                    failure='"status 200, got: 503, ""unavailable"""'))
    samples = jtl.read(path)
    assert [s.elapsed_ms for s in samples] == [12, 30]
    assert samples[1].success is False and samples[1].code == "503"
    assert samples[1].failure == 'status 200, got: 503, "unavailable"'
    assert samples[0].threads == 2 and samples[0].end_ms == 1012


def test_a_line_cut_short_by_a_killed_jmeter_is_skipped(tmp_path):
    path = tmp_path / "r.jtl"
    path.write_text(HEADER + _row(1000, 12) + "1020,5,classify")
    assert len(jtl.read(path)) == 1


def test_a_jtl_without_a_header_is_refused_with_the_properties_to_set(tmp_path):
    path = tmp_path / "r.jtl"
    path.write_text(_row(1000, 12))
    with pytest.raises(jtl.JtlError, match="print_field_names"):
        jtl.read(path)


def test_an_empty_jtl_gives_no_samples_and_an_empty_summary(tmp_path):
    path = tmp_path / "r.jtl"
    path.write_text("")
    summary = jtl.summarise(jtl.read(path))
    assert summary.overall.count == 0 and math.isnan(summary.overall.p95_ms) and summary.window_s == 0


def test_percentiles_are_nearest_rank_latencies_some_sample_really_had():
    values = list(range(1, 101))
    assert jtl.percentile(values, 50) == 50
    assert jtl.percentile(values, 95) == 95
    assert jtl.percentile(values, 99) == 99
    assert jtl.percentile([7], 99) == 7
    assert jtl.percentile([10, 20, 30], 50) == 20
    assert math.isnan(jtl.percentile([], 50))


def test_summary_gives_throughput_over_the_window_and_the_error_rate():
    # 100 requests over 10 s (start of the first to end of the last), 5 of them failed.
    rows = [jtl.Sample(start_ms=1000 + i * 100, elapsed_ms=(i % 20) + 1, label="classify b1", code="200",
                       success=i % 20 != 0) for i in range(100)]
    rows[-1] = jtl.Sample(start_ms=1000 + 99 * 100, elapsed_ms=100, label="classify b1", code="200", success=True)
    summary = jtl.summarise(rows)
    s = summary.by_label["classify b1"]
    assert summary.window_s == pytest.approx(10.0)
    assert s.count == 100 and s.throughput == pytest.approx(10.0)
    assert s.errors == 5 and s.error_rate == pytest.approx(0.05)
    assert s.p50_ms == 10 and s.max_ms == 100
    assert summary.overall.count == 100


def test_warm_up_samples_are_left_out_of_the_figures():
    rows = [jtl.Sample(0, 900, "a", "200", True)] + [jtl.Sample(2000 + i, 5, "a", "200", True) for i in range(10)]
    assert jtl.summarise(rows).overall.max_ms == 900
    warm = jtl.summarise(rows, skip_first_s=1.0)
    assert warm.overall.count == 10 and warm.overall.max_ms == 5


def test_transactions_get_their_own_row_but_are_not_counted_again_in_all_requests():
    rows = [jtl.Sample(0, 10, "deid upload", "202", True), jtl.Sample(10, 5, "deid status", "200", True),
            jtl.Sample(15, 7, "deid document", "200", True), jtl.Sample(0, 600, "TX deidentify", "", True),
            jtl.Sample(20, 3, "deid status", "500", False, failure="status 200")]
    summary = jtl.summarise(rows)
    assert summary.by_label["TX deidentify"].count == 1
    assert summary.overall.count == 4 and summary.overall.errors == 1
    assert summary.top_errors == [("deid status: 500 status 200", 1)]


def test_the_table_shows_every_label_then_all_requests_with_the_percentiles():
    rows = [jtl.Sample(i * 10, 20 + i % 3, "classify b1", "200", True) for i in range(50)]
    rows += [jtl.Sample(i * 10, 200, "classify b32", "200", i != 3) for i in range(10)]
    text = jtl.format_table(jtl.summarise(rows))
    lines = text.splitlines()
    assert lines[0].split() == ["label", "samples", "errors", "error", "%", "req/s", "p50", "ms", "p90", "ms", "p95",
                                "ms", "p99", "ms", "max", "ms"]
    assert lines[2].startswith("classify b1") and lines[3].startswith("classify b32")
    assert lines[4].startswith("all requests") and " 60 " in lines[4]
    assert "measured window" in text


def test_multi_line_assertion_messages_are_listed_on_one_line():
    rows = [jtl.Sample(0, 3, "classify b1", "415", False,
                       failure="Test failed: code expected to equal /\n\n****** received  : [[[415]]]\n")]
    assert jtl.summarise(rows).top_errors == [
        ("classify b1: 415 Test failed: code expected to equal / ****** received : [[[415]]]", 1)]
