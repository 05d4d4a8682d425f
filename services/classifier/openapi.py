"""The classifier's OpenAPI 3.1 document, built from the JSON Schemas beside its validators (`validation.py`),
served at GET /v1/openapi.json (no key needed: the contract is public, the models are not).

`python -m services.classifier.openapi` writes the document for the default settings to
docs/openapi/classifier.json; a test keeps that file equal to what the classifier serves.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app

import veil
from services.classifier import settings
from services.classifier.validation import ROLLBACK_SCHEMA, Limits, predict_schema, tag_schema
from veil import config
from veil import openapi as oa
from veil.paths import REPO_ROOT

bp = Blueprint("openapi", __name__, url_prefix="/v1")

DOCUMENT = REPO_ROOT / "docs" / "openapi" / "classifier.json"
PUBLIC_PATHS = ("/v1/openapi.json",)
_REF = oa.REF


def document(cfg: Any | None = None) -> dict[str, Any]:
    """The OpenAPI document for the settings `cfg` (default: the declared defaults)."""
    cfg = cfg or config.load(config.COMMON + settings.SETTINGS, environ={})
    limits = Limits(max_texts=cfg.classifier_max_texts, max_text_chars=cfg.classifier_max_text_chars)
    op, answer = oa.operation, oa.json_response
    name = [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}]
    body = {"application/json": {"schema": {"$ref": _REF + "PredictRequest"}}}
    prediction = {"type": "object", "required": ["model", "version", "predictions"], "properties": {
        "model": {"type": "string"}, "version": {"type": "string"},
        "predictions": {"type": "array", "items": {"type": "object", "required": ["label", "probability"],
                                                   "properties": {"label": {"type": "string"},
                                                                  "probability": {"type": "number"},
                                                                  "top_k": {"type": "array"}}}}}}
    paths: dict[str, Any] = {
        "/v1/models": {"get": op("The models this instance serves", {200: answer("Models", {"type": "object"})},
                                 ())},
        "/v1/models/{name}/predict": {"post": op(
            "Classify phrases", {200: answer("One prediction per text, in order", {"$ref": _REF + "Prediction"})},
            (400, 404, 409, 413, 415, 503), body=body, params=name,
            description=f"Bodies over {cfg.classifier_max_body_bytes} bytes get 413.")},
        "/v1/models/{name}/tag": {"post": op(
            "Label the tokens of texts (a token head)", {200: answer("Spans per text", {"type": "object"})},
            (400, 404, 409, 413, 415, 503), body={"application/json": {"schema": {"$ref": _REF + "TagRequest"}}},
            params=name)},
        "/v1/models/{name}/versions": {"get": op(
            "A model's versions (admin key)", {200: answer("Versions", {"type": "object"})}, (403, 404),
            params=name)},
        "/v1/models/{name}/rollback": {"post": op(
            "Activate an earlier version (admin key)", {200: answer("Before and after", {"type": "object"})},
            (400, 403, 404, 409, 413, 415), params=name,
            body={"application/json": {"schema": {"$ref": _REF + "RollbackRequest"}}})},
        "/v1/openapi.json": {"get": op("This document", {200: answer("OpenAPI 3.1", {"type": "object"})}, (),
                                       auth=False)},
        **oa.health_paths(),
    }
    schemas = {"PredictRequest": predict_schema(limits), "TagRequest": tag_schema(limits),
               "RollbackRequest": ROLLBACK_SCHEMA, "Prediction": prediction}
    return oa.document("Veil classifier", veil.__version__,
                       "Phrase classification with the heads of the model registry, and their administration. "
                       "Every error is application/problem+json.", paths, schemas)


@bp.get("/openapi.json")
def openapi_json() -> Response:
    cfg = current_app.extensions["veil_classifier"].cfg
    return Response(oa.rendered(document(cfg)), mimetype="application/json")


def main(argv: list[str] | None = None) -> int:
    return oa.write_document(document, DOCUMENT, argv)


if __name__ == "__main__":
    raise SystemExit(main())
