"""The page-string search finds exactly what MuPDF's own search finds, on generated clinical pages."""

from __future__ import annotations

import pymupdf
import pytest

from services.redactor.locate import PageLocator, _variants, normalize
from tools.synthetic import samples


def _key(areas):
    return sorted((round(a.cut.x0, 1), round(a.cut.y0, 1), round(a.cut.x1, 1), round(a.cut.y1, 1),
                   round(a.paint.x0, 1), round(a.paint.y0, 1), round(a.paint.x1, 1), round(a.paint.y1, 1), a.rotate)
                  for hit in areas for a in hit)


@pytest.mark.parametrize("seed", [500, 501])
def test_the_page_string_finds_the_same_areas_as_mupdfs_search(seed):
    document = samples.generate(seed, pages=4, paragraphs=3, templates="all")
    doc = pymupdf.open("pdf", document.pdf)
    compared = 0
    for number in range(1, doc.page_count + 1):
        locator = PageLocator(doc[number - 1])
        assert locator.text.axis_aligned
        for text in {s["text"] for s in document.span_dicts() if s.get("page") == number and s.get("text")}:
            needle = normalize(text)
            variants = [v for v in _variants(needle) if v.casefold() in locator.plain]
            ours, mupdfs = locator._matches(needle), locator._searched(variants)
            assert len(ours) == len(mupdfs), text
            assert _key(ours) == _key(mupdfs), text
            compared += len(ours)
    assert compared > 100
