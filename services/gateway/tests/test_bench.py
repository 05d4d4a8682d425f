"""`veil bench pipeline`'s accounting: both modes over the same documents, the naive run in parts, the median."""

from __future__ import annotations

import pytest

from services.gateway.assembly import LocalRedactor
from services.gateway.tests.test_predict_and_hybrid import RecordingModel
from tools.gateway import bench


@pytest.fixture(scope="module")
def pdfs():
    from tools.synthetic import samples

    return [samples.generate(seed, pages=2, paragraphs=2).pdf for seed in (7, 8, 9)]


def test_the_naive_mode_calls_the_model_per_paragraph_and_the_default_once_for_all_documents(pdfs):
    naive = bench.run_mode("naive", pdfs, LocalRedactor(), RecordingModel({}), None, 0.0, document_workers=3)
    default = bench.run_mode("default", pdfs, LocalRedactor(), RecordingModel({}), None, 0.0, document_workers=3)
    assert default.dl_calls == 1 and naive.dl_calls > 10 * default.dl_calls
    assert naive.dl_phrases > default.dl_phrases   # the default mode sends each distinct phrase once
    assert naive.documents == default.documents == naive.verified == default.verified == 3
    assert set(default.stages) == set(bench.STAGES)


def test_a_naive_run_in_halves_adds_up_to_the_run_over_the_whole_corpus(pdfs):
    whole = bench.run_mode("naive", pdfs, LocalRedactor(), RecordingModel({}), None, 0.0, document_workers=1)
    halves = [bench.run_mode("naive", part, LocalRedactor(), RecordingModel({}), None, 0.0, document_workers=1)
              for part in (pdfs[:1], pdfs[1:])]
    total = bench.combined(halves)
    assert (total.dl_calls, total.dl_phrases, total.entities, total.documents, total.verified) == \
        (whole.dl_calls, whole.dl_phrases, whole.entities, whole.documents, whole.verified)
    assert total.seconds == pytest.approx(sum(h.seconds for h in halves))
    assert total.stages["redact"] == pytest.approx(sum(h.stages["redact"] for h in halves))


def test_the_default_figure_is_the_median_run_and_every_run_is_listed():
    runs = [bench.RunResult("default", s) for s in (7.4, 6.1, 6.6)]
    assert bench.median_run(runs).seconds == 6.6
    assert bench.median_run(runs[:2]).seconds == 6.1
    corpus = bench.Corpus(pdfs=[b""], paragraphs=100, pages=10, headings=5)
    text = bench.side_by_side(corpus, bench.RunResult("naive", 132.0), bench.median_run(runs), runs)
    assert "median of 3 runs, in run order 7.4, 6.1, 6.6 s" in text
    assert "speed-up (naive time / default time): 20.0x" in text
