"""Veil's side: the whole stack started cold on 127.0.0.1, the PDFs sent through the gateway's public API.

The stack (`tools.commands.stack.Stack`: embedder, classifier, redactor, gateway, each with its
production command) is fresh processes with empty caches. The gateway runs with its own
defaults for document work (VEIL_GATEWAY_WORKERS processes x VEIL_GATEWAY_WORKER_THREADS job
threads: two documents at a time), not the single job thread `veil up` uses on a laptop, and the
client keeps `in_flight` documents submitted at once, so the queue never runs dry. Each
document is POST /v1/deidentify, GET /v1/jobs/{id} every `poll` seconds until it ends, then
the document and the report: what any caller does. The timing runs from the first submit to
the last result; the stack's start-up is timed on its own.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from tools.peers.corpus import Outcome

POLL_S = 0.1


@dataclass
class VeilRun:
    outcomes: list[Outcome]
    startup_seconds: float
    intervals: list[tuple[float, float]]        # (submitted, result received) per document, perf_counter
    in_flight: int
    gateway_env: dict[str, str] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)   # head name -> "version" or why it is not served


def gateway_env() -> dict[str, str]:
    """The gateway's production defaults for document work (the Stack lowers them for laptops)."""
    from services.gateway import settings

    return {"VEIL_GATEWAY_WORKERS": str(settings.DEFAULT_WORKERS),
            "VEIL_GATEWAY_WORKER_THREADS": str(settings.DEFAULT_WORKER_THREADS)}


def _heads(classifier_url: str, api_key: str = "") -> dict[str, str]:
    """The phrase head and the tagger head the gateway uses, as the classifier serves them."""
    from services.gateway import settings
    from veil import config
    from veil.clients.classifier import ClassifierClient

    cfg = config.load(config.COMMON + settings.SETTINGS)
    wanted = [m for m in (cfg.gateway_phi_model, cfg.gateway_tagger_model) if m]
    try:
        listed = {m["name"]: m for m in ClassifierClient(classifier_url, api_key=api_key).models().get("models", [])}
    except Exception as exc:  # noqa: BLE001 - only a note in the output
        return {name: f"unknown ({exc})" for name in wanted}
    out = {}
    for name in wanted:
        entry = listed.get(name)
        if entry is None:
            out[name] = "not trained on this machine (skipped by the gateway)"
        elif entry.get("status") == "serving":
            out[name] = f"version {entry.get('active_version')}"
        else:
            out[name] = f"not serving: {entry.get('error', entry.get('status'))}"
    return out


def _deidentify(client, pdf: bytes, poll: float, timeout: float) -> tuple[Outcome, float, float]:
    from veil.clients.gateway import JobFailed

    start = time.perf_counter()
    try:
        job_id = client.submit(pdf)["job_id"]
        deadline = time.monotonic() + timeout
        while True:
            job = client.job(job_id)
            if job["status"] in ("succeeded", "failed"):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job['status']} after {timeout:.0f}s")
            time.sleep(poll)
        if job["status"] != "succeeded":
            raise JobFailed(job)
        outcome: Outcome = (client.document(job_id), client.report(job_id))
    except Exception as exc:  # noqa: BLE001 - scored as a failed document, the others go on
        outcome = exc
    return outcome, start, time.perf_counter()


def run_veil(pdfs: Sequence[bytes], *, in_flight: int, log_dir: Path, poll: float = POLL_S,
             timeout: float = 600.0, say: Callable[[str], None] = print) -> VeilRun:
    """Starts the stack, de-identifies `pdfs` through the gateway, stops the stack.
    Raises RuntimeError or TimeoutError when the stack cannot start."""
    from tools.commands.stack import Stack
    from veil.clients.gateway import GatewayClient

    env = gateway_env()
    stack = Stack(service_env={"gateway": env}, log_dir=log_dir)
    began = time.perf_counter()
    stack.start(on_ready=lambda service, seconds: say(f"  {service:<10} ready in {seconds:5.1f}s"))
    startup = time.perf_counter() - began
    try:
        models = _heads(stack.url("classifier"), stack.api_key)
        client = GatewayClient(stack.url("gateway"), stack.api_key, timeout=120.0)
        say(f"Veil: stack ready in {startup:.1f}s; {len(pdfs)} documents, {in_flight} in flight ...")
        with ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="veil-peers") as pool:
            done = list(pool.map(lambda pdf: _deidentify(client, pdf, poll, timeout), pdfs))
    finally:
        stack.stop()
    return VeilRun(outcomes=[o for o, _, _ in done], startup_seconds=startup,
                   intervals=[(s, e) for _, s, e in done], in_flight=in_flight, gateway_env=env, models=models)
