"""Client of the gateway's public API inside this repository (demo, benchmarks, tests): submit a PDF, wait for
the job, fetch the results. Teams use the caller package instead (clients/python, `veil_client`).

    client = GatewayClient("http://127.0.0.1:8080", key)
    redacted, report, job = client.deidentify(pdf_bytes)
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

from veil.clients.http import HttpClient, ServiceError

DEFAULT_URL = "http://127.0.0.1:8080"
FINAL = ("succeeded", "failed")


class JobFailed(Exception):
    def __init__(self, job: dict[str, Any]):
        super().__init__(job.get("error") or "the job failed")
        self.job = job


class GatewayClient(HttpClient):
    service = "gateway"

    def __init__(self, base_url: str | None = None, key: str | None = None, timeout: float = 60.0,
                 attempts: int = 4):
        super().__init__(base_url or os.environ.get("VEIL_GATEWAY_URL") or DEFAULT_URL, timeout, attempts)
        self.key = key or os.environ.get("VEIL_API_KEY", "")

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def submit(self, pdf: bytes, callback_url: str | None = None) -> dict[str, Any]:
        """POST /v1/deidentify -> {"job_id", "status"}.

        The upload is retried after a 502/503/504 or a lost connection; its Idempotency-Key, the
        same on every try, makes the gateway answer a retry with the job the first try created.
        """
        params = {"callback_url": callback_url} if callback_url else None
        return self.request_json("POST", "/v1/deidentify", data=pdf, params=params,
                                 headers={**self._auth(), "Content-Type": "application/pdf",
                                          "Idempotency-Key": uuid.uuid4().hex})

    def job(self, job_id: str) -> dict[str, Any]:
        return self.request_json("GET", f"/v1/jobs/{job_id}", headers=self._auth())

    def wait(self, job_id: str, timeout: float = 600.0, poll: float = 0.25) -> dict[str, Any]:
        """Polls until the job ends; the job as GET /v1/jobs/{id} shows it (TimeoutError after `timeout`)."""
        deadline = time.monotonic() + timeout
        delay = poll
        while True:
            job = self.job(job_id)
            if job["status"] in FINAL:
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job['status']} after {timeout:.0f}s")
            time.sleep(delay)
            delay = min(delay * 1.5, 2.0)

    def document(self, job_id: str) -> bytes:
        return self.request("GET", f"/v1/jobs/{job_id}/document", headers=self._auth()).content

    def report(self, job_id: str) -> dict[str, Any]:
        return self.request_json("GET", f"/v1/jobs/{job_id}/report", headers=self._auth())

    def deidentify(self, pdf: bytes, timeout: float = 600.0) -> tuple[bytes, dict[str, Any], dict[str, Any]]:
        """(redacted PDF, report, job); JobFailed when the job fails."""
        job_id = self.submit(pdf)["job_id"]
        job = self.wait(job_id, timeout)
        if job["status"] != "succeeded":
            raise JobFailed(job)
        return self.document(job_id), self.report(job_id), job


__all__ = ["GatewayClient", "JobFailed", "ServiceError"]
