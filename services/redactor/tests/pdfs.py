"""PDFs built with PyMuPDF for the redactor's tests: exact layouts, hostile files, everything scrub must remove."""

from __future__ import annotations

import pymupdf

LETTER = (612, 792)


def lines_pdf(lines: list[str], *, leading: float = 1.25, size: float = 11.0, font: str = "helv",
              x: float = 72.0, top: float = 100.0, rotation: int = 0) -> bytes:
    """One page with `lines` set one under the other, `leading` times the font size apart."""
    doc = pymupdf.open()
    page = doc.new_page(width=LETTER[0], height=LETTER[1])
    writer = pymupdf.TextWriter(page.rect)
    f = pymupdf.Font(font)
    for i, line in enumerate(lines):
        writer.append((x, top + i * size * leading), line, font=f, fontsize=size)
    writer.write_text(page)
    if rotation:
        page.set_rotation(rotation)
    return doc.tobytes()


def pages_pdf(texts: list[list[str]], size: float = 11.0) -> bytes:
    """One page per list of lines."""
    doc = pymupdf.open()
    for lines in texts:
        page = doc.new_page(width=LETTER[0], height=LETTER[1])
        for i, line in enumerate(lines):
            page.insert_text((72, 100 + i * size * 1.4), line, fontname="helv", fontsize=size)
    return doc.tobytes()


def zero_page_pdf() -> bytes:
    """A well-formed PDF whose page tree is empty (PyMuPDF refuses to save one, so it is written by hand)."""
    return _written([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])


def _one_page(content: bytes, font: bytes, extra: list[bytes] = ()) -> bytes:
    """A page whose content stream and font dictionary are given as written (objects 5... are `extra`)."""
    return _written([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                     b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                     b"/Resources << /Font << /F1 " + font + b" >> >> >>",
                     b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream", *extra])


def _pdf_string(text: str) -> bytes:
    return b"(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1") + b")"


def tj_kerned_pdf(lines: list[str], size: float = 12.0) -> bytes:
    """Each line written as a TJ array that kerns it in pieces of three letters, as typesetters do:
    a name is never one string in the content stream ("[(Mar) -20 (ia G) 15 (onz) ...] TJ")."""
    ops = [b"BT /F1 %g Tf %g TL 72 700 Td" % (size, size * 1.4)]
    for line in lines:
        pieces = [line[i:i + 3] for i in range(0, len(line), 3)]
        kerned = b" ".join(_pdf_string(p) + (b" %d" % (15 if i % 2 else -20)) for i, p in enumerate(pieces))
        ops.append(b"[" + kerned + b"] TJ T*")
    ops.append(b"ET")
    return _one_page(b"\n".join(ops), b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")


def type3_pdf(lines: list[str], size: float = 12.0) -> bytes:
    """The lines in a Type3 font: every glyph a procedure of the document (here a filled box), named
    in the encoding ("/M", "/a", "/zero") so that text extraction knows which letter it draws."""
    names = {c: c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}
    names.update({str(d): n for d, n in enumerate("zero one two three four five six seven eight nine".split())})
    names.update({" ": "space", ":": "colon", ",": "comma", ".": "period", "-": "hyphen"})
    used = sorted({c for line in lines for c in line if c in names})
    procs = {c: (b"500 0 0 0 500 700 d1" if c == " " else b"500 0 40 0 460 700 d1 60 0 380 %d re f" %
                 (700 if c.isupper() or c.isdigit() else 500)) for c in used}
    extra, refs = [], []
    for c in used:
        extra.append(b"<< /Length %d >>\nstream\n" % len(procs[c]) + procs[c] + b"\nendstream")
        refs.append(b"/%s %d 0 R" % (names[c].encode(), 4 + len(extra)))
    codes = b" ".join(b"%d /%s" % (ord(c), names[c].encode()) for c in used)
    font = (b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 500 700] /FontMatrix [0.001 0 0 0.001 0 0] "
            b"/CharProcs << " + b" ".join(refs) + b" >> /Encoding << /Type /Encoding /Differences [" + codes +
            b"] >> /FirstChar 32 /LastChar 122 /Widths [" + b" ".join(b"500" for _ in range(32, 123)) +
            b"] /Resources << >> >>")
    ops = [b"BT /F1 %g Tf %g TL 72 700 Td" % (size, size * 1.4)]
    ops += [_pdf_string(line) + b" Tj T*" for line in lines]
    ops.append(b"ET")
    return _one_page(b"\n".join(ops), font, extra)


def cid_font_pdf(lines: list[str], fontfile: str, size: float = 12.0) -> bytes:
    """The lines in an embedded TrueType font as a Type0 font with Identity-H encoding (two-byte glyph ids
    in the content stream, the text only through ToUnicode), as word processors write them."""
    doc = pymupdf.open()
    page = doc.new_page(width=LETTER[0], height=LETTER[1])
    for i, line in enumerate(lines):
        page.insert_text((72, 100 + i * size * 1.4), line, fontfile=fontfile, fontname="F0", fontsize=size)
    return doc.tobytes()


def _written(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def gradient_pixmap(width: int = 200, height: int = 100) -> pymupdf.Pixmap:
    """A grey RGB image with a pattern, so blanked pixels are told apart from the picture."""
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, width, height), False)
    pix.clear_with(128)
    return pix


def image_only_pdf(pages: int = 1, with_text_page: bool = False) -> bytes:
    """Pages that are a full-page picture and nothing else (a scan without a text layer)."""
    doc = pymupdf.open()
    if with_text_page:
        page = doc.new_page(width=LETTER[0], height=LETTER[1])
        page.insert_text((72, 100), "A page with real text on it, long enough to count as text. " * 5,
                         fontname="helv", fontsize=9)
    for _ in range(pages):
        page = doc.new_page(width=LETTER[0], height=LETTER[1])
        page.insert_image(page.rect, pixmap=gradient_pixmap())
    return doc.tobytes()


def text_over_image_pdf(text: str) -> bytes:
    """A page with an image and text drawn over it (a scan with its OCR text, visible here)."""
    doc = pymupdf.open()
    page = doc.new_page(width=LETTER[0], height=LETTER[1])
    page.insert_image(pymupdf.Rect(50, 50, 562, 300), pixmap=gradient_pixmap())
    for i in range(12):
        page.insert_text((72, 100 + i * 14), f"Line {i} of the scanned note mentions {text} twice: {text}.",
                         fontname="helv", fontsize=10)
    return doc.tobytes()


def encrypted_pdf(user_password: str = "secret") -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Patient Maria Gonzalez", fontname="helv")
    return doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="owner", user_pw=user_password)


def rich_pdf(phi: str) -> bytes:
    """A page mentioning `phi`, plus `phi` in every place besides the page text that scrub must empty."""
    doc = pymupdf.open()
    page = doc.new_page(width=LETTER[0], height=LETTER[1])
    page.insert_text((72, 100), f"Discharge note for {phi}.", fontname="helv", fontsize=11)
    page.insert_text((72, 130), "Follow-up in two weeks.", fontname="helv", fontsize=11)
    doc.set_metadata({"title": f"Note for {phi}", "author": phi, "subject": phi, "keywords": phi})
    doc.set_xml_metadata(f'<?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/"><dc>{phi}</dc></x:xmpmeta>'
                         '<?xpacket end="w"?>')
    annot = page.add_freetext_annot(pymupdf.Rect(300, 300, 550, 340), f"Call {phi} back", fontsize=10)
    annot.set_info(content=f"Call {phi} back", title=phi)
    annot.update()
    note = page.add_text_annot((500, 500), f"Sticky note about {phi}")
    note.set_info(title=phi)
    note.update()
    page.insert_link({"kind": pymupdf.LINK_URI, "from": pymupdf.Rect(72, 90, 300, 104),
                      "uri": f"https://example.org/patients?name={phi.replace(' ', '+')}"})
    widget = pymupdf.Widget()
    widget.field_name = "patient_name"
    widget.field_type = pymupdf.PDF_WIDGET_TYPE_TEXT
    widget.field_value = phi
    widget.rect = pymupdf.Rect(72, 600, 300, 620)
    page.add_widget(widget)
    doc.set_toc([[1, f"Notes on {phi}", 1]])
    doc.embfile_add("history.txt", f"Full history of {phi}".encode(), filename="history.txt")
    xref = doc.get_new_xref()
    doc.update_object(xref, f"<< /S /JavaScript /JS (app.alert('{phi}');) >>")
    doc.xref_set_key(doc.pdf_catalog(), "OpenAction", f"{xref} 0 R")
    return doc.tobytes()


def everything_readable(data: bytes) -> str:
    """Every way of reading the file: all text extraction modes of every page, and every object
    and decompressed stream of the file, as one string (for "is X anywhere in here?")."""
    doc = pymupdf.open("pdf", data)
    parts: list[str] = []
    modes = ("text", "words", "blocks", "dict", "rawdict", "html", "xhtml", "xml")
    flag_sets = (0, pymupdf.TEXT_PRESERVE_LIGATURES, pymupdf.TEXT_DEHYPHENATE, pymupdf.TEXT_PRESERVE_WHITESPACE)
    everywhere = pymupdf.Rect(-1e6, -1e6, 1e6, 1e6)
    for page in doc:
        for flags in flag_sets:
            tp = page.get_textpage(clip=everywhere, flags=flags)
            parts.append(tp.extractText())
            parts.extend(str(w[4]) for w in tp.extractWORDS())
            parts.extend(str(b[4]) for b in tp.extractBLOCKS())
            parts.append(tp.extractHTML())
            parts.append(tp.extractXHTML())
            parts.append(tp.extractXML())
            raw = tp.extractRAWDICT()
            parts.append("".join(c["c"] for b in raw["blocks"] for ln in b.get("lines", [])
                                 for s in ln["spans"] for c in s["chars"]))
        parts.append(page.get_text("text"))
        for mode in modes:
            parts.append(str(page.get_text(mode)))
        for annot in page.annots():
            parts.append(str(annot.info))
        for widget in page.widgets():
            parts.append(str(widget.field_value))
        parts.extend(str(link) for link in page.get_links())
    parts.append(str(doc.metadata))
    parts.append(doc.get_xml_metadata())
    parts.append(str(doc.get_toc()))
    parts.extend(doc.embfile_names())
    for xref in range(1, doc.xref_length()):
        parts.append(doc.xref_object(xref))
        if doc.xref_is_stream(xref):
            parts.append((doc.xref_stream(xref) or b"").decode("latin-1"))
    parts.append(data.decode("latin-1"))
    return "\n".join(parts)


def lying_text_layer_pdf(visible: str, filler: str = "X") -> bytes:
    """A page whose glyphs show `visible` while its ToUnicode map says every character is `filler`.

    A reader sees the PHI; text extraction (and so classification and search) sees X's. Only
    the raw content stream still spells it out: what verification's content-stream check is for.
    """
    doc = pymupdf.open()
    page = doc.new_page(width=LETTER[0], height=LETTER[1])
    page.insert_text((72, 100), visible, fontname="helv", fontsize=12)
    font_xref = next(f[0] for f in page.get_fonts())
    entries = "\n".join(f"<{code:02X}> <{ord(filler):04X}>" for code in range(0x20, 0x7F))
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            "/CMapName /Lying def /CMapType 2 def\n1 begincodespacerange <00> <FF> endcodespacerange\n"
            f"{0x7F - 0x20} beginbfchar\n{entries}\nendbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end")
    cmap_xref = doc.get_new_xref()
    doc.update_object(cmap_xref, "<<>>")
    doc.update_stream(cmap_xref, cmap.encode())
    doc.xref_set_key(font_xref, "ToUnicode", f"{cmap_xref} 0 R")
    return doc.tobytes()


SMALL = (360, 200)   # pages with text in pixels are small: OCR time grows with the pixels


def _rendered(lines: list[str], size: float, dpi: int) -> pymupdf.Pixmap:
    """`lines` set in Helvetica on a small page and rendered: what a scanner would see."""
    doc = pymupdf.open()
    page = doc.new_page(width=SMALL[0], height=SMALL[1])
    for i, line in enumerate(lines):
        page.insert_text((24, 40 + i * size * 1.6), line, fontname="helv", fontsize=size)
    return page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)


def scan_pdf(lines: list[str], *, size: float = 11.0, dpi: int = 150) -> bytes:
    """A scan without a text layer: the lines exist only as the pixels of a full-page image."""
    doc = pymupdf.open()
    page = doc.new_page(width=SMALL[0], height=SMALL[1])
    page.insert_image(page.rect, pixmap=_rendered(lines, size, dpi))
    return doc.tobytes(deflate=True)


def ocr_layer_scan_pdf(lines: list[str], *, size: float = 11.0, dpi: int = 150, drift: float = 0.8) -> bytes:
    """A scan with an earlier OCR's invisible text layer whose glyphs do not line up with the image.

    The layer's font is narrower than the letters in the image (`drift` times the width) and
    starts a little to the right, as a layer in a font other than the scanned one does: boxes
    from its glyphs miss the ends of the words in the pixels.
    """
    doc = pymupdf.open()
    page = doc.new_page(width=SMALL[0], height=SMALL[1])
    page.insert_image(page.rect, pixmap=_rendered(lines, size, dpi))
    for i, line in enumerate(lines):
        page.insert_text((30, 40 + i * size * 1.6), line, fontname="helv", fontsize=size * drift, render_mode=3)
    return doc.tobytes(deflate=True)


def image_on_page_pdf(text: list[str], pictured: list[str], *, dpi: int = 150) -> bytes:
    """An ordinary text page with a small picture of `pictured` lines on it (a pasted screenshot)."""
    doc = pymupdf.open()
    page = doc.new_page(width=SMALL[0], height=SMALL[1] * 2)
    for i, line in enumerate(text):
        page.insert_text((24, 40 + i * 16), line, fontname="helv", fontsize=11)
    pix = _rendered(pictured, 11.0, dpi)
    # The picture is the top of the rendered page: the lines, not the empty rest of it.
    page.insert_image(pymupdf.Rect(24, 150, 24 + SMALL[0] * 0.9, 150 + SMALL[1] * 0.9), pixmap=pix)
    return doc.tobytes(deflate=True)


def outlines_pdf(lines: list[str], ghostscript: str) -> bytes:
    """The lines drawn as vector outlines (Ghostscript's pdfwrite with -dNoOutputFonts): no text at all."""
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in.pdf", Path(tmp) / "out.pdf"
        drawn = pymupdf.open()
        page = drawn.new_page(width=SMALL[0], height=SMALL[1])
        for i, line in enumerate(lines):
            page.insert_text((24, 60 + i * 18), line, fontname="helv", fontsize=11)
        drawn.save(src)
        subprocess.run([ghostscript, "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite", "-dNoOutputFonts",
                        f"-sOutputFile={out}", str(src)], check=True, capture_output=True, timeout=120)
        outlines = pymupdf.open(out)
        # An ordinary page with real text, and the outlines placed on it (as a form XObject).
        doc = pymupdf.open()
        page = doc.new_page(width=SMALL[0], height=SMALL[1])
        page.insert_text((24, 30), "Visit summary, typed as text.", fontname="helv", fontsize=11)
        page.show_pdf_page(page.rect, outlines, 0)
        return doc.tobytes(deflate=True)


def ocr_text(data: bytes, dpi: int = 200) -> str:
    """What Tesseract reads on every page of the PDF as rendered (the test's own check, not the redactor's)."""
    import pytesseract
    from PIL import Image

    parts = []
    for page in pymupdf.open("pdf", data):
        pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
        parts.append(pytesseract.image_to_string(Image.frombytes("L", (pix.width, pix.height), pix.samples)))
    return " ".join(" ".join(parts).split())
