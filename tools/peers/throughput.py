"""Throughput accounting: documents and words per second over the processing window only, start-up kept apart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Throughput:
    """`documents` and `words` (of the input PDFs) processed in `seconds` of processing time;
    `startup_seconds` (the stack's start, the engine's load) is reported, never counted."""

    documents: int
    words: int
    seconds: float
    startup_seconds: float = 0.0

    @property
    def documents_per_s(self) -> float | None:
        return self.documents / self.seconds if self.seconds > 0 else None

    @property
    def words_per_s(self) -> float | None:
        return self.words / self.seconds if self.seconds > 0 else None

    def as_dict(self) -> dict[str, float | int | None]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 3)

        return {"documents": self.documents, "words": self.words, "seconds": r(self.seconds),
                "startup_seconds": r(self.startup_seconds), "documents_per_s": r(self.documents_per_s),
                "words_per_s": r(self.words_per_s)}


def window(intervals: Iterable[tuple[float, float]]) -> float:
    """Seconds from the first start to the last end of (start, end) pairs: from the first document
    submitted to the last result received, whatever overlapped in between."""
    pairs = list(intervals)
    if not pairs:
        return 0.0
    return max(end for _, end in pairs) - min(start for start, _ in pairs)


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b, None when either is unknown or b is zero."""
    if a is None or b is None or b == 0:
        return None
    return a / b
