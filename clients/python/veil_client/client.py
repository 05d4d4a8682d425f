"""`VeilClient`: the gateway's public API as Python calls."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence, Union
from urllib.parse import quote

from veil_client._http import Transport
from veil_client.errors import JobFailed, JobTimeout, VeilError

DEFAULT_URL = "http://127.0.0.1:8080"
FINAL_STATUSES = ("succeeded", "failed")
_OPTION_NAMES = ("entities", "score_threshold", "allow_list", "deny_list", "operators")

PdfInput = Union[bytes, str, os.PathLike]
TextInput = Union[str, Mapping[str, str]]


@dataclass(frozen=True)
class PdfResult:
    """A finished PDF job: the redacted document, its report (entities, risk, counts) and the job."""

    pdf: bytes
    report: dict[str, Any]
    job: dict[str, Any]

    @property
    def job_id(self) -> str:
        return self.job["job_id"]


class VeilClient:
    """The gateway at `url` (default VEIL_GATEWAY_URL, else http://127.0.0.1:8080) with a team's `api_key`
    (default VEIL_API_KEY).

    `timeout` is per HTTP request; `attempts` bounds the tries of one call (connection errors,
    429, 502, 503, 504), waiting what Retry-After says when the gateway says it.
    """

    def __init__(self, url: Optional[str] = None, api_key: Optional[str] = None, *, timeout: float = 60.0,
                 attempts: int = 4, **transport: Any):
        key = api_key if api_key is not None else os.environ.get("VEIL_API_KEY", "")
        if not key:
            raise VeilError("no API key: pass api_key= or set VEIL_API_KEY")
        self.url = (url or os.environ.get("VEIL_GATEWAY_URL") or DEFAULT_URL).rstrip("/")
        self._http = Transport(self.url, key, timeout=timeout, attempts=attempts, **transport)

    # -- PDFs, as jobs -------------------------------------------------------------------------

    def submit_pdf(self, pdf: PdfInput, *, callback_url: Optional[str] = None,
                   idempotency_key: Optional[str] = None, options: Optional[Mapping[str, Any]] = None,
                   **option_fields: Any) -> dict[str, Any]:
        """POST /v1/deidentify -> {"job_id", "status"}. Options: `entities`, `score_threshold`, `allow_list`,
        `deny_list`, `operators` (PDF: {"TYPE": {"type": "box"|"label"}}), as keywords or `options`.

        Pass your own `idempotency_key` to make a resubmission after a crash of yours return the same job.
        """
        data: dict[str, str] = {}
        merged = _options(options, option_fields)
        if merged:
            data["options"] = json.dumps(merged)
        if callback_url:
            data["callback_url"] = callback_url
        files = {"file": ("document.pdf", _read_pdf(pdf), "application/pdf")}
        return self._http.request("POST", "/v1/deidentify", files=files, data=data,
                                  idempotency_key=idempotency_key).json()

    def job(self, job_id: str) -> dict[str, Any]:
        """GET /v1/jobs/{id}: {"job_id", "status", "error"?, "result"?}."""
        return self._http.request("GET", f"/v1/jobs/{_id(job_id)}").json()

    def wait(self, job_id: str, timeout: float = 600.0, initial_delay: float = 0.25,
             max_delay: float = 5.0) -> dict[str, Any]:
        """Polls the job with growing pauses until it ends; JobTimeout after `timeout` seconds.

        Returns the final job whatever its status; `deidentify_pdf` raises JobFailed on failure.
        """
        deadline = time.monotonic() + timeout
        delay = initial_delay
        while True:
            job = self.job(job_id)
            if job.get("status") in FINAL_STATUSES:
                return job
            left = deadline - time.monotonic()
            if left <= 0:
                raise JobTimeout(job, timeout)
            time.sleep(min(delay, left))
            delay = min(delay * 2, max_delay)

    def document(self, job_id: str) -> bytes:
        """GET /v1/jobs/{id}/document: the redacted PDF (the job must have succeeded)."""
        return self._http.request("GET", f"/v1/jobs/{_id(job_id)}/document").content

    def report(self, job_id: str) -> dict[str, Any]:
        """GET /v1/jobs/{id}/report: every entity (page, bbox, type, score, source) and the risk scores."""
        return self._http.request("GET", f"/v1/jobs/{_id(job_id)}/report").json()

    def delete_job(self, job_id: str) -> None:
        """DELETE /v1/jobs/{id}: the job's PDF, report and redacted document go now, not at retention."""
        self._http.request("DELETE", f"/v1/jobs/{_id(job_id)}")

    def deidentify_pdf(self, pdf: PdfInput, *, timeout: float = 600.0, options: Optional[Mapping[str, Any]] = None,
                       idempotency_key: Optional[str] = None, **option_fields: Any) -> PdfResult:
        """Submits, waits and fetches: the redacted PDF with its report. JobFailed when the job fails."""
        job_id = self.submit_pdf(pdf, options=options, idempotency_key=idempotency_key, **option_fields)["job_id"]
        job = self.wait(job_id, timeout=timeout)
        if job["status"] != "succeeded":
            raise JobFailed(job)
        return PdfResult(pdf=self.document(job_id), report=self.report(job_id), job=job)

    # -- texts, synchronously --------------------------------------------------------------------

    def deidentify_text(self, texts: Union[TextInput, Iterable[TextInput]], *,
                        options: Optional[Mapping[str, Any]] = None, **option_fields: Any) -> dict[str, Any]:
        """POST /v1/deidentify/text. One string -> {"text", "entities", "risk", "counts"}; a list (strings, or
        {"id", "text"} objects, e.g. a FHIR record's fields) -> {"texts": [... one answer each, ids kept]}.

        Options as for PDFs; text operators are redact, replace, mask, hash, surrogate and date_shift.
        """
        body: dict[str, Any] = _options(options, option_fields)
        if isinstance(texts, str):
            body["text"] = texts
        else:
            body["texts"] = [t if isinstance(t, str) else dict(t) for t in texts]
        return self._http.request("POST", "/v1/deidentify/text", json=body).json()

    # -- phrases -----------------------------------------------------------------------------------

    def classify(self, model: str, texts: Sequence[str], top_k: Optional[int] = None) -> dict[str, Any]:
        """POST /v1/classify: {"model", "version", "predictions": [{"label", "probability"}]}."""
        body: dict[str, Any] = {"model": model, "texts": list(texts)}
        if top_k is not None:
            body["top_k"] = top_k
        return self._http.request("POST", "/v1/classify", json=body).json()


def _options(options: Optional[Mapping[str, Any]], fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(_OPTION_NAMES)
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}; known: {', '.join(_OPTION_NAMES)}")
    merged = dict(options or {})
    merged.update({k: v for k, v in fields.items() if v is not None})
    return merged


def _read_pdf(pdf: PdfInput) -> bytes:
    if isinstance(pdf, (bytes, bytearray)):
        return bytes(pdf)
    return Path(pdf).read_bytes()


def _id(job_id: str) -> str:
    return quote(str(job_id), safe="")
