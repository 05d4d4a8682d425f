"""The embedder's commands: cache sizing (file and inference store), sample logs, model build and info."""

from __future__ import annotations

import time

import pytest

from tools.cli import main
from tools.embedder import sizing


def _log(path, phrases):
    path.write_text("\n".join(phrases) + "\n", encoding="utf-8")
    return path


def test_sizing_replays_through_the_lru_and_finds_the_working_set():
    # 30 phrases cycled: an LRU smaller than 30 always misses, one of 30 or more always hits after the first pass.
    phrases = [f"phrase {i % 30}" for i in range(3000)]
    report = sizing.size_cache(phrases, sizes=[10, 29, 30, 100])
    rates = {r.maxsize: r.hit_rate for r in report.results}
    assert rates[10] == 0.0 and rates[29] == 0.0
    assert rates[30] == pytest.approx(0.99) and rates[100] == pytest.approx(0.99)
    assert report.recommended.maxsize == 30 and report.distinct == 30
    assert 1000 < report.bytes_per_entry < 4000  # a 1,536-byte row plus key and bookkeeping
    assert report.results[0].memory_bytes == int(10 * report.bytes_per_entry)


def test_the_recommendation_weighs_miss_rates_because_misses_are_what_cost_model_time():
    results = [sizing.SizeResult(n, h, n, n * 2000, 1000.0) for n, h in
               [(1000, 0.90), (2000, 0.93), (5000, 0.946), (9000, 0.949), (20000, 0.95)]]
    # Best miss rate 0.05; 10% more is 0.055: 0.946 (miss 0.054) is the smallest that qualifies.
    assert sizing.recommend(results, 0.10, 1024).maxsize == 5000
    assert sizing.recommend(results, 0.0, 1024).maxsize == 20000
    assert sizing.recommend(results, 0.10, memory_budget_mb=5).maxsize == 2000


def test_when_the_memory_budget_is_small_then_the_recommendation_stays_inside_it():
    phrases = [f"phrase {i % 300}" for i in range(3000)]
    report = sizing.size_cache(phrases, sizes=[10, 100, 300], memory_budget_mb=0.3)
    assert report.recommended.memory_bytes <= 0.3 * 2**20


def test_veil_cache_size_prints_the_table_recommends_and_writes_a_png(tmp_path, capsys):
    log = _log(tmp_path / "phrases.txt", [f"Phrase {i % 40}" for i in range(2000)] + ["", "   "])
    plot = tmp_path / "sizing.png"
    assert main(["cache", "size", str(log), "--sizes", "10,40,100", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "2,000 requests, 40 distinct phrases" in out
    assert "recommended maxsize: 40" in out and "<- recommended" in out and "ns/lookup" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv, message", [
    (["cache", "size"], "give a phrase log file or --from-store URL"),
    (["cache", "size", "/nonexistent/log.txt"], "no such file"),
    (["cache", "size", "LOG", "--sizes", "ten"], "invalid literal"),
    (["cache", "size", "EMPTY"], "holds no phrases"),
])
def test_when_cache_size_gets_bad_input_then_it_says_why_and_exits_2(tmp_path, capsys, argv, message):
    _log(tmp_path / "log.txt", ["a", "b"])
    (tmp_path / "empty.txt").write_text("\n \n")
    argv = [str(tmp_path / "log.txt") if a == "LOG" else str(tmp_path / "empty.txt") if a == "EMPTY" else a
            for a in argv]
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_veil_cache_size_replays_the_inference_store_oldest_first(database, capsys, tmp_path):
    from services.classifier.inference import InferenceRecord, InferenceStore

    store = InferenceStore(database)
    store.migrate()
    now = time.time()
    texts = [f"text {i % 5}" for i in range(50)]
    store.insert([InferenceRecord("req", "team", "phi-type", "1", t, "NONE", 0.9, created_at=now + i)
                  for i, t in enumerate(texts)])
    store.close()
    assert sizing.phrases_from_store(database.url) == texts
    assert main(["cache", "size", "--from-store", database.url, "--sizes", "2,5",
                 "--plot", str(tmp_path / "p.png")]) == 0
    out = capsys.readouterr().out
    assert "inference store (50 texts)" in out and "recommended maxsize: 5" in out


def test_veil_cache_sample_log_writes_a_seeded_zipf_log(tmp_path, capsys):
    out = tmp_path / "log.txt"
    assert main(["cache", "sample-log", str(out), "--requests", "5000", "--pool-size", "2000"]) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 5000 and len(set(lines)) < 2000
    head = lines[:20]
    assert main(["cache", "sample-log", str(out), "--requests", "5000", "--pool-size", "2000"]) == 0
    assert out.read_text().splitlines()[:20] == head
    assert 3 <= sum(len(x.split()) for x in lines) / len(lines) <= 7


@pytest.mark.model
def test_veil_model_build_is_quick_and_idempotent_when_built(default_model_dir, capsys):
    start = time.perf_counter()
    assert main(["model", "build"]) == 0
    assert f"already built: {default_model_dir}" in capsys.readouterr().out
    assert main(["model", "info"]) == 0
    out = capsys.readouterr().out
    assert "built:" in out and "yes" in out and default_model_dir.name in out
    assert time.perf_counter() - start < 30  # a guard against rebuilding, not a speed target
