"""Runs a de-identifier over a gold directory and scores what it returns: the function `veil eval --gold DIR` calls."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Callable, Iterator

from tools.evaluation.copies import BORN_DIGITAL, make_copy
from tools.evaluation.documents import GoldDocument
from tools.evaluation.gold import load_gold, unknown_labels
from tools.evaluation.render import BODY_AREA, render_text_pdf
from tools.evaluation.results import DocumentScore, EvaluationResult, aggregate
from tools.evaluation.score import score_document
from tools.evaluation.words import NotAPdfError

_log = logging.getLogger(__name__)

Deidentify = Callable[[bytes], tuple[bytes, dict]]

# PyMuPDF is not thread-safe. Rendering and scoring hold this lock; a `deidentify` that uses
# PyMuPDF in this process must hold it too when workers > 1 (one that calls a service over
# HTTP need not, and is what workers > 1 are for).
PYMUPDF_LOCK = threading.RLock()


def _input_pdf(document: GoldDocument) -> bytes:
    if document.pdf_path is not None:
        return document.pdf_path.read_bytes()
    with PYMUPDF_LOCK:
        return render_text_pdf(document.text or "", title=document.name)


def _inputs(document: GoldDocument, copy: str) -> tuple[bytes, bytes | None]:
    """(the document's PDF, the image copy of it the de-identifier is given, or None for the PDF itself)."""
    original = _input_pdf(document)
    if copy == BORN_DIGITAL:
        return original, None
    with PYMUPDF_LOCK:
        return original, make_copy(copy, original)


def _score(document: GoldDocument, original: bytes, given: bytes | None,
           outcome: tuple[bytes, dict] | BaseException) -> DocumentScore:
    if isinstance(outcome, BaseException):
        _log.error("%s: the de-identifier failed: %s", document.name, outcome)
        return DocumentScore(name=document.name, error=f"{type(outcome).__name__}: {outcome}")
    redacted, report = outcome
    entities = report.get("entities") if isinstance(report, dict) else None
    with PYMUPDF_LOCK:
        try:
            return score_document(original, redacted, document.spans, entities=entities, name=document.name,
                                  text=document.text, area=BODY_AREA if document.pdf_path is None else None,
                                  given=given)
        except NotAPdfError as exc:     # one bad output must not end the evaluation of the others
            _log.error("%s: %s", document.name, exc)
            return DocumentScore(name=document.name, error=str(exc))


def _call(deidentify: Deidentify, original: bytes) -> tuple[bytes, dict] | BaseException:
    try:
        return deidentify(original)
    except Exception as exc:  # one rejected document must not end the evaluation of the others
        return exc


def _outcomes(documents: list[GoldDocument], deidentify: Deidentify, workers: int, copy: str
              ) -> Iterator[tuple[int, bytes, bytes | None, tuple[bytes, dict] | BaseException]]:
    """(index, input PDF, copy given, outcome) per document, at most `workers` de-identifications
    at once and no more inputs held than that: a gold set can be thousands of notes."""
    if workers <= 1:
        for i, document in enumerate(documents):
            original, given = _inputs(document, copy)
            yield i, original, given, _call(deidentify, given or original)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="veil-eval") as pool:
        pending: dict[Future, tuple[int, bytes, bytes | None]] = {}
        queue = iter(enumerate(documents))
        while True:
            for i, document in queue:
                original, given = _inputs(document, copy)
                pending[pool.submit(_call, deidentify, given or original)] = (i, original, given)
                if len(pending) >= workers:
                    break
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                i, original, given = pending.pop(future)
                yield i, original, given, future.result()


def evaluate_gold(directory: Path | str, deidentify: Deidentify, *, safe_harbor_neutral: bool = False,
                  workers: int = 1, copy: str = BORN_DIGITAL) -> EvaluationResult:
    """Scores `deidentify` on every gold document under `directory`.

    `deidentify(pdf_bytes) -> (redacted_pdf_bytes, report)`; the report's "entities" (page,
    bbox, type), when present, give precision per predicted type. Text notes are rendered to
    PDF first (see `render`); `copy` (see `copies`) is the form each document is given in:
    the PDF itself, or a scanned or OCR'd copy of it, scored by OCR. A document `deidentify`
    raises on is listed as not scored.
    """
    documents = load_gold(directory, safe_harbor_neutral=safe_harbor_neutral)
    scores: list[DocumentScore | None] = [None] * len(documents)
    for i, original, given, outcome in _outcomes(documents, deidentify, workers, copy):
        scores[i] = _score(documents[i], original, given, outcome)
        _log.info("scored %s, %s copy (%d of %d)", documents[i].name, copy, sum(s is not None for s in scores),
                  len(documents))
    return aggregate([s for s in scores if s is not None], unknown_labels=unknown_labels(documents),
                     safe_harbor_neutral=safe_harbor_neutral, copy=copy)
