"""The redactor's settings: per-document limits, redaction defaults and gunicorn sizing."""

from __future__ import annotations

from typing import Any, Mapping

from veil import config
from veil.config import Setting

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8082
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 2
DEFAULT_GRACEFUL_TIMEOUT = 30
DEFAULT_KEEPALIVE = 5
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_PAGES = 500
DEFAULT_TIME_LIMIT_S = 120.0
DEFAULT_TIME_PER_PAGE_S = 0.25
DEFAULT_OCR = "auto"
DEFAULT_OCR_DPI = 200
DEFAULT_OCR_WORKERS = 2
DEFAULT_OCR_LANGUAGES = "eng"
DEFAULT_OCR_TIME_PER_PAGE_S = 10.0
DEFAULT_MAX_SPANS = 100_000
DEFAULT_STYLE = "box"
DEFAULT_IMAGES = "pixels"
DEFAULT_ON_UNVERIFIED = "reject"
# gunicorn restarts a worker that is silent this much longer than the per-document limit:
# the limit is checked between pages, so one pathological page can overrun it a little.
TIMEOUT_MARGIN_S = 30

STYLES = ("box", "label")
IMAGE_POLICIES = ("pixels", "remove", "none", "remove-unless-invisible")
ON_UNVERIFIED = ("reject", "return")
OCR_MODES = ("auto", "off")


SETTINGS = config.declare(
    "redactor",
    Setting("VEIL_REDACTOR_HOST", DEFAULT_HOST, str,
            "Address gunicorn binds. 0.0.0.0 in containers; keep 127.0.0.1 on a shared machine."),
    Setting("VEIL_REDACTOR_PORT", DEFAULT_PORT, config.port,
            "Port of the redactor's HTTP API (0: any free port, for tests)."),
    Setting("VEIL_REDACTOR_WORKERS", DEFAULT_WORKERS, config.positive_int,
            "gunicorn worker processes. PyMuPDF work is CPU-bound and holds the GIL, so workers, not "
            "threads, add throughput: about one per core, fewer if large documents run out of memory."),
    Setting("VEIL_REDACTOR_THREADS", DEFAULT_THREADS, config.positive_int,
            "Threads per worker. They let /healthz and /metrics answer while a document is processed; "
            "more does not speed documents up."),
    Setting("VEIL_REDACTOR_GRACEFUL_TIMEOUT", DEFAULT_GRACEFUL_TIMEOUT, config.positive_int,
            "Seconds in-flight documents get to finish on shutdown."),
    Setting("VEIL_REDACTOR_KEEPALIVE", DEFAULT_KEEPALIVE, config.positive_int,
            "Seconds an idle keep-alive connection stays open; above the load balancer's idle timeout behind an ALB."),
    Setting("VEIL_REDACTOR_MAX_BYTES", DEFAULT_MAX_BYTES, config.positive_int,
            "Largest PDF accepted, in bytes (bigger: 413 too_large). Memory per document is a few times this."),
    Setting("VEIL_REDACTOR_MAX_PAGES", DEFAULT_MAX_PAGES, config.positive_int,
            "Most pages per PDF (more: 413 too_many_pages). Split bigger documents, or raise it together "
            "with the time limit."),
    Setting("VEIL_REDACTOR_TIME_LIMIT_S", DEFAULT_TIME_LIMIT_S, config.positive_float,
            "Seconds one document may take per request (over: 422 time_limit_exceeded), plus the per-page "
            "times below. Checked between pages; gunicorn's worker timeout is the limit of the longest "
            "document (MAX_PAGES pages) plus 30 s as the hard stop. Budget about 0.01 s of one "
            "core per page for extraction and 0.1 s per dense page for redaction (see the benchmark), times "
            "the slowdown of a busy machine."),
    Setting("VEIL_REDACTOR_TIME_PER_PAGE_S", DEFAULT_TIME_PER_PAGE_S, config.positive_float,
            "Seconds added to the time limit for every page of the document, so the limit scales with its "
            "length (500 pages: 120 + 125 s by default). Raise it on a slow or busy machine."),
    Setting("VEIL_REDACTOR_OCR", DEFAULT_OCR, config.one_of(*OCR_MODES),
            "auto: pages whose text is in pixels (scans, images on a page, text drawn as outlines) are OCR'd "
            "with Tesseract, redacted in the image data and verified by OCR of the output; born-digital pages "
            "are never OCR'd. off: such pages are refused with 422 needs_ocr."),
    Setting("VEIL_REDACTOR_OCR_DPI", DEFAULT_OCR_DPI, config.positive_int,
            "Resolution pages are rendered at for OCR and for the pixel check of the output. 200 reads 8-point "
            "text reliably; 300 for small print or poor scans costs about twice the time."),
    Setting("VEIL_REDACTOR_OCR_WORKERS", DEFAULT_OCR_WORKERS, config.positive_int,
            "Pages OCR'd at the same time by one worker (each a Tesseract process on one core). About the "
            "number of cores divided by the gunicorn workers."),
    Setting("VEIL_REDACTOR_OCR_LANGUAGES", DEFAULT_OCR_LANGUAGES, str,
            "Tesseract languages, '+'-joined (eng, eng+deu); each needs its tesseract-ocr-<lang> package."),
    Setting("VEIL_REDACTOR_OCR_TIME_PER_PAGE_S", DEFAULT_OCR_TIME_PER_PAGE_S, config.positive_float,
            "Seconds added to the time limit for every page that is OCR'd (twice: the input and the "
            "output check). Raise it with the DPI or on a busy machine."),
    Setting("VEIL_REDACTOR_MAX_SPANS", DEFAULT_MAX_SPANS, config.positive_int,
            "Most spans in one redaction request (more: 400 invalid_spans)."),
    Setting("VEIL_REDACTOR_STYLE", DEFAULT_STYLE, config.one_of(*STYLES),
            "Default look of a redaction: box (black box) or label (black box with the type, e.g. [PERSON]). "
            "A request can choose per call."),
    Setting("VEIL_REDACTOR_IMAGES", DEFAULT_IMAGES, config.one_of(*IMAGE_POLICIES),
            "Images under a redacted area: pixels (blank only the covered pixels), remove (drop every "
            "touched image), none (leave images alone; only when images never carry text), "
            "remove-unless-invisible. A request can choose per call."),
    Setting("VEIL_REDACTOR_ON_UNVERIFIED", DEFAULT_ON_UNVERIFIED, config.one_of(*ON_UNVERIFIED),
            "When verification finds a redacted string still recoverable: reject (422 verification_failed, "
            "no PDF) or return (the PDF with verified=false). Keep reject unless the caller repairs and "
            "re-verifies itself."),
)


def load(overrides: Mapping[str, Any] | None = None) -> config.Config:
    """The redactor's settings plus the common ones (log level, VEIL_HOME)."""
    return config.load((*config.COMMON, *SETTINGS), overrides=overrides)
