"""Job callbacks: callback_url checked against the allowed hosts (no SSRF), HMAC-signed POSTs retried with backoff.

The body is the job as GET /v1/jobs/{id} shows it. The `X-Veil-Signature` header is
`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the job's team's secret
(`CallbackSecrets`: one per team, so one team's receiver cannot forge another's callbacks;
a shared secret only for teams without their own); receivers check it with `verify()` and
refuse old timestamps (replays). Only http(s) URLs whose host
is configured are accepted, redirects are never followed, and the host is checked again
when the callback is sent, so a caller cannot make the gateway reach internal addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import time
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import urlsplit

import requests

from veil.decorators import backoff_delays

_log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Veil-Signature"
EVENT_HEADER = "X-Veil-Event"
MAX_URL_LENGTH = 2048
DEFAULT_TOLERANCE_S = 300
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
_DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidCallback(ValueError):
    """The callback_url is malformed or points to a host that is not allowed."""


class CallbackPolicy:
    """Which callback URLs are acceptable: http(s), no credentials, a host on the allow list."""

    def __init__(self, allowed_hosts: Sequence[str]):
        self._exact: set[tuple[str, int | None]] = set()
        self._suffixes: set[str] = set()
        for entry in allowed_hosts:
            entry = entry.strip().lower()
            if not entry:
                continue
            if entry.startswith("*."):
                self._suffixes.add(entry[1:])  # ".example.com"
                continue
            host, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
            self._exact.add((host, int(port)) if port else (entry, None))

    @property
    def enabled(self) -> bool:
        return bool(self._exact or self._suffixes)

    def check(self, url: str) -> str:
        """The URL when acceptable; InvalidCallback with the reason otherwise."""
        if not isinstance(url, str) or not url.strip():
            raise InvalidCallback("callback_url is empty")
        url = url.strip()
        if len(url) > MAX_URL_LENGTH:
            raise InvalidCallback(f"callback_url is longer than {MAX_URL_LENGTH} characters")
        if any(ch.isspace() or ord(ch) < 32 for ch in url):
            raise InvalidCallback("callback_url contains whitespace or control characters")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise InvalidCallback(f"callback_url is not a valid URL ({exc})") from None
        if parts.scheme not in _DEFAULT_PORTS:
            raise InvalidCallback("callback_url must be an http:// or https:// URL")
        if not parts.hostname:
            raise InvalidCallback("callback_url has no host")
        if parts.username is not None or parts.password is not None:
            raise InvalidCallback("callback_url must not carry credentials")
        if not self.enabled:
            raise InvalidCallback("callbacks are not enabled on this gateway (no allowed hosts configured)")
        host = parts.hostname.lower().rstrip(".")
        effective_port = port or _DEFAULT_PORTS[parts.scheme]
        allowed = ((host, None) in self._exact or (host, effective_port) in self._exact
                   or any(host.endswith(suffix) for suffix in self._suffixes))
        if not allowed:
            raise InvalidCallback(f"callback host {host!r} is not among the allowed callback hosts")
        return url


class CallbackSecrets:
    """The signing secret of each team's callbacks: its own when configured, else the shared one, else none."""

    def __init__(self, per_team: Mapping[str, str] | None = None, shared: str = ""):
        self._per_team = {team: secret for team, secret in (per_team or {}).items() if secret}
        self._shared = shared

    def for_team(self, team: str | None) -> str | None:
        return self._per_team.get(team or "") or self._shared or None

    def __bool__(self) -> bool:
        return bool(self._per_team or self._shared)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The X-Veil-Signature value for `body`."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(secret: str, header: str, body: bytes, tolerance_s: int = DEFAULT_TOLERANCE_S,
           now: float | None = None) -> bool:
    """What a receiver runs: the signature matches and is recent."""
    try:
        fields = dict(item.split("=", 1) for item in header.split(","))
        t = int(fields["t"])
        given = fields["v1"]
    except (ValueError, KeyError):
        return False
    now = time.time() if now is None else now
    if abs(now - t) > tolerance_s:
        return False
    expected = sign(secret, body, t).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)


class CallbackSender:
    """POSTs a job's final state to its callback_url; retries transient failures with backoff."""

    def __init__(self, policy: CallbackPolicy, secret: str | CallbackSecrets, attempts: int = 5, timeout: float = 5.0,
                 base_delay: float = 0.5, max_delay: float = 30.0, sleep: Callable[[float], None] = time.sleep,
                 session: requests.Session | None = None):
        self.policy = policy
        self.secrets = secret if isinstance(secret, CallbackSecrets) else CallbackSecrets(shared=secret)
        self.attempts = attempts
        self.timeout = timeout
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._sleep = sleep
        self._session = session or requests.Session()

    def deliver(self, url: str, payload: dict[str, Any], team: str | None = None) -> tuple[bool, int]:
        """(delivered, attempts made), signed with `team`'s secret. Never raises: a failed callback does
        not fail the job."""
        try:
            self.policy.check(url)
        except InvalidCallback as exc:
            _log.warning("callback not sent: %s", exc)
            return False, 0
        secret = self.secrets.for_team(team)
        if secret is None:
            _log.warning("callback of job %s not sent: no callback secret for team %r", payload.get("job_id"), team)
            return False, 0
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        delays = backoff_delays(self.attempts, self.base_delay, self.max_delay, random.Random())
        for attempt in range(1, self.attempts + 1):
            headers = {"Content-Type": "application/json", EVENT_HEADER: "job." + str(payload.get("status")),
                       SIGNATURE_HEADER: sign(secret, body)}
            retry = True
            try:
                resp = self._session.post(url, data=body, headers=headers, timeout=self.timeout,
                                          allow_redirects=False)
                if 200 <= resp.status_code < 300:
                    return True, attempt
                retry = resp.status_code in _RETRY_STATUS
                _log.warning("callback for job %s answered %d (attempt %d/%d)", payload.get("job_id"),
                             resp.status_code, attempt, self.attempts)
            except requests.RequestException as exc:
                _log.warning("callback for job %s failed: %s (attempt %d/%d)", payload.get("job_id"),
                             type(exc).__name__, attempt, self.attempts)
            if not retry or attempt == self.attempts:
                return False, attempt
            self._sleep(delays[attempt - 1])
        return False, self.attempts
