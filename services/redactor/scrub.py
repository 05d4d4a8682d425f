"""Scrubbing: everything besides the page text that can carry PHI is removed before the document is saved.

Metadata (Info and XMP, also per page), annotations, links, form fields, outlines
(bookmarks), embedded and attached files, JavaScript and document actions, page labels,
thumbnails, the structure tree and replacement texts (ActualText, Alt) in the content. PyMuPDF's `Document.scrub` does most of
it; what it leaves (annotations other than redactions, widgets, the outline, catalog
entries) is removed here. `save()` then writes with garbage collection, so no replaced
object survives in the file.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pymupdf

_log = logging.getLogger(__name__)

# Catalog entries that hold content, actions or names outside the pages.
_CATALOG_KEYS = ("AcroForm", "OpenAction", "AA", "Names", "Dests", "Outlines", "PageLabels", "StructTreeRoot",
                 "MarkInfo", "Metadata", "Threads", "Collection", "SpiderInfo", "PieceInfo", "Perms", "URI",
                 "Legal", "AF")
_PAGE_KEYS = ("AA", "PieceInfo", "Metadata", "Thumb", "B", "AF")
# What the catalog, the page-tree nodes and the pages keep after the scrub: the keys that
# describe the pages themselves. Anything else (a producer's private keys, unknown
# extensions) may carry text and is dropped; the entries named above go in any case.
_KEEP_CATALOG = frozenset(("Type", "Version", "Extensions", "Pages", "ViewerPreferences", "PageLayout", "PageMode",
                           "Lang", "OutputIntents"))
_KEEP_PAGE = frozenset(("Type", "Parent", "Kids", "Count", "Resources", "MediaBox", "CropBox", "BleedBox", "TrimBox",
                        "ArtBox", "BoxColorInfo", "Contents", "Rotate", "Group", "UserUnit", "Tabs", "Annots"))


# Replacement and alternate texts (tagged PDFs): in marked-content property lists of the
# content streams, and in structure elements. They repeat the text the glyphs show.
_REPLACEMENT_KEYS = ("ActualText", "Alt", "E")
_REPLACEMENT = re.compile(rb"/(?:ActualText|Alt|E)\s*(?:\((?:\\.|[^\\()]|\((?:\\.|[^\\()])*\))*\)|<[0-9A-Fa-f\s]*>)",
                          re.DOTALL)


def _count_javascript(doc: pymupdf.Document) -> int:
    count = 0
    for xref in range(1, doc.xref_length()):
        try:
            if doc.xref_get_key(xref, "S") == ("name", "/JavaScript") or doc.xref_get_key(xref, "JS")[0] != "null":
                count += 1
        except (RuntimeError, ValueError, pymupdf.mupdf.FzErrorBase):
            continue
    return count


def _strip_replacement_text(doc: pymupdf.Document) -> int:
    """Removes ActualText/Alt/E strings from content streams and from every object; returns how many."""
    removed = 0
    streams: set[int] = set()
    for page in doc:
        streams.update(page.get_contents())
        streams.update(x[0] for x in page.get_xobjects() if x[0] > 0)
    for xref in sorted(streams):
        data = doc.xref_stream(xref) or b""
        cleaned, n = _REPLACEMENT.subn(b"", data)
        if n:
            doc.update_stream(xref, cleaned)
            removed += n
    for xref in range(1, doc.xref_length()):
        for key in _REPLACEMENT_KEYS:
            try:
                if doc.xref_get_key(xref, key)[0] == "string":
                    doc.xref_set_key(xref, key, "null")
                    removed += 1
            except (RuntimeError, ValueError, pymupdf.mupdf.FzErrorBase):
                break
    return removed


def scrub(doc: pymupdf.Document) -> tuple[pymupdf.Document, dict[str, Any]]:
    """Removes everything but page content; returns the document (re-opened if it had to be cleaned) and counts.

    Call after the redactions are applied: it deletes every remaining annotation.
    """
    counts = {"annotations": 0, "links": 0, "form_fields": 0,
              "outline_entries": len(doc.get_toc(simple=True)), "embedded_files": doc.embfile_count(),
              "javascript": _count_javascript(doc), "metadata": any(v for k, v in (doc.metadata or {}).items()
                                                                  if k not in ("format", "encryption")),
              "xmp": bool(doc.get_xml_metadata())}
    for page in doc:
        # Deleting invalidates the annotations still held; always delete the page's first one.
        while (widget := page.first_widget) is not None:
            page.delete_widget(widget)
            counts["form_fields"] += 1
        while (annot := page.first_annot) is not None:
            page.delete_annot(annot)
            counts["annotations"] += 1
        for link in page.get_links():
            page.delete_link(link)
            counts["links"] += 1
        for key in _PAGE_KEYS:
            if doc.xref_get_key(page.xref, key)[0] != "null":
                doc.xref_set_key(page.xref, key, "null")
    doc.set_toc([])
    counts["replacement_texts"] = _strip_replacement_text(doc)
    catalog = doc.pdf_catalog()
    for key in _CATALOG_KEYS:
        if doc.xref_get_key(catalog, key)[0] != "null":
            doc.xref_set_key(catalog, key, "null")
    counts["private_keys"] = _drop_private_keys(doc, catalog)
    counts["hidden_layers"] = getattr(doc, "veil_hidden_layers", 0)
    try:
        _library_scrub(doc)
    except ValueError:
        # Document.scrub refuses documents with broken xref entries; a garbage-collected copy has none.
        _log.info("re-opening a garbage-collected copy before scrubbing")
        cleaned = pymupdf.open("pdf", doc.tobytes(garbage=4))
        doc.close()
        doc = cleaned
        _library_scrub(doc)
    doc.set_metadata({})
    doc.del_xml_metadata()
    # set_metadata({}) empties the standard keys; custom Info keys go with the whole dictionary.
    if doc.xref_get_key(-1, "Info")[0] != "null":
        doc.xref_set_key(-1, "Info", "null")
    return doc, counts


def _drop_private_keys(doc: pymupdf.Document, catalog: int) -> int:
    """Removes every key but the page-describing ones from the catalog, the page-tree nodes and the pages."""
    dropped = 0
    nodes = {page.xref for page in doc}
    for xref in list(nodes):
        parent = doc.xref_get_key(xref, "Parent")
        while parent[0] == "xref" and (up := int(parent[1].split()[0])) not in nodes:
            nodes.add(up)
            parent = doc.xref_get_key(up, "Parent")
    for xref, keep in [(catalog, _KEEP_CATALOG), *((n, _KEEP_PAGE) for n in sorted(nodes))]:
        for key in doc.xref_get_keys(xref):
            if key not in keep:
                doc.xref_set_key(xref, key, "null")
                dropped += 1
    return dropped


def _library_scrub(doc: pymupdf.Document) -> None:
    # hidden_text stays False: invisible text (an OCR layer over a scan) is extracted and
    # redacted like visible text; dropping all of it would leave a scan without its text.
    doc.scrub(attached_files=True, clean_pages=True, embedded_files=True, hidden_text=False, javascript=True,
              metadata=True, redactions=True, redact_images=0, remove_links=True, reset_fields=True,
              reset_responses=True, thumbnails=True, xml_metadata=True)


def save(doc: pymupdf.Document) -> bytes:
    """The scrubbed document as new bytes: garbage-collected (no old object survives), compressed.

    No `clean` here: `scrub` has cleaned and sanitized every page's content already
    (Document.scrub with clean_pages), and cleaning it again on save costs half a millisecond
    a page for the same streams.
    """
    return doc.tobytes(garbage=4, deflate=True)
