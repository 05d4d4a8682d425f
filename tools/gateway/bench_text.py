"""How long the gateway's own work on POST /v1/deidentify/text takes, by request size: detection (patterns,
candidates, hybrid search, propagation) and the operators, with the phrase model replaced by a dictionary so
the classifier's calls (which come on top, one batched call per 512 distinct phrases) are not measured.

Run: `python -m tools.gateway.bench_text` (prints one line per size; the figures in the gateway README).
"""

from __future__ import annotations

import time

from services.gateway import operators, options, text_pipeline
from services.gateway.pipeline import vocabulary
from services.gateway.pipeline.deidentify import Pipeline
from services.gateway.pipeline.predict import PhraseModels

NOTE = ("Patient Maria Gonzalez was admitted on 03/07/2019 and seen by Dr. John Smith at St. Mary's Hospital.\n\n"
        "Ms. Gonzalez went home on 03/12/2019. Gonzalez will call 617-555-0134 or maria.gonzalez@example.com.")
_NAMES = {"Maria Gonzalez", "John Smith"}


def _dictionary_model(phrases):
    return [{"PERSON": 0.99, "NONE": 0.01} if p in _NAMES else {"PERSON": 0.01, "NONE": 0.99} for p in phrases]


def main() -> int:
    vocabulary.preload()
    pipeline = Pipeline(None, PhraseModels(dl=_dictionary_model))
    opts = options.parse({"operators": {"PERSON": {"type": "surrogate"}, "DATE": {"type": "date_shift"}}})
    text_pipeline.deidentify(pipeline, [NOTE], opts, operators.Document(hash_key=b"k"))  # warm-up
    for n in (1, 10, 100, 1000):
        texts = [NOTE] * n
        start = time.perf_counter()
        text_pipeline.deidentify(pipeline, texts, opts, operators.Document(hash_key=b"k"))
        seconds = time.perf_counter() - start
        kib = sum(len(t.encode("utf-8")) for t in texts) / 1024
        print(f"{n:5d} texts  {kib:7.1f} KiB  {seconds * 1000:8.1f} ms  {kib / seconds:7.1f} KiB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
