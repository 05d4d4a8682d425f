"""The JSON Schemas of the gateway's request bodies: what the handlers validate with, and what the OpenAPI
document publishes (`openapi.py` reads these same objects, so the contract cannot drift from the code).

Validation is JSON Schema 2020-12 (the dialect of OpenAPI 3.1) run by `jsonschema`; the first error
becomes a 400 problem whose `pointer` names the field. What a schema cannot say (a regular expression
that does not compile) is checked by the module that uses the value.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from veil import web
from veil.contracts import ENTITY_TYPES

# A deny-list entry without a type is reported and replaced under this type.
CUSTOM = "CUSTOM"
DEFAULT = "DEFAULT"
MAXLIST_ITEMS = 100
MAXLIST_ITEM_CHARS = 200
MAX_ID_CHARS = 200
MAX_REPLACEMENT_CHARS = 100
MAX_SHIFT_DAYS = 3650
TEXT_OPERATORS = ("redact", "replace", "mask", "hash", "surrogate", "date_shift")
PDF_OPERATORS = ("box", "label")
OPERATOR_KEYS = (*ENTITY_TYPES, CUSTOM, DEFAULT)

_TYPE = {"type": "string", "enum": list(ENTITY_TYPES)}
_TYPE_OR_CUSTOM = {"type": "string", "enum": [*ENTITY_TYPES, CUSTOM]}


def _operator(name: str, description: str, **params: dict) -> dict:
    return {"type": "object", "title": name, "description": description,
            "properties": {"type": {"const": name}, **params}, "required": ["type"], "additionalProperties": False}


TEXT_OPERATOR: dict[str, Any] = {"oneOf": [
    _operator("redact", "Removes the text."),
    _operator("replace", "Puts `new_value` in its place (default: the type in brackets, `[PERSON]`).",
              new_value={"type": "string", "maxLength": MAX_REPLACEMENT_CHARS}),
    _operator("mask", "Replaces characters by `masking_char`, keeping `chars_to_keep` of them (at the end with "
              "`from_end`).",
              chars_to_keep={"type": "integer", "minimum": 0, "maximum": 100, "default": 0},
              from_end={"type": "boolean", "default": False},
              masking_char={"type": "string", "minLength": 1, "maxLength": 1, "default": "*"}),
    _operator("hash", "HMAC-SHA256 keyed per team: the same value hashes the same way within a team and "
              "differently across teams (16 hex digits)."),
    _operator("surrogate", "A realistic fake of the same type, the same fake for the same value throughout the "
              "request; names keep their script and, where known, their gender; dates are shifted as by "
              "date_shift."),
    _operator("date_shift", "Every date of the request shifted by one random offset of at most `max_days` days "
              "(intervals between dates are kept); other types are replaced as by `replace`.",
              max_days={"type": "integer", "minimum": 1, "maximum": MAX_SHIFT_DAYS, "default": 365}),
]}

PDF_OPERATOR: dict[str, Any] = {"oneOf": [
    _operator("box", "A black box over the removed text."),
    _operator("label", "A box with the type written in it (`[PERSON]`)."),
]}

LIST_ITEM = {"oneOf": [
    {"type": "string", "minLength": 1, "maxLength": MAXLIST_ITEM_CHARS,
     "description": "A literal, matched whole and case-insensitively."},
    {"type": "object", "properties": {"regex": {"type": "string", "minLength": 1, "maxLength": MAXLIST_ITEM_CHARS}},
     "required": ["regex"], "additionalProperties": False,
     "description": "A regular expression (Python syntax)."},
]}
DENY_ITEM = {"oneOf": [
    LIST_ITEM["oneOf"][0],
    {"type": "object", "properties": {"text": {"type": "string", "minLength": 1, "maxLength": MAXLIST_ITEM_CHARS},
                                      "regex": {"type": "string", "minLength": 1, "maxLength": MAXLIST_ITEM_CHARS},
                                      "type": _TYPE_OR_CUSTOM},
     "oneOf": [{"required": ["text"]}, {"required": ["regex"]}], "additionalProperties": False,
     "description": "A literal (`text`) or a regular expression (`regex`), reported as `type` (default CUSTOM)."},
]}


def _options(operator: dict) -> dict[str, Any]:
    return {
        "entities": {"type": "array", "items": _TYPE, "minItems": 1, "uniqueItems": True,
                     "description": "Entity types to find (default: all)."},
        "score_threshold": {"type": "number", "minimum": 0, "maximum": 1,
                            "description": "Entities scored below this are left in place; model-found spans are "
                                           "redacted from this score (default: the gateway's model threshold)."},
        "allow_list": {"type": "array", "items": LIST_ITEM, "maxItems": MAXLIST_ITEMS,
                       "description": "Found text that equals one of these (or fully matches one of these "
                                      "regular expressions) is kept."},
        "deny_list": {"type": "array", "items": DENY_ITEM, "maxItems": MAXLIST_ITEMS,
                      "description": "Text always removed wherever it occurs (a whole-word match); wins over "
                                     "the allow list."},
        "operators": {"type": "object", "properties": {k: operator for k in OPERATOR_KEYS},
                      "additionalProperties": False,
                      "description": "How found text is replaced, per entity type; `DEFAULT` for the others."},
    }


TEXT_OPTIONS: dict[str, Any] = {"type": "object", "properties": _options(TEXT_OPERATOR), "additionalProperties": False}
PDF_OPTIONS: dict[str, Any] = {"type": "object", "properties": _options(PDF_OPERATOR), "additionalProperties": False}

TEXT_ITEM: dict[str, Any] = {"oneOf": [
    {"type": "string"},
    {"type": "object", "properties": {"id": {"type": "string", "maxLength": MAX_ID_CHARS}, "text": {"type": "string"}},
     "required": ["text"], "additionalProperties": False},
]}


def text_request(max_texts: int) -> dict[str, Any]:
    """POST /v1/deidentify/text: one `text`, or `texts` (strings, or objects with an `id`), plus options."""
    return {
        "type": "object",
        "properties": {"text": {"type": "string"},
                       "texts": {"type": "array", "items": TEXT_ITEM, "minItems": 1, "maxItems": max_texts},
                       **TEXT_OPTIONS["properties"]},
        "oneOf": [{"required": ["text"]}, {"required": ["texts"]}],
        "additionalProperties": False,
    }


def validate(schema: dict[str, Any], body: Any, where: str = "") -> None:
    """Raises a 400 problem naming the first thing wrong with `body` (its JSON pointer under `where`)."""
    error = best_match(Draft202012Validator(schema).iter_errors(body))
    if error is None:
        return
    pointer = where + "".join(f"/{p}" for p in error.absolute_path)
    raise web.Problem(400, "Invalid request", f"{pointer or 'the body'}: {_message(error)}",
                      code="invalid_request", pointer=pointer or "/")


def _message(error: Any) -> str:
    # A oneOf of tagged objects fails in every branch; the useful sentence is the failure of the branch
    # whose tag matched, or else the list of tags.
    if error.validator == "oneOf" and error.context:
        tagged_off = {e.relative_schema_path[0] for e in error.context if e.validator == "const"}
        relevant = [e for e in error.context if e.relative_schema_path[0] not in tagged_off]
        if relevant:
            return best_match(relevant).message[:300]
        tags = [str(e.validator_value) for e in error.context if e.validator == "const"]
        return f"'type' must be one of {', '.join(tags)}"
    return error.message[:300]


# POST /v1/classify, as api_classify checks it (the handler's own checks name the same limits).
CLASSIFY_REQUEST: dict[str, Any] = {
    "type": "object", "required": ["model", "texts"], "additionalProperties": False,
    "properties": {
        "model": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"},
        "texts": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                  "description": "At most VEIL_GATEWAY_MAX_CLASSIFY_TEXTS; more get 413."},
        "top_k": {"type": "integer", "minimum": 1},
    },
}
