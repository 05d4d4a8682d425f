"""The text de-identification API: POST /v1/deidentify/text, answered synchronously up to a documented size."""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify

from services.gateway import operators, options, schemas, text_pipeline
from services.gateway.api_jobs import EXTENSION
from services.gateway.assembly import GatewayState
from services.gateway.pipeline.deidentify import Pipeline
from veil import web
from veil.clients.http import ServiceRejected, ServiceUnavailable

bp = Blueprint("deidentify_text", __name__, url_prefix="/v1")

_PIPELINE = "veil_text_pipeline"
_RETRY_AFTER = "5"
_lock = threading.Lock()
_log = logging.getLogger(__name__)


def _state() -> GatewayState:
    return current_app.extensions[EXTENSION]


def _pipeline(state: GatewayState) -> Pipeline:
    """The process's pipeline for text requests, built on first use (the same factory the job workers use)."""
    with _lock:
        if _PIPELINE not in current_app.extensions:
            current_app.extensions[_PIPELINE] = state.pipeline_factory()
        return current_app.extensions[_PIPELINE]


@bp.post("/deidentify/text")
def deidentify_text() -> Response:
    state = _state()
    cfg = state.cfg
    body = web.json_body(max_bytes=cfg.gateway_max_text_bytes)
    if isinstance(body, dict) and isinstance(body.get("texts"), list) and len(body["texts"]) > cfg.gateway_max_texts:
        raise web.Problem(413, "Payload too large", f"at most {cfg.gateway_max_texts} texts per request",
                          code="too_many_texts", pointer="/texts", limit=cfg.gateway_max_texts)
    schemas.validate(schemas.text_request(cfg.gateway_max_texts), body)
    opts = options.parse(body, team_defaults=cfg.gateway_team_options.get(g.caller))
    if _uses(opts, "hash") and not cfg.gateway_hash_secret:
        raise web.Problem(400, "Operator not available", "the hash operator needs VEIL_GATEWAY_HASH_SECRET, which "
                          "this gateway does not have; choose another operator", code="operator_unavailable",
                          pointer="/operators")
    items = [{"text": body["text"]}] if "text" in body else [t if isinstance(t, dict) else {"text": t}
                                                              for t in body["texts"]]
    doc = operators.Document(hash_key=operators.team_hash_key(cfg.gateway_hash_secret, g.caller))
    try:
        results = text_pipeline.deidentify(_pipeline(state), [i["text"] for i in items], opts, doc)
    except ServiceUnavailable as exc:
        raise web.Problem(503, "Service unavailable", f"{exc.service} is unreachable or overloaded; retry after the "
                          "Retry-After seconds", code="service_unavailable",
                          headers={"Retry-After": str(int(exc.retry_after or int(_RETRY_AFTER)))}) from None
    except ServiceRejected as exc:
        _log.error("a service refused part of a text request: %s", exc)
        raise web.Problem(502, "Bad gateway", f"{exc.service} refused the request ({exc.title})",
                          code="upstream_rejected") from None
    answers = [_answer(item, r) for item, r in zip(items, results)]
    _log.info("de-identified %d text(s) for %s (%d entities)", len(items), g.caller,
              sum(len(r.entities) for r in results))
    if "text" in body:
        resp = jsonify(answers[0])
    else:
        resp = jsonify(texts=answers)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _uses(opts: options.Options, operator: str) -> bool:
    return any(op.get("type") == operator for op in opts.operators.values())


def _answer(item: dict[str, Any], r: text_pipeline.TextResult) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item["id"]} if "id" in item else {}
    out.update(text=r.text, entities=r.entities, risk=r.risk, counts=r.counts)
    return out
