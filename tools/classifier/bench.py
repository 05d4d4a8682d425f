"""`veil bench classifier`: throughput and p50/p95/p99 latency of predict calls, batch sizes 1 and 32, side by side.

Everything is real and started as in production: the embedder (`python -m services.embedder.server`,
default model) and the classifier (`gunicorn -c services/classifier/gunicorn.conf.py ...`) run as
child processes; client threads in this process send POST /v1/models/{name}/predict over
keep-alive HTTP connections. Each batch size is measured twice: with texts the embedder has
never seen (every text is a cache miss, the worst case) and with texts from a small, already
warm pool (the repetitive traffic the service mostly gets). Inference records go to a scratch
SQLite store, as they would on a single machine.
"""

from __future__ import annotations

import itertools
import json
import secrets
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import requests

DEFAULT_BATCH_SIZES = (1, 32)
DEFAULT_CLIENTS = 8
DEFAULT_SECONDS = 10.0
DEFAULT_WARMUP_SECONDS = 2.0
_REPEATED_POOL = 256
README_START = "<!-- BENCH:START -->"
README_END = "<!-- BENCH:END -->"


@dataclass
class Row:
    batch: int
    texts: str  # "unique" or "repeated"
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def texts_per_s(self) -> float:
        return self.rps * self.batch


@dataclass
class Result:
    rows: list[Row] = field(default_factory=list)
    setup: dict = field(default_factory=dict)


class _Texts:
    """Thread-safe text source: never-seen phrases, or phrases from a warm pool."""

    def __init__(self, base: Sequence[str], unique: bool, seed: int):
        self._base = list(base)
        self._unique = unique
        self._counter = itertools.count()
        self._rng = np.random.default_rng(seed)
        self._lock = threading.Lock()

    def take(self, n: int) -> list[str]:
        with self._lock:
            if not self._unique:
                return [self._base[i] for i in self._rng.integers(0, len(self._base), n)]
            out = []
            for _ in range(n):
                i = next(self._counter)
                round_, k = divmod(i, len(self._base))
                # Past the first round a counter makes the phrase a new cache key (still ~5 words).
                out.append(self._base[k] if round_ == 0 else f"{self._base[k]} {round_}")
            return out


def _percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else 0.0


def drive(url: str, texts: _Texts, batch: int, clients: int, seconds: float,
          warmup: float = DEFAULT_WARMUP_SECONDS, headers: dict[str, str] | None = None) -> Row:
    """`clients` threads call predict back to back; latencies after the warm-up are kept."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    start_at = time.perf_counter() + warmup
    stop_at = start_at + seconds

    def client(k: int) -> None:
        session = requests.Session()
        session.headers.update(headers or {})
        while True:
            body = {"texts": texts.take(batch)}
            t0 = time.perf_counter()
            if t0 >= stop_at:
                break
            try:
                resp = session.post(url, json=body, timeout=60)
                ok = resp.status_code == 200
            except requests.RequestException:
                ok = False
            t1 = time.perf_counter()
            if t0 >= start_at:
                if ok:
                    latencies[k].append(t1 - t0)
                else:
                    errors[k] += 1
        session.close()

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flat = [x for per in latencies for x in per]
    return Row(batch=batch, texts="unique" if texts._unique else "repeated", requests=len(flat),
               errors=sum(errors), seconds=seconds, p50_ms=_percentile(flat, 50) * 1000,
               p95_ms=_percentile(flat, 95) * 1000, p99_ms=_percentile(flat, 99) * 1000)


def run(*, batch_sizes: Sequence[int] = DEFAULT_BATCH_SIZES, clients: int = DEFAULT_CLIENTS,
        seconds: float = DEFAULT_SECONDS, workers: int | None = None, threads: int | None = None,
        embedder_address: str | None = None, registry_root: Path | None = None, model: str = "phi-type",
        work_dir: Path | None = None, say: Callable[[str], None] = print) -> Result:
    from services.classifier import settings
    from services.embedder.launch import start_embedder
    from tools.synthetic import tiny_head
    from tools.synthetic.phrases import phrase_pool
    from veil.clients.embedder import EmbedderClient
    from veil.procs import ManagedProcess, free_port, http_ready
    from veil.services import SERVICES

    defaults = settings.load({})
    workers = workers or defaults.classifier_workers
    threads = threads or defaults.classifier_threads
    work_dir = Path(work_dir or tempfile.mkdtemp(prefix="veil-bench-classifier-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    result = Result()
    embedder_proc = None
    classifier = None
    try:
        if not embedder_address:
            say("starting the embedder (default model)...")
            embedder_proc, embedder_address = start_embedder(log_path=work_dir / "embedder.log")
        with EmbedderClient(embedder_address) as client:
            info = client.info()
            if registry_root is None:
                say("training a small phi-type head on the embedder's vectors...")
                registry_root = work_dir / "registry"
                tiny_head.publish_tiny(client, registry_root, name=model)
        port = free_port()
        key = secrets.token_urlsafe(18)
        auth = {"Authorization": f"Bearer {key}"}
        env = {"VEIL_CLASSIFIER_HOST": "127.0.0.1", "VEIL_CLASSIFIER_PORT": str(port),
               "VEIL_CLASSIFIER_WORKERS": str(workers), "VEIL_CLASSIFIER_THREADS": str(threads),
               "VEIL_EMBEDDER_ADDRESS": embedder_address, "VEIL_MODEL_REGISTRY": str(registry_root),
               "VEIL_HOME": str(work_dir / "home"), "VEIL_DATABASE_URL": "", "VEIL_LOG_LEVEL": "WARNING",
               "TF_CPP_MIN_LOG_LEVEL": "2",
               # A key, as in production: the figures include checking it.
               "VEIL_CLASSIFIER_API_KEYS": f"bench:{key}"}
        say(f"starting the classifier under gunicorn ({workers} workers x {threads} threads)...")
        classifier = ManagedProcess("classifier", SERVICES["classifier"].local_argv(), env=env,
                                    log_path=work_dir / "classifier.log")
        classifier.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        classifier.start()
        base = f"http://127.0.0.1:{port}"
        classifier.wait_ready(http_ready(base + "/readyz"), timeout=300, interval=0.5)
        version = requests.get(f"{base}/v1/models", headers=auth, timeout=10).json()["models"]
        version = next((m.get("active_version") for m in version if m["name"] == model), None)
        url = f"{base}/v1/models/{model}/predict"

        pool = phrase_pool(6000, seed=11)
        repeated = pool[:_REPEATED_POOL]
        fresh = pool[_REPEATED_POOL:]
        # Warm the embedder's cache with the repeated pool, so those rows measure cache hits.
        for i in range(0, len(repeated), 64):
            requests.post(url, json={"texts": repeated[i:i + 64]}, headers=auth, timeout=60).raise_for_status()
        result.setup = {"workers": workers, "threads": threads, "clients": clients, "seconds": seconds,
                        "embedder_model": info["model_name"], "embedder_version": info["model_version"],
                        "model": model, "model_version": version, "cpus": _cpus(),
                        # Other work on the machine shows in every figure; say how much there was.
                        "load_average": round(_load_average(), 1)}
        say(header(result.setup))
        for batch in batch_sizes:
            for unique in (True, False):
                texts = _Texts(fresh if unique else repeated, unique, seed=batch)
                row = drive(url, texts, batch, clients, seconds, headers=auth)
                result.rows.append(row)
                say(format_row(row))
    finally:
        if classifier is not None:
            classifier.stop()
        if embedder_proc is not None:
            embedder_proc.stop()
    return result


def _load_average() -> float:
    import os

    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 0)


_COLUMNS = "| batch | texts | requests | errors | req/s | texts/s | p50 ms | p95 ms | p99 ms |"


def header(setup: dict) -> str:
    return (f"veil bench classifier: gunicorn {setup['workers']} workers x {setup['threads']} threads, "
            f"{setup['clients']} client threads, {setup['seconds']:.0f} s per row, {setup['cpus']} CPUs shared by "
            f"clients, classifier and embedder (1-min load average at start: {setup.get('load_average', 0):.1f})\n"
            f"embedder {setup['embedder_model']} {setup['embedder_version']}, "
            f"head {setup['model']} {setup['model_version']}\n\n{_COLUMNS}\n|---|---|---|---|---|---|---|---|---|")


def format_row(row: Row) -> str:
    return (f"| {row.batch} | {row.texts} | {row.requests} | {row.errors} | {row.rps:.1f} | {row.texts_per_s:.1f} "
            f"| {row.p50_ms:.1f} | {row.p95_ms:.1f} | {row.p99_ms:.1f} |")


def ratios(result: Result) -> str:
    """The comparisons the table is for, as ratios of its own rows."""
    by = {(r.batch, r.texts): r for r in result.rows}
    lines = []
    sizes = sorted({r.batch for r in result.rows})
    if len(sizes) >= 2:
        lo, hi = sizes[0], sizes[-1]
        for kind in ("unique", "repeated"):
            a, b = by.get((lo, kind)), by.get((hi, kind))
            if a and b and a.texts_per_s:
                lines.append(f"texts/s, batch {hi} vs batch {lo} ({kind} texts): x{b.texts_per_s / a.texts_per_s:.1f}")
    for batch in sizes:
        u, r = by.get((batch, "unique")), by.get((batch, "repeated"))
        if u and r and u.texts_per_s:
            lines.append(f"texts/s, repeated vs unique texts (batch {batch}): x{r.texts_per_s / u.texts_per_s:.1f}")
    return "\n".join(lines)


def report(result: Result) -> str:
    body = "\n".join(format_row(r) for r in result.rows)
    return f"{header(result.setup)}\n{body}\n\n{ratios(result)}"


def write_readme(readme: Path, text: str) -> None:
    """Replaces the figures between the README's BENCH markers."""
    content = readme.read_text(encoding="utf-8")
    start, end = content.find(README_START), content.find(README_END)
    if start < 0 or end < start:
        raise ValueError(f"{readme} has no {README_START} ... {README_END} section")
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    block = f"{README_START}\nFigures as printed by `veil bench classifier` on {stamp}:\n\n```\n{text}\n```\n"
    readme.write_text(content[:start] + block + content[end:], encoding="utf-8")


def as_dict(result: Result) -> dict:
    rows = [{**asdict(r), "rps": r.rps, "texts_per_s": r.texts_per_s} for r in result.rows]
    return {"setup": result.setup, "rows": rows}


def write_json(result: Result, path: Path) -> None:
    path.write_text(json.dumps(as_dict(result), indent=2) + "\n", encoding="utf-8")
