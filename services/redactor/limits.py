"""Per-document limits (bytes, pages, seconds) and the deadline that keeps one document from hanging a worker."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from services.redactor import errors
from services.redactor.settings import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PAGES,
    DEFAULT_TIME_LIMIT_S,
    DEFAULT_TIME_PER_PAGE_S,
)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_pages: int = DEFAULT_MAX_PAGES
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    time_per_page_s: float = DEFAULT_TIME_PER_PAGE_S

    @classmethod
    def from_config(cls, cfg) -> "Limits":
        return cls(cfg.redactor_max_bytes, cfg.redactor_max_pages, cfg.redactor_time_limit_s,
                   cfg.redactor_time_per_page_s)

    def deadline(self) -> "Deadline":
        """The deadline of one document; `Deadline.allow_pages` adds the per-page time once the pages are known."""
        return Deadline(self.time_limit_s, per_page_s=self.time_per_page_s)

    def most_seconds(self) -> float:
        """The time limit of the longest document accepted (gunicorn's worker timeout is sized from it)."""
        return self.time_limit_s + self.time_per_page_s * self.max_pages


class Deadline:
    """A point in time after which work on a document stops with time_limit_exceeded.

    MuPDF's C calls cannot be interrupted from Python, so the work checks the deadline
    between pages and stages; gunicorn's worker timeout is the hard stop behind it.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic, per_page_s: float = 0.0):
        self.seconds = seconds
        self._clock = clock
        self._end = clock() + seconds
        self._per_page_s = per_page_s

    def allow(self, seconds: float) -> None:
        """Extends the limit (the OCR time of the pages that need it, once they are known)."""
        self.seconds += seconds
        self._end += seconds

    def allow_pages(self, pages: int) -> None:
        """Extends the limit by the per-page time for a document of `pages` pages (once, after opening it)."""
        extra = self._per_page_s * pages
        self._per_page_s = 0.0
        self.seconds += extra
        self._end += extra

    def remaining(self) -> float:
        return self._end - self._clock()

    def check(self, stage: str) -> None:
        if self._clock() > self._end:
            raise errors.DocumentRejected(
                errors.TIME_LIMIT,
                f"the document took longer than the limit of {self.seconds:g} s (stopped during {stage}); "
                "split it or ask for a higher VEIL_REDACTOR_TIME_LIMIT_S",
                limit_s=self.seconds, stage=stage)
