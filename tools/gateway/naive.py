"""The naive baseline `veil bench pipeline` measures against: paragraphs one by one in document
order, one model call per paragraph, no blobs, no de-duplication of phrases.

It lives with the benchmark, not in the production pipeline: it only replaces how findings are
gathered and reuses the pipeline's stages (extraction, redaction, repair, report) as they are.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

from services.gateway.pipeline import hybrid
from services.gateway.pipeline.deidentify import Outcome, Pipeline, _Doc
from services.gateway.pipeline.document import Findings
from services.gateway.pipeline.predict import PhraseModels, predict_phrases
from services.gateway.pipeline.propagation import Propagator
from services.gateway.pipeline.tagging import tag_texts
from veil.contracts import paragraphs_from_extraction


class NaivePipeline(Pipeline):
    mode = "naive"

    def run(self, pdf: bytes) -> Outcome:
        doc = _Doc(pdf)
        with self._stage(doc, "extract"):
            doc.extraction = self._extract(pdf)
        doc.paragraphs = paragraphs_from_extraction(doc.extraction)
        # No blobs: one document-wide propagation in reading order, one paragraph at a time.
        propagator = Propagator()
        findings = Findings()
        for p in doc.paragraphs:
            with self._stage(doc, "blobs"):
                pp = hybrid.prepare([p])[0]
            with self._stage(doc, "predict"):
                if self.models.tagger is not None:
                    pp = replace(pp, tags=tag_texts([p.text], self.models.tagger, 1)[0])
                phrases = [c.text for c in pp.candidates]
                table = predict_phrases(phrases, PhraseModels(self.models.dl, self.models.ml, self.models.ml_weight),
                                        batch_size=max(1, len(phrases))) if phrases else None
            with self._stage(doc, "hybrid_search"):
                one = hybrid.search_paragraph(pp, table.lookup if table else _no_phrases, propagator,
                                              self.options.search)
            findings.entities.extend(one.entities)
            findings.review.extend(one.review)
            doc.prepared.append(pp)
        return self._finish(doc, findings, distinct_phrases=None)

    def run_many(self, pdfs: Sequence[bytes], return_exceptions: bool = False) -> list[Any]:
        return [self._guard(self.run, pdf, return_exceptions) for pdf in pdfs]


def _no_phrases(_phrase: str):  # pragma: no cover - a paragraph without candidates never looks up
    raise KeyError(_phrase)
