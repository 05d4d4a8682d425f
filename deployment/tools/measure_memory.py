"""Measures each service's memory under a small load, started as its image starts it.

RSS of gunicorn's master and workers, or of the embedder.

    .venv/bin/python deployment/tools/measure_memory.py [--classifier-workers 3] [--requests 200]

Each target's CMD, VEIL_* ENV and HEALTHCHECK come from deployment/Dockerfile (see
deployment/tools/images.py); servers bind 127.0.0.1 on free ports and are stopped by pid.
The embedder embeds batches of unique phrases, the classifier (with a small head trained on
the embedder's vectors) answers predict calls, the redactor extracts a generated 100-page clinical
PDF, the gateway is measured idle. It prints one line per service and the task memory the
Terraform defaults should have: the measured RSS plus a quarter, rounded up to 512 MiB.
The figures are the basis of the `memory` defaults in deployment/terraform/variables.tf.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import images  # noqa: E402  (deployment/tools/images.py)

HEADROOM = 1.25
STEP_MIB = 512


def tree_rss_mib(pid: int) -> tuple[int, list[int]]:
    """(total, per process) resident memory of a process and its children, in MiB."""
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout.split()
    per = []
    for p in [pid, *map(int, children)]:
        try:
            with open(f"/proc/{p}/status") as f:
                per += [int(line.split()[1]) // 1024 for line in f if line.startswith("VmRSS:")]
        except FileNotFoundError:
            pass
    return sum(per), per


def suggested(total_mib: int) -> int:
    return int(math.ceil(total_mib * HEADROOM / STEP_MIB) * STEP_MIB)


def report(name: str, workers: str, pid: int) -> None:
    total, per = tree_rss_mib(pid)
    print(f"{name:<11} workers={workers:<3} rss={total:>5} MiB  per process={per}  "
          f"task memory >= {suggested(total)} MiB", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classifier-workers", default="3")
    parser.add_argument("--classifier-threads", default="2")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)

    import requests

    from services.embedder.export import build_default_model
    from services.embedder.model import default_model_path
    from tools.synthetic import samples, tiny_head
    from veil.clients.embedder import EmbedderClient
    from veil.procs import free_port

    dockerfile = images.load()
    home = Path(tempfile.mkdtemp(prefix="veil-memory-"))
    build_default_model()
    env = images.image_env(dockerfile, "embedder", home / "embedder", VEIL_EMBEDDER_MODEL=str(default_model_path()),
                           VEIL_EMBEDDER_METRICS_PORT=str(free_port()))
    embedder = images.start_image(dockerfile, "embedder", env, home / "embedder.log")
    try:
        address = f"127.0.0.1:{env['VEIL_EMBEDDER_PORT']}"
        with EmbedderClient(address, timeout=120) as client:
            for i in range(args.requests // 4):
                client.embed([f"patient {i} phrase {j} seen at clinic {i * j}" for j in range(64)])
            tiny_head.publish_tiny(client, home / "registry")
        report("embedder", "-", embedder.pid)

        env = images.image_env(dockerfile, "classifier", home / "classifier", VEIL_EMBEDDER_ADDRESS=address,
                               VEIL_CLASSIFIER_WORKERS=args.classifier_workers,
                               VEIL_CLASSIFIER_THREADS=args.classifier_threads,
                               VEIL_MODEL_REGISTRY=str(home / "registry"),
                               VEIL_CLASSIFIER_ALLOW_UNAUTHENTICATED="1")
        proc = images.start_image(dockerfile, "classifier", env, home / "classifier.log")
        try:
            base = f"http://127.0.0.1:{env['VEIL_CLASSIFIER_PORT']}"
            deadline = time.monotonic() + 120
            while requests.get(base + "/readyz", timeout=5).status_code != 200 and time.monotonic() < deadline:
                time.sleep(1)
            for i in range(args.requests):
                requests.post(base + "/v1/models/phi-type/predict",
                              json={"texts": [f"Maria Gonzalez {i}", "chest pain", f"MRN {i:08d}"]},
                              timeout=30).raise_for_status()
            report("classifier", args.classifier_workers, proc.pid)
        finally:
            proc.stop(30)

        env = images.image_env(dockerfile, "redactor", home / "redactor")
        proc = images.start_image(dockerfile, "redactor", env, home / "redactor.log")
        try:
            pdf = samples.clinical_note_pdf(pages=100)
            for _ in range(max(1, args.requests // 20)):
                requests.post(f"http://127.0.0.1:{env['VEIL_REDACTOR_PORT']}/v1/extract", data=pdf,
                              headers={"Content-Type": "application/pdf"}, timeout=120).raise_for_status()
            report("redactor", env["VEIL_REDACTOR_WORKERS"], proc.pid)
        finally:
            proc.stop(30)

        env = images.image_env(dockerfile, "gateway", home / "gateway", VEIL_API_KEYS="team-a:k1")
        proc = images.start_image(dockerfile, "gateway", env, home / "gateway.log")
        try:
            report("gateway", env["VEIL_GATEWAY_WORKERS"], proc.pid)
        finally:
            proc.stop(30)
    finally:
        embedder.stop(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
