"""`veil demo`: the README's run command: the stack on the embedded default, one sample PDF de-identified.

Steps: the default embedding model is built if this machine has none; the phi-type head and
the phi-tagger token head are trained with the training pipeline if the registry lacks them
(each printing how long it took); the stack starts (SQLite under VEIL_HOME, every service on
127.0.0.1); a generated clinical PDF goes through the public API as any caller's would; the
paths of the redacted PDF and the report are printed; the stack stops.

The tagger is optional to the gateway (it de-identifies without it), so a tagger that cannot be
trained is reported and the demo goes on; a phi-type head that cannot be trained stops it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from tools.options import add_output
from veil.paths import REPO_ROOT, home

PHI_MODEL = "phi-type"
TAGGER_MODEL = "phi-tagger"


def register(sub, group) -> None:
    p = sub.add_parser("demo", help="start the stack on the embedded default and de-identify a sample PDF")
    p.add_argument("--pdf", type=Path, default=None, help="de-identify this PDF instead of a generated sample")
    add_output(p, "folder the results go to (default: VEIL_HOME/demo)", legacy=("--out-dir",))
    p.add_argument("--seed", type=int, default=7, help="seed of the generated sample (default 7)")
    p.set_defaults(func=_demo)


def _say(message: str) -> None:
    print(f"veil demo: {message}", flush=True)


def _has_head(name: str = PHI_MODEL) -> bool:
    from services.classifier import registry

    root = registry.default_root()
    try:
        return bool(registry.versions(root, name))
    except (registry.RegistryError, LookupError, OSError):
        return False


def _train_head(embedder_address: str, name: str = PHI_MODEL, what: str = "head") -> bool:
    """Seeds `name`'s dataset and trains it with the training pipeline; True when a head was published."""
    veil = [sys.executable, "-m", "tools.cli"]
    _say(f"no {name} {what} in the registry: training one with the training pipeline (a few minutes, once)")
    start = time.perf_counter()
    seed = subprocess.run(veil + ["data", "seed", "--dataset", name], cwd=REPO_ROOT)
    if seed.returncode != 0:
        _say("could not seed the training data (the training pipeline reads it from PostgreSQL, "
             "VEIL_TRAINING_DATABASE_URL); see the message above")
        return False
    train = subprocess.run(veil + ["train", name, "--embedder", embedder_address], cwd=REPO_ROOT)
    ok = train.returncode == 0 and _has_head(name)
    _say(f"{name}: seeding and training took {_duration(time.perf_counter() - start)}"
         + ("" if ok else " and failed; see the output above"))
    return ok


def _duration(seconds: float) -> str:
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def _demo(args: argparse.Namespace) -> int:
    from services.embedder.export import build_default_model
    from tools.commands.stack import Stack
    from veil.clients.gateway import GatewayClient, JobFailed

    out_dir = args.output or home() / "demo"
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.pdf is not None and not args.pdf.is_file():
        print(f"veil demo: no such file: {args.pdf}", file=sys.stderr)
        return 2
    _say(f"state in {home()} (SQLite job store, model registry, logs)")
    build_default_model()
    logs = home() / "logs"
    with Stack(services=("embedder",), log_dir=logs) as embedder:
        _say(f"embedder ready at {embedder.embedder_address}")
        if not _has_head() and not _train_head(embedder.embedder_address):
            print("veil demo: no phi-type head could be trained; see the training output above", file=sys.stderr)
            return 1
        if not _has_head(TAGGER_MODEL) and not _train_head(embedder.embedder_address, TAGGER_MODEL, "token head"):
            _say(f"no {TAGGER_MODEL} token head could be trained (see above); the gateway de-identifies "
                 "without it")
        rest = Stack(services=("classifier", "redactor", "gateway"), log_dir=logs,
                     env={"VEIL_EMBEDDER_ADDRESS": embedder.embedder_address})
        with rest.start(on_ready=lambda s, t: _say(f"{s} ready in {t:.1f}s")):
            if args.pdf is not None:
                pdf, name = args.pdf.read_bytes(), args.pdf.stem
            else:
                from tools.synthetic import samples

                sample = samples.generate(args.seed, pages=3, templates="train")
                pdf, name = sample.pdf, f"sample-{sample.template}"
            source = out_dir / f"{name}.pdf"
            if args.pdf is None:
                source.write_bytes(pdf)
            client = GatewayClient(rest.url("gateway"), rest.api_key)
            start = time.perf_counter()
            job_id = client.submit(pdf)["job_id"]
            _say(f"submitted {source} as job {job_id}")
            job = client.wait(job_id, timeout=600)
            if job["status"] != "succeeded":
                print(f"veil demo: the job failed: {JobFailed(job)}", file=sys.stderr)
                return 1
            redacted_path = out_dir / f"{name}-redacted.pdf"
            report_path = out_dir / f"{name}-report.json"
            redacted_path.write_bytes(client.document(job_id))
            report = client.report(job_id)
            report_path.write_text(json.dumps(report, indent=2))
    risk = report["risk"]
    counts = ", ".join(f"{t} {n}" for t, n in report["counts"].items() if n)
    _say(f"job {job_id} succeeded in {time.perf_counter() - start:.1f}s")
    print(f"  input:        {source}")
    print(f"  redacted PDF: {redacted_path}")
    print(f"  report:       {report_path}")
    print(f"  redacted {risk['redacted_entities']} entities ({counts}); residual risk {risk['residual_risk']} "
          f"({risk['level']}); verified: {report['verification']['verified']}")
    print("  stage timings (s): " + ", ".join(f"{k} {v:.2f}" for k, v in report["timings"].items()))
    return 0
