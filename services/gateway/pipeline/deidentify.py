"""The de-identification pipeline: extract -> blobs -> batch prediction -> hybrid search -> redact -> verify -> risk.

A plain library: the redactor and the phrase models are injected (HTTP clients in the
gateway, anything with the same methods elsewhere), so the job worker, the CLI's --local
mode, the benchmark and a Dask batch runner all run this same code. `run_many` predicts
for several documents in one batch, which is how a batch runner shares the model calls
across documents.

It reads top to bottom: run (prepare every document, one batch prediction, hybrid search
per blob), then finish (redact, repair what verification still found, report). The
benchmark's naive baseline builds on the same stages in tools/gateway/naive.py.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator, Sequence

from services.gateway.pipeline import hybrid, risk
from services.gateway.pipeline.document import Entity, Findings, Redactor, blobs_of
from services.gateway.pipeline.hybrid import PreparedParagraph, SearchOptions
from services.gateway.pipeline.predict import PhraseModels, PredictionTable, predict_phrases
from services.gateway.pipeline.repair import repair
from services.gateway.pipeline.report import boxes_by_span, public_entity, spans_for
from services.gateway.pipeline.tagging import tag_texts
from veil import tracing
from veil.contracts import DocumentRejected, Paragraph, paragraphs_from_extraction

__all__ = ["STAGES", "DocumentRejected", "Outcome", "Pipeline", "PipelineOptions", "Redactor"]

_log = logging.getLogger(__name__)

STAGES = ("extract", "blobs", "predict", "hybrid_search", "redact", "verify", "risk")



@dataclass(frozen=True)
class PipelineOptions:
    blob_workers: int = 4
    document_workers: int = 1
    batch_size: int = 512
    # Paragraphs per call to the token tagger: each is tens of tokens of vectors on the embedder's side.
    tag_batch_size: int = 64
    search: SearchOptions = SearchOptions()
    # A request's own choices (the gateway's options): which of a paragraph's entities are removed (it may
    # add some, a deny list's), the redactor's options (its `style`) and the style of a span of a given
    # type (None: the request's `style`), so that one PDF can show labels for some types and boxes for others.
    select: Callable[[Paragraph, list[Entity]], list[Entity]] | None = None
    redact_options: tuple[tuple[str, str], ...] = ()
    span_style: Callable[[str], str | None] | None = None


@dataclass
class Outcome:
    pdf: bytes
    report: dict
    result: dict  # what GET /v1/jobs/{id} shows: {"risk", "counts"}


@dataclass
class _Doc:
    pdf: bytes
    paragraphs: list[Paragraph] = field(default_factory=list)
    prepared: list[PreparedParagraph] = field(default_factory=list)
    extraction: dict = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


class Pipeline:
    """The production pipeline (see the module docstring); `mode` names it in reports."""

    mode = "default"

    def __init__(self, redactor: Redactor, models: PhraseModels, options: PipelineOptions | None = None,
                 observe: Callable[[str, float], None] | None = None,
                 wrap: Callable[[Callable], Callable] | None = None):
        self.redactor = redactor
        self.models = models
        self.options = options or PipelineOptions()
        self._observe = observe
        # Applied to every function run on a pool thread (the benchmark profiles each of them); by
        # default it carries the caller's context (trace span, request id) into the thread.
        self.wrap = wrap or tracing.in_this_context

    # -- public entry points ----------------------------------------------------------------

    def run(self, pdf: bytes) -> Outcome:
        """De-identifies one PDF (raises DocumentRejected or the services' errors)."""
        return self.run_many([pdf])[0]

    def run_many(self, pdfs: Sequence[bytes], return_exceptions: bool = False) -> list[Any]:
        """De-identifies several PDFs with one batch prediction over all their candidate phrases.

        Documents are extracted, redacted and verified `document_workers` at a time. With
        `return_exceptions`, a document that fails yields its exception in its place and the
        others go on (a batch runner's choice); otherwise the first failure is raised.
        """
        docs = [_Doc(pdf) for pdf in pdfs]
        prepared = self._prepare_all(docs, return_exceptions)
        ok = [d for d, r in zip(docs, prepared) if not isinstance(r, BaseException)]
        start = time.perf_counter()
        with tracing.span("pipeline.predict"):
            table = predict_phrases((phrase for doc in ok for phrase in hybrid.phrases_of(doc.prepared)),
                                    self.models, self.options.batch_size)
            self._tag([doc.prepared for doc in ok])
        elapsed = time.perf_counter() - start
        for doc in ok:
            # Shared by the batch: each document reports the time of the one prediction it took part in.
            doc.timings["predict"] = elapsed
        if self._observe:
            self._observe("predict", elapsed)

        def finish(doc: _Doc) -> Outcome:
            with self._stage(doc, "hybrid_search"):
                findings = self._search_blobs(doc.prepared, table)
            return self._finish(doc, findings, distinct_phrases=len(table))

        finished = iter(self._each(lambda d: self._guard(finish, d, return_exceptions), ok))
        return [r if isinstance(r, BaseException) else next(finished) for r in prepared]

    def _prepare_all(self, docs: Sequence[_Doc], return_exceptions: bool) -> list[Any]:
        """Extraction, blobs, patterns and candidates of every document (or its exception, with return_exceptions).

        The redactor extracts `document_workers` documents at a time, on pool threads that wait
        for its answers; the blobs, patterns and candidates, pure Python, are found in this
        thread as each extraction arrives. Spread over the pool's threads too, that part would
        only take turns on the GIL with itself and delay the next requests to the redactor.
        """
        def extract(doc: _Doc) -> Any:
            return self._guard(self._extract_into, doc, return_exceptions)

        def prepare(doc: _Doc) -> Any:
            return self._guard(self._prepare, doc, return_exceptions)

        workers = min(self.options.document_workers, len(docs))
        if workers <= 1:
            return [r if isinstance(r := extract(d), BaseException) else prepare(d) for d in docs]
        results: list[Any] = [None] * len(docs)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="extract") as pool:
            futures = {pool.submit(self.wrap(extract), d): i for i, d in enumerate(docs)}
            try:
                for future in as_completed(futures):
                    i = futures[future]
                    extracted = future.result()
                    results[i] = extracted if isinstance(extracted, BaseException) else prepare(docs[i])
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        return results

    def _tag(self, groups: Sequence[list[PreparedParagraph]]) -> None:
        """Every paragraph of every group labelled by the token tagger, in one series of batched calls."""
        if self.models.tagger is None:
            return
        texts = [pp.paragraph.text for group in groups for pp in group]
        tags = iter(tag_texts(texts, self.models.tagger, self.options.tag_batch_size))
        for group in groups:
            group[:] = [replace(pp, tags=next(tags)) for pp in group]

    def _extract_into(self, doc: _Doc) -> _Doc:
        with self._stage(doc, "extract"):
            doc.extraction = self._extract(doc.pdf)
        return doc

    def _prepare(self, doc: _Doc) -> _Doc:
        with self._stage(doc, "blobs"):
            doc.paragraphs = paragraphs_from_extraction(doc.extraction)
            doc.prepared = hybrid.prepare(doc.paragraphs)
        return doc

    @staticmethod
    def _guard(fn: Callable[[Any], Any], arg: Any, return_exceptions: bool) -> Any:
        if not return_exceptions:
            return fn(arg)
        try:
            return fn(arg)
        except Exception as exc:  # noqa: BLE001 - handed back to the batch runner in the document's place
            _log.warning("a document of the batch failed: %s", type(exc).__name__)
            return exc

    def _each(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        """fn over items, `document_workers` at a time, results in order."""
        fn = self.wrap(fn)
        workers = min(self.options.document_workers, len(items))
        if workers <= 1:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="document") as pool:
            return list(pool.map(fn, items))

    # -- stages -----------------------------------------------------------------------------

    @contextmanager
    def _stage(self, doc: _Doc, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            with tracing.span(f"pipeline.{name}"):
                yield
        finally:
            elapsed = time.perf_counter() - start
            doc.timings[name] = doc.timings.get(name, 0.0) + elapsed
            if self._observe:
                self._observe(name, elapsed)

    def _extract(self, pdf: bytes) -> dict:
        # The redactor (in-process or its client) raises veil.contracts.DocumentRejected itself.
        return self.redactor.extract(pdf)

    def _search_blobs(self, prepared: list[PreparedParagraph], table: PredictionTable) -> Findings:
        by_index = {pp.paragraph.index: pp for pp in prepared}
        blobs = [[by_index[p.index] for p in blob] for blob in blobs_of([pp.paragraph for pp in prepared])]
        findings = Findings()
        workers = min(self.options.blob_workers, len(blobs))
        if workers <= 1:
            results = [hybrid.search_blob(b, table.lookup, self.options.search) for b in blobs]
        else:
            search = self.wrap(lambda b: hybrid.search_blob(b, table.lookup, self.options.search))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="blob") as pool:
                results = list(pool.map(search, blobs))
        for r in results:
            findings.entities.extend(r.entities)
            findings.review.extend(r.review)
        findings.entities.sort(key=lambda e: (e.paragraph, e.start))
        findings.review.sort(key=lambda e: (e.paragraph, e.start))
        return findings

    def _finish(self, doc: _Doc, findings: Findings, distinct_phrases: int | None) -> Outcome:
        by_index = {p.index: p for p in doc.paragraphs}
        if self.options.select is not None:
            findings = _selected(findings, doc.paragraphs, self.options.select)
        spans, span_of = spans_for(findings.entities, by_index)
        if self.options.span_style is not None:
            for span in spans:
                if style := self.options.span_style(span["type"]):
                    span["style"] = style
        with self._stage(doc, "redact"):
            out_pdf, redaction = self.redactor.redact(doc.pdf, spans, **dict(self.options.redact_options))
        # The redactor verifies its own output; that part of its time is verification.
        redactor_verify = float(redaction.get("seconds", {}).get("verify", 0.0))
        doc.timings["redact"] -= min(redactor_verify, doc.timings["redact"])
        doc.timings["verify"] = redactor_verify
        with self._stage(doc, "verify"):
            out_pdf, repaired, leaks, redactor_verified = repair(self.redactor, out_pdf, redaction, spans, span_of,
                                                                        doc.paragraphs, findings.entities)
        verified = leaks == 0 and redactor_verified
        with self._stage(doc, "risk"):
            entities = findings.entities + repaired
            risk_scores, counts = risk.scores(doc.paragraphs, entities, findings.review, verified)
        doc.timings["total"] = sum(doc.timings.get(s, 0.0) for s in STAGES)
        boxes = boxes_by_span(redaction)
        tagger_ran = self.models.tagger is not None and getattr(self.models.tagger, "version", "") is not None
        report = {
            "mode": self.mode,
            "document": {
                "pages": doc.extraction.get("page_count"),
                "paragraphs": len(doc.paragraphs),
                "blobs": len({p.blob for p in doc.paragraphs}),
                "candidate_phrases": sum(len(pp.candidates) for pp in doc.prepared),
                "distinct_phrases": distinct_phrases,
            },
            "models": {"dl": self.models.dl_name or None, "dl_version": getattr(self.models.dl, "version", None),
                       "ml": self.models.ml_name or None, "ml_version": getattr(self.models.ml, "version", None),
                       # A tagger whose head is not there answers nothing and has no version: not named.
                       "tagger": (self.models.tagger_name or None) if tagger_ran else None,
                       "tagger_version": getattr(self.models.tagger, "version", None) if tagger_ran else None},
            "entities": [public_entity(e, by_index, boxes.get(span_of.get(id(e)))) for e in findings.entities]
            + [public_entity(e, by_index) for e in repaired],
            "review": [public_entity(e, by_index) for e in findings.review],
            "risk": risk_scores,
            "counts": counts,
            "verification": {"verified": verified, "redactor_verified": redactor_verified,
                             "repaired_spans": len(repaired), "leaks": leaks,
                             # Which read-backs ran (text, objects, pixels...) and, when withheld, what was
                             # still readable where (never the strings): the job's error quotes it.
                             "checks": redaction.get("checks", []),
                             "reason": None if verified else (redaction.get("unverified_reason")
                                                              or f"{leaks} redacted string(s) still readable")},
            "timings": {k: round(v, 4) for k, v in doc.timings.items()},
        }
        return Outcome(out_pdf, report, {"risk": risk_scores, "counts": counts})


def _selected(findings: Findings, paragraphs: Sequence[Paragraph],
              select: Callable[[Paragraph, list[Entity]], list[Entity]]) -> Findings:
    by_paragraph: dict[int, list[Entity]] = {}
    for e in findings.entities:
        by_paragraph.setdefault(e.paragraph, []).append(e)
    chosen = [e for p in paragraphs for e in select(p, by_paragraph.get(p.index, []))]
    return Findings(entities=chosen, review=findings.review)
