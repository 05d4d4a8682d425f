"""The benchmark's inputs and their scoring: one set of PDF bytes for both tools, one scoring function for both outputs.

The gold set is read with `tools.evaluation.load_gold`; a text note is rendered once with
`render_text_pdf` (its name as the page title, as `veil eval --gold` does) and those bytes go
to both tools. Each output is scored with `tools.evaluation.score_document`, the function
`veil eval --gold` uses. A document a tool failed on is scored as its input returned
unchanged: nothing removed, every gold string leaked, so a failure never flatters a tool.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence, Union

from tools.evaluation import EvaluationResult, GoldDocument, aggregate, load_gold, render_text_pdf, score_document
from tools.evaluation.gold import unknown_labels
from tools.evaluation.render import BODY_AREA
from tools.evaluation.results import DocumentScore
from tools.evaluation.words import NotAPdfError, open_pdf, pdf_words
from tools.peers import DEFAULT_GOLD
from veil.paths import REPO_ROOT

__all__ = ["DEFAULT_GOLD", "Corpus", "Document", "Outcome", "count_words", "load", "score"]

# What a tool returns for one document: (redacted PDF, report with "entities"), or why it failed.
Outcome = Union[tuple[bytes, dict[str, Any]], BaseException]


@dataclass
class Document:
    name: str
    pdf: bytes
    gold: GoldDocument
    words: int

    @property
    def rendered(self) -> bool:
        return self.gold.pdf_path is None


@dataclass
class Corpus:
    source: Path
    documents: list[Document]
    unknown_labels: dict[str, int]
    safe_harbor_neutral: bool = False

    @property
    def words(self) -> int:
        return sum(d.words for d in self.documents)

    @property
    def pdfs(self) -> list[bytes]:
        return [d.pdf for d in self.documents]

    @property
    def sha256(self) -> str:
        """One digest of every input's bytes, in order: what both tools were given."""
        digest = hashlib.sha256()
        for d in self.documents:
            digest.update(hashlib.sha256(d.pdf).digest())
        return digest.hexdigest()

    def describe(self) -> str:
        rendered = sum(d.rendered for d in self.documents)
        how = (f"{rendered} text notes rendered to PDF" if rendered == len(self.documents)
               else f"{rendered} text notes rendered to PDF, {len(self.documents) - rendered} PDFs as they are")
        try:
            where = self.source.resolve().relative_to(REPO_ROOT)
        except ValueError:
            where = self.source
        return (f"{len(self.documents)} documents from {where} ({how}), {self.words:,} words; "
                f"the same PDF bytes to both tools (sha256 {self.sha256[:12]})")


def count_words(pdf: bytes) -> int:
    """Words of a PDF as MuPDF splits them (every page, headers included): the unit of words/s."""
    with open_pdf(pdf, "an input") as doc:
        return len(pdf_words(doc))


def load(directory: Path | str, *, safe_harbor_neutral: bool = False) -> Corpus:
    """Every gold document under `directory` as the PDF both tools get. Raises GoldFormatError."""
    documents = load_gold(directory, safe_harbor_neutral=safe_harbor_neutral)
    out = []
    for gold in documents:
        pdf = gold.pdf_path.read_bytes() if gold.pdf_path is not None else render_text_pdf(gold.text or "",
                                                                                            title=gold.name)
        out.append(Document(gold.name, pdf, gold, count_words(pdf)))
    return Corpus(Path(directory), out, unknown_labels(documents), safe_harbor_neutral)


def _score_one(document: Document, redacted: bytes, entities: Sequence[dict] | None) -> DocumentScore:
    return score_document(document.pdf, redacted, document.gold.spans, entities=entities, name=document.name,
                          text=document.gold.text, area=BODY_AREA if document.rendered else None)


def score(corpus: Corpus, outcomes: Sequence[Outcome]) -> tuple[EvaluationResult, list[tuple[str, str]]]:
    """The evaluation of one tool's outputs, and the documents it failed on (name, why)."""
    if len(outcomes) != len(corpus.documents):
        raise ValueError(f"{len(outcomes)} outcomes for {len(corpus.documents)} documents")
    scores: list[DocumentScore] = []
    failures: list[tuple[str, str]] = []
    for document, outcome in zip(corpus.documents, outcomes):
        if isinstance(outcome, BaseException):
            failures.append((document.name, f"{type(outcome).__name__}: {outcome}"))
            scores.append(_score_one(document, document.pdf, []))
            continue
        redacted, report = outcome
        entities = report.get("entities") if isinstance(report, dict) else None
        try:
            scores.append(_score_one(document, redacted, entities))
        except NotAPdfError as exc:
            failures.append((document.name, str(exc)))
            scores.append(_score_one(document, document.pdf, []))
    result = aggregate(scores, unknown_labels=corpus.unknown_labels, safe_harbor_neutral=corpus.safe_harbor_neutral)
    return result, failures
