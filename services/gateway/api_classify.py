"""The classification API: phrases to one of the classifier's heads, forwarded to the classifier service."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify

from services.gateway.api_jobs import EXTENSION
from veil import web
from veil.clients.classifier import ClassifierRejected, ClassifierUnavailable

bp = Blueprint("classify", __name__, url_prefix="/v1")

_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_RETRY_AFTER = "5"


@bp.post("/classify")
def classify() -> Response:
    state = current_app.extensions[EXTENSION]
    body = web.json_body(max_bytes=state.cfg.gateway_max_classify_texts * 1024)
    model, texts, top_k = _classify_request(body, state.cfg.gateway_max_classify_texts)
    try:
        return jsonify(state.classifier.predict(model, texts, top_k=top_k, caller=g.caller))
    except ClassifierUnavailable as exc:
        raise web.Problem(503, "Classifier unavailable", "the classification service is unreachable or "
                          "overloaded; retry after the Retry-After seconds", code="classifier_unavailable",
                          headers={"Retry-After": str(int(exc.retry_after or int(_RETRY_AFTER)))}) from None
    except ClassifierRejected as exc:
        raise web.Problem(exc.status or 400, exc.title, exc.detail, code=exc.code) from None


def _classify_request(body: Any, max_texts: int) -> tuple[str, list[str], int | None]:
    if not isinstance(body, dict):
        raise web.Problem(400, "Invalid request", "the body must be a JSON object", code="invalid_request")
    model = body.get("model")
    if not isinstance(model, str) or not _MODEL_NAME.match(model):
        raise web.Problem(400, "Invalid request", "'model' must be a model name (letters, digits, '.', '_', '-')",
                          code="invalid_request", pointer="/model")
    texts = body.get("texts")
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise web.Problem(400, "Invalid request", "'texts' must be a non-empty list of strings",
                          code="invalid_request", pointer="/texts")
    if len(texts) > max_texts:
        raise web.Problem(413, "Payload too large", f"at most {max_texts} texts per request",
                          code="too_many_texts", pointer="/texts")
    top_k = body.get("top_k")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise web.Problem(400, "Invalid request", "'top_k' must be a positive integer", code="invalid_request",
                          pointer="/top_k")
    extra = set(body) - {"model", "texts", "top_k"}
    if extra:
        raise web.Problem(400, "Invalid request", f"unknown field(s): {', '.join(sorted(extra))}",
                          code="invalid_request")
    return model, texts, top_k
