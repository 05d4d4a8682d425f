"""Client of the classifier service: predictions and tags from a named head, its models, readiness.

    client = ClassifierClient()                       # VEIL_CLASSIFIER_URL or http://127.0.0.1:8081
    client.predict("phi-type", ["Maria Gonzalez"])    # {"model", "version", "predictions": [...]}
    client.tag("phi-tagger", ["Seen by Maria Gonzalez."])
    # {"model", "version", "results": [{"spans": [{"start": 8, "end": 22, "type": "PERSON", "score": 0.97}]}]}

The key (`api_key`, else VEIL_CLASSIFIER_KEY) goes with every call as `Authorization: Bearer`:
a team key, the gateway's service key (which may name the team it calls for), or an admin key
for `versions` and `rollback`.

Errors: `ClassifierUnavailable` (unreachable, 503, timeouts: after bounded retries; callers
answer 503 with Retry-After), `ClassifierRejected` (4xx with the service's problem detail:
unknown model 404, bad input 400, too many texts 413, a head of the other kind 400
`wrong_head_kind`).
"""

from __future__ import annotations

import os
from typing import Any, Sequence
from urllib.parse import quote

import requests

from veil.clients.http import HttpClient, ServiceError, ServiceRejected, ServiceUnavailable
from veil.config import Setting, declare

DEFAULT_URL = "http://127.0.0.1:8081"
CALLER_HEADER = "X-Veil-Caller"

CLIENT_SETTINGS = declare(
    "classifier client",
    Setting("VEIL_CLASSIFIER_KEY", "", str,
            "Key the gateway (and batch runs) present to the classifier: one of its VEIL_CLASSIFIER_SERVICE_KEYS, "
            "so the classifier records the gateway's caller as the team.", secret=True),
)


class ClassifierError(ServiceError):
    pass


class ClassifierUnavailable(ServiceUnavailable, ClassifierError):
    pass


class ClassifierRejected(ServiceRejected, ClassifierError):
    pass


def _translate(exc: ServiceError) -> ClassifierError:
    kind = ClassifierUnavailable if isinstance(exc, ServiceUnavailable) else (
        ClassifierRejected if isinstance(exc, ServiceRejected) else ClassifierError)
    return kind(exc.service, exc.status, exc.title, exc.detail, exc.code, exc.retry_after)


class ClassifierClient(HttpClient):
    service = "classifier"

    def __init__(self, base_url: str | None = None, timeout: float = 30.0, attempts: int = 4,
                 api_key: str | None = None):
        super().__init__(base_url or os.environ.get("VEIL_CLASSIFIER_URL") or DEFAULT_URL, timeout, attempts)
        self.api_key = api_key if api_key is not None else os.environ.get("VEIL_CLASSIFIER_KEY", "")

    def _request_once(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if self.api_key:
            kwargs["headers"] = {"Authorization": f"Bearer {self.api_key}", **(kwargs.get("headers") or {})}
        return super()._request_once(method, path, **kwargs)

    def predict(self, model: str, texts: Sequence[str], top_k: int | None = None,
                caller: str | None = None) -> dict[str, Any]:
        """POST /v1/models/{model}/predict; `caller` is recorded with the inference records."""
        body: dict[str, Any] = {"texts": list(texts)}
        if top_k is not None:
            body["top_k"] = top_k
        headers = {CALLER_HEADER: caller} if caller else None
        try:
            return self.request_json("POST", f"/v1/models/{quote(model, safe='')}/predict", json=body, headers=headers)
        except ServiceError as exc:
            raise _translate(exc) from None

    def tag(self, model: str, texts: Sequence[str], caller: str | None = None) -> dict[str, Any]:
        """POST /v1/models/{model}/tag (a token head): character spans per text, offsets into the texts as sent."""
        headers = {CALLER_HEADER: caller} if caller else None
        try:
            return self.request_json("POST", f"/v1/models/{quote(model, safe='')}/tag", json={"texts": list(texts)},
                                     headers=headers)
        except ServiceError as exc:
            raise _translate(exc) from None

    def models(self) -> dict[str, Any]:
        try:
            return self.request_json("GET", "/v1/models")
        except ServiceError as exc:
            raise _translate(exc) from None

    def versions(self, model: str) -> dict[str, Any]:
        """GET /v1/models/{model}/versions (an admin key): {"model", "active_version", "versions"}."""
        try:
            return self.request_json("GET", f"/v1/models/{quote(model, safe='')}/versions")
        except ServiceError as exc:
            raise _translate(exc) from None

    def rollback(self, model: str, version: str | None = None) -> dict[str, Any]:
        """POST /v1/models/{model}/rollback (an admin key): to `version`, else to the one published before."""
        body = {"version": version} if version else {}
        try:
            return self.request_json("POST", f"/v1/models/{quote(model, safe='')}/rollback", json=body)
        except ServiceError as exc:
            raise _translate(exc) from None
