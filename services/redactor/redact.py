"""Redaction: remove the spans' text from the content streams, scrub the document, save it, verify the result.

`redact(pdf_bytes, spans)` is what POST /v1/redact answers and what the batch path calls in
process. It returns the redacted PDF and a report that names no PHI: per span how often
it was found and where boxes were drawn, what the scrub removed, and `verified`, which is
true only when no redacted string can be recovered from the output by any extraction.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import pymupdf

from services.redactor import errors, ocr, pdf, scanned, scrub, textlayer, verify
from services.redactor import spans as spans_mod
from services.redactor.limits import Deadline, Limits
from services.redactor.locate import Area, PageLocator
from services.redactor.settings import DEFAULT_IMAGES, DEFAULT_MAX_SPANS, DEFAULT_STYLE, IMAGE_POLICIES, STYLES

_log = logging.getLogger(__name__)

_IMAGE_POLICY = {
    "pixels": pymupdf.PDF_REDACT_IMAGE_PIXELS,
    "remove": pymupdf.PDF_REDACT_IMAGE_REMOVE,
    "none": pymupdf.PDF_REDACT_IMAGE_NONE,
    "remove-unless-invisible": pymupdf.PDF_REDACT_IMAGE_REMOVE_UNLESS_INVISIBLE,
}
_BLACK, _WHITE = (0, 0, 0), (1, 1, 1)
_LABEL_FONT = "helv"
_MIN_LABEL_SIZE = 3.0
_PIXEL_MARGIN = 1.0


@dataclass
class _SpanResult:
    span: spans_mod.Span
    matches: int = 0
    matched_by: str = "none"
    boxes: list[list[float]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"span": self.span.index, "page": self.span.page, "type": self.span.type, "matches": self.matches,
                "matched_by": self.matched_by, "boxes": self.boxes}


@dataclass
class _Mark:
    area: Area
    label: str | None


def _check_options(style: str, images: str) -> None:
    if style not in STYLES:
        raise errors.DocumentRejected(errors.INVALID_OPTION, f"style must be one of {', '.join(STYLES)}")
    if images not in IMAGE_POLICIES:
        raise errors.DocumentRejected(errors.INVALID_OPTION, f"images must be one of {', '.join(IMAGE_POLICIES)}")


def redact(pdf_bytes: bytes, spans: Sequence[dict] | Any, *, style: str = DEFAULT_STYLE, images: str = DEFAULT_IMAGES,
           limits: Limits | None = None, deadline: Deadline | None = None,
           max_spans: int = DEFAULT_MAX_SPANS, ocr_options: ocr.OcrOptions | None = None) -> tuple[bytes, dict[str, Any]]:
    """The redacted PDF and its report; raises DocumentRejected for input it will not process.

    `spans`: [{"page": 1, "text": "Maria Gonzalez", "type": "PERSON"}, {"page": 2, "bbox": [x0, y0, x1, y1]}, ...].
    A text span removes every whole-word occurrence of its text on its page (on every page
    when it names none); its bbox, if given too, is used only when the text is not found.
    `style`: "box" or "label" ("[PERSON]" in the box), for the spans that name no "style" of
    their own; `images`: what happens to images under a redacted area (see settings).
    """
    _check_options(style, images)
    limits = limits or Limits()
    with pdf.LOCK:
        return _redact_document(pdf_bytes, spans, style, images, limits, deadline or limits.deadline(), max_spans,
                                ocr_options or ocr.OcrOptions())


def _redact_document(pdf_bytes: bytes, spans: Any, style: str, images: str, limits: Limits, deadline: Deadline,
                     max_spans: int, ocr_options: ocr.OcrOptions) -> tuple[bytes, dict[str, Any]]:
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    doc = pdf.open_pdf(pdf_bytes, limits)
    deadline.allow_pages(doc.page_count)
    try:
        page_count = doc.page_count
        parsed = spans_mod.parse(spans, page_count, max_spans)
        results = {s.index: _SpanResult(s) for s in parsed}
        checks: list[verify.Check] = []
        clock = time.perf_counter()
        pixel_pages = scanned.prepare(doc, ocr_options, deadline)
        seconds["ocr"] = time.perf_counter() - clock
        locators = _locators(doc, deadline)
        # Opening, the check of every page for text in pixels, text pages (OCR aside).
        seconds["open"] = time.perf_counter() - started - seconds["ocr"]
        seconds["locate"] = seconds["apply"] = 0.0
        pages_redacted: list[int] = []
        for number, page_spans in sorted(spans_mod.by_page(parsed, doc.page_count).items()):
            deadline.check(f"redaction of page {number}")
            with pdf.mupdf_errors(f"redaction of page {number}"):
                t0 = time.perf_counter()
                locator = locators[number - 1]
                marks = _locate(locator, page_spans, results, checks, number, style)
                t1 = time.perf_counter()
                if marks:
                    _apply(locator.page, marks, images, pixel_pages.get(number))
                    pages_redacted.append(number)
                seconds["locate"] += t1 - t0
                seconds["apply"] += time.perf_counter() - t1
            locators[number - 1] = None  # the text page no longer matches the page
        del locators
        if ocr_options.enabled:
            # A span not found in a page's text may still be on it in glyphs whose text the font
            # hides (a lost or lying ToUnicode map): such pages get the pixel check as well, and
            # the pixel fallback if it reads the span there.
            for number in sorted({r.span.page for r in results.values()
                                  if r.matched_by == "none" and r.span.page and r.span.text} - set(pixel_pages)):
                page = doc[number - 1]
                pixel_pages[number] = scanned.PixelPage(number, "check", 0, [page.rect * page.derotation_matrix])
        clock = time.perf_counter()
        deadline.check("scrubbing")
        with pdf.mupdf_errors("scrubbing"):
            doc, scrubbed = scrub.scrub(doc)
            out = scrub.save(doc)
        seconds["scrub_save"] = round(time.perf_counter() - clock, 4)
    finally:
        doc.close()
    clock = time.perf_counter()
    leaks = _verify(out, checks, pixel_pages, ocr_options, deadline)
    seconds["verify"] = time.perf_counter() - clock
    fallback: list[int] = []
    # Not for a string left on a page its span did not name ("elsewhere"): the spans are
    # incomplete there, which the caller must know, not something to paint over.
    if leaks and ocr_options.enabled and all(leak["page"] and not leak["elsewhere"] for leak in leaks):
        # Text MuPDF could not find or remove (a lying ToUnicode map, odd fonts): the page is
        # rendered as it shows and redacted as a scan of itself, rather than the document withheld.
        clock = time.perf_counter()
        fallback = sorted({leak["page"] for leak in leaks})
        _log.info("pixel fallback for %d page(s) with leaks", len(fallback))
        with pdf.mupdf_errors("pixel redaction of leaking pages"):
            out = _as_scans(out, fallback, parsed, leaks, style, pixel_pages, ocr_options, deadline, results)
        seconds["fallback"] = time.perf_counter() - clock
        clock = time.perf_counter()
        leaks = _verify(out, checks, pixel_pages, ocr_options, deadline)
        seconds["verify"] += time.perf_counter() - clock
    seconds = {k: round(v, 4) for k, v in seconds.items()}
    seconds["total"] = round(time.perf_counter() - started, 4)
    span_results = [results[i].as_dict() for i in sorted(results)]
    by_type: Counter[str] = Counter()
    for r in results.values():
        by_type[r.span.type] += len(r.boxes)
    report = {
        "verified": not leaks,
        "page_count": page_count,
        "pages_redacted": pages_redacted,
        "spans": len(span_results),
        "spans_found": sum(1 for r in results.values() if r.matched_by != "none"),
        "spans_not_found": sum(1 for r in results.values() if r.matched_by == "none"),
        "areas": sum(len(r.boxes) for r in results.values()),
        "areas_by_type": dict(sorted(by_type.items())),
        "style": style,
        "images": images,
        "scrubbed": scrubbed,
        "leaks": leaks,
        "unverified_reason": unverified_reason(leaks),
        # What `verified` rests on: every text reading, the content streams, every other object
        # and stream, and (for the pages whose text was in pixels) OCR of the rendered output.
        "checks": ["text", "content-streams", "box", "document-objects", "document-streams"]
        + (["pixels"] if pixel_pages else []),
        "ocr": [p.as_dict() for p in sorted(pixel_pages.values(), key=lambda p: p.number)],
        "pixel_fallback_pages": fallback,
        "span_results": span_results,
        "seconds": seconds,
    }
    log = _log.info if not leaks else _log.warning
    log("redacted %d areas for %d spans on %d pages in %.3fs; verified=%s (%d leaks)", report["areas"],
        len(span_results), len(pages_redacted), seconds["total"], not leaks, len(leaks))
    return out, report


def _verify(out: bytes, checks: list[verify.Check], pixel_pages: dict[int, scanned.PixelPage],
            options: ocr.OcrOptions, deadline: Deadline) -> list[dict]:
    deadline.check("verification")
    with pdf.mupdf_errors("verification"):
        check_doc = pymupdf.open("pdf", out)
    try:
        with pdf.mupdf_errors("verification of the pixels"):
            pixel_texts = _read_pixels(check_doc, pixel_pages, options)
        return verify.verify(check_doc, checks, deadline, pixel_texts)
    finally:
        check_doc.close()


def _as_scans(out: bytes, numbers: list[int], parsed: list[spans_mod.Span], leaks: list[dict], style: str,
              pixel_pages: dict[int, scanned.PixelPage], options: ocr.OcrOptions, deadline: Deadline,
              results: dict[int, _SpanResult]) -> bytes:
    """The output with each of `numbers` replaced by its own image, OCR'd and redacted in the pixels."""
    doc = pymupdf.open("pdf", out)
    try:
        by_page = spans_mod.by_page(parsed, doc.page_count)
        by_index = {s.index: s for s in parsed}
        plans: dict[int, ocr.Plan] = {}
        for number in numbers:
            deadline.check(f"pixel redaction of page {number}")
            page = doc[number - 1]
            pix = page.get_pixmap(dpi=options.dpi, alpha=False)
            # Nothing of the old page survives: its content and resources go, the image is all it shows.
            doc.xref_set_key(page.xref, "Contents", "null")
            doc.xref_set_key(page.xref, "Resources", "<<>>")
            page = doc.reload_page(page)
            page.insert_image(page.rect, pixmap=pix)
            plans[number - 1] = ocr.Plan(ocr.SCAN, [page.rect * page.derotation_matrix])
        deadline.allow(options.time_per_page_s * len(plans))
        ocr.ocr_pages(plans, doc, options)
        for index, plan in plans.items():
            number = index + 1
            page = doc[index]
            added = textlayer.apply(page, plan)
            pixels = scanned.PixelPage(number, "fallback", len(plan.words), plan.regions, added)
            pixel_pages[number] = pixels
            wanted = {s.index: s for s in by_page.get(number, [])}
            wanted.update((leak["span"], by_index[leak["span"]]) for leak in leaks if leak["page"] == number)
            scratch = {i: _SpanResult(s) for i, s in wanted.items()}
            marks = _locate(PageLocator(page), list(wanted.values()), scratch, [], number, style)
            if marks:
                _apply(page, marks, "pixels", pixels)
            for i, found in scratch.items():
                if found.matches and results[i].matched_by == "none":
                    results[i].matched_by = "pixels"
                    results[i].matches += found.matches
                    results[i].boxes.extend(found.boxes)
        return scrub.save(doc)
    finally:
        doc.close()


def _read_pixels(doc: pymupdf.Document, pixel_pages: dict[int, scanned.PixelPage],
                 options: ocr.OcrOptions) -> dict[int, str]:
    """What the output's pages whose text was in pixels say when rendered and OCR'd: {page number: text}."""
    renders = []
    for number, p in pixel_pages.items():
        page = doc[number - 1]
        for n, region in enumerate(p.regions):
            r = ocr.render(page, region, options.dpi, (number, n))
            if r is not None:
                renders.append(r)
    found = ocr.recognise(renders, options)
    texts: dict[int, list[str]] = {}
    for (number, _), words in sorted(found.items()):
        texts.setdefault(number, []).append(ocr.joined(words))
    return {number: "\n".join(parts) for number, parts in texts.items()}


def unverified_reason(leaks: list[dict]) -> str | None:
    """Why a document is withheld, exactly and without PHI: which spans, on which pages, read back how."""
    if not leaks:
        return None
    places: dict[str, list[str]] = {}
    for leak in leaks:
        places.setdefault(leak["found_in"], []).append(f"page {leak['page']}" if leak["page"] else "outside the pages")
    where = "; ".join(f"{found_in} ({', '.join(sorted(set(pages))[:10])})" for found_in, pages in sorted(places.items()))
    spans = sorted({leak["span"] for leak in leaks})
    shown = ", ".join(str(s) for s in spans[:10]) + (" ..." if len(spans) > 10 else "")
    return (f"{len(spans)} redacted span(s) (index {shown}) can still be read back from the output, "
            f"found in: {where}")


def _locators(doc: pymupdf.Document, deadline: Deadline) -> list[PageLocator | None]:
    """A locator per page, once the pages whose text is in pixels have their OCR text layer (see scanned)."""
    locators: list[PageLocator | None] = []
    for index in range(doc.page_count):
        with pdf.mupdf_errors(f"reading page {index + 1}"):
            locators.append(PageLocator(doc[index]))
    return locators


def _locate(locator: PageLocator, page_spans: list[spans_mod.Span], results: dict[int, _SpanResult],
            checks: list[verify.Check], number: int, style: str) -> list[_Mark]:
    marks: list[_Mark] = []
    for span in page_spans:
        result = results[span.index]
        label = f"[{span.type}]" if (span.style or style) == "label" else None
        areas: list[Area] = []
        if span.text is not None:
            hits = locator.find(span.text)
            if span.page is not None or number == 1:   # a span for every page is checked once, everywhere
                checks.append(verify.Check(span.index, span.page, text=span.text))
            if hits:
                result.matches += len(hits)
                result.matched_by = "text"
                areas = [a for hit in hits for a in hit]
        if not areas and span.bbox is not None:
            # A box alone, or the box of a text that was not found: all text inside it goes. The
            # box is painted (and its images redacted) as given; the text inside is cut line by line.
            box = span.bbox
            inside = locator.in_box(box)
            marks.append(_Mark(Area(cut=pymupdf.Rect(), paint=box, rotate=_box_rotation(inside)), label))
            marks.extend(_Mark(Area(cut=a.cut, paint=pymupdf.Rect(), rotate=a.rotate), None) for a in inside)
            result.matched_by = "bbox"
            result.matches += 1
            result.boxes.append([round(v, 2) for v in box])
            checks.append(verify.Check(span.index, number, box=box))
            continue
        for area in areas:
            marks.append(_Mark(area, label))
            result.boxes.append([round(v, 2) for v in area.paint])
    return marks


def _box_rotation(areas: list[Area]) -> int:
    return Counter(a.rotate for a in areas).most_common(1)[0][0] if areas else 0


def _redact(page: pymupdf.Page, rects: list[pymupdf.Rect], *, text: int, images: int,
            line_art: int = pymupdf.PDF_REDACT_LINE_ART_NONE) -> None:
    """Removes what lies under `rects` with MuPDF's own redaction (a Redact annotation, pdf_redact_page).

    One annotation carries all of the page's areas as its QuadPoints, made with MuPDF's API
    directly: Page.add_redact_annot gives every annotation a unique id by walking all the
    page's annotations, quadratic in the hundreds of areas a clinical page has, and each
    annotation costs pdf_redact_page more than a quad does. What MuPDF removes is the same.
    """
    if not rects:
        return
    mupdf = pymupdf.mupdf
    pdf_page = mupdf.pdf_page_from_fz_page(page.this)
    # Our rectangles are in the unrotated page's coordinates (as PyMuPDF's text is); MuPDF maps
    # annotation geometry through the page's rotation, so it is lifted while the annotation is made.
    rotation = page.rotation
    if rotation:
        page.set_rotation(0)
    try:
        annot = mupdf.pdf_create_annot(pdf_page, mupdf.PDF_ANNOT_REDACT)
        union = mupdf.FzRect(min(r.x0 for r in rects), min(r.y0 for r in rects), max(r.x1 for r in rects),
                             max(r.y1 for r in rects))
        mupdf.pdf_set_annot_rect(annot, union)
        for r in rects:
            mupdf.pdf_add_annot_quad_point(annot, mupdf.fz_quad_from_rect(mupdf.FzRect(r.x0, r.y0, r.x1, r.y1)))
    finally:
        if rotation:
            page.set_rotation(rotation)
    options = mupdf.PdfRedactOptions()
    options.black_boxes = 0        # boxes are painted afterwards, over the full letter height
    options.text = text
    options.image_method = images
    options.line_art = line_art
    mupdf.pdf_redact_page(pdf_page.doc(), pdf_page, options)


def _merged(marks: list[_Mark]) -> list[_Mark]:
    """Overlapping boxes on one line become one box with one label ("Maria Gonzalez" and "Gonzalez")."""
    out: list[_Mark] = []
    lines: dict[tuple[int, int], list[int]] = {}   # (rotation, line position) -> indexes into out
    for m in marks:
        paint = m.area.paint
        if paint.is_empty:
            out.append(m)
            continue
        horizontal = m.area.rotate in (0, 180)
        middle = (paint.y0 + paint.y1) / 2 if horizontal else (paint.x0 + paint.x1) / 2
        key = (m.area.rotate, round(middle / 2))
        for i in (i for k in (key[1] - 1, key[1], key[1] + 1) for i in lines.get((key[0], k), ())):
            other = out[i].area.paint
            # Same line (the boxes overlap across the text direction) and touching along it.
            if horizontal:
                same = min(paint.y1, other.y1) - max(paint.y0, other.y0) >= 0.6 * min(paint.height, other.height)
                touch = paint.x0 <= other.x1 and other.x0 <= paint.x1
            else:
                same = min(paint.x1, other.x1) - max(paint.x0, other.x0) >= 0.6 * min(paint.width, other.width)
                touch = paint.y0 <= other.y1 and other.y0 <= paint.y1
            if same and touch:
                out[i] = _Mark(Area(cut=out[i].area.cut, paint=other | paint, rotate=out[i].area.rotate),
                               out[i].label or m.label)
                out.append(_Mark(Area(cut=m.area.cut, paint=pymupdf.Rect(), rotate=m.area.rotate), None))
                break
        else:
            lines.setdefault(key, []).append(len(out))
            out.append(m)
    return out


def _merged_cuts(cuts: list[pymupdf.Rect]) -> list[pymupdf.Rect]:
    """The cuts with each run of overlapping or touching cuts of one band joined into one rectangle.

    pdf_redact_page tests every glyph of the page against every quad of the annotation, so its
    cost grows with the number of cuts, and a page's cuts repeat a lot: one span per occurrence
    finds the same areas again, and "Gonzalez" lies inside "Maria Gonzalez". Only cuts on one
    band (same top and bottom, or same left and right for vertical text, to a hundredth of a
    point) that overlap along it are joined, so the union touches the glyphs the cuts touched and
    no neighbour.
    """
    horizontal = _join_along(cuts, lambda r: (r.y0, r.y1, r.x0, r.x1),
                             lambda b0, b1, lo, hi: pymupdf.Rect(lo, b0, hi, b1))
    return _join_along(horizontal, lambda r: (r.x0, r.x1, r.y0, r.y1),
                       lambda b0, b1, lo, hi: pymupdf.Rect(b0, lo, b1, hi))


def _join_along(rects: list[pymupdf.Rect], key: Callable[[pymupdf.Rect], tuple[float, float, float, float]],
                make: Callable[[float, float, float, float], pymupdf.Rect]) -> list[pymupdf.Rect]:
    bands: dict[tuple[float, float], list[tuple[float, float, float, float]]] = {}
    for r in rects:
        b0, b1, lo, hi = key(r)
        bands.setdefault((round(b0, 2), round(b1, 2)), []).append((lo, hi, b0, b1))
    out: list[pymupdf.Rect] = []
    for runs in bands.values():
        runs.sort()
        lo, hi, b0, b1 = runs[0]
        for next_lo, next_hi, next_b0, next_b1 in runs[1:]:
            if next_lo <= hi:   # overlaps or touches the run: joined (the band is their union)
                hi, b0, b1 = max(hi, next_hi), min(b0, next_b0), max(b1, next_b1)
                continue
            out.append(make(b0, b1, lo, hi))
            lo, hi, b0, b1 = next_lo, next_hi, next_b0, next_b1
        out.append(make(b0, b1, lo, hi))
    return out


def _apply(page: pymupdf.Page, marks: list[_Mark], images: str, pixels: scanned.PixelPage | None = None) -> None:
    """Removes the marked text (and image pixels), then paints the boxes and labels."""
    marks = _merged(marks)
    cuts = _merged_cuts([m.area.cut for m in marks if not m.area.cut.is_empty])
    paints = [m.area.paint for m in marks if not m.area.paint.is_empty]
    if pixels is not None:
        # Boxes from OCR words are the ink's own boxes: a margin takes the anti-aliased edge too.
        paints = [pymupdf.Rect(r.x0 - _PIXEL_MARGIN, r.y0 - _PIXEL_MARGIN, r.x1 + _PIXEL_MARGIN,
                               r.y1 + _PIXEL_MARGIN) for r in paints]
    # Text first, through thin bands that spare neighbouring lines; images are left alone here.
    _redact(page, cuts, text=pymupdf.PDF_REDACT_TEXT_REMOVE, images=pymupdf.PDF_REDACT_IMAGE_NONE)
    outlines = pixels is not None and ocr.OUTLINES in pixels.kind
    if (images != "none" and paints and page.get_images()) or outlines:
        # Images (a scan under its OCR text) are redacted over the full height of the letters: the
        # pixels are blanked in the image data itself. Letters drawn as outlines are paths: those
        # the box covers whole go.
        _redact(page, paints, text=pymupdf.PDF_REDACT_TEXT_NONE,
                images=_IMAGE_POLICY[images] if images != "none" else pymupdf.PDF_REDACT_IMAGE_NONE,
                line_art=pymupdf.PDF_REDACT_LINE_ART_REMOVE_IF_COVERED if outlines else
                pymupdf.PDF_REDACT_LINE_ART_NONE)
    _paint(page, paints)
    labels = [m for m in marks if m.label and not m.area.paint.is_empty]
    if labels:
        _labels(page, labels)


def _paint(page: pymupdf.Page, rects: list[pymupdf.Rect]) -> None:
    """The black boxes, as one filled path of `re` operators.

    Written out as Shape.draw_rect writes them (the box's lower-left corner through the page's
    inverse transformation, then its width and height), in one pass: draw_rect costs tens of
    microseconds a box in Python, and a clinical page has dozens of boxes.
    """
    if not rects:
        return
    a, b, c, d, e, f = ~page.transformation_matrix
    shape = page.new_shape()
    shape.draw_cont = "".join(f"{a * r.x0 + c * r.y1 + e:.3f} {b * r.x0 + d * r.y1 + f:.3f} {r.width:.3f} "
                              f"{r.height:.3f} re\n" for r in rects)
    shape.finish(fill=_BLACK, color=None, width=0)
    shape.commit()


def _labels(page: pymupdf.Page, marks: list[_Mark]) -> None:
    """Each span's type, white, centred in its box and set along the text's direction."""
    font = _label_font()
    writer = pymupdf.TextWriter(page.rect)
    shape: pymupdf.Shape | None = None
    for m in marks:
        rect, text, rotate = m.area.paint, m.label, m.area.rotate
        along, across = (rect.width, rect.height) if rotate in (0, 180) else (rect.height, rect.width)
        width_at_1 = font.text_length(text, 1)
        size = min(across * 0.75, (along - 1) / width_at_1 if width_at_1 else 0.0)
        if size < _MIN_LABEL_SIZE:
            continue  # too small to read: the box alone marks the redaction
        pad_along = (along - width_at_1 * size) / 2
        pad_across = (across - 0.72 * size) / 2        # centres the capitals
        if rotate == 0 and not page.rotation:
            # One TextWriter for the page: far cheaper than an insert_text per label.
            writer.append((rect.x0 + pad_along, rect.y1 - pad_across), text, font=font, fontsize=size)
            continue
        start = {
            0: (rect.x0 + pad_along, rect.y1 - pad_across),
            90: (rect.x1 - pad_across, rect.y1 - pad_along),
            180: (rect.x1 - pad_along, rect.y0 + pad_across),
            270: (rect.x0 + pad_across, rect.y0 + pad_along),
        }[rotate]
        shape = shape or page.new_shape()
        shape.insert_text(start, text, fontname=_LABEL_FONT, fontsize=size, color=_WHITE, rotate=rotate)
    if writer.text_rect is not None and not writer.text_rect.is_empty:
        writer.write_text(page, color=_WHITE)
    if shape is not None:
        shape.commit()


@functools.lru_cache(maxsize=1)
def _label_font() -> pymupdf.Font:
    return pymupdf.Font(_LABEL_FONT)
