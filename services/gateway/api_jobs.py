"""The de-identification jobs API: submit a PDF, follow its job, fetch the redacted document and the report."""

from __future__ import annotations

import json
import logging
import re

from flask import Blueprint, Response, current_app, g, jsonify, request

from services.gateway import idempotency, jobs, options
from services.gateway.assembly import GatewayState
from services.gateway.callbacks import InvalidCallback
from veil import web

bp = Blueprint("jobs", __name__, url_prefix="/v1")

EXTENSION = "veil_gateway"
PDF_MAGIC = b"%PDF-"
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")
_log = logging.getLogger(__name__)


def _state() -> GatewayState:
    return current_app.extensions[EXTENSION]


@bp.post("/deidentify")
def deidentify() -> Response:
    state = _state()
    cfg = state.cfg
    document, callback_url = _upload(cfg.gateway_max_upload_bytes)
    job_options = _job_options(cfg.gateway_team_options.get(g.caller))
    if callback_url:
        try:
            callback_url = state.policy.check(callback_url)
        except InvalidCallback as exc:
            raise web.Problem(400, "Invalid callback_url", str(exc), code="invalid_callback_url") from None
        if state.callback_secrets.for_team(g.caller) is None:
            raise web.Problem(400, "Invalid callback_url", "no callback signing secret is configured for your "
                              "team (VEIL_GATEWAY_CALLBACK_SECRETS)", code="invalid_callback_url")
    key = _idempotency_key()
    retention_s = cfg.gateway_retention_hours * 3600
    if key is None:
        job, created = state.store.submit(g.caller, document, retention_s=retention_s,
                                          callback_url=callback_url or None, options=job_options), True
    else:
        try:
            job, created = state.store.submit_once(
                g.caller, document, idempotency_key=key, retention_s=retention_s, callback_url=callback_url or None,
                options=job_options, fingerprint=idempotency.fingerprint(document, callback_url, job_options))
        except jobs.IdempotencyConflict:
            raise web.Problem(422, "Idempotency-Key reused", "this Idempotency-Key was already used for a different "
                              "request; use a new key for a new document", code="idempotency_key_reused") from None
    if created:
        _log.info("job %s queued for %s (%d bytes)", job.id, g.caller, len(document))
    resp = jsonify(job_id=job.id, status=job.status)
    resp.status_code = 202
    resp.headers["Location"] = f"/v1/jobs/{job.id}"
    if not created:
        resp.headers[idempotency.REPLAYED_HEADER] = "true"
    return resp


def _idempotency_key() -> str | None:
    try:
        return idempotency.parse_key(request.headers.get(idempotency.HEADER))
    except ValueError as exc:
        raise web.Problem(400, "Invalid Idempotency-Key", str(exc), code="invalid_idempotency_key") from None


@bp.get("/jobs/<job_id>")
def job_status(job_id: str) -> Response:
    return jsonify(_job(job_id).status_body())


@bp.delete("/jobs/<job_id>")
def job_delete(job_id: str) -> Response:
    """Removes the job with its PDF, redacted document and report now; a running job's outcome is dropped."""
    job = _job(job_id)
    if not _state().store.delete(job.id, caller=g.caller):
        raise _not_found()
    return Response(status=204)


@bp.get("/jobs/<job_id>/document")
def job_document(job_id: str) -> Response:
    job = _finished(_job(job_id))
    pdf = _state().store.file(job.id, jobs.OUTPUT)
    if pdf is None:
        raise _not_found()
    resp = Response(pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'attachment; filename="{job.id}-redacted.pdf"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/jobs/<job_id>/report")
def job_report(job_id: str) -> Response:
    job = _finished(_job(job_id))
    report = _state().store.file(job.id, jobs.REPORT)
    if report is None:
        raise _not_found()
    resp = Response(report, mimetype="application/json")
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _job(job_id: str) -> jobs.Job:
    job = _state().store.get(job_id, caller=g.caller) if _JOB_ID.match(job_id) else None
    if job is None:
        raise _not_found()
    return job


def _not_found() -> web.Problem:
    # The same answer for "never existed", "expired" and "another team's": existence is not disclosed.
    return web.Problem(404, "Unknown job", "no such job for this caller (jobs expire after the retention period)",
                       code="unknown_job")


def _finished(job: jobs.Job) -> jobs.Job:
    if job.status == jobs.SUCCEEDED:
        return job
    if job.status == jobs.FAILED:
        raise web.Problem(409, "Job failed", job.error or "the job failed", code="job_failed")
    raise web.Problem(409, "Job not finished", f"the job is {job.status}; poll GET /v1/jobs/{job.id}",
                      code="job_not_finished", headers={"Retry-After": "2"})


def _job_options(team_defaults: dict | None) -> bytes | None:
    """The job's options (multipart field or query parameter `options`, a JSON object) over the team's
    defaults, validated now so a mistake is the caller's 400 and not a failed job later."""
    raw = request.form.get("options") if request.mimetype == "multipart/form-data" else None
    raw = raw or request.args.get("options")
    if not raw and not team_defaults:
        return None
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise web.Problem(400, "Invalid request", "/options: must be a JSON object", code="invalid_request",
                          pointer="/options")
    return json.dumps(options.merge(body, team_defaults=team_defaults, pdf=True, where="/options")).encode()


def _upload(max_bytes: int) -> tuple[bytes, str | None]:
    """The PDF (multipart field `file`, or an application/pdf body) and the optional callback_url."""
    mimetype = request.mimetype
    if mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise web.Problem(400, "No file", "send the PDF as the multipart field 'file'", code="no_file")
        document = upload.read(max_bytes + 1)
        callback_url = request.form.get("callback_url") or request.args.get("callback_url")
    elif mimetype == "application/pdf":
        document = request.get_data(cache=False)
        callback_url = request.args.get("callback_url")
    else:
        raise web.Problem(415, "Unsupported media type", "send multipart/form-data with a 'file' field or an "
                          "application/pdf body", code="unsupported_media_type")
    if len(document) > max_bytes:
        raise web.Problem(413, "Payload too large", f"the PDF is over the limit of {max_bytes} bytes",
                          code="payload_too_large")
    if not document:
        raise web.Problem(400, "No file", "the uploaded file is empty", code="no_file")
    if not document[:1024].lstrip().startswith(PDF_MAGIC):
        raise web.Problem(415, "Not a PDF", "the file does not start with the PDF signature %PDF-",
                          code="not_a_pdf")
    return document, callback_url
