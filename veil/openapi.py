"""What every service's OpenAPI 3.1 document shares: the problem+json error, operations with their documented
statuses, the bearer scheme, and one way to render the document (so a checked-in copy compares byte for byte).

Each service builds its own document from the JSON Schemas its handlers validate with; nothing here
knows a service's paths.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

PROBLEM_JSON = "application/problem+json"
REF = "#/components/schemas/"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["type", "title", "status"], "description": "RFC 9457 problem details.",
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                   "detail": {"type": "string"}, "code": {"type": "string"}, "request_id": {"type": "string"},
                   "pointer": {"type": "string"}}}
BEARER = {"type": "http", "scheme": "bearer", "description": "The caller's API key."}

STATUS = {
    200: "OK", 202: "Accepted", 204: "Deleted", 400: "The request is invalid; `pointer` names the field",
    401: "No key, or a key this service does not know", 403: "The key may not do this (admin actions)",
    404: "Not found", 405: "Method not allowed", 409: "Conflict with the current state",
    413: "The body is over the documented limit, which the detail names",
    414: "The request line is over the server's limit (4094 bytes): send long values in the body",
    415: "Wrong Content-Type",
    422: "Understood but not usable", 502: "A service behind this one refused the request",
    503: "A dependency is unavailable; retry after Retry-After seconds",
}


def problem(status: int, description: str | None = None) -> dict[str, Any]:
    return {"description": description or STATUS[status],
            "content": {PROBLEM_JSON: {"schema": {"$ref": REF + "Problem"}}}}


def json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def operation(summary: str, ok: dict[int, dict[str, Any]], errors: tuple[int, ...], *, body: dict | None = None,
              auth: bool = True, params: list[dict] | None = None, description: str | None = None) -> dict[str, Any]:
    """One operation: its answers (`ok`), its documented error statuses (401 added where a key is needed)."""
    op: dict[str, Any] = {"summary": summary, "responses": {str(k): v for k, v in ok.items()}}
    if description:
        op["description"] = description
    # Any request may be refused by the server itself for a request line too long (gunicorn, as problem+json).
    for status in (*errors, *((401,) if auth else ()), 414):
        op["responses"][str(status)] = problem(status)
    if body:
        op["requestBody"] = {"required": True, "content": body}
    if params:
        op["parameters"] = params
    op["security"] = [{"bearer": []}] if auth else []
    return op


def health_paths() -> dict[str, Any]:
    """/healthz, /readyz and /metrics, as veil.web installs them on every service."""
    return {
        "/healthz": {"get": operation("Alive", {200: json_response("ok", {"type": "object"})}, (), auth=False)},
        "/readyz": {"get": operation("Dependencies reachable", {200: json_response("ready", {"type": "object"}),
                                                                503: json_response("not ready", {"type": "object"})},
                                     (), auth=False)},
        "/metrics": {"get": operation("Prometheus metrics", {200: {"description": "text format", "content": {
            "text/plain": {"schema": {"type": "string"}}}}}, (), auth=False)},
    }


def document(title: str, version: str, description: str, paths: dict[str, Any],
             schemas: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": DIALECT,
        "info": {"title": title, "version": version, "description": description},
        "paths": paths,
        "components": {"securitySchemes": {"bearer": BEARER}, "schemas": {"Problem": PROBLEM_SCHEMA, **schemas}},
    }


def shared(doc: dict[str, Any], named: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """`doc` with each of the `named` schemas defined once under components and referenced where it occurs:
    the validators' schemas repeat parts (an operator per entity type); the document says them once."""
    def walk(node: Any, keep: Any = None) -> Any:
        if isinstance(node, dict):
            if node is not keep:
                for name, schema in named.items():
                    if node == schema:
                        return {"$ref": REF + name}
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    out = walk(doc)
    for name, schema in named.items():
        out["components"]["schemas"][name] = walk(schema, keep=schema)
    return out


def rendered(doc: dict[str, Any]) -> str:
    """The document as served and as checked in: sorted keys, two-space indent, a final newline."""
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def route_map(app: Any, skip: tuple[str, ...] = ("static",)) -> dict[str, set[str]]:
    """{OpenAPI path: methods} of a Flask app's routes, for the test that the document names them all."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in skip:
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", f"{{{arg}}}")
            for conv in ("string", "int", "path"):
                path = path.replace(f"<{conv}:{arg}>", f"{{{arg}}}")
        routes.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    return routes


def write_document(build: Callable[[], dict[str, Any]], default: Path, argv: list[str] | None = None) -> int:
    """The `python -m services.<name>.openapi [FILE]` command: writes `build()` to FILE (default `default`)."""
    out = Path((argv or sys.argv[1:] or [str(default)])[0])
    out.write_text(rendered(build()), encoding="utf-8")
    print(f"wrote {out}")
    return 0
