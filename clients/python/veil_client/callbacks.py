"""Receiving job callbacks: check the `X-Veil-Signature` header before trusting the body.

The gateway signs `"<t>.<body>"` with HMAC-SHA256 under the team's callback secret and sends
`X-Veil-Signature: t=<unix seconds>,v1=<hex>`. A receiver verifies the signature on the raw
body bytes (before parsing) and refuses old timestamps, so a captured callback cannot be
replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any, Mapping, Optional

SIGNATURE_HEADER = "X-Veil-Signature"
EVENT_HEADER = "X-Veil-Event"
DEFAULT_TOLERANCE_S = 300


class InvalidSignature(ValueError):
    """The callback's signature is missing, malformed, wrong or too old."""


def verify_signature(secret: str, header: Optional[str], body: bytes, tolerance_s: int = DEFAULT_TOLERANCE_S,
                     now: Optional[float] = None) -> bool:
    """True when `header` signs exactly `body` with `secret` and is at most `tolerance_s` old."""
    if not header:
        return False
    try:
        fields = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(fields["t"])
        given = fields["v1"]
    except (ValueError, KeyError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


def parse_callback(secret: str, headers: Mapping[str, str], body: bytes,
                   tolerance_s: int = DEFAULT_TOLERANCE_S) -> dict[str, Any]:
    """The job the callback reports (as GET /v1/jobs/{id} shows it); InvalidSignature if it is not genuine."""
    header = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), None)
    if not verify_signature(secret, header, body, tolerance_s):
        raise InvalidSignature("the callback's X-Veil-Signature does not match its body, or is too old")
    return json.loads(body)
