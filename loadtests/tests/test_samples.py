"""The request samples look like production: a large pool, Zipf-like repetition, PDFs of several sizes."""

from __future__ import annotations

import json
from collections import Counter

import fitz
import numpy as np
import pytest

from tools.loadtest import samples


@pytest.fixture(scope="module")
def pool():
    return samples.phrase_pool()


def test_the_default_pool_holds_at_least_fifty_thousand_distinct_short_phrases(pool):
    assert len(pool) == samples.DEFAULT_POOL_SIZE >= 50_000
    assert len(set(pool)) == len(pool)
    words = np.array([len(p.split()) for p in pool])
    assert 2 <= np.median(words) <= 6
    assert all("\t" not in p and "\n" not in p and "${" not in p for p in pool)


def test_the_pool_mixes_identifiers_and_clinical_text(pool):
    text = " ".join(pool[:5000])
    for marker in ("MRN ", "DOB ", "@", "Dr. ", "mg ", "history of", "-year-old"):
        assert marker in text


def test_the_same_seed_gives_the_same_pool_and_another_seed_another():
    assert samples.phrase_pool(500, seed=3) == samples.phrase_pool(500, seed=3)
    assert samples.phrase_pool(500, seed=3) != samples.phrase_pool(500, seed=4)


def test_zipf_weights_rank_the_first_phrase_highest_and_sum_to_one():
    w = samples.zipf_weights(1000, 1.0)
    assert w.sum() == pytest.approx(1.0)
    assert np.all(np.diff(w) < 0)
    assert w[0] / w[9] == pytest.approx(10.0)
    assert np.allclose(samples.zipf_weights(10, 0.0), 0.1)
    with pytest.raises(ValueError):
        samples.zipf_weights(10, -1)


def test_draws_repeat_popular_phrases_yet_reach_deep_into_the_pool(pool):
    drawn = samples.draw(pool, 50_000, rng=np.random.default_rng(1))
    counts = Counter(drawn)
    # Popular phrases dominate, as in production traffic (what makes the cache pay)...
    assert counts.most_common(1)[0][0] == pool[0]
    assert 0.05 < counts[pool[0]] / len(drawn) < 0.12
    # ...but it is not a handful of samples replayed: thousands of distinct phrases, many seen once.
    assert len(counts) > 10_000
    assert sum(1 for c in counts.values() if c == 1) > 5_000


def test_a_classify_csv_has_one_json_array_of_batch_texts_per_line(tmp_path, pool):
    path = tmp_path / "b32.csv"
    stats = samples.write_classify_csv(path, pool, rows=100, batch=32, seed=5)
    rows = samples.read_classify_csv(path)
    assert len(rows) == 100 and all(len(r) == 32 for r in rows)
    known = set(pool)
    assert all(isinstance(t, str) and t in known for r in rows for t in r)
    raw = path.read_text()
    assert "\t" not in raw  # the plans read each whole line as one value (tab-delimited)
    assert stats.phrases == 3200 and stats.rows == 100
    assert stats.distinct == len({t for r in rows for t in r})
    assert 0 < stats.repeat_share < 1


def test_pdf_samples_come_in_several_sizes_and_are_real_clinical_documents(tmp_path):
    made = samples.write_pdfs(tmp_path, {"small": 1, "large": 5}, files_per_size=2, seed=2)
    assert sorted(made) == ["large", "small"] and all(len(v) == 2 for v in made.values())
    words = {}
    for name, pages in (("small", 1), ("large", 5)):
        for path in made[name]:
            with fitz.open(path) as doc:
                assert doc.page_count == pages
                text = " ".join(page.get_text() for page in doc)
            # Identifiers to find (the redactor's generator, or ours as the fallback).
            assert any(marker in text for marker in ("MRN", "Medical Record", "DOB", "Date of Birth"))
            words[path.name] = len(text.split())
    # More pages, more text to de-identify: the sizes differ in work, not just in name.
    assert min(words[p.name] for p in made["large"]) > 3 * max(words[p.name] for p in made["small"])
    # Different files are different patients, so a per-document cache cannot make repeats free.
    assert made["small"][0].read_bytes() != made["small"][1].read_bytes()


def test_the_pdf_csv_lists_absolute_paths_in_the_weighted_proportions(tmp_path):
    made = samples.write_pdfs(tmp_path / "pdfs", {"small": 1, "large": 2}, files_per_size=1)
    path = tmp_path / "pdfs.csv"
    samples.write_pdf_csv(path, made, rows=1000, weights={"small": 0.8, "large": 0.2})
    rows = samples.read_pdf_csv(path)
    assert len(rows) == 1000 and all(r.startswith("/") for r in rows)
    small = sum(1 for r in rows if "small" in r) / len(rows)
    assert 0.75 < small < 0.85


def test_generate_writes_every_data_set_the_plans_read(tmp_path):
    made = samples.generate(tmp_path, pool_size=2000, rows_batch1=300, rows_batch32=20, pdf_files_per_size=1,
                            pdf_rows=10, pdf_sizes={"small": 1})
    assert [json.loads(line) for line in made.batch1.read_text().splitlines()][0].__class__ is list
    assert len(made.batch1.read_text().splitlines()) == 300
    assert len(made.batch32.read_text().splitlines()) == 20
    assert len(made.pdfs.read_text().splitlines()) == 10
    assert list(samples.describe(made.stats))[0].startswith("classify-b1.csv: 300 rows")
