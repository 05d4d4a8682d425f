"""The de-identification pipeline: extract -> blobs -> batch prediction -> hybrid search -> redact -> verify -> risk.

A plain library: the redactor and the phrase models are injected (HTTP clients in the
gateway, anything with the same methods elsewhere), so the job worker, the CLI's --local
mode, the benchmark and a Dask batch runner all run this same code. `run_many` predicts
for several documents in one batch, which is how a batch runner shares the model calls
across documents.

The naive mode is the baseline the benchmark measures against: paragraphs one by one in
document order, one model call per paragraph, no blobs, no de-duplication of phrases.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol, Sequence

from services.gateway.pipeline import hybrid, risk
from services.gateway.pipeline.document import Entity, Findings, Paragraph, blobs_of, paragraphs_from_extraction
from services.gateway.pipeline.hybrid import PreparedParagraph, SearchOptions
from services.gateway.pipeline.predict import PhraseModels, PredictionTable, predict_phrases
from services.gateway.pipeline.propagation import Propagator

_log = logging.getLogger(__name__)

DEFAULT, NAIVE = "default", "naive"
MODES = (DEFAULT, NAIVE)
STAGES = ("extract", "blobs", "predict", "hybrid_search", "redact", "verify", "risk")


class Redactor(Protocol):
    def extract(self, pdf: bytes) -> dict: ...

    def redact(self, pdf: bytes, spans: list[dict]) -> tuple[bytes, dict]: ...


class DocumentRejected(Exception):
    """The document cannot be de-identified as sent (not a readable PDF, encrypted): not worth retrying."""


@dataclass(frozen=True)
class PipelineOptions:
    mode: str = DEFAULT
    blob_workers: int = 4
    document_workers: int = 1
    batch_size: int = 512
    search: SearchOptions = SearchOptions()

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")


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
    def __init__(self, redactor: Redactor, models: PhraseModels, options: PipelineOptions | None = None,
                 observe: Callable[[str, float], None] | None = None,
                 wrap: Callable[[Callable], Callable] | None = None):
        self.redactor = redactor
        self.models = models
        self.options = options or PipelineOptions()
        self._observe = observe
        # Applied to every function run on a pool thread (the benchmark profiles each of them).
        self.wrap = wrap or (lambda fn: fn)

    # -- public entry points ----------------------------------------------------------------

    def run(self, pdf: bytes) -> Outcome:
        """De-identifies one PDF (raises DocumentRejected or the services' errors)."""
        if self.options.mode == NAIVE:
            return self._run_naive(pdf)
        return self.run_many([pdf])[0]

    def run_many(self, pdfs: Sequence[bytes], return_exceptions: bool = False) -> list[Any]:
        """De-identifies several PDFs with one batch prediction over all their candidate phrases.

        Documents are extracted, redacted and verified `document_workers` at a time. With
        `return_exceptions`, a document that fails yields its exception in its place and the
        others go on (a batch runner's choice); otherwise the first failure is raised.
        """
        if self.options.mode == NAIVE:
            return [self._guard(self._run_naive, pdf, return_exceptions) for pdf in pdfs]
        docs = [_Doc(pdf) for pdf in pdfs]
        prepared = self._prepare_all(docs, return_exceptions)
        ok = [d for d, r in zip(docs, prepared) if not isinstance(r, BaseException)]
        start = time.perf_counter()
        table = predict_phrases((phrase for doc in ok for phrase in hybrid.phrases_of(doc.prepared)),
                                self.models, self.options.batch_size)
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
            yield
        finally:
            elapsed = time.perf_counter() - start
            doc.timings[name] = doc.timings.get(name, 0.0) + elapsed
            if self._observe:
                self._observe(name, elapsed)

    def _extract(self, pdf: bytes) -> dict:
        from veil.clients.http import ServiceRejected

        try:
            return self.redactor.extract(pdf)
        except ServiceRejected as exc:
            raise DocumentRejected(exc.detail or exc.title) from None

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

    def _run_naive(self, pdf: bytes) -> Outcome:
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

    def _finish(self, doc: _Doc, findings: Findings, distinct_phrases: int | None) -> Outcome:
        by_index = {p.index: p for p in doc.paragraphs}
        spans, span_of = _spans(findings.entities, by_index)
        with self._stage(doc, "redact"):
            out_pdf, redaction = self._redact(doc.pdf, spans)
        # The redactor verifies its own output; that part of its time is verification.
        redactor_verify = float(redaction.get("seconds", {}).get("verify", 0.0))
        doc.timings["redact"] -= min(redactor_verify, doc.timings["redact"])
        doc.timings["verify"] = redactor_verify
        with self._stage(doc, "verify"):
            out_pdf, repaired, leaks, redactor_verified = self._repair(out_pdf, redaction, spans, span_of,
                                                                        doc.paragraphs, findings.entities)
        verified = leaks == 0 and redactor_verified
        with self._stage(doc, "risk"):
            entities = findings.entities + repaired
            risk_scores, counts = risk.scores(doc.paragraphs, entities, findings.review, verified)
        doc.timings["total"] = sum(doc.timings.get(s, 0.0) for s in STAGES)
        boxes = _boxes(redaction)
        report = {
            "mode": self.options.mode,
            "document": {
                "pages": doc.extraction.get("page_count"),
                "paragraphs": len(doc.paragraphs),
                "blobs": len({p.blob for p in doc.paragraphs}),
                "candidate_phrases": sum(len(pp.candidates) for pp in doc.prepared),
                "distinct_phrases": distinct_phrases,
            },
            "models": {"dl": self.models.dl_name or None, "dl_version": getattr(self.models.dl, "version", None),
                       "ml": self.models.ml_name or None, "ml_version": getattr(self.models.ml, "version", None)},
            "entities": [_public(e, by_index, boxes.get(span_of.get(id(e)))) for e in findings.entities]
            + [_public(e, by_index) for e in repaired],
            "review": [_public(e, by_index) for e in findings.review],
            "risk": risk_scores,
            "counts": counts,
            "verification": {"verified": verified, "redactor_verified": redactor_verified,
                             "repaired_spans": len(repaired), "leaks": leaks},
            "timings": {k: round(v, 4) for k, v in doc.timings.items()},
        }
        return Outcome(out_pdf, report, {"risk": risk_scores, "counts": counts})

    def _redact(self, pdf: bytes, spans: list[dict]) -> tuple[bytes, dict]:
        from veil.clients.http import ServiceRejected

        try:
            return self.redactor.redact(pdf, spans)
        except ServiceRejected as exc:
            raise DocumentRejected(exc.detail or exc.title) from None

    def _repair(self, pdf: bytes, redaction: dict, spans: list[dict], span_of: dict[int, int],
                paragraphs: Sequence[Paragraph], entities: Sequence[Entity]) -> tuple[bytes, list[Entity], int, bool]:
        """Redacts once more the strings the redactor's verification still found on some page.

        The redactor reads its output back every way it can and looks for every redacted
        string on every page; a string redacted in one place and still readable in another (a
        name a later section repeats where the models missed it) is PHI all the same. Those
        strings are redacted on the pages where they were found, and the repair is verified by
        the redactor in turn. Their occurrences in the input that no entity covers are reported
        as entities (source `propagated`), where the caller's text has them.
        Returns the PDF (repaired when needed), the entities the repair added, the number of
        leaks left and the redactor's verdict on the final PDF.
        """
        leaks = redaction.get("leaks") or []
        if redaction.get("verified", False) and not leaks:
            return pdf, [], 0, True
        found = {(leak["page"], leak["span"]) for leak in leaks
                 if isinstance(leak.get("page"), int) and isinstance(leak.get("span"), int)
                 and 0 <= leak["span"] < len(spans)}
        if not found:   # nothing a redaction of page text could remove (e.g. in the document's objects)
            return pdf, [], len(leaks), False
        _log.warning("verification found %d redacted string(s) still in the output; redacting them", len(found))
        origin: dict[int, Entity] = {}
        for e in entities:
            origin.setdefault(span_of[id(e)], e)
        leaked = {_fold(spans[i]["text"]): origin[i] for _, i in found if i in origin}
        repaired = _occurrences(paragraphs, leaked, entities)
        repair_spans = [{"page": page, "text": spans[i]["text"], "type": spans[i]["type"]} for page, i in sorted(found)]
        pdf, repair = self._redact(pdf, repair_spans)
        left = len(repair.get("leaks") or [])
        if left:
            _log.error("%d redacted string(s) still recoverable after the repair", left)
        return pdf, repaired, left, bool(repair.get("verified", False))


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _no_phrases(_phrase: str):  # pragma: no cover - a paragraph without candidates never looks up
    raise KeyError(_phrase)


def _occurrences(paragraphs: Sequence[Paragraph], leaked: dict[str, Entity],
                 entities: Sequence[Entity]) -> list[Entity]:
    """Occurrences of the leaked strings (keyed by `_fold`) in the input that no entity covers, as propagated
    entities. Matched as the redactor matches them: whole words, any case, any run of whitespace."""
    if not leaked:
        return []
    alternatives = (r"\s+".join(re.escape(word) for word in text.split(" "))
                    for text in sorted(leaked, key=len, reverse=True))
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)
    covered: dict[int, list[Entity]] = {}
    for e in entities:
        covered.setdefault(e.paragraph, []).append(e)
    found = []
    for p in paragraphs:
        for m in pattern.finditer(p.text):
            if any(e.overlaps(m.start(), m.end()) for e in covered.get(p.index, [])):
                continue
            origin = leaked.get(_fold(m.group(0)))
            if origin is None:
                continue
            found.append(Entity(p.index, m.start(), m.end(), origin.type, round(origin.score * 0.9, 4),
                                hybrid.PROPAGATED, m.group(0)))
    return found


def _spans(entities: Sequence[Entity], paragraphs: dict[int, Paragraph]) -> tuple[list[dict], dict[int, int]]:
    """The redactor's spans, one per distinct (page, text): it removes every occurrence on the page.

    Returns the spans and, per entity (by id), the index of the span that covers it.
    """
    spans: list[dict] = []
    index: dict[tuple[int, str], int] = {}
    span_of: dict[int, int] = {}
    for e in entities:
        p = paragraphs[e.paragraph]
        key = (p.page, " ".join(e.text.split()))
        if key not in index:
            index[key] = len(spans)
            spans.append({"page": p.page, "text": key[1], "type": e.type})
        span_of[id(e)] = index[key]
    return spans, span_of


def _boxes(redaction: dict) -> dict[int, list[list[float]]]:
    return {r["span"]: r.get("boxes") or [] for r in redaction.get("span_results", []) if "span" in r}


def _public(e: Entity, paragraphs: dict[int, Paragraph], boxes: list[list[float]] | None = None) -> dict[str, Any]:
    """An entity as the report shows it: where and what kind, never the text itself (it is PHI).

    The box is the redacted area inside the entity's paragraph when the redactor reported
    one, else the paragraph's box.
    """
    p = paragraphs.get(e.paragraph)
    bbox = list(p.bbox) if p else None
    if p and boxes:
        inside = [b for b in boxes if b[0] < p.bbox[2] and p.bbox[0] < b[2] and b[1] < p.bbox[3] and p.bbox[1] < b[3]]
        if inside:
            bbox = [min(b[0] for b in inside), min(b[1] for b in inside), max(b[2] for b in inside),
                    max(b[3] for b in inside)]
    return {"type": e.type, "score": round(e.score, 4), "source": e.source,
            "page": p.page if p else None, "bbox": [round(v, 2) for v in bbox] if bbox else None,
            "paragraph": e.paragraph, "start": e.start, "end": e.end}
