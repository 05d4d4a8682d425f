"""The engine behind `veil eval --gold DIR`: reads other teams' gold annotations and scores any de-identifier by its output."""

from tools.evaluation.copies import COPIES
from tools.evaluation.documents import GoldDocument, GoldFormatError, GoldSpan
from tools.evaluation.gold import load_gold, unknown_labels
from tools.evaluation.render import render_text_pdf
from tools.evaluation.report import copies_to_json, format_copies, format_report, to_json
from tools.evaluation.run import evaluate_gold
from tools.evaluation.score import DocumentScore, EvaluationResult, aggregate, score_document

__all__ = [
    "COPIES", "DocumentScore", "EvaluationResult", "GoldDocument", "GoldFormatError", "GoldSpan", "aggregate", "copies_to_json",
    "evaluate_gold", "format_copies", "format_report", "load_gold", "render_text_pdf", "score_document", "to_json",
    "unknown_labels",
]
