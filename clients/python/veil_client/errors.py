"""What can go wrong, as exceptions a caller can tell apart."""

from __future__ import annotations

from typing import Any, Optional


class VeilError(Exception):
    """Base of every error this package raises."""


class ApiError(VeilError):
    """The gateway answered with an error (its problem+json: status, title, detail, code, request_id)."""

    def __init__(self, status: int, title: str, detail: Optional[str] = None, code: Optional[str] = None,
                 request_id: Optional[str] = None, retry_after: Optional[float] = None,
                 body: Optional[dict[str, Any]] = None):
        super().__init__(f"{status} {title}" + (f": {detail}" if detail else "") + (f" [{code}]" if code else ""))
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.request_id = request_id
        self.retry_after = retry_after
        self.body = body or {}


class Unreachable(VeilError):
    """No answer from the gateway (connection refused, timeout) after the retries."""


class JobFailed(VeilError):
    """The job ended as failed; `job` is its state as GET /v1/jobs/{id} shows it."""

    def __init__(self, job: dict[str, Any]):
        super().__init__(f"job {job.get('job_id')} failed: {job.get('error') or 'no reason given'}")
        self.job = job


class JobTimeout(VeilError, TimeoutError):
    """The job did not end within the time given to `wait`."""

    def __init__(self, job: dict[str, Any], timeout: float):
        super().__init__(f"job {job.get('job_id')} still {job.get('status')} after {timeout:g}s")
        self.job = job
