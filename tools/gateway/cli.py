"""`veil deidentify`, `veil classify`, `veil eval` and `veil bench pipeline`: the gateway's commands.

`deidentify` and `classify` are clients of a running stack (`veil up`) through the caller
package (clients/python, `veil_client`); with --local, `deidentify` runs the whole pipeline in
this process. `eval` scores the pipeline on labelled PDFs (a held-out corpus it
can generate). `bench pipeline` times the naive and the default mode side by side.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tools.options import add_api_key, add_json, add_output, write_json


def register(sub, group) -> None:
    p = sub.add_parser("deidentify", help="de-identify PDFs (or --text) through the gateway (or in-process with --local)")
    p.add_argument("files", nargs="*", type=Path, help="PDF files")
    p.add_argument("--text", action="append", default=[], metavar="TEXT",
                   help="de-identify this text instead (repeatable; '-' reads one text from stdin); the answer, "
                        "with its entities, is printed as JSON")
    p.add_argument("--options", default=None, metavar="JSON",
                   help='request options as a JSON object, or @file: {"entities": [...], "score_threshold": 0.6, '
                        '"allow_list": [...], "deny_list": [...], "operators": {"PERSON": {"type": "label"}}}')
    add_output(p, "the redacted PDF (one input, a name ending in .pdf), or a folder for <name>-redacted.pdf and "
                  "<name>-report.json (default: <name>-redacted.pdf next to each input)", legacy=("--out-dir",))
    p.add_argument("--report", type=Path, help="report JSON (one input file; default: none)")
    p.add_argument("--local", action="store_true", help="run the pipeline in this process (no stack needed)")
    p.add_argument("--url", default=None, help="gateway URL (default: VEIL_GATEWAY_URL or http://127.0.0.1:8080)")
    add_api_key(p)
    p.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for each job (default 600)")
    p.set_defaults(func=_deidentify)

    p = sub.add_parser("classify", help="classify phrases with one of the classifier's heads, through the gateway")
    p.add_argument("model", help="the head, e.g. phi-type")
    p.add_argument("texts", nargs="*", help="phrases (none: one per line from stdin)")
    p.add_argument("--top-k", type=int, default=None, help="also list the k most likely labels of each phrase")
    p.add_argument("--url", default=None, help="gateway URL (default: VEIL_GATEWAY_URL or http://127.0.0.1:8080)")
    add_api_key(p)
    add_json(p, "the answer")
    p.set_defaults(func=_classify)

    p = sub.add_parser("eval", help="precision/recall/F1 per PHI type and redaction recall over labelled PDFs, "
                                    "recall/precision/F2 over anyone's gold (--gold), or a trained head under "
                                    "another split (--head)")
    p.add_argument("corpus", type=Path, nargs="?", help="folder of <name>.pdf + <name>.json (spans: text, type, page)")
    p.add_argument("--gold", type=Path, default=None, metavar="DIR",
                   help="score a folder of gold-annotated notes instead: PDFs or plain-text notes with i2b2/n2c2 "
                        "XML, BRAT .ann or Veil JSON gold; text notes are rendered to PDF first, and every "
                        "document is scored by re-extracting its redacted PDF")
    p.add_argument("--copies", default="born-digital", metavar="COPY[,COPY]",
                   help="with --gold: the forms each document is given in, comma-separated: born-digital (the PDF "
                        "itself; default), scanned (its pages as 200 dpi grey images, no text layer), ocr (the "
                        "scan with Tesseract's invisible text layer). Image copies are scored by OCR of the input "
                        "and the output (words OCR cannot read in the input are left out); with several, each "
                        "copy's recall minus the born-digital copy's is printed")
    p.add_argument("--safe-harbor-neutral", action="store_true",
                   help="with --gold: items Safe Harbor lets a document keep (states, countries, a year alone, "
                        "ages of 89 or less, professions) count neither as misses nor as false positives")
    p.add_argument("--workers", type=int, default=2, help="with --gold: documents in flight at once (default 2)")
    p.add_argument("--generate", type=int, metavar="N", default=0,
                   help="first write N labelled documents into the folder (held-out templates unless --templates)")
    p.add_argument("--templates", default="heldout", help="family for --generate: heldout (default), train, all")
    p.add_argument("--pages", type=int, default=3, help="pages per generated document (default 3)")
    p.add_argument("--seed", type=int, default=None,
                   help="first seed of the generated documents (default 1000); with --head: the split's seed "
                        "(default: the version's)")
    p.add_argument("--head", metavar="VERSION_DIR", default=None,
                   help="retrain this trained version (<root>/<region>/<model>/<version>) on its stored embeddings "
                        "under another split and print its weighted F1")
    p.add_argument("--group-by", default="template",
                   help="with --head: keep each value of this column in one part: template (default) or text")
    p.add_argument("--no-ml", action="store_true", help="with --head: skip the ML model")
    p.add_argument("--local", action="store_true", help="run the pipeline in this process")
    p.add_argument("--url", default=None, help="use this running gateway (default: start a stack for the run)")
    add_api_key(p, "API key for --url (default: VEIL_API_KEY)")
    add_json(p, "the scores")
    p.set_defaults(func=_eval)

    p = group("bench").add_parser("pipeline", help="naive vs default de-identification over ~9,000 paragraphs")
    p.add_argument("--paragraphs", type=int, default=9_000, help="corpus size in paragraphs (default 9000)")
    p.add_argument("--profile", nargs="?", const="", default=None, metavar="FILE",
                   help="write a cProfile file of the default run (default var/bench/pipeline-default.prof) "
                        "and print the ten most expensive functions; view it with snakeviz or tuna")
    p.add_argument("--document-workers", type=int, default=3,
                   help="documents processed at once in the default mode (default 3: one more than the "
                        "redactor's 2 workers, so the gateway's own work overlaps theirs)")
    p.add_argument("--skip-naive", action="store_true", help="run only the default mode (no ratio)")
    p.set_defaults(func=_bench)


# -- deidentify -------------------------------------------------------------------------------

def _outputs(args: argparse.Namespace, path: Path) -> tuple[Path, Path | None]:
    output = args.output
    into_folder = output is not None and (len(args.files) > 1 or output.is_dir() or output.suffix.lower() != ".pdf")
    if output is not None and not into_folder:
        return output, args.report
    folder = output or path.parent
    report = folder / f"{path.stem}-report.json" if (output or args.report) else None
    if len(args.files) == 1 and args.report:
        report = args.report
    return folder / f"{path.stem}-redacted.pdf", report


def _deidentify(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    options = _request_options(args.options)
    if args.text:
        if args.files or args.local:
            print("veil deidentify: --text goes to a running gateway on its own (no files, no --local)",
                  file=sys.stderr)
            return 2
        return _deidentify_texts(args, options)
    if not args.files:
        print("veil deidentify: name PDF files, or texts with --text", file=sys.stderr)
        return 2
    if len(args.files) > 1 and args.report:
        print("veil deidentify: --report names one file's report; with several files -o names a folder",
              file=sys.stderr)
        return 2
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        print(f"veil deidentify: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    run = _local_runner(options) if args.local else _remote_runner(args.url, args.api_key, args.timeout, options)
    if run is None:
        return 1
    failures = 0
    bar = tqdm(args.files, unit="file", disable=len(args.files) < 2, file=sys.stderr)
    for path in bar:
        out, report_path = _outputs(args, path)
        try:
            redacted, report = run(path.read_bytes())
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
            failures += 1
            tqdm.write(f"{path}: failed: {exc}", file=sys.stderr)
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(redacted)
        if report_path:
            report_path.write_text(json.dumps(report, indent=2))
        if len(args.files) == 1:
            risk = report.get("risk", {})
            print(f"{out}  ({risk.get('redacted_entities', 0)} entities redacted, risk {risk.get('level')}"
                  f"{', report ' + str(report_path) if report_path else ''})")
    if len(args.files) > 1:
        print(f"{len(args.files) - failures} of {len(args.files)} files de-identified")
    return 1 if failures else 0


def _request_options(raw: str | None) -> dict | None:
    """--options: a JSON object, or @file holding one; InputError (exit 2) otherwise."""
    from tools.options import InputError, readable_file

    if raw is None:
        return None
    text = readable_file(Path(raw[1:]), "options file").read_text() if raw.startswith("@") else raw
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InputError(f"--options is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise InputError("--options must be a JSON object")
    return value


def _deidentify_texts(args: argparse.Namespace, options: dict | None) -> int:
    from veil_client import VeilError

    from tools.commands.jobs import client_or_none, explain

    texts = [sys.stdin.read() if t == "-" else t for t in args.text]
    client = client_or_none(args.url, args.api_key, "deidentify")
    if client is None:
        return 1
    try:
        answer = client.deidentify_text(texts[0] if len(texts) == 1 else texts, options=options)
    except VeilError as exc:
        print(explain("deidentify", exc), file=sys.stderr)
        return 1
    print(json.dumps(answer, indent=2, ensure_ascii=False))
    return 0


def _classify(args: argparse.Namespace) -> int:
    from veil_client import VeilError

    from tools.commands.jobs import client_or_none, explain

    texts = args.texts or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    if not texts:
        print("veil classify: no phrases (give them as arguments or one per line on stdin)", file=sys.stderr)
        return 2
    client = client_or_none(args.url, args.api_key, "classify")
    if client is None:
        return 1
    try:
        answer = client.classify(args.model, texts, top_k=args.top_k)
    except VeilError as exc:
        print(explain("classify", exc), file=sys.stderr)
        return 1
    if args.json != "-":
        for text, p in zip(texts, answer["predictions"]):
            print(f"{p['label']:<16} {p['probability']:.3f}  {text}")
    write_json(args.json, answer)
    return 0


def _local_runner(options: dict | None = None):
    from services.gateway import settings
    from services.gateway.assembly import local_pipeline
    from veil import config
    from veil.contracts import DocumentRejected

    cfg = config.load(config.COMMON + settings.SETTINGS)
    try:
        pipeline = local_pipeline(cfg)
    except Exception as exc:  # noqa: BLE001 - a missing model is reported, not a traceback
        print(f"veil deidentify --local: cannot load the models: {exc}", file=sys.stderr)
        return None
    if options:
        from services.gateway import options as request_options
        from veil.web import Problem

        try:
            pipeline = request_options.for_pdf(pipeline, request_options.parse(options, pdf=True, where="/options"))
        except Problem as exc:
            print(f"veil deidentify --local: {exc.detail}", file=sys.stderr)
            return None

    def run(pdf: bytes) -> tuple[bytes, dict]:
        try:
            outcome = pipeline.run(pdf)
        except DocumentRejected as exc:
            raise RuntimeError(f"the document could not be processed: {exc}") from None
        if not outcome.report["verification"]["verified"]:
            raise RuntimeError("the redaction could not be verified; no output written")
        return outcome.pdf, outcome.report

    return run


def _remote_runner(url: str | None, key: str | None, timeout: float, options: dict | None = None):
    """Through the caller package: each upload carries an Idempotency-Key, so its retries make one job."""
    from veil_client import VeilError

    from tools.commands.jobs import client_or_none, explain

    client = client_or_none(url, key, "deidentify", timeout=120.0)
    if client is None:
        return None

    def run(pdf: bytes) -> tuple[bytes, dict]:
        try:
            result = client.deidentify_pdf(pdf, timeout=timeout, options=options)
        except VeilError as exc:
            raise RuntimeError(explain("deidentify", exc).removeprefix("veil deidentify: ")) from None
        return result.pdf, result.report

    return run


# -- eval ---------------------------------------------------------------------------------------

def _eval(args: argparse.Namespace) -> int:
    from tools.gateway import evaluate

    if args.head is not None:
        from tools.classifier.cli_training import evaluate_head

        return evaluate_head(args.head, group_by=args.group_by, seed=args.seed, no_ml=args.no_ml,
                             json_target=args.json)
    if args.seed is None:
        args.seed = 1000
    if args.gold is not None:
        return _eval_gold(args)
    if args.corpus is None:
        print("veil eval: name a corpus folder, or a gold folder with --gold DIR", file=sys.stderr)
        return 2
    if args.generate:
        written = evaluate.write_corpus(args.corpus, args.generate, seed=args.seed, templates=args.templates,
                                        pages=args.pages)
        print(f"wrote {len(written)} labelled documents ({args.templates} templates) to {args.corpus}")
    if not args.corpus.is_dir():
        print(f"veil eval: {args.corpus} is not a folder; create a corpus with --generate N", file=sys.stderr)
        return 2
    pairs = evaluate.corpus_files(args.corpus)
    if not pairs:
        print(f"veil eval: no <name>.pdf with <name>.json in {args.corpus}; create some with --generate N",
              file=sys.stderr)
        return 2
    if args.local:
        return _eval_with(_local_runner(), pairs, args)
    if args.url:
        return _eval_with(_remote_runner(args.url, args.api_key, 600.0), pairs, args)
    from tools.commands.stack import Stack

    print("starting the stack for the evaluation ...", file=sys.stderr, flush=True)
    with Stack() as stack:
        return _eval_with(_remote_runner(stack.url("gateway"), stack.api_key, 600.0), pairs, args)


def _eval_gold(args: argparse.Namespace) -> int:
    if not args.gold.exists():
        print(f"veil eval: no such gold folder or file: {args.gold}", file=sys.stderr)
        return 2
    if args.workers < 1:
        print("veil eval: --workers must be >= 1", file=sys.stderr)
        return 2
    copies = _copies(args.copies)
    if copies is None:
        return 2
    args.copies = copies
    if args.local:
        return _eval_gold_with(_local_runner(), args, workers=1)  # PyMuPDF in this process: one at a time
    if args.url:
        return _eval_gold_with(_remote_runner(args.url, args.api_key, 600.0), args, workers=args.workers)
    from tools.commands.stack import Stack

    print("starting the stack for the evaluation ...", file=sys.stderr, flush=True)
    with Stack() as stack:
        return _eval_gold_with(_remote_runner(stack.url("gateway"), stack.api_key, 600.0), args,
                               workers=args.workers)


def _copies(raw: str) -> list[str] | None:
    """--copies as a list of known copies in the order given, or None (said on stderr)."""
    from tools.evaluation import COPIES

    copies = list(dict.fromkeys(c.strip() for c in raw.split(",") if c.strip()))
    unknown = [c for c in copies if c not in COPIES]
    if unknown or not copies:
        print(f"veil eval: --copies takes {', '.join(COPIES)} (comma-separated), not {raw!r}", file=sys.stderr)
        return None
    return copies


def _eval_gold_with(run, args: argparse.Namespace, workers: int) -> int:
    from tools.evaluation import GoldFormatError, copies_to_json, evaluate_gold, format_copies, to_json

    if run is None:
        return 1
    start = time.perf_counter()
    results = {}
    try:
        for copy in args.copies:
            results[copy] = evaluate_gold(args.gold, run, safe_harbor_neutral=args.safe_harbor_neutral,
                                          workers=workers, copy=copy)
    except GoldFormatError as exc:
        print(f"veil eval: {exc}", file=sys.stderr)
        return 2
    print(format_copies(results))
    print(f"({time.perf_counter() - start:.0f}s)")
    # One copy keeps the JSON a single evaluation has always had.
    write_json(args.json, to_json(results[args.copies[0]]) if len(results) == 1 else copies_to_json(results))
    return 1 if any(r.errors for r in results.values()) else 0


def _eval_with(run, pairs: list[tuple[Path, Path]], args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from services.redactor.extract import extract
    from tools.gateway import evaluate

    if run is None:
        return 1
    total = evaluate.Scores()
    failed = 0
    start = time.perf_counter()
    for pdf_path, labels_path in tqdm(pairs, unit="doc", file=sys.stderr):
        pdf = pdf_path.read_bytes()
        spans = json.loads(labels_path.read_text())["spans"]
        try:
            redacted, report = run(pdf)
        except Exception as exc:  # noqa: BLE001 - scored as a document with nothing removed
            failed += 1
            tqdm.write(f"{pdf_path.name}: failed: {exc}", file=sys.stderr)
            redacted, report = pdf, {"entities": []}
        paragraphs = extract(pdf)["paragraphs"]
        total.add(evaluate.score_document(paragraphs, report["entities"], spans, evaluate.pdf_text(redacted)))
    print(evaluate.table(total))
    print(f"({len(pairs)} documents in {time.perf_counter() - start:.0f}s; {failed} failed)")
    write_json(args.json, total.as_dict())
    return 1 if failed else 0


# -- bench pipeline -------------------------------------------------------------------------------

def _bench(args: argparse.Namespace) -> int:
    from services.gateway import assembly, settings
    from tools.commands.stack import Stack
    from tools.gateway import bench
    from veil import config, gctune
    from veil.clients.classifier import ClassifierClient
    from veil.clients.redactor import RedactorClient
    from veil.paths import home

    if args.paragraphs < 1:
        print("veil bench pipeline: --paragraphs must be >= 1", file=sys.stderr)
        return 2
    cfg = config.load(config.COMMON + settings.SETTINGS)
    folder = home() / "bench"
    print(f"generating the corpus ({args.paragraphs:,} paragraphs) ...", flush=True)
    corpus = bench.corpus(args.paragraphs, folder / f"pipeline-corpus-{args.paragraphs}")
    ml_model = assembly.load_ml_model()
    ml = assembly.SklearnModel(ml_model) if ml_model is not None else None
    ml_weight = cfg.gateway_ml_weight if ml else 0.0
    print(f"ML model: {'phi-type-ml ' + ml_model.version if ml_model is not None else 'none (DL head only)'}")
    # This process runs the gateway's pipeline: with the gateway's collector settings (its gunicorn workers'
    # post_worker_init), not the interpreter's defaults.
    gctune.tune_for_throughput()
    profile_path = None
    if args.profile is not None:
        profile_path = Path(args.profile) if args.profile else folder / "pipeline-default.prof"
    logs_dir = folder / "pipeline-logs"

    def dl_of(stack: Stack):
        return assembly.ClassifierModel(ClassifierClient(stack.url("classifier"), timeout=120.0,
                                                       api_key=stack.classifier_key), cfg.gateway_phi_model)

    def tagger_of(stack: Stack):
        if not cfg.gateway_tagger_model:
            return None
        return assembly.ClassifierTagger(ClassifierClient(stack.url("classifier"), timeout=120.0,
                                                          api_key=stack.classifier_key), cfg.gateway_tagger_model)

    print(f"token tagger: {cfg.gateway_tagger_model or 'off (VEIL_GATEWAY_TAGGER_MODEL=off)'}")

    # This machine's speed drifts by tens of percent within minutes, and the naive run lasts minutes
    # while a default run lasts seconds: the default mode runs before, between the two halves of,
    # and after the naive run, and its median is compared with the naive run's total. Each default
    # run gets a fresh embedder and classifier (cold caches, its first request in the timing); the
    # naive mode's have their cache off. One redactor serves every run.
    default_runs: list[bench.RunResult] = []
    naive_parts: list[bench.RunResult] = []
    with Stack(services=("redactor",), log_dir=logs_dir / "redactor") as shared:
        redactor = RedactorClient(shared.url("redactor"))

        def default_run(profile: bool = False) -> None:
            number = len(default_runs) + 1
            with Stack(services=("embedder", "classifier"), log_dir=logs_dir / f"default-{number}") as stack:
                print(f"default mode, run {number} ...", flush=True)
                default_runs.append(bench.run_mode("default", corpus.pdfs, redactor, dl_of(stack), ml, ml_weight,
                                                   args.document_workers, tagger=tagger_of(stack)))
                print(f"  {default_runs[-1].seconds:.1f}s", flush=True)
                if profile and profile_path:
                    # A run of its own: the profiler's overhead stays out of the figures above.
                    print("default mode again, under cProfile ...", flush=True)
                    profiled = bench.run_mode("default", corpus.pdfs, redactor, dl_of(stack), ml, ml_weight,
                                              args.document_workers, profile_path, tagger=tagger_of(stack))
                    print(f"  {profiled.seconds:.1f}s (profiler overhead included; warm embedder cache)", flush=True)

        if args.skip_naive:
            default_run(profile=True)
        else:
            default_run()
            naive_env = {"embedder": {"VEIL_EMBEDDER_CACHE_MAXSIZE": "0"}}
            half = len(corpus.pdfs) // 2
            with Stack(services=("embedder", "classifier"), service_env=naive_env,
                       log_dir=logs_dir / "naive") as naive_stack:
                for number, part in enumerate((corpus.pdfs[:half], corpus.pdfs[half:]), start=1):
                    print(f"naive mode (one model call per paragraph, no cache), half {number} ...", flush=True)
                    naive_parts.append(bench.run_mode("naive", part, redactor, dl_of(naive_stack), ml, ml_weight, 1,
                                                      tagger=tagger_of(naive_stack)))
                    print(f"  {naive_parts[-1].seconds:.1f}s", flush=True)
                    if number == 1:
                        default_run()   # the naive stack idles meanwhile
            default_run(profile=True)
    results = {"default": bench.median_run(default_runs)}
    if naive_parts:
        results["naive"] = bench.combined(naive_parts)
    print()
    if "naive" in results:
        print(bench.side_by_side(corpus, results["naive"], results["default"], default_runs))
    else:
        d = results["default"]
        print(f"default: {d.seconds:.1f}s for {corpus.paragraphs:,} paragraphs "
              f"({corpus.paragraphs / d.seconds:.1f} paragraphs/s)")
    if profile_path:
        print(f"\nprofile of the default run: {profile_path} (snakeviz {profile_path})")
        print(bench.top_functions(profile_path))
    return 0
