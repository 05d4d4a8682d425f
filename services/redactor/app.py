"""The redactor's HTTP API: POST /v1/extract and POST /v1/redact. Flask app factory, served by gunicorn.

Start: gunicorn -c services/redactor/gunicorn.conf.py "services.redactor.app:create_app()"

Handlers only parse the request, call the logic package (`extract`, `redact`, which import
without Flask and are what the batch path calls in process) and serialise the answer.
Input the redactor will not process is answered with application/problem+json carrying an
error `code`; see README.md for the API.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from typing import Any, Callable, Mapping

from flask import Flask, Response, jsonify, request
from prometheus_client import Counter, Histogram

from services.redactor import errors, settings
from services.redactor.extract import extract
from services.redactor.limits import Limits
from services.redactor.ocr import OcrOptions
from services.redactor.redact import redact
from veil import web
from veil.web import Problem

SERVICE = "redactor"
_log = logging.getLogger(__name__)

PDF_TYPES = ("application/pdf", "application/octet-stream")
# Room for the multipart framing and the spans next to the largest PDF accepted.
_FORM_ALLOWANCE = 16 * 1024 * 1024
_VERIFIED, _AREAS, _NOT_FOUND, _LEAKS, _PAGES = ("X-Redaction-Verified", "X-Redaction-Areas",
                                                 "X-Redaction-Spans-Not-Found", "X-Redaction-Leaks",
                                                 "X-Redaction-Pages")


class _Metrics:
    def __init__(self, registry):
        self.documents = web.metric(registry, Counter, "veil_redactor_documents_total",
                                    "Documents by operation and outcome (ok, unverified or the error code)",
                                    ["operation", "outcome"])
        self.pages = web.metric(registry, Counter, "veil_redactor_pages_total", "Pages processed by operation",
                                ["operation"])
        self.seconds = web.metric(registry, Histogram, "veil_redactor_document_seconds",
                                  "Time per document by operation", ["operation"],
                                  buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
        self.areas = web.metric(registry, Counter, "veil_redactor_areas_total", "Redacted areas")


def _problem(exc: errors.DocumentRejected) -> Problem:
    return Problem(exc.status, exc.title, exc.message, code=exc.code, **exc.extra)


def _too_large(limit: int) -> Problem:
    return Problem(413, "PDF too large", f"the request body is over the limit of {limit} bytes", code=errors.TOO_LARGE,
                   limit=limit)


def _media_type() -> str:
    return (request.mimetype or "").lower()


def _pdf_bytes(limit: int) -> bytes:
    """The PDF from a multipart field `file` or from an application/pdf body."""
    if (request.content_length or 0) > limit + _FORM_ALLOWANCE:
        raise _too_large(limit)
    kind = _media_type()
    if kind == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise Problem(400, "Missing file", "send the PDF as the multipart field 'file'", code="missing_file")
        data = upload.read(limit + 1)
    elif kind in PDF_TYPES:
        data = request.get_data(cache=False)
    else:
        raise Problem(415, "Unsupported media type",
                      "send the PDF as multipart/form-data (field 'file') or as an application/pdf body",
                      code="unsupported_media_type")
    if not data:
        raise Problem(400, "Missing file", "the request carries no PDF", code="missing_file")
    if len(data) > limit:
        raise _too_large(limit)
    return data


def _option(name: str, choices: tuple[str, ...], default: str, body: Mapping[str, Any]) -> str:
    value = body.get(name, request.form.get(name, request.args.get(name, default)))
    if value not in choices:
        raise Problem(400, "Invalid option", f"{name} must be one of {', '.join(choices)}", code="invalid_option")
    return value


def _spans_field() -> Any:
    raw: Any = request.form.get("spans")
    if raw is None and "spans" in request.files:
        raw = request.files["spans"].read()
    if raw is None:
        raise Problem(400, "Invalid spans", "send the spans as the multipart field 'spans' (a JSON list)",
                      code=errors.INVALID_SPANS)
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Problem(400, "Invalid spans", "the field 'spans' is not valid JSON", code=errors.INVALID_SPANS) from None


def _redact_request(limit: int) -> tuple[bytes, Any, Mapping[str, Any]]:
    """(pdf, spans, options) from multipart (file + spans) or JSON ({"pdf_base64", "spans", ...})."""
    if _media_type() == "application/json":
        body = web.json_body(max_bytes=limit * 4 // 3 + _FORM_ALLOWANCE)
        if not isinstance(body, dict):
            raise Problem(400, "Invalid request", "the JSON body must be an object", code="invalid_request")
        encoded = body.get("pdf_base64")
        if not isinstance(encoded, str) or not encoded:
            raise Problem(400, "Missing file", "pdf_base64 must hold the PDF, base64-encoded", code="missing_file")
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise Problem(400, "Missing file", "pdf_base64 is not valid base64", code="missing_file") from None
        if len(data) > limit:
            raise _too_large(limit)
        if "spans" not in body:
            raise Problem(400, "Invalid spans", "the body needs 'spans' (a JSON list)", code=errors.INVALID_SPANS)
        return data, body["spans"], body
    if _media_type() != "multipart/form-data":
        raise Problem(415, "Unsupported media type",
                      "send multipart/form-data (fields 'file' and 'spans') or application/json",
                      code="unsupported_media_type")
    data = _pdf_bytes(limit)
    return data, _spans_field(), {}


def _wants_json(body: Mapping[str, Any]) -> bool:
    fmt = body.get("format", request.form.get("format", request.args.get("format")))
    if fmt in ("json", "pdf"):
        return fmt == "json"
    if fmt is not None:
        raise Problem(400, "Invalid option", "format must be pdf or json", code="invalid_option")
    # Ties (no Accept, */*) go to the PDF, the first match listed.
    best = request.accept_mimetypes.best_match(["application/pdf", "application/json"], default="application/pdf")
    return best == "application/json"


def _self_test() -> bool:
    """Start-up check that PyMuPDF works in this process: extract a one-page PDF made on the spot."""
    import pymupdf

    try:
        doc = pymupdf.open()
        doc.new_page().insert_text((72, 72), "Veil redactor self-test")
        data = doc.tobytes()
        doc.close()
        return "self-test" in extract(data)["paragraphs"][0]["text"]
    except Exception:  # noqa: BLE001 - a failing self-test means not ready, whatever the cause
        _log.exception("redactor self-test failed")
        return False


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The app factory. `test_config` overrides settings by key (e.g. redactor_max_pages) and may carry
    `metrics_registry` (a prometheus CollectorRegistry) and TESTING."""
    overrides = dict(test_config or {})
    prometheus_registry = overrides.pop("metrics_registry", None)
    testing = bool(overrides.pop("TESTING", False))
    cfg = settings.load(overrides)
    limits = Limits.from_config(cfg)
    ocr_options = OcrOptions.from_config(cfg)

    app = Flask(__name__)
    # Werkzeug's own stop for bodies without a Content-Length; ours answers first when it has one.
    # MAX_FORM_MEMORY_SIZE: spans sent as a plain form field (older clients) may be megabytes for a
    # long document; Werkzeug's default of 500 KB would refuse a 450-page document's spans.
    app.config.update(TESTING=testing, MAX_CONTENT_LENGTH=cfg.redactor_max_bytes * 4 // 3 + _FORM_ALLOWANCE,
                      MAX_FORM_MEMORY_SIZE=_FORM_ALLOWANCE)
    ready = {"pymupdf": _self_test()}
    registry = web.install(app, SERVICE, ready_check=lambda: dict(ready), registry=prometheus_registry)
    metrics = _Metrics(registry)

    def run(operation: str, work: Callable[[], Any], pages: Callable[[Any], int]) -> Any:
        start = time.perf_counter()
        try:
            result = work()
        except errors.DocumentRejected as exc:
            metrics.documents.labels(operation, exc.code).inc()
            _log.info("%s refused: %s", operation, exc.code)
            raise _problem(exc) from None
        finally:
            metrics.seconds.labels(operation).observe(time.perf_counter() - start)
        metrics.pages.labels(operation).inc(pages(result))
        return result

    @app.post("/v1/extract")
    def extract_route() -> Response:
        data = _pdf_bytes(cfg.redactor_max_bytes)
        document = run("extract", lambda: extract(data, limits=limits, ocr_options=ocr_options),
                       lambda d: d["page_count"])
        metrics.documents.labels("extract", "ok").inc()
        return jsonify(document)

    @app.post("/v1/redact")
    def redact_route() -> Response:
        data, spans, body = _redact_request(cfg.redactor_max_bytes)
        style = _option("style", settings.STYLES, cfg.redactor_style, body)
        images = _option("images", settings.IMAGE_POLICIES, cfg.redactor_images, body)
        on_unverified = _option("on_unverified", settings.ON_UNVERIFIED, cfg.redactor_on_unverified, body)
        as_json = _wants_json(body)
        out, report = run("redact", lambda: redact(data, spans, style=style, images=images, limits=limits,
                                                   max_spans=cfg.redactor_max_spans, ocr_options=ocr_options),
                          lambda r: r[1]["page_count"])
        metrics.areas.inc(report["areas"])
        if not report["verified"]:
            metrics.documents.labels("redact", "unverified").inc()
            if on_unverified == "reject":
                raise Problem(422, "Verification failed",
                              f"{report['unverified_reason']}; no PDF is returned (send on_unverified=return to "
                              "get it anyway)",
                              code=errors.VERIFICATION_FAILED, verified=False, report=report)
        else:
            metrics.documents.labels("redact", "ok").inc()
        if as_json:
            return jsonify({"verified": report["verified"], "report": report,
                            "pdf_base64": base64.b64encode(out).decode("ascii")})
        resp = Response(out, mimetype="application/pdf")
        resp.headers["Content-Disposition"] = 'attachment; filename="redacted.pdf"'
        resp.headers[_VERIFIED] = "true" if report["verified"] else "false"
        resp.headers[_AREAS] = str(report["areas"])
        resp.headers[_NOT_FOUND] = str(report["spans_not_found"])
        resp.headers[_LEAKS] = str(len(report["leaks"]))
        resp.headers[_PAGES] = str(report["page_count"])
        return resp

    _log.info("redactor ready=%s (max %d bytes, %d pages, up to %.0f s per document)", ready["pymupdf"],
              limits.max_bytes, limits.max_pages, limits.most_seconds())
    return app
