"""The OpenAPI document: served, public, equal to docs/openapi/gateway.json, made of the validators' own schemas;
and every error the framework raises (unknown path, wrong method, oversized body) is problem+json."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from services.gateway import openapi, schemas
from services.gateway.tests.helpers import AUTH_A
from veil import openapi as oa


def test_the_served_document_is_the_one_checked_into_docs(client):
    resp = client.get("/v1/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.get_data(as_text=True) == openapi.DOCUMENT.read_text(encoding="utf-8"), (
        "docs/openapi/gateway.json is stale: run `python -m services.gateway.openapi`")
    assert resp.json["openapi"] == "3.1.0"


def test_the_document_describes_every_route_of_the_app_with_its_methods(app):
    doc = openapi.document()
    routes = oa.route_map(app, skip=("static", "openapi.docs_asset"))
    assert {p: set(ops) for p, ops in doc["paths"].items()} == routes


def test_the_request_schemas_are_the_validators_own_and_valid_json_schema():
    doc = openapi.document()
    components = doc["components"]["schemas"]
    assert components["TextOperator"] == schemas.TEXT_OPERATOR
    options = doc["paths"]["/v1/deidentify/text"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert options == {"$ref": "#/components/schemas/TextRequest"}
    for schema in (schemas.text_request(10), schemas.TEXT_OPTIONS, schemas.PDF_OPTIONS, schemas.CLASSIFY_REQUEST):
        Draft202012Validator.check_schema(schema)


def test_the_browsable_page_needs_no_key_and_loads_only_vendored_assets(client):
    page = client.get("/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html   # nothing from a CDN
    for asset in ("/v1/docs/assets/swagger-ui-bundle.js", "/v1/docs/assets/swagger-ui.css"):
        assert asset in html
        resp = client.get(asset)
        assert resp.status_code == 200 and len(resp.data) > 10_000
        resp.close()
    missing = client.get("/v1/docs/assets/nothing.js")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    # The rest of /v1 still needs a key.
    assert client.get("/v1/jobs/" + "0" * 32).status_code == 401


def test_framework_errors_are_problem_json(make_app):
    client = make_app(gateway_max_upload_bytes=1000).test_client()
    unknown = client.get("/v1/nothing-here", headers=AUTH_A)
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    assert unknown.json["status"] == 404 and unknown.json["title"]
    wrong = client.put("/v1/deidentify/text", headers=AUTH_A, json={})
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"
    assert "POST" in wrong.headers["Allow"]
    big = client.post("/v1/deidentify", headers=AUTH_A, data={"file": (__import__("io").BytesIO(b"x" * 200_000),
                                                                         "a.pdf")})
    assert big.status_code == 413 and big.mimetype == "application/problem+json"
    assert str(json.loads(big.data)["limit"]) in big.json["detail"]
