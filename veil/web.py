"""HTTP plumbing every Flask service shares: problem+json errors, request ids, traces, health, readiness, metrics.

Handlers raise `Problem` for anything the caller got wrong; `install()` maps it, and every
werkzeug HTTPException, to application/problem+json at its own status, and answers
anything unexpected with a generic 500 that leaks nothing (the traceback goes to the log).
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any, Callable

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from werkzeug.exceptions import HTTPException

from veil import logs, tracing

PROBLEM_JSON = "application/problem+json"
_log = logging.getLogger(__name__)


class Problem(Exception):
    """An RFC 9457 problem: `status` and `title` always, `detail` and extension members optional."""

    def __init__(self, status: int, title: str, detail: str | None = None, *,
                 code: str | None = None, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": "about:blank", "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if self.code:
            body["code"] = self.code
        rid = logs.current_request_id()
        if rid:
            body["request_id"] = rid
        body.update(self.extra)
        return body


def problem_response(problem: Problem) -> Response:
    resp = Response(json.dumps(problem.body()), status=problem.status, mimetype=PROBLEM_JSON)
    for key, value in problem.headers.items():
        resp.headers[key] = value
    return resp


def json_body(max_bytes: int | None = None) -> Any:
    """The request's JSON body, or a 400/413/415 problem that says what is wrong with it."""
    if max_bytes is not None and (request.content_length or 0) > max_bytes:
        raise Problem(413, "Payload too large", f"the body is over the limit of {max_bytes} bytes",
                      code="payload_too_large")
    if not request.is_json:
        raise Problem(415, "Unsupported media type", "send Content-Type: application/json",
                      code="unsupported_media_type")
    raw = request.get_data(cache=True)
    if max_bytes is not None and len(raw) > max_bytes:
        raise Problem(413, "Payload too large", f"the body is over the limit of {max_bytes} bytes",
                      code="payload_too_large")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, "Malformed JSON", f"the body is not valid JSON: {exc}", code="malformed_json") from None
    except RecursionError:
        # "[[[[..." thousands deep: the parser gives up; it is still the caller's bad input.
        raise Problem(400, "Malformed JSON", "the body is nested too deeply", code="malformed_json") from None


def install(
    app: Flask,
    service: str,
    ready_check: Callable[[], dict[str, bool]] | None = None,
    registry: CollectorRegistry | None = None,
) -> CollectorRegistry:
    """Adds request ids, error mapping, /healthz, /readyz, /metrics and request metrics to `app`.

    `ready_check` returns {dependency: ok}; /readyz is 200 only when all are ok. Returns the
    Prometheus registry the service should register its own metrics in.
    """
    from prometheus_client import REGISTRY

    registry = registry or REGISTRY
    requests_total = metric(registry, Counter, "veil_http_requests_total",
                             "HTTP requests by service, route and status", ["service", "route", "method", "status"])
    latency = metric(registry, Histogram, "veil_http_request_seconds",
                      "HTTP request latency by service and route", ["service", "route", "method"])

    tracing.configure(service)

    @app.before_request
    def _start() -> None:
        g.veil_token = logs.bind_request_id(request.headers.get(logs.REQUEST_ID_HEADER))
        g.veil_start = time.perf_counter()
        g.veil_span = tracing.start_server_span(service, request.method, request.path, request.url_rule.rule
                                                if request.url_rule else "<unmatched>", request.headers)

    @app.after_request
    def _finish(resp: Response) -> Response:
        rid = logs.current_request_id()
        if rid:
            resp.headers[logs.REQUEST_ID_HEADER] = rid
        route = request.url_rule.rule if request.url_rule else "<unmatched>"
        if hasattr(g, "veil_start"):
            latency.labels(service, route, request.method).observe(time.perf_counter() - g.veil_start)
        requests_total.labels(service, route, request.method, str(resp.status_code)).inc()
        g.veil_status = resp.status_code
        return resp

    @app.teardown_request
    def _reset(_exc: BaseException | None) -> None:
        tracing.end_server_span(g.pop("veil_span", None), g.pop("veil_status", 500 if _exc else None))
        token = g.pop("veil_token", None)
        if token is not None:
            logs.reset_request_id(token)

    @app.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        return problem_response(exc)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        headers = dict(exc.get_headers()) if exc.code == 405 else {}
        allow = {"Allow": headers["Allow"]} if "Allow" in headers else None
        status = exc.code or 500
        detail, extra = exc.description, {}
        limit = app.config.get("MAX_CONTENT_LENGTH") if status == 413 else None
        if limit:
            # The framework's own 413 (the app's body limit) says the limit, as the handlers' 413s do.
            detail, extra = f"the request body is over the limit of {limit} bytes", {"limit": limit}
        code = exc.name.lower().replace(" ", "_") if exc.name else None
        return problem_response(Problem(status, exc.name, detail, headers=allow, code=code, **extra))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        _log.exception("unhandled error in %s %s", request.method, request.path)
        return problem_response(Problem(500, "Internal Server Error",
                                        "an unexpected error occurred; quote the request_id when reporting it"))

    @app.get("/healthz")
    def _healthz() -> Response:
        return Response(json.dumps({"status": "ok", "service": service}), mimetype="application/json")

    @app.get("/readyz")
    def _readyz() -> Response:
        checks = ready_check() if ready_check else {}
        ok = all(checks.values())
        body = {"status": "ready" if ok else "not ready", "service": service, "checks": checks}
        return Response(json.dumps(body), status=200 if ok else 503, mimetype="application/json")

    @app.get("/metrics")
    def _metrics() -> Response:
        return Response(generate_latest(_scrape_registry(registry)), mimetype=CONTENT_TYPE_LATEST)

    return registry


def _scrape_registry(registry: CollectorRegistry) -> CollectorRegistry:
    """Under gunicorn with PROMETHEUS_MULTIPROC_DIR set, every worker's values, not only this worker's."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return registry
    from prometheus_client import multiprocess

    scrape = CollectorRegistry()
    multiprocess.MultiProcessCollector(scrape)
    return scrape


def metric(registry: CollectorRegistry, kind: type, name: str, doc: str, labels: list[str] | None = None,
           **kwargs: Any) -> Any:
    """Gets or creates a metric in `registry`, so app factories can run more than once per process."""
    existing = getattr(registry, "_names_to_collectors", {}).get(name)
    if existing is not None:
        return existing
    return kind(name, doc, labels or [], registry=registry, **kwargs)
