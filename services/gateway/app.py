"""The gateway's Flask application: the public API (de-identification jobs, classification) and its job workers.

Handlers only authenticate, parse, call the job store or a client, and serialise. Run it
with `gunicorn -c services/gateway/gunicorn.conf.py "services.gateway.app:create_app()"`;
each gunicorn worker also runs VEIL_GATEWAY_WORKER_THREADS job workers.
"""

from __future__ import annotations

import atexit
import logging
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from flask import Flask, Response, g, jsonify, request

from services.gateway import settings
from services.gateway.auth import Keys
from services.gateway.callbacks import CallbackPolicy, CallbackSender, InvalidCallback
from services.gateway.metrics import GatewayMetrics, gateway_metrics
from services.gateway.pipeline.deidentify import Pipeline
from services.gateway.worker import JobWorker, WorkerPool
from veil import config, web
from veil.clients.classifier import ClassifierClient, ClassifierRejected, ClassifierUnavailable
from veil.stores import jobs
from veil.stores.db import Database
from veil.stores.jobs import JobStore

SERVICE = "gateway"
EXTENSION = "veil_gateway"
PDF_MAGIC = b"%PDF-"
# Multipart framing (boundaries, part headers, the callback_url field) on top of the file.
_MULTIPART_OVERHEAD = 64 * 1024
_JOB_ID = re.compile(r"^[0-9a-f]{32}$")
_MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_RETRY_AFTER = "5"
_log = logging.getLogger(__name__)


def _store_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [sqlite3.Error]
    try:
        import psycopg2

        errors.append(psycopg2.Error)
    except ImportError:  # pragma: no cover - psycopg2 is in the base requirements
        pass
    return tuple(errors)


@dataclass
class GatewayState:
    """What one gateway process holds: settings, the job store, clients, metrics and its job workers."""

    cfg: Any
    store: JobStore
    keys: Keys
    policy: CallbackPolicy
    classifier: ClassifierClient
    redactor: Any
    metrics: GatewayMetrics
    pipeline_factory: Callable[[], Pipeline]
    pool: WorkerPool | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sender(self) -> CallbackSender | None:
        if not self.policy.enabled:
            return None
        return CallbackSender(self.policy, self.cfg.gateway_callback_secret, attempts=self.cfg.gateway_callback_attempts,
                              timeout=self.cfg.gateway_callback_timeout)

    def start_workers(self, threads: int) -> WorkerPool:
        with self._lock:
            if self.pool is None:
                workers = [JobWorker(self.store, self.pipeline_factory, lease_s=self.cfg.gateway_job_lease_seconds,
                                     poll_s=self.cfg.gateway_poll_seconds, callbacks=self.sender(),
                                     metrics=self.metrics) for _ in range(threads)]
                self.pool = WorkerPool(workers).start()
        return self.pool

    def stop_workers(self) -> None:
        if self.pool is not None:
            self.pool.stop(self.cfg.gateway_graceful_timeout)

    def ready(self) -> dict[str, bool]:
        try:
            counts = self.store.counts()
            self.metrics.set_queue(counts)
            store_ok = True
        except _store_errors():
            store_ok = False
        return {"store": store_ok, "redactor": self.redactor.ready(), "classifier": self.classifier.ready()}


def build_state(test_config: Mapping[str, Any] | None = None, registry: Any = None) -> GatewayState:
    """Settings, store, clients and the pipeline factory. `test_config` overrides settings by key and may
    inject `redactor`, `classifier`, `ml_model` (objects) and `pipeline_factory`."""
    overrides = dict(test_config or {})
    redactor = overrides.pop("redactor", None)
    classifier = overrides.pop("classifier", None)
    ml_model = overrides.pop("ml_model", None)
    pipeline_factory = overrides.pop("pipeline_factory", None)
    cfg = config.load(config.COMMON + settings.SETTINGS, overrides=overrides)
    if cfg.gateway_callback_hosts and not cfg.gateway_callback_secret:
        raise config.ConfigError("VEIL_GATEWAY_CALLBACK_SECRET is required when VEIL_GATEWAY_CALLBACK_HOSTS is "
                                 "set: receivers need it to check the signature")
    from prometheus_client import REGISTRY

    metrics = gateway_metrics(registry or REGISTRY)
    store = JobStore(Database.from_url(cfg.database_url or None), max_attempts=cfg.gateway_job_max_attempts)
    if classifier is None:
        classifier = ClassifierClient(cfg.classifier_url)
    if redactor is None:
        from veil.clients.redactor import RedactorClient

        redactor = RedactorClient(cfg.redactor_url)

    def default_factory() -> Pipeline:
        from services.gateway import wiring

        model = ml_model if ml_model is not None else (wiring.load_ml_model() if cfg.gateway_use_ml_model else None)
        return wiring.build_pipeline(cfg, redactor=redactor, classifier=classifier, ml_model=model,
                                     observe=metrics.observe_stage)

    return GatewayState(cfg=cfg, store=store, keys=Keys(cfg.api_keys), policy=CallbackPolicy(cfg.gateway_callback_hosts),
                        classifier=classifier, redactor=redactor, metrics=metrics,
                        pipeline_factory=pipeline_factory or default_factory)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The app factory; `test_config` as for `build_state`, plus `metrics_registry` and `TESTING`."""
    overrides = dict(test_config or {})
    prometheus_registry = overrides.pop("metrics_registry", None)
    testing = bool(overrides.pop("TESTING", False))
    app = Flask(__name__)
    holder: dict[str, GatewayState] = {}
    prometheus_registry = web.install(app, SERVICE, ready_check=lambda: holder["state"].ready(),
                                      registry=prometheus_registry)
    state = build_state(overrides, registry=prometheus_registry)
    holder["state"] = state
    app.config.update(TESTING=testing, MAX_CONTENT_LENGTH=state.cfg.gateway_max_upload_bytes + _MULTIPART_OVERHEAD)
    app.extensions[EXTENSION] = state
    state.store.ensure_schema()
    if not state.keys:
        _log.warning("VEIL_API_KEYS is empty: every /v1 request will be refused with 401")
    if state.cfg.gateway_worker_threads:
        state.start_workers(state.cfg.gateway_worker_threads)
        atexit.register(state.stop_workers)
    _routes(app, state)
    return app


def _routes(app: Flask, state: GatewayState) -> None:
    cfg = state.cfg

    @app.before_request
    def _authenticate() -> None:
        if not request.path.startswith("/v1/"):
            return
        team = state.keys.team_for(request.headers.get("Authorization"))
        if team is None:
            raise web.Problem(401, "Unauthorized", "send 'Authorization: Bearer <key>' with your team's API key",
                              code="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="veil"'})
        g.caller = team

    def _store_down(exc: Exception) -> Response:
        _log.error("job store unavailable: %s", type(exc).__name__)
        return web.problem_response(web.Problem(503, "Job store unavailable", "try again shortly",
                                                code="store_unavailable", headers={"Retry-After": _RETRY_AFTER}))

    for error in _store_errors():
        app.register_error_handler(error, _store_down)

    @app.post("/v1/deidentify")
    def deidentify() -> Response:
        document, callback_url = _upload(cfg.gateway_max_upload_bytes)
        if callback_url:
            try:
                callback_url = state.policy.check(callback_url)
            except InvalidCallback as exc:
                raise web.Problem(400, "Invalid callback_url", str(exc), code="invalid_callback_url") from None
        job = state.store.submit(g.caller, document, retention_s=cfg.gateway_retention_hours * 3600,
                                 callback_url=callback_url or None)
        _log.info("job %s queued for %s (%d bytes)", job.id, g.caller, len(document))
        resp = jsonify(job_id=job.id, status=job.status)
        resp.status_code = 202
        resp.headers["Location"] = f"/v1/jobs/{job.id}"
        return resp

    @app.get("/v1/jobs/<job_id>")
    def job_status(job_id: str) -> Response:
        return jsonify(_job(job_id).public())

    @app.get("/v1/jobs/<job_id>/document")
    def job_document(job_id: str) -> Response:
        job = _finished(_job(job_id))
        pdf = state.store.file(job.id, jobs.OUTPUT)
        if pdf is None:
            raise _not_found()
        resp = Response(pdf, mimetype="application/pdf")
        resp.headers["Content-Disposition"] = f'attachment; filename="{job.id}-redacted.pdf"'
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.get("/v1/jobs/<job_id>/report")
    def job_report(job_id: str) -> Response:
        job = _finished(_job(job_id))
        report = state.store.file(job.id, jobs.REPORT)
        if report is None:
            raise _not_found()
        resp = Response(report, mimetype="application/json")
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.post("/v1/classify")
    def classify() -> Response:
        body = web.json_body(max_bytes=cfg.gateway_max_classify_texts * 1024)
        model, texts, top_k = _classify_request(body, cfg.gateway_max_classify_texts)
        try:
            return jsonify(state.classifier.predict(model, texts, top_k=top_k, caller=g.caller))
        except ClassifierUnavailable as exc:
            raise web.Problem(503, "Classifier unavailable", "the classification service is unreachable or "
                              "overloaded; retry after the Retry-After seconds", code="classifier_unavailable",
                              headers={"Retry-After": str(int(exc.retry_after or int(_RETRY_AFTER)))}) from None
        except ClassifierRejected as exc:
            raise web.Problem(exc.status or 400, exc.title, exc.detail, code=exc.code) from None

    def _job(job_id: str) -> jobs.Job:
        job = state.store.get(job_id, caller=g.caller) if _JOB_ID.match(job_id) else None
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


def _classify_request(body: Any, max_texts: int) -> tuple[str, list[str], int | None]:
    if not isinstance(body, dict):
        raise web.Problem(400, "Invalid request", "the body must be a JSON object", code="invalid_request")
    model = body.get("model")
    if not isinstance(model, str) or not _MODEL_NAME.match(model):
        raise web.Problem(400, "Invalid request", "'model' must be a model name (letters, digits, '.', '_', '-')",
                          code="invalid_request", pointer="/model")
    texts = body.get("texts")
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise web.Problem(400, "Invalid request", "'texts' must be a non-empty list of strings",
                          code="invalid_request", pointer="/texts")
    if len(texts) > max_texts:
        raise web.Problem(413, "Payload too large", f"at most {max_texts} texts per request",
                          code="too_many_texts", pointer="/texts")
    top_k = body.get("top_k")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise web.Problem(400, "Invalid request", "'top_k' must be a positive integer", code="invalid_request",
                          pointer="/top_k")
    extra = set(body) - {"model", "texts", "top_k"}
    if extra:
        raise web.Problem(400, "Invalid request", f"unknown field(s): {', '.join(sorted(extra))}",
                          code="invalid_request")
    return model, texts, top_k
