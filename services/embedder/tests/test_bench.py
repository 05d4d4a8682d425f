"""The benchmark's parts: phrase pools, the load driver against a real server, and the printed verdicts."""

from __future__ import annotations

from services.embedder.texts import normalise
from tools.embedder import bench, precision_bench
from tools.synthetic.phrases import phrase_pool, zipf_indices


def test_phrase_pools_are_seeded_distinct_short_and_disjoint_when_asked():
    pool = phrase_pool(3000, seed=1)
    assert pool == phrase_pool(3000, seed=1)
    assert len({normalise(p, True) for p in pool}) == 3000
    assert 4 <= sum(len(p.split()) for p in pool) / len(pool) <= 6
    other = phrase_pool(1000, seed=2, exclude={normalise(p, True) for p in pool})
    assert not {normalise(p, True) for p in other} & {normalise(p, True) for p in pool}


def test_zipf_ranks_follow_the_power_law():
    ranks = zipf_indices(50_000, 200_000, s=1.1, seed=3)
    counts = {r: int((ranks == r).sum()) for r in (0, 1, 9)}
    # P(rank k) ~ 1/k**1.1: rank 1 is drawn about 2.1x as often as rank 2 and 12.6x as often as rank 10.
    assert 1.8 < counts[0] / counts[1] < 2.5
    assert 9 < counts[0] / counts[9] < 17


def test_the_report_prints_every_figure_with_its_target_and_verdict():
    fig = bench.Figures(raw_by_batch={32: 400.0}, raw_best_batch=32, raw_best=400.0, service=380.0,
                        service_single=200.0, hit_p50_ms=0.8, hit_p99_ms=6.0, hit_busy_p50_ms=1.0,
                        hit_busy_p99_ms=9.0, zipf_hit_rate=0.75, zipf_throughput=1300.0,
                        settings={"model_name": "m", "model_version": "v", "max_batch_size": 64, "max_wait_ms": 2,
                                  "cache": {"maxsize": 1000}})
    text = bench.report(fig, per_call=8, clients=16, zipf_s=1.1, pool_size=50_000)
    assert "0.95 x fig 1 (target >= 0.95) PASS" in text
    assert "0.50 x fig 1 (target >= 0.70) MISS" in text
    assert "p99   6.00 ms   (target p99 < 5 ms) MISS" in text
    assert "throughput / fig 2 = 3.42; target >= 0.8 / (1 - h) = 3.20 PASS" in text


def test_the_load_driver_counts_texts_and_cache_hits_from_a_real_server():
    from services.embedder.server import serve
    from services.embedder.settings import load_config
    from services.embedder.tests.fakes import FakeModel
    from veil.clients.embedder import EmbedderClient

    config = load_config(overrides={"embedder_host": "127.0.0.1", "embedder_port": 0, "embedder_metrics_port": 0},
                         environ={})
    server, port = serve(config, model=FakeModel())
    try:
        client = EmbedderClient(f"127.0.0.1:{port}")
        stream = iter(["a", "b", "a", "c", "a", "b"] * 5)
        texts, hits, elapsed = bench.drive(client, bench._Feed(stream, 3), clients=2, seconds=5, warmup=0)
        # Calls of 3 with repeats dropped: [a, b] and [c, a, b] five times over.
        assert texts == 25
        # Only the first a, b and c are computed; a text that two calls miss at the same moment
        # counts as a miss for both (it is computed once, but neither got it from the cache).
        assert 20 <= hits <= 22 and 0 < elapsed < 5  # the feed ran dry: the window ends with it
    finally:
        server.stop(0).wait(10)


def test_when_the_benchmark_gets_bad_options_then_it_says_why_before_starting_anything(capsys):
    from tools.cli import main

    assert main(["bench", "embedder", "--pool-size", "1000"]) == 2
    assert "at least 50000" in capsys.readouterr().err
    assert main(["bench", "embedder", "--clients", "0"]) == 2
    assert "must be positive" in capsys.readouterr().err
    assert main(["bench", "embedder", "--batch-sizes", "8,x"]) == 2
    assert "comma-separated integers" in capsys.readouterr().err


def test_the_load_driver_counts_only_calls_that_complete_inside_the_window():
    import time

    class SlowClient:
        def embed(self, texts):
            time.sleep(0.3)

            class Res:
                cache_hits = 1
            return Res()

    stream = iter(["x"] * 10_000)
    texts, hits, measured = bench.drive(SlowClient(), bench._Feed(stream, 1), clients=2, seconds=1.0, warmup=0.5)
    # Completions at 0.3, 0.6, 0.9, 1.2, 1.5 s per client; the window is [0.5, 1.5] s: 4 each, give or take one.
    assert measured == 1.0 and 6 <= texts <= 10 and hits == texts


def test_the_precision_report_prints_both_side_by_side_the_speedup_line_and_the_gate():
    rows = [precision_bench.Row("phrases", 64, 800, 300.0, 660.0), precision_bench.Row("phrases", 128, 1600, 310.0, 690.0),
            precision_bench.Row("paragraphs", 8, 1100, 20.0, 40.0), precision_bench.Row("paragraphs", 16, 2200, 21.0, 50.0)]
    # 128 phrases is not 5% faster than 64 (the knee); 16 paragraphs are.
    assert precision_bench._knee(rows[:2]).batch == 64 and precision_bench._knee(rows[2:]).batch == 16
    fig = precision_bench.PrecisionFigures("bfloat16", "abc", "abc-bf16-1234", rows,
                                           {"summary": "cosine ... PASS", "phrases": {"mean": 0.99998, "min": 0.9999},
                                            "paragraphs": {"mean": 0.99997, "min": 0.9998}},
                                           best_phrase_batch=64, best_paragraph_batch=16, max_batch_tokens=2200)
    lines = precision_bench.report_lines(fig)
    # sqrt(2.2 x 2.38) = 2.29
    assert "speed-up over float32: 2.29x" in lines
    assert any(line.startswith("  phrases") and "660.0" in line and "2.20x  <- best" in line for line in lines)
    assert any("max batch tokens 2200 (16 paragraphs" in line for line in lines)
    assert any("fidelity gate: cosine ... PASS" in line for line in lines)
