"""The gateway's OpenAPI 3.1 document, built from the schemas the handlers validate with (`schemas.py`), and
its routes: GET /v1/openapi.json and a browsable page, GET /v1/docs, whose Swagger UI assets are
vendored in docs/openapi/swagger-ui/ (no CDN: the page works on a network without the internet).

`python -m services.gateway.openapi` writes the document for the default settings to
docs/openapi/gateway.json; a test keeps that file equal to what the gateway serves.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, send_from_directory

import veil
from services.gateway import idempotency, schemas, settings
from veil import config
from veil import openapi as oa
from veil.contracts import ENTITY_TYPES
from veil.paths import REPO_ROOT

bp = Blueprint("openapi", __name__, url_prefix="/v1")

DOCS = REPO_ROOT / "docs" / "openapi"
DOCUMENT = DOCS / "gateway.json"
ASSETS = DOCS / "swagger-ui"
PUBLIC_PATHS = ("/v1/openapi.json", "/v1/docs")  # no key needed: the contract is public, the data is not
_REF = oa.REF

_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Veil gateway API</title>
<link rel="stylesheet" href="/v1/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/v1/docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/v1/openapi.json", dom_id: "#ui"});</script>
</body>
</html>
"""

def _components(cfg: Any) -> dict[str, Any]:
    entity = {"type": "object", "required": ["start", "end", "type", "score", "source"], "properties": {
        "start": {"type": "integer", "minimum": 0}, "end": {"type": "integer", "minimum": 0},
        "type": {"type": "string", "description": f"one of {', '.join(ENTITY_TYPES)}, or the type of a deny-list "
                                                  "entry (CUSTOM by default)"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "source": {"type": "string", "enum": ["model", "ml", "pattern", "propagated", "deny_list"]}}}
    result = {"type": "object", "required": ["text", "entities", "risk", "counts"], "properties": {
        "id": {"type": "string"}, "text": {"type": "string", "description": "the de-identified text"},
        "entities": {"type": "array", "items": {"$ref": _REF + "TextEntity"},
                     "description": "what was replaced, with offsets in the original text"},
        "risk": {"$ref": _REF + "Risk"}, "counts": {"type": "object", "additionalProperties": {"type": "integer"}}}}
    return {
            "TextRequest": schemas.text_request(cfg.gateway_max_texts),
            "TextOptions": schemas.TEXT_OPTIONS,
            "PdfOptions": schemas.PDF_OPTIONS,
            "TextEntity": entity,
            "TextResult": result,
            "TextResponse": {"oneOf": [{"$ref": _REF + "TextResult"},
                                       {"type": "object", "required": ["texts"], "properties": {
                                           "texts": {"type": "array", "items": {"$ref": _REF + "TextResult"}}}}],
                             "description": "One result for `text`; `texts` (in request order) for `texts`."},
            "Risk": {"type": "object", "properties": {
                "level": {"type": "string", "enum": ["low", "medium", "high"]},
                "residual_risk": {"type": "number"}, "redacted_entities": {"type": "integer"},
                "redacted_fraction": {"type": "number"}, "low_confidence_spans": {"type": "integer"}},
                "description": "Risk scores (see the gateway README)."},
            "Job": {"type": "object", "required": ["job_id", "status"], "properties": {
                "job_id": {"type": "string"},
                "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed"]},
                "error": {"type": "string"},
                "attempts": {"type": "integer", "minimum": 1,
                             "description": "While running: 1 on the first worker, 2 after a takeover, ..."},
                "heartbeat_at": {"type": "string", "format": "date-time",
                                 "description": "While running: the worker's last lease renewal (UTC)."},
                "result": {"type": "object", "properties": {"risk": {"$ref": _REF + "Risk"},
                                                            "counts": {"type": "object"}}}}},
            "ClassifyRequest": schemas.CLASSIFY_REQUEST,
    }


def document(cfg: Any | None = None) -> dict[str, Any]:
    """The OpenAPI document for the settings `cfg` (default: the declared defaults)."""
    cfg = cfg or config.load(config.COMMON + settings.SETTINGS, environ={})
    job_id = [{"name": "job_id", "in": "path", "required": True,
               "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}]
    pdf_body = {
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "contentMediaType": "application/pdf",
                     "maxLength": cfg.gateway_max_upload_bytes},
            "callback_url": {"type": "string", "format": "uri"},
            "options": {"type": "string", "contentMediaType": "application/json",
                        "contentSchema": {"$ref": _REF + "PdfOptions"},
                        "description": "De-identification options, a JSON object."}}}},
        "application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}},
    }
    pdf_params = [{"name": "callback_url", "in": "query", "schema": {"type": "string", "format": "uri"},
                   "description": "With an application/pdf body."},
                  {"name": "options", "in": "query", "description": "With an application/pdf body: the options.",
                   "content": {"application/json": {"schema": {"$ref": _REF + "PdfOptions"}}}},
                  {"name": idempotency.HEADER, "in": "header", "description": "Retries with the same key answer the "
                   "first job (Idempotent-Replayed: true); the same key with another request is 422.",
                   "schema": {"type": "string", "maxLength": idempotency.MAX_KEY_LENGTH}}]
    op, answer, no_errors = oa.operation, oa.json_response, ()
    job = {"$ref": _REF + "Job"}
    text = op("De-identify texts, synchronously",
              {200: answer("The de-identified texts", {"$ref": _REF + "TextResponse"})}, (400, 413, 415, 502, 503),
              body={"application/json": {"schema": {"$ref": _REF + "TextRequest"}}},
              description=f"One `text`, or `texts` (at most {cfg.gateway_max_texts}, each a string or an object "
                          f"with an `id`), with options. Bodies over {cfg.gateway_max_text_bytes} bytes get 413. "
                          "All texts of a request are one document: surrogates and the date offset are shared.")
    pdf = {"description": "The PDF", "content": {"application/pdf": {
        "schema": {"type": "string", "contentMediaType": "application/pdf"}}}}
    html = {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}
    paths: dict[str, Any] = {
        "/v1/deidentify": {"post": op(
            "Submit a PDF for de-identification", {202: answer("The job", job)}, (400, 413, 415, 422, 503),
            body=pdf_body, params=pdf_params,
            description="A PDF as the multipart field `file` or as an application/pdf body, with an optional "
                        "`callback_url` and `options` (types, threshold, allow/deny lists, `box` or `label`).")},
        "/v1/deidentify/text": {"post": text},
        "/v1/jobs/{job_id}": {
            "get": op("A job's status", {200: answer("The job", job)}, (404, 503), params=job_id),
            "delete": op("Delete a job and its PDF, document and report now",
                         {204: {"description": oa.STATUS[204]}}, (404, 503), params=job_id)},
        "/v1/jobs/{job_id}/document": {"get": op("The redacted PDF", {200: pdf}, (404, 409, 503), params=job_id)},
        "/v1/jobs/{job_id}/report": {"get": op(
            "The entity report", {200: answer("Every entity with page, box, type, score and source",
                                              {"type": "object"})}, (404, 409, 503), params=job_id)},
        "/v1/classify": {"post": op(
            "Classify phrases with a classifier model", {200: answer("Predictions", {"type": "object"})},
            (400, 404, 413, 415, 422, 503), body={"application/json": {"schema": {"$ref": _REF + "ClassifyRequest"}}})},
        "/v1/openapi.json": {"get": op("This document", {200: answer("OpenAPI 3.1", {"type": "object"})},
                                       no_errors, auth=False)},
        "/v1/docs": {"get": op("This document, browsable", {200: html}, no_errors, auth=False)},
        **oa.health_paths(),
    }
    doc = oa.document("Veil gateway", veil.__version__,
                      "De-identification of PDFs (background jobs) and texts (synchronous), and phrase "
                      "classification. Every error is application/problem+json.", paths, _components(cfg))
    # The validators' schemas repeat their parts (an operator per entity type); the document says each once.
    return oa.shared(doc, {"TextOperator": schemas.TEXT_OPERATOR, "PdfOperator": schemas.PDF_OPERATOR,
                           "ListEntry": schemas.LIST_ITEM, "DenyEntry": schemas.DENY_ITEM})


@bp.get("/openapi.json")
def openapi_json() -> Response:
    state = current_app.extensions["veil_gateway"]
    return Response(oa.rendered(document(state.cfg)), mimetype="application/json")


@bp.get("/docs")
def docs_page() -> Response:
    return Response(_PAGE, mimetype="text/html")


@bp.get("/docs/assets/<name>")
def docs_asset(name: str) -> Response:
    return send_from_directory(ASSETS, name, max_age=86400)


def main(argv: list[str] | None = None) -> int:
    return oa.write_document(document, DOCUMENT, argv)


if __name__ == "__main__":
    raise SystemExit(main())
