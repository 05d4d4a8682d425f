"""The engine behind `veil eval --gold DIR`: reads other teams' gold annotations and scores any de-identifier by its output."""

from tools.evaluation.documents import GoldDocument, GoldFormatError, GoldSpan
from tools.evaluation.gold import load_gold, unknown_labels
from tools.evaluation.render import render_text_pdf
from tools.evaluation.report import format_report, to_json
from tools.evaluation.run import evaluate_gold
from tools.evaluation.score import DocumentScore, EvaluationResult, aggregate, score_document

__all__ = [
    "DocumentScore", "EvaluationResult", "GoldDocument", "GoldFormatError", "GoldSpan", "aggregate",
    "evaluate_gold", "format_report", "load_gold", "render_text_pdf", "score_document", "to_json",
    "unknown_labels",
]
