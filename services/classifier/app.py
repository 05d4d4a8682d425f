"""The classifier's Flask application: model listing, prediction, tagging and rollback over the head catalog.

Handlers only parse, call `Classifier`/`HeadCatalog`, and serialise. Run it with
`gunicorn -c services/classifier/gunicorn.conf.py "services.classifier.app:create_app()"`.
"""

from __future__ import annotations

import atexit
import logging
import threading
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, Response, g, jsonify, request

from services.classifier import openapi, registry, settings
from services.classifier.auth import Authenticator, Principal, require_admin
from services.classifier.heads import HeadCatalog, ModelNotFound, ModelUnavailable
from services.classifier.inference import InferenceRecorder, InferenceStore
from services.classifier.metrics import ClassifierMetrics
from services.classifier.predictor import Classifier
from services.classifier.spool import Spool
from services.classifier.validation import InvalidRequest, Limits, parse_predict, parse_rollback, parse_tag
from veil import logs, web
from veil.clients.embedder import EmbedderClient, EmbedderError, EmbedderUnavailable
from veil.paths import home
from veil.stores.db import Database

SERVICE = "classifier"
EXTENSION = "veil_classifier"
CALLER_HEADER = "X-Veil-Caller"
_log = logging.getLogger(__name__)


class ClassifierService:
    """Everything one process holds: settings, heads, the embedder client and the inference recorder."""

    def __init__(self, cfg: Any, embedder: Any, catalog: HeadCatalog, recorder: InferenceRecorder | None,
                 metrics: ClassifierMetrics):
        self.cfg = cfg
        self.embedder = embedder
        self.catalog = catalog
        self.recorder = recorder
        self.metrics = metrics
        self.classifier = Classifier(catalog, embedder, recorder, metrics)
        self.limits = Limits(max_texts=cfg.classifier_max_texts, max_text_chars=cfg.classifier_max_text_chars)
        self._closed = False

    def check_embedder(self) -> bool:
        """Asks the embedder what it serves and checks every loaded head against it."""
        try:
            info = self.embedder.info()
        except EmbedderError as exc:
            _log.warning("embedder not reachable yet (%s)", type(exc).__name__)
            return False
        self.catalog.set_embedder_info(info)
        return True

    def ready(self) -> dict[str, bool]:
        """Ready when the embedder answers and at least one served model can serve.

        One broken head must not take the instance (and every other head on it) out of the
        load balancer; it answers 409 itself and shows in GET /v1/models. The inference store
        is not a dependency: predictions never need it.
        """
        embedder_ok = self.check_embedder()
        serving = 0
        for name in self.catalog.names():
            try:
                self.catalog.active(name)
                serving += 1
            except (ModelNotFound, ModelUnavailable):
                pass
        return {"embedder": embedder_ok, "models": serving > 0}

    def close(self) -> None:
        """Flushes queued records (to the database, else the spool) and closes the channel. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self.recorder is not None:
            self.recorder.close(timeout=max(1.0, self.cfg.classifier_graceful_timeout / 2))
        close = getattr(self.embedder, "close", None)
        if close:
            close()


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The app factory. `test_config` overrides settings by key (e.g. model_registry) and may inject
    `embedder` (a client object) and `metrics_registry` (a prometheus CollectorRegistry)."""
    overrides = dict(test_config or {})
    embedder = overrides.pop("embedder", None)
    prometheus_registry = overrides.pop("metrics_registry", None)
    testing = bool(overrides.pop("TESTING", False))
    cfg = settings.load(overrides)

    app = Flask(__name__)
    app.config.update(TESTING=testing, MAX_CONTENT_LENGTH=cfg.classifier_max_body_bytes)
    root = Path(cfg.model_registry) if cfg.model_registry else registry.default_root()

    if embedder is None:
        # Lazy: the channel opens on the first call, in whichever (forked) worker makes it.
        embedder = EmbedderClient(address=cfg.embedder_address, timeout=cfg.classifier_embedder_timeout,
                                  tls_ca=cfg.embedder_tls_ca)
    catalog = HeadCatalog(root, cfg.classifier_models)
    service_holder: dict[str, ClassifierService] = {}
    prometheus_registry = web.install(app, SERVICE, ready_check=lambda: service_holder["service"].ready(),
                                      registry=prometheus_registry)
    metrics = ClassifierMetrics(prometheus_registry)
    recorder = _recorder(cfg, metrics)
    service = ClassifierService(cfg, embedder, catalog, recorder, metrics)
    service_holder["service"] = service
    app.extensions[EXTENSION] = service

    failures = catalog.load_all()
    _log.info("classifier serving %d model(s) from %s (%d unavailable)", len(catalog.names()) - len(failures),
              root, len(failures))
    # Tell about heads that do not fit the embedder at start, without holding the start up for it.
    threading.Thread(target=service.check_embedder, name="embedder-check", daemon=True).start()
    atexit.register(service.close)

    _routes(app, service)
    app.register_blueprint(openapi.bp)
    return app


def _recorder(cfg: Any, metrics: ClassifierMetrics) -> InferenceRecorder:
    database = Database.from_url(cfg.database_url or None, pool_size=cfg.database_pool_size)
    spool_dir = Path(cfg.inference_spool_dir) if cfg.inference_spool_dir else home() / "spool" / "inference"
    spool = Spool(spool_dir, max_bytes=cfg.inference_spool_max_mb * 1024 * 1024)
    return InferenceRecorder(InferenceStore(database), spool, batch_size=cfg.inference_batch_size,
                             flush_interval=cfg.inference_flush_seconds, queue_size=cfg.inference_queue_size,
                             retry_interval=cfg.inference_retry_seconds, metrics=metrics).start()


def _routes(app: Flask, service: ClassifierService) -> None:
    cfg = service.cfg
    auth = Authenticator(cfg.classifier_api_keys, cfg.classifier_admin_keys, cfg.classifier_service_keys,
                         allow_unauthenticated=cfg.classifier_allow_unauthenticated)
    if auth.allow_unauthenticated:
        _log.warning("VEIL_CLASSIFIER_ALLOW_UNAUTHENTICATED is on: calls without a key are served, with admin "
                     "rights (local development only)")
    elif not auth.configured:
        _log.warning("no classifier keys are configured: every /v1 request will be refused with 401")

    @app.before_request
    def _authenticate() -> None:
        if not request.path.startswith("/v1/") or request.path in openapi.PUBLIC_PATHS:
            return
        g.principal = auth.authenticate(request.headers.get("Authorization"), request.headers.get(CALLER_HEADER))
        g.caller = g.principal.name

    @app.errorhandler(InvalidRequest)
    def _invalid(exc: InvalidRequest) -> Response:
        title = "Payload too large" if exc.status == 413 else "Invalid request"
        extra = {"pointer": exc.pointer} if exc.pointer else {}
        return web.problem_response(web.Problem(exc.status, title, exc.detail, code=exc.code, **extra))

    @app.errorhandler(ModelNotFound)
    def _not_found(exc: ModelNotFound) -> Response:
        return web.problem_response(web.Problem(404, "Unknown model", str(exc), code="unknown_model"))

    @app.errorhandler(ModelUnavailable)
    def _unavailable(exc: ModelUnavailable) -> Response:
        return web.problem_response(web.Problem(409, "Model unavailable", str(exc), code="model_unavailable"))

    @app.errorhandler(registry.UnknownVersion)
    def _unknown_version(exc: registry.UnknownVersion) -> Response:
        return web.problem_response(web.Problem(404, "Unknown version", str(exc), code="unknown_version"))

    @app.errorhandler(registry.RegistryError)
    def _registry(exc: registry.RegistryError) -> Response:
        return web.problem_response(web.Problem(409, "Cannot switch versions", str(exc), code="rollback_impossible"))

    @app.errorhandler(EmbedderError)
    def _embedder(exc: EmbedderError) -> Response:
        retry_after = str(service.cfg.classifier_retry_after)
        unavailable = isinstance(exc, EmbedderUnavailable)
        _log.warning("embedder call failed (%s); answering 503", type(exc).__name__)
        return web.problem_response(web.Problem(
            503, "Embedder unavailable",
            "the embedding service is unreachable or overloaded; retry after the Retry-After seconds"
            if unavailable else "the embedding service failed; retry after the Retry-After seconds",
            code="embedder_unavailable" if unavailable else "embedder_error",
            headers={"Retry-After": retry_after}))

    @app.get("/v1/models")
    def list_models() -> Response:
        return jsonify(models=[service.catalog.describe(name) for name in service.catalog.names()])

    @app.get("/v1/models/<name>/versions")
    def list_versions(name: str) -> Response:
        require_admin(_principal())
        versions = service.catalog.versions(name)
        active = next((v["version"] for v in versions if v["active"]), None)
        return jsonify(model=name, active_version=active, versions=versions)

    @app.post("/v1/models/<name>/predict")
    def predict(name: str) -> Response:
        body = web.json_body(max_bytes=service.cfg.classifier_max_body_bytes)
        req = parse_predict(body, service.limits)
        result = service.classifier.predict(name, req.texts, req.top_k, caller=g.caller,
                                            request_id=logs.current_request_id() or "")
        return jsonify(result)

    @app.post("/v1/models/<name>/tag")
    def tag(name: str) -> Response:
        body = web.json_body(max_bytes=service.cfg.classifier_max_body_bytes)
        texts = parse_tag(body, service.limits)
        result = service.classifier.tag(name, texts, caller=g.caller, request_id=logs.current_request_id() or "")
        return jsonify(result)

    @app.post("/v1/models/<name>/rollback")
    def rollback(name: str) -> Response:
        require_admin(_principal())
        body = web.json_body(max_bytes=64 * 1024) if request.get_data(cache=True).strip() else None
        version = parse_rollback(body)
        before, now = service.catalog.rollback(name, version)
        _log.info("model %s rolled back from %s to %s by %s", name, before, now, g.caller)
        return jsonify(model=name, previous_version=before, active_version=now)


def _principal() -> Principal:
    return g.principal
