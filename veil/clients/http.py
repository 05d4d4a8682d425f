"""What the light HTTP clients share: a session per thread and process, request ids and trace context, bounded
retries, problem errors.

A 5xx that means "try later" (502, 503, 504), 429 and connection failures are transient and
retried with backoff; any other 4xx is the caller's mistake and raised at once with the
service's problem+json detail. The session is re-created after a fork (gunicorn workers,
Dask processes) and per thread, because requests' sessions are not safe to share.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

import requests
from opentelemetry.trace import SpanKind

from veil import logs, tracing
from veil.decorators import TransientError, retry

_TRANSIENT_STATUS = {429, 502, 503, 504}


class ServiceError(Exception):
    """A service answered with an error, or could not be reached."""

    def __init__(self, service: str, status: int | None, title: str, detail: str | None = None,
                 code: str | None = None, retry_after: float | None = None):
        message = f"{service}: {title}" + (f" ({detail})" if detail else "")
        # Not super(): a subclass may also derive from an exception with another signature
        # (RedactorRejected is a veil.contracts.DocumentRejected too).
        Exception.__init__(self, message)
        self.service = service
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.retry_after = retry_after


class ServiceUnavailable(ServiceError, TransientError):
    """Unreachable, overloaded or timing out; the same call may succeed later."""


class ServiceRejected(ServiceError):
    """A 4xx: the request itself is wrong (bad input, unknown model); retrying cannot help."""


def _retry_after(resp: requests.Response) -> float | None:
    try:
        return float(resp.headers.get("Retry-After", ""))
    except ValueError:
        return None


def error_from(service: str, resp: requests.Response) -> ServiceError:
    try:
        body = resp.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    kind = ServiceUnavailable if resp.status_code in _TRANSIENT_STATUS else (
        ServiceRejected if 400 <= resp.status_code < 500 else ServiceError)
    return kind(service, resp.status_code, str(body.get("title") or resp.reason or "error"),
                body.get("detail"), body.get("code"), _retry_after(resp))


class HttpClient:
    """Base of the service clients: `request()` with retries, sessions per thread and process."""

    service = "service"
    # Keep-alive pins every request of a thread to the server worker that accepted its connection.
    # A service whose requests are seconds of one worker's CPU turns it off, so each request is
    # accepted by a worker that is free.
    reuse_connections = True

    def __init__(self, base_url: str, timeout: float = 30.0, attempts: int = 4, base_delay: float = 0.2,
                 max_delay: float = 5.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._local = threading.local()
        self._request = retry(attempts=attempts, base_delay=base_delay, max_delay=max_delay)(self._request_once)

    def _session(self) -> requests.Session:
        pid = os.getpid()
        if getattr(self._local, "pid", None) != pid:
            self._local.session = requests.Session()
            self._local.pid = pid
        return self._local.session

    def _request_once(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault(logs.REQUEST_ID_HEADER, logs.current_request_id() or logs.new_request_id())
        if not self.reuse_connections:
            headers.setdefault("Connection", "close")
        with tracing.span(f"{method} {self.service}", SpanKind.CLIENT,
                          {"http.request.method": method, "url.path": path, "veil.peer": self.service}) as current:
            tracing.inject(headers)  # W3C traceparent: the next hop's spans join this trace
            try:
                resp = self._session().request(method, self.base_url + path, headers=headers,
                                               timeout=kwargs.pop("timeout", self.timeout), **kwargs)
            except requests.Timeout as exc:
                raise ServiceUnavailable(self.service, None, "timed out", type(exc).__name__) from None
            except requests.ConnectionError as exc:
                raise ServiceUnavailable(self.service, None, "unreachable", type(exc).__name__) from None
            current.set_attribute("http.response.status_code", resp.status_code)
            if resp.status_code >= 400:
                raise error_from(self.service, resp)
            return resp

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self._request(method, path, **kwargs)

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        resp = self.request(method, path, **kwargs)
        try:
            return resp.json()
        except (ValueError, json.JSONDecodeError):
            raise ServiceError(self.service, resp.status_code, "answered with a body that is not JSON") from None

    def ready(self, timeout: float = 2.0) -> bool:
        """True when the service's /readyz answers 200 (one try: readiness checks must be quick)."""
        try:
            return self._session().get(self.base_url + "/readyz", timeout=timeout).status_code == 200
        except requests.RequestException:
            return False
