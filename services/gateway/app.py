"""The gateway's Flask application: the public API (de-identification jobs, classification) and its job workers.

Handlers only authenticate, parse, call the job store or a client, and serialise; each
feature is a blueprint (`api_jobs`, `api_classify`), and everything they use is built by the
composition root, `assembly.py`. Run it with
`gunicorn -c services/gateway/gunicorn.conf.py "services.gateway.app:create_app()"`; each
gunicorn worker also runs VEIL_GATEWAY_WORKER_THREADS job workers.
"""

from __future__ import annotations

import atexit
import logging
from typing import Any, Mapping

from flask import Flask, Response, g, request

from services.gateway import api_classify, api_jobs, api_text, openapi
from services.gateway.api_jobs import EXTENSION
from services.gateway.assembly import GatewayState, Parts, build_state, store_errors
from veil import web

SERVICE = "gateway"
# Multipart framing (boundaries, part headers, the callback_url field) on top of the file.
_MULTIPART_OVERHEAD = 64 * 1024
_RETRY_AFTER = "5"
_log = logging.getLogger(__name__)

__all__ = ["create_app"]


def create_app(test_config: Mapping[str, Any] | None = None, *, parts: Parts | None = None,
               metrics_registry: Any = None) -> Flask:
    """The app factory. `test_config` overrides settings by key (and may set `TESTING`); `parts` puts
    objects in place of the clients and pipeline configuration would build."""
    overrides = dict(test_config or {})
    testing = bool(overrides.pop("TESTING", False))
    app = Flask(__name__)
    holder: dict[str, GatewayState] = {}
    registry = web.install(app, SERVICE, ready_check=lambda: holder["state"].ready(), registry=metrics_registry)
    state = build_state(overrides, parts=parts, registry=registry)
    holder["state"] = state
    app.config.update(TESTING=testing, MAX_CONTENT_LENGTH=state.cfg.gateway_max_upload_bytes + _MULTIPART_OVERHEAD)
    app.extensions[EXTENSION] = state
    state.store.ensure_schema()
    if not state.keys:
        _log.warning("VEIL_API_KEYS is empty: every /v1 request will be refused with 401")
    if state.cfg.gateway_worker_threads:
        state.start_workers(state.cfg.gateway_worker_threads)
        atexit.register(state.stop_workers)
    _authenticate_every_v1_request(app, state)
    for error in store_errors():
        app.register_error_handler(error, _store_down)
    app.register_blueprint(api_jobs.bp)
    app.register_blueprint(api_classify.bp)
    app.register_blueprint(api_text.bp)
    app.register_blueprint(openapi.bp)
    return app


def _authenticate_every_v1_request(app: Flask, state: GatewayState) -> None:
    @app.before_request
    def _authenticate() -> None:
        if not request.path.startswith("/v1/") or request.path.startswith(openapi.PUBLIC_PATHS):
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
