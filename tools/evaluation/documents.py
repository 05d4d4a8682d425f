"""The gold standard as the evaluation sees it, whatever format it came in: documents, labelled spans, format errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class GoldFormatError(ValueError):
    """A gold file the readers cannot use, named with its path and, where known, the line."""

    def __init__(self, path: Path | str, message: str, line: int | None = None):
        self.path = Path(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class GoldSpan:
    """One labelled identifier.

    Text notes give character offsets `start`/`end` into the note; PDFs with page-level gold
    give `page` (from 1, None for every page) and no offsets, so every occurrence of `text` on
    that page is gold. A discontinuous BRAT span keeps each fragment's text in `parts`.
    `type` is Veil's type (or the label itself when it maps to none, with `known` False);
    `original_type` is the label as the file wrote it.
    """

    start: int | None
    end: int | None
    text: str
    type: str
    original_type: str
    neutral: bool = False
    page: int | None = None
    parts: tuple[str, ...] = ()
    known: bool = True

    @property
    def strings(self) -> tuple[str, ...]:
        """The pieces of text to find in the document: the fragments, or the whole text."""
        return self.parts or (self.text,)

    @property
    def located_by_offset(self) -> bool:
        return self.start is not None and self.page is None


@dataclass
class GoldDocument:
    """A note (`text`) or a PDF (`pdf_path`) with its gold spans; `source` is the gold file read."""

    name: str
    text: str | None
    pdf_path: Path | None
    spans: list[GoldSpan] = field(default_factory=list)
    source: Path | None = None
    format: str = ""
