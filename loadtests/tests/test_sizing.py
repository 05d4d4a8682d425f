"""Choosing a configuration from a sweep: capacity within the objective, the table, the plot."""

from __future__ import annotations

import argparse
import math

import pytest

from tools.loadtest import jtl, sizing
from tools.loadtest.sizing import Point, PointResult, Step


def _step(point, users, rps, p95, errors=0.0):
    return Step(point, users, count=1000, throughput=rps, p50_ms=p95 / 3, p90_ms=p95 * 0.8, p95_ms=p95,
                p99_ms=p95 * 1.5, error_rate=errors)


def _result(workers, threads, *steps):
    point = Point(workers, threads, 64, 2.0)
    return PointResult(point, [_step(point, *s) for s in steps])


def test_the_grid_groups_points_by_embedder_settings_so_it_restarts_rarely():
    points = sizing.grid([1, 2], [4], [32, 64], [0.0, 2.0])
    assert len(points) == 8
    embedders = [p.embedder for p in points]
    changes = sum(1 for a, b in zip(embedders, embedders[1:]) if a != b)
    assert changes == 3  # four embedder settings, each started once


def test_a_step_meets_the_objective_only_within_latency_and_errors():
    p = Point(1, 1, 64, 2.0)
    assert _step(p, 4, 100, 99).meets(100)
    assert not _step(p, 4, 100, 101).meets(100)
    assert not _step(p, 4, 100, 50, errors=0.02).meets(100)
    assert _step(p, 4, 100, 50, errors=0.02).meets(100, max_error_rate=0.05)
    assert not Step(p, 4, 0, 0.0, math.nan, math.nan, math.nan, math.nan, 0.0).meets(100)
    assert _step(p, 4, 100, 150).meets(100, percentile=50)


def test_capacity_is_the_most_throughput_among_steps_within_the_objective():
    r = _result(2, 4, (2, 80, 20), (8, 200, 60), (24, 260, 180))
    assert r.capacity(100).users == 8 and r.capacity(100).throughput == 200
    assert r.capacity(200).users == 24
    assert _result(1, 1, (2, 10, 500)).capacity(100) is None


def test_the_best_point_has_the_most_capacity():
    small = _result(1, 2, (2, 50, 30), (8, 90, 150))
    big = _result(3, 8, (2, 60, 20), (8, 240, 70), (24, 300, 160))
    assert sizing.choose_best([small, big], 100) is big


def test_among_points_within_five_percent_the_one_with_fewer_workers_wins():
    two = _result(2, 8, (8, 245, 70))
    three = _result(3, 8, (8, 250, 60))
    assert sizing.choose_best([three, two], 100) is two
    assert sizing.choose_best([three, _result(2, 8, (8, 200, 70))], 100) is three


def test_no_point_meeting_the_objective_means_no_best_and_a_message_saying_what_to_do():
    results = [_result(1, 1, (2, 10, 500))]
    assert sizing.choose_best(results, 100) is None
    assert "no configuration met p95 <= 100 ms" in sizing.describe_best(None, 100, 95)


def test_the_table_marks_the_best_point_and_explains_the_misses():
    best = _result(2, 8, (2, 80, 20), (8, 200, 60), (24, 260, 180, 0.0))
    missed = _result(1, 2, (2, 30, 150))
    failed = PointResult(Point(4, 8, 64, 2.0), error="classifier was not ready after 240s")
    table = sizing.format_table([best, missed, failed], 100, best=best)
    lines = table.splitlines()
    assert lines[0].startswith("| workers | threads | embedder batch | wait ms | capacity req/s")
    assert "| 2 | 8 | 64 | 2 | 200.0 **best** | 8 |" in lines[2]
    assert "24 users: 260.0, 180" in lines[2]
    assert "0 (objective missed)" in lines[3]
    assert "not measured" in lines[4] and "not ready" in lines[4]
    text = sizing.describe_best(best, 100, 95)
    assert "VEIL_CLASSIFIER_WORKERS=2 VEIL_CLASSIFIER_THREADS=8" in text and "200.0 req/s" in text


def test_the_plot_is_a_png(tmp_path):
    best = _result(2, 8, (2, 80, 20), (8, 200, 60))
    path = sizing.plot([best, _result(1, 2, (2, 30, 150))], 100, tmp_path / "s.png", best=best, title="t")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_the_default_sweep_is_bounded_to_about_ten_minutes():
    points = sizing.grid(sizing.DEFAULT_WORKERS, sizing.DEFAULT_THREADS, sizing.DEFAULT_MAX_BATCH_SIZES,
                         sizing.DEFAULT_MAX_WAIT_MS)
    bound = sizing.estimate_seconds(points, sizing.DEFAULT_USERS, sizing.DEFAULT_STEP_SECONDS,
                                    sizing.DEFAULT_WARMUP_SECONDS)
    assert bound <= 13 * 60


def _args(**overrides):
    p = argparse.ArgumentParser()
    sizing.add_arguments(p)
    args = p.parse_args([])
    for k, v in overrides.items():
        setattr(args, k, v)
    return args


@pytest.mark.parametrize("overrides, message", [
    ({"workers": (0,)}, "--workers"),
    ({"users": (8, 2)}, "--users must rise"),
    ({"max_wait_ms": (-1.0,)}, "--max-wait-ms"),
    ({"step_seconds": 1}, "--step-seconds"),
    ({"embedder": "10.0.0.7:50051"}, "an embedder on this machine"),
    ({"embedder": "127.0.0.1:50051", "max_wait_ms": (0.0, 2.0)}, "its own batch settings"),
])
def test_bad_sweep_options_are_refused_with_the_option_named(overrides, message, capsys):
    assert sizing.main(_args(**overrides)) == 2
    assert message in capsys.readouterr().err


def test_a_dry_run_lists_the_points_and_their_time_and_starts_nothing(capsys):
    args = _args(workers=(1, 2), threads=(4,), dry_run=True)
    assert sizing.main(args) == 0
    out = capsys.readouterr().out
    assert "2 points x up to 4 steps" in out and "1w x 4t" in out and "2w x 4t" in out


def test_an_embedder_that_does_not_answer_is_reported_before_anything_starts(capsys):
    from veil.procs import free_port

    assert sizing.main(_args(embedder=f"127.0.0.1:{free_port()}")) == 2
    assert "no embedder answers" in capsys.readouterr().err


def test_a_missing_model_is_reported_before_anything_starts(tmp_path, capsys):
    assert sizing.main(_args(registry=tmp_path / "empty-registry")) == 2
    assert "no active version of model 'phi-type'" in capsys.readouterr().err


def test_steps_take_the_overall_figures_of_a_run():
    stats = jtl.Stats("all requests", 10, 1, 5.0, 3.0, 2.0, 4.0, 5.0, 6.0, 7.0)
    step = Step.from_stats(Point(1, 1, 64, 2.0), 4, stats)
    assert (step.throughput, step.p95_ms, step.error_rate) == (5.0, 5.0, 0.1)


def test_a_previous_sweep_is_reported_again_for_another_objective_without_measuring(tmp_path, capsys):
    fast = _result(2, 8, (1, 60, 30), (2, 90, 60), (4, 120, 95))
    slow = _result(1, 8, (1, 40, 40), (2, 70, 55))
    args = _args()
    sizing._write_outputs(tmp_path, [fast, slow], args, "table", None, 60.0, "2 cores (test)")
    data, results = sizing.load_results(tmp_path)
    assert data["machine"] == "2 cores (test)" and results[0].steps[2].p95_ms == 95
    assert sizing.main(_args(from_folder=tmp_path, objective_ms=58.0)) == 0
    out = capsys.readouterr().out
    # Within 58 ms: 1w x 8t reaches 70 req/s at 2 users, 2w x 8t only 60 req/s at 1 user.
    assert "best: VEIL_CLASSIFIER_WORKERS=1 VEIL_CLASSIFIER_THREADS=8" in out
    assert (tmp_path / "sizing.png").exists()
    assert sizing.main(_args(from_folder=tmp_path / "missing")) == 2
