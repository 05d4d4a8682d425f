"""The classifier's OpenAPI document: served without a key, equal to docs/openapi/classifier.json, naming every route;
its request schemas accept and refuse the same bodies as the validators the handlers run."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from services.classifier import openapi
from services.classifier.validation import (
    ROLLBACK_SCHEMA,
    InvalidRequest,
    Limits,
    parse_predict,
    parse_rollback,
    predict_schema,
)
from veil import openapi as oa

LIMITS = Limits(max_texts=3, max_text_chars=8)


def test_the_served_document_needs_no_key_and_is_the_one_checked_into_docs(make_app):
    client = make_app(classifier_api_keys={"k": "team-a"}).test_client()
    resp = client.get("/v1/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.get_data(as_text=True) == openapi.DOCUMENT.read_text(encoding="utf-8"), (
        "docs/openapi/classifier.json is stale: run `python -m services.classifier.openapi`")
    assert client.get("/v1/models").status_code == 401   # the rest still needs a key


def test_the_document_describes_every_route_with_its_methods(app):
    doc = openapi.document()
    assert {p: set(ops) for p, ops in doc["paths"].items()} == oa.route_map(app)
    Draft202012Validator.check_schema(doc["components"]["schemas"]["PredictRequest"])


def _accepts(fn, body) -> bool:
    try:
        fn(body)
    except InvalidRequest:
        return False
    return True


# Texts from a small alphabet (blank, NUL, letters) so that every rule is hit often; no surrogates (JSON
# Schema cannot express "no unpaired surrogate", the one rule the validator checks alone).
_text = st.text(alphabet=" \t\x00ab\u00e9", max_size=10)
_value = st.one_of(_text, st.integers(-2, 5), st.none(), st.booleans(), st.lists(_text, max_size=2))
_body = st.one_of(
    st.fixed_dictionaries({"texts": st.one_of(st.lists(st.one_of(_text, st.integers(), st.none()), max_size=5),
                                              _value)},
                          optional={"top_k": st.one_of(st.integers(-1, 4), st.none(), st.booleans(), _text)}),
    _value, st.dictionaries(st.sampled_from(["texts", "top_k", "other"]), _value, max_size=3))


@settings(max_examples=400, deadline=None)
@given(_body)
def test_the_predict_schema_and_the_predict_validator_agree(body):
    schema = Draft202012Validator(predict_schema(LIMITS))
    assert schema.is_valid(body) == _accepts(lambda b: parse_predict(b, LIMITS), body), body


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), _value, st.fixed_dictionaries({}, optional={"version": _value})))
def test_the_rollback_schema_and_the_rollback_validator_agree(body):
    # No body at all is "the previous version"; a JSON null body is the same to the handler.
    schema_ok = body is None or Draft202012Validator(ROLLBACK_SCHEMA).is_valid(body)
    assert schema_ok == _accepts(parse_rollback, body), body


def test_the_handlers_check_every_body_against_the_published_schema_too(monkeypatch):
    from services.classifier import validation

    limits = validation.Limits(max_texts=4, max_text_chars=20)
    with pytest.raises(validation.InvalidRequest) as refused:
        validation._conform({"texts": ["ok", 3]}, "tag", limits)
    assert refused.value.pointer == "/texts/1" and refused.value.status == 400
    seen = []
    monkeypatch.setattr(validation, "_conform", lambda body, kind, limits=None: seen.append(kind))
    validation.parse_predict({"texts": ["a"]}, limits)
    validation.parse_tag({"texts": ["a"]}, limits)
    validation.parse_rollback({"version": "v1"})
    assert seen == ["predict", "tag", "rollback"]
