"""Checks of predict, tag and rollback bodies; every error names the offending item (a JSON pointer).

Each body is checked twice, by the same rules in two forms: first by the functions below, whose
errors name the item and carry a code a caller can act on, then by the JSON Schema that the
OpenAPI document publishes (`services/classifier/openapi.py`), so the document is the handlers'
own contract: a body the document refuses is refused here too, whatever the first checks missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonschema


class InvalidRequest(ValueError):
    """The caller sent something we cannot classify; `status` is 400 or 413, `pointer` names the item."""

    def __init__(self, detail: str, *, code: str, pointer: str = "", status: int = 400):
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.pointer = pointer
        self.status = status


@dataclass(frozen=True)
class Limits:
    max_texts: int
    max_text_chars: int


@dataclass(frozen=True)
class PredictRequest:
    texts: list[str]
    top_k: int | None


_KIND = {dict: "an object", list: "an array", bool: "a boolean", int: "a number", float: "a number",
         type(None): "null"}


def _kind(value: Any) -> str:
    return _KIND.get(type(value), type(value).__name__)


def parse_predict(body: Any, limits: Limits) -> PredictRequest:
    """{"texts": [str, ...], "top_k"?: int} -> PredictRequest, or InvalidRequest naming what is wrong."""
    texts = _parse_texts(body, limits)
    top_k = body.get("top_k")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise InvalidRequest(f'"top_k" must be a positive integer, not {top_k!r}', code="invalid_top_k",
                             pointer="/top_k")
    _conform(body, "predict", limits)
    return PredictRequest(texts=texts, top_k=top_k)


def parse_tag(body: Any, limits: Limits) -> list[str]:
    """{"texts": [str, ...]} -> the texts, under the same rules and limits as predict."""
    texts = _parse_texts(body, limits)
    _conform(body, "tag", limits)
    return texts


@lru_cache(maxsize=8)
def _validator(kind: str, limits: Limits) -> jsonschema.protocols.Validator:
    schema = {"predict": predict_schema, "tag": tag_schema}[kind](limits) if kind != "rollback" else ROLLBACK_SCHEMA
    return jsonschema.Draft202012Validator(schema)


def _conform(body: Any, kind: str, limits: Limits | None = None) -> None:
    """The body against the published schema (see the module docstring); the first error, with its pointer."""
    error = next(iter(_validator(kind, limits).iter_errors(body)), None)
    if error is not None:
        pointer = "".join(f"/{p}" for p in error.absolute_path)
        raise InvalidRequest(f"the body does not follow the published schema at {pointer or '/'}: {error.message}",
                             code="invalid_body", pointer=pointer)


def _parse_texts(body: Any, limits: Limits) -> list[str]:
    if not isinstance(body, dict):
        raise InvalidRequest(f'the body must be a JSON object like {{"texts": ["..."]}}, not {_kind(body)}',
                             code="invalid_body", pointer="")
    if "texts" not in body:
        raise InvalidRequest('"texts" is required: a list of strings to classify', code="missing_texts",
                             pointer="/texts")
    texts = body["texts"]
    if not isinstance(texts, list):
        raise InvalidRequest(f'"texts" must be a list of strings, not {_kind(texts)}', code="invalid_texts",
                             pointer="/texts")
    if not texts:
        raise InvalidRequest('"texts" is empty: send at least one text', code="empty_texts", pointer="/texts")
    if len(texts) > limits.max_texts:
        raise InvalidRequest(f'"texts" has {len(texts)} items; at most {limits.max_texts} per request',
                             code="too_many_texts", pointer="/texts", status=413)
    for i, text in enumerate(texts):
        _check_text(i, text, limits)
    return texts


def _check_text(i: int, text: Any, limits: Limits) -> None:
    pointer = f"/texts/{i}"
    if not isinstance(text, str):
        raise InvalidRequest(f"texts[{i}] is {_kind(text)}; every item must be a string", code="not_a_string",
                             pointer=pointer)
    if not text.strip():
        raise InvalidRequest(f"texts[{i}] is empty or only whitespace", code="empty_text", pointer=pointer)
    if len(text) > limits.max_text_chars:
        raise InvalidRequest(f"texts[{i}] has {len(text)} characters; at most {limits.max_text_chars}",
                             code="text_too_long", pointer=pointer)
    if "\x00" in text:
        # PostgreSQL text cannot hold NUL, and no phrase needs one.
        raise InvalidRequest(f"texts[{i}] contains a NUL character", code="invalid_character", pointer=pointer)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequest(f"texts[{i}] is not valid Unicode (it contains an unpaired surrogate)",
                             code="invalid_character", pointer=pointer) from None


def check_top_k(top_k: int | None, n_labels: int) -> None:
    if top_k is not None and top_k > n_labels:
        raise InvalidRequest(f'"top_k" is {top_k} but the model has only {n_labels} labels', code="invalid_top_k",
                             pointer="/top_k")


def parse_rollback(body: Any) -> str | None:
    """{} or {"version": "v3"} -> the version asked for, or None for 'the previous one'."""
    if body is None:
        return None
    if not isinstance(body, dict):
        raise InvalidRequest(f"the body must be a JSON object, not {_kind(body)}", code="invalid_body")
    version = body.get("version")
    if version is not None and (not isinstance(version, str) or not version.strip()):
        raise InvalidRequest('"version" must be a non-empty string', code="invalid_version", pointer="/version")
    _conform(body, "rollback")
    return version


# -- the same rules as JSON Schemas, for the OpenAPI document (services/classifier/openapi.py) ----------
# tests/test_openapi.py checks on generated bodies that these schemas and the parse_* functions above
# accept and refuse the same ones; the one rule JSON cannot carry is an unpaired surrogate.

def _texts_schema(limits: Limits) -> dict[str, Any]:
    text = {"type": "string", "minLength": 1, "maxLength": limits.max_text_chars,
            "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$",
            "description": "Not blank, no NUL character."}
    return {"type": "array", "items": text, "minItems": 1, "maxItems": limits.max_texts,
            "description": f"At most {limits.max_texts} texts (more: 413) of at most {limits.max_text_chars} "
                           "characters each."}


def predict_schema(limits: Limits) -> dict[str, Any]:
    return {"type": "object", "required": ["texts"], "properties": {
        "texts": _texts_schema(limits),
        "top_k": {"type": ["integer", "null"], "minimum": 1,
                  "description": "Also return the k most probable labels (at most the model's label count)."}}}


def tag_schema(limits: Limits) -> dict[str, Any]:
    return {"type": "object", "required": ["texts"], "properties": {"texts": _texts_schema(limits)}}


ROLLBACK_SCHEMA: dict[str, Any] = {"type": "object", "properties": {
    "version": {"type": ["string", "null"], "pattern": "\\S",
                "description": "The version to activate (default: the one before the active one)."}}}
