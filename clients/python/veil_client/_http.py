"""One HTTP call with bounded retries that are safe: POSTs only with an Idempotency-Key, waits from Retry-After."""

from __future__ import annotations

import random
import time
import uuid
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Optional

import requests

from veil_client.errors import ApiError, Unreachable

IDEMPOTENCY_HEADER = "Idempotency-Key"
RETRY_STATUS = frozenset({429, 502, 503, 504})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})  # DELETE: a second one is a 404, not a second effect


class Transport:
    """requests.Session plus the retry policy: `attempts` tries, exponential backoff with jitter, and
    the server's Retry-After (seconds or an HTTP date) when it gives one, capped by `max_wait`."""

    def __init__(self, base_url: str, api_key: str, timeout: float = 60.0, attempts: int = 4,
                 base_delay: float = 0.5, max_delay: float = 8.0, max_wait: float = 60.0,
                 session: Optional[requests.Session] = None, sleep: Callable[[float], None] = time.sleep,
                 user_agent: str = "veil-client"):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_wait = max_wait
        self.session = session or requests.Session()
        self._sleep = sleep
        self._user_agent = user_agent
        self._random = random.Random()

    def request(self, method: str, path: str, *, idempotency_key: Optional[str] = None,
                headers: Optional[dict[str, str]] = None, **kwargs: Any) -> requests.Response:
        method = method.upper()
        sent = {"Authorization": f"Bearer {self.api_key}", "User-Agent": self._user_agent, **(headers or {})}
        if method == "POST":
            # One key for every try of this call: the gateway answers a repeat with the first job.
            sent[IDEMPOTENCY_HEADER] = idempotency_key or str(uuid.uuid4())
        retryable = method in _SAFE_METHODS or IDEMPOTENCY_HEADER in sent
        timeout = kwargs.pop("timeout", None) or self.timeout
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts or not retryable
            try:
                resp = self.session.request(method, self.base_url + path, headers=sent,
                                            timeout=timeout, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    raise Unreachable(f"{method} {self.base_url}{path}: {type(exc).__name__} after "
                                      f"{attempt} attempt(s)") from None
                self._sleep(self._backoff(attempt))
                continue
            if resp.status_code < 400:
                return resp
            error = api_error(resp)
            if resp.status_code not in RETRY_STATUS or last:
                raise error
            wait = error.retry_after if error.retry_after is not None else self._backoff(attempt)
            self._sleep(min(max(wait, 0.0), self.max_wait))
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns or raises

    def _backoff(self, attempt: int) -> float:
        return self._random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


def retry_after(resp: requests.Response) -> Optional[float]:
    """Retry-After as seconds from now: a number of seconds or an HTTP date; None when absent or unreadable."""
    raw = resp.headers.get("Retry-After")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(raw).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def api_error(resp: requests.Response) -> ApiError:
    try:
        body = resp.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    return ApiError(resp.status_code, str(body.get("title") or resp.reason or "error"), body.get("detail"),
                    body.get("code"), body.get("request_id") or resp.headers.get("X-Request-ID"),
                    retry_after(resp), body)
