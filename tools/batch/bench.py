"""`veil bench batch`: documents per minute of a batch with 1 and 2 local Dask workers, side by side, same documents.

The documents are seeded sample clinical PDFs (tools.synthetic.samples), generated once
under <VEIL_HOME>/bench/batch/. The models are the real ones: the embedder (started here,
or the one at VEIL_EMBEDDER_ADDRESS) and the active phi-type head of the registry, or a
small head trained and published here when the registry has none (said so in the output).
Start-up (cluster, models loaded in every worker) is timed apart from the processing it
enables, because a long batch pays it once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

_log = logging.getLogger(__name__)

DEFAULT_DOCUMENTS = 32
DEFAULT_PAGES = 2
DEFAULT_WORKERS = (1, 2)
DEFAULT_GROUP_SIZE = 8
DEFAULT_REPEAT = 3
_SEED = 5000


def corpus_folder(documents: int, pages: int, index: int = 0) -> Path:
    """Folder `index` of `documents` seeded sample PDFs (each folder its own seeds), generated once and reused."""
    from veil.paths import home

    folder = home() / "bench" / "batch" / f"input-{documents}x{pages}-{index}"
    if len(list(folder.glob("*.pdf"))) == documents:
        return folder
    from tools.synthetic import samples

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".input-", dir=folder.parent))
    seed = _SEED + index * documents
    for i, doc in enumerate(samples.corpus(documents, seed=seed, templates="all", pages=pages)):
        (tmp / f"doc-{i:04d}.pdf").write_bytes(doc.pdf)
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    return folder


def _reachable(address: str) -> bool:
    from veil.clients.embedder import EmbedderClient, EmbedderError

    if not address:
        return False
    try:
        EmbedderClient(address, timeout=5.0).info()
    except EmbedderError:
        return False
    return True


@contextlib.contextmanager
def own_embedder() -> Iterator[str]:
    """A real embedder (default model) of the benchmark's own; stopped on the way out."""
    from services.embedder.export import build_default_model
    from services.embedder.launch import start_embedder
    from veil.paths import home

    build_default_model()
    proc, address = start_embedder(log_path=home() / "bench" / "batch" / "embedder.log")
    try:
        yield address
    finally:
        proc.stop()


def model_roots(embedder_address: str | None) -> tuple[str, str, str]:
    """(registry root, ML-model root, note): the registry's active phi-type head, or small models trained here."""
    from services.classifier import ml_model, registry
    from veil.clients.embedder import EmbedderClient
    from veil.paths import home

    root, ml_root = registry.default_root(), ml_model.default_root()
    active = registry.active_version(root, "phi-type") if (root / "phi-type").is_dir() else None
    if active is not None:
        return str(root), str(ml_root), f"the active phi-type head of {root} (version {active})"
    with contextlib.ExitStack() as stack:
        address = embedder_address or stack.enter_context(own_embedder())
        root, ml_root = _publish_small_models(EmbedderClient(address), home() / "bench" / "batch" / "models")
    return str(root), str(ml_root), "a small phi-type head and ML model trained here (the registry has none)"


def _publish_small_models(embedder: Any, folder: Path) -> tuple[Path, Path]:
    from services.classifier import ml_model
    from tools.synthetic import tiny_head

    root, ml_root = folder / "registry", folder / "ml-models"
    shutil.rmtree(folder, ignore_errors=True)
    tiny_head.publish_tiny(embedder, root)
    texts, labels = tiny_head.phrases()
    ml_model.publish(ml_model.train(texts, labels, tiny_head.LABELS), "v1", ml_root)
    return root, ml_root


def run(documents: int = DEFAULT_DOCUMENTS, pages: int = DEFAULT_PAGES, workers: Sequence[int] = DEFAULT_WORKERS,
        group_size: int = DEFAULT_GROUP_SIZE, repeat: int = DEFAULT_REPEAT) -> dict[str, Any]:
    """Runs a batch `repeat` times per worker count, alternating, on clusters started once; returns the figures.

    What a long batch sees is new documents and an embedder whose cache holds the phrases
    that recur across documents (section names, findings) but not the names, dates and
    numbers of the new ones. So an untimed pass over a corpus of its own warms the cache
    first, and every timed run then gets documents no run has seen (same size, pages and
    template mix, other seeds). Runs alternate between worker counts (1, 2, 2, 1, ...) so a
    change in the load of this shared machine weighs on both.
    """
    from dataclasses import replace
    from statistics import median

    from services.batch.cluster import ClusterOptions, connect
    from services.batch.runner import BatchOptions, run_batch, warm_up_workers, worker_spec

    order = [n for rep in range(repeat) for n in (workers if rep % 2 == 0 else list(reversed(workers)))]
    folders = [corpus_folder(documents, pages, i) for i in range(len(order) + 1)]
    external = os.environ.get("VEIL_EMBEDDER_ADDRESS", "")
    external = external if _reachable(external) else ""
    options = BatchOptions(group_size=group_size, progress=False)
    load = _load()
    with contextlib.ExitStack() as stack:
        address = external or stack.enter_context(own_embedder())
        root, ml_root, head_note = model_roots(address)
        spec = replace(worker_spec(options), embedder_address=address, registry_root=root, ml_root=ml_root)
        clusters, startup = {}, {}
        for n in workers:
            clock = time.perf_counter()
            clusters[n] = stack.enter_context(connect(ClusterOptions(workers=n, dashboard_address="")))
            warm_up_workers(clusters[n].client, spec)
            startup[n] = time.perf_counter() - clock

        def one(n: int, folder: Path) -> dict[str, Any]:
            with tempfile.TemporaryDirectory(prefix="veil-bench-batch-") as out:
                return run_batch(folder, out, options, spec=spec, connection=clusters[n])

        one(max(workers), folders[0])
        results: dict[int, list[dict[str, Any]]] = {n: [] for n in workers}
        for n, folder in zip(order, folders[1:]):
            results[n].append(one(n, folder))
    runs = []
    for n in workers:
        per_minute = [r["run"]["documents_per_minute"] or 0.0 for r in results[n]]
        runs.append({"workers": n, "startup_seconds": round(startup[n], 2),
                     "documents_per_minute": round(median(per_minute), 2),
                     "documents_per_minute_each": per_minute,
                     "processing_seconds": round(median(r["run"]["seconds"] for r in results[n]), 2),
                     "done": sum(r["documents"]["done"] for r in results[n]),
                     "failed": sum(r["documents"]["failed"] for r in results[n]),
                     "group_size": results[n][0]["run"]["group_size"]})
    base = runs[0]["documents_per_minute"]
    for entry in runs:
        entry["speed_up"] = round(entry["documents_per_minute"] / base, 2) if base else None
    embedder_note = f"the embedder at {external}" if external else "a real embedder started here"
    return {"documents": documents, "pages": pages, "repeat": repeat, "cores": os.cpu_count(),
            "load_average": load, "note": f"models: {head_note}; {embedder_note}, cache warmed by an untimed pass; "
                                          "every run on documents no run has seen", "runs": runs}


def _load() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:  # pragma: no cover - not on Linux/macOS
        return None


def table(figures: dict[str, Any]) -> str:
    """The figures side by side, one column per worker count (medians of the repeated runs)."""
    runs = figures["runs"]
    head = (f"veil bench batch: {figures['documents']} documents x {figures['pages']} pages, local Dask cluster "
            f"on this machine ({figures['cores']} cores; load average at start {figures['load_average']}); "
            f"median of {figures['repeat']} run(s) each, alternating")
    width = 16
    rows = [("", [f"{r['workers']} worker" + ("s" if r["workers"] > 1 else "") for r in runs]),
            ("documents per minute", [f"{r['documents_per_minute']:.1f}" for r in runs]),
            ("speed-up", [f"{r['speed_up']:.2f}x" if r["speed_up"] else "-" for r in runs]),
            ("each run (docs/min)", [" ".join(f"{v:.0f}" for v in r["documents_per_minute_each"]) for r in runs]),
            ("processing (s)", [f"{r['processing_seconds']:.1f}" for r in runs]),
            ("start-up: cluster + models (s)", [f"{r['startup_seconds']:.1f}" for r in runs]),
            ("documents done / failed (all runs)", [f"{r['done']} / {r['failed']}" for r in runs]),
            ("documents per work unit", [f"{r['group_size']}" for r in runs])]
    label = max(len(name) for name, _ in rows) + 2
    width = max(width, *(len(v) + 2 for _, values in rows for v in values))
    lines = [head, figures["note"]]
    lines += [name.ljust(label) + "".join(v.rjust(width) for v in values) for name, values in rows]
    return "\n".join(lines)
