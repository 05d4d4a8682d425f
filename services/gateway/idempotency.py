"""Idempotency-Key on POST /v1/deidentify: a retried upload returns the job the first one created.

A client that timed out, or got a 502 from a load balancer after the gateway had stored the
job, cannot know whether the job exists; retrying with the same key is then safe. The key is
stored with the job (job store table `job_idempotency`) for as long as the job is kept
(VEIL_GATEWAY_RETENTION_HOURS), per caller, so teams cannot see each other's keys. A key
sent again with a different request (another PDF, callback_url or options) is a 422, never
silently the old job.
"""

from __future__ import annotations

import hashlib

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


def parse_key(raw: str | None) -> str | None:
    """The key, None when absent; ValueError when it is empty, too long or not printable ASCII."""
    if raw is None:
        return None
    key = raw.strip()
    if not key:
        raise ValueError("the Idempotency-Key header is empty")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"the Idempotency-Key is longer than {MAX_KEY_LENGTH} characters")
    if not (key.isascii() and key.isprintable()):
        raise ValueError("the Idempotency-Key must be printable ASCII (a UUID is a good key)")
    return key


def fingerprint(document: bytes, callback_url: str | None, options: bytes | None) -> str:
    """What makes two requests the same request: the PDF, the callback and the options."""
    digest = hashlib.sha256()
    for part in (document, (callback_url or "").encode(), options or b""):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()
