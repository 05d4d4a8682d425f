"""`veil redactor extract|redact|sample` and `veil bench redactor`: the redactor's functions from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from services.redactor.settings import DEFAULT_IMAGES, DEFAULT_STYLE, IMAGE_POLICIES, STYLES
from tools.options import add_output, readable_file

_README = Path(__file__).resolve().parent / "README.md"


def register(sub, group) -> None:
    g = group("redactor", "PDF extraction, redaction and sample clinical documents")
    p = g.add_parser("extract", help="print a PDF's paragraphs, headings and blobs as JSON")
    p.add_argument("pdf", type=Path)
    add_output(p, "write the JSON here instead of printing it")
    p.set_defaults(func=_extract)

    p = g.add_parser("redact", help="redact spans from a PDF, scrub and verify it")
    p.add_argument("pdf", type=Path)
    p.add_argument("--spans", type=Path, required=True,
                   help='JSON list of spans: [{"page": 1, "text": "...", "type": "PERSON"}, ...]')
    add_output(p, "redacted PDF (default: <name>.redacted.pdf next to the input)")
    p.add_argument("--report", type=Path, help="also write the report (JSON, no PHI) here")
    p.add_argument("--style", choices=STYLES, default=DEFAULT_STYLE)
    p.add_argument("--images", choices=IMAGE_POLICIES, default=DEFAULT_IMAGES)
    p.set_defaults(func=_redact)

    p = g.add_parser("sample", help="write a synthetic clinical PDF and its ground-truth PHI spans")
    add_output(p, "the PDF to write (default: sample.pdf)", default=Path("sample.pdf"))
    p.add_argument("--spans-out", type=Path, help="ground-truth spans as JSON (default: <out>.spans.json)")
    p.add_argument("--pages", type=int, default=3)
    p.add_argument("--paragraphs", type=int, default=2, help="most paragraphs per section")
    p.add_argument("--templates", default="train", help="train, heldout, all or template names (comma-separated)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rotated", action="store_true", help="make the last page a landscape page stored rotated")
    p.add_argument("--one-column", action="store_true", help="no two-column page")
    p.set_defaults(func=_sample)

    p = group("bench").add_parser("redactor", help="pages/s for extraction and redaction of a generated document")
    p.add_argument("--pages", type=int, default=100)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--style", choices=STYLES, default=DEFAULT_STYLE)
    p.add_argument("--scanned-pages", type=int, default=4,
                   help="pages of the scanned copy (OCR, pixel redaction, pixel verification); 0 skips it")
    p.add_argument("--readme", action="store_true", help=f"also write the figures into {_README.name}")
    p.set_defaults(func=_bench)


def _refused(exc) -> int:
    print(f"veil redactor: {exc.code}: {exc.message}", file=sys.stderr)
    return 1


def _extract(args: argparse.Namespace) -> int:
    from services.redactor.errors import DocumentRejected
    from services.redactor.extract import extract

    try:
        document = extract(readable_file(args.pdf, "PDF").read_bytes())
    except DocumentRejected as exc:
        return _refused(exc)
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if args.output:
        args.output.write_text(text)
    else:
        print(text)
    return 0


def _redact(args: argparse.Namespace) -> int:
    from services.redactor.errors import DocumentRejected
    from services.redactor.redact import redact

    readable_file(args.pdf, "PDF")
    try:
        spans = json.loads(readable_file(args.spans, "spans file").read_text())
    except ValueError as exc:
        print(f"veil redactor: {args.spans} is not JSON: {exc}", file=sys.stderr)
        return 2
    try:
        out, report = redact(args.pdf.read_bytes(), spans, style=args.style, images=args.images)
    except DocumentRejected as exc:
        return _refused(exc)
    target = args.output or args.pdf.with_suffix(".redacted.pdf")
    target.write_bytes(out)
    if args.report:
        args.report.write_text(json.dumps(report, indent=2))
    print(f"{target}: {report['areas']} areas, {report['spans_not_found']} spans not found, "
          f"verified={str(report['verified']).lower()}")
    return 0 if report["verified"] else 3


def _sample(args: argparse.Namespace) -> int:
    from tools.synthetic import samples

    templates = args.templates.split(",") if "," in args.templates else args.templates
    try:
        doc = samples.generate(args.seed, pages=args.pages, paragraphs=args.paragraphs, templates=templates,
                               two_column=not args.one_column, rotated=args.rotated)
    except ValueError as exc:
        print(f"veil redactor: {exc}", file=sys.stderr)
        return 2
    args.output.write_bytes(doc.pdf)
    spans_out = args.spans_out or args.output.with_suffix(".spans.json")
    spans_out.write_text(json.dumps(doc.span_dicts(), indent=1))
    print(f"{args.output}: {doc.template} ({doc.family}), {doc.pages} pages, {len(doc.spans)} PHI spans in {spans_out}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from tools.redactor import bench

    text = bench.render(bench.run(pages=args.pages, repeat=args.repeat, seed=args.seed, style=args.style,
                                  scanned_pages=args.scanned_pages))
    print(text)
    if args.readme:
        bench.write_readme(_README, text)
        print(f"(written into {_README})")
    return 0
