"""`veil bench embedder`: the four figures of the embedder and their targets, printed side by side in one run.

1. raw in-process model throughput at the best batch size (the physical limit here);
2. service throughput on unique phrases, 16 concurrent clients (target >= 0.9 x figure 1);
3. p50/p99 latency of single-phrase calls that hit the cache (target p99 < 5 ms), idle and
   while the model is saturated by other callers;
4. a Zipf(s) stream over a pool of short phrases with the cache on: hit rate h and throughput
   (target throughput / figure 2 >= 0.8 / (1 - h)).

The server is the real one (`python -m services.embedder.server`) in a child process, so the
clients' Python never shares a GIL with it. Figure 1 runs first, in this process, before the
server starts, so the two never compete for the cores.
"""

from __future__ import annotations

import gc
import itertools
import json
import math
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

from services.embedder.phrases import DEFAULT_POOL_SIZE, DEFAULT_ZIPF_S, phrase_pool, zipf_stream

DEFAULT_BATCH_SIZES = (1, 8, 16, 32, 64, 128, 256)
DEFAULT_CLIENTS = 16
DEFAULT_TEXTS_PER_CALL = 8
DEFAULT_SECONDS = 10.0
DEFAULT_LATENCY_CALLS = 2000
# Closed-loop clients only keep (1 - h) of their texts in the model's queue; figure 4 scales
# the client count so the model sees about the miss concurrency of figure 2, up to this cap.
_MAX_ZIPF_CLIENTS = 96


@dataclass
class Figures:
    raw_by_batch: dict[int, float] = field(default_factory=dict)
    raw_best_batch: int = 0
    raw_best: float = 0.0
    service: float = 0.0
    service_single: float = 0.0
    hit_p50_ms: float = 0.0
    hit_p99_ms: float = 0.0
    hit_busy_p50_ms: float = 0.0
    hit_busy_p99_ms: float = 0.0
    zipf_clients: int = 0
    zipf_hit_rate: float = 0.0
    zipf_throughput: float = 0.0
    settings: dict = field(default_factory=dict)


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def raw_throughput(embed: Callable[[list[str]], object], phrases: Sequence[str], batch_sizes: Sequence[int],
                   seconds: float) -> dict[int, float]:
    """Phrases per second of the bare model at each batch size (after one warm-up call each)."""
    out: dict[int, float] = {}
    source = itertools.cycle(phrases)
    for size in batch_sizes:
        embed([next(source) for _ in range(size)])
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            embed([next(source) for _ in range(size)])
            done += size
        out[size] = done / (time.perf_counter() - start)
    return out


class _Feed:
    """Hands out calls' worth of texts to client threads; the texts in one call are distinct."""

    def __init__(self, stream: Iterator[str], per_call: int):
        self._stream = stream
        self._per_call = per_call
        self._lock = threading.Lock()

    def next_call(self) -> list[str] | None:
        with self._lock:
            chunk = list(itertools.islice(self._stream, self._per_call))
        return list(dict.fromkeys(chunk)) or None


def drive(client, feed: _Feed, clients: int, seconds: float) -> tuple[int, int, float]:
    """`clients` threads call Embed back to back for `seconds`; returns (texts, cache hits, elapsed)."""
    totals = [0, 0]
    lock = threading.Lock()
    stop_at = [0.0]
    barrier = threading.Barrier(clients + 1)

    def worker() -> None:
        texts = hits = 0
        barrier.wait()
        while time.perf_counter() < stop_at[0]:
            chunk = feed.next_call()
            if chunk is None:
                break
            res = client.embed(chunk)
            texts += len(chunk)
            hits += res.cache_hits
        with lock:
            totals[0] += texts
            totals[1] += hits

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    start = time.perf_counter()
    stop_at[0] = start + seconds
    barrier.wait()
    for t in threads:
        t.join()
    return totals[0], totals[1], time.perf_counter() - start


def hit_latencies(client, phrases: Sequence[str], calls: int) -> list[float]:
    client.embed(list(phrases))  # into the cache
    out = []
    for i in range(calls):
        text = phrases[i % len(phrases)]
        start = time.perf_counter()
        res = client.embed([text])
        out.append(time.perf_counter() - start)
        if res.cache_hits != 1:
            raise RuntimeError("a warmed phrase missed the cache; is the cache turned off?")
    return out


def estimate_hit_rate(pool: Sequence[str], s: float, maxsize: int, n: int) -> float:
    """The hit rate an LRU of `maxsize` would have on the first `n` texts of the Zipf stream."""
    from services.embedder.sizing import replay
    from services.embedder.texts import normalise

    keys = [normalise(t, True) for t in itertools.islice(zipf_stream(list(pool), max(n, 1000), s=s), n)]
    return replay(keys, maxsize)[0]


def run(model_handle: str = "", batch_sizes: Sequence[int] = DEFAULT_BATCH_SIZES, clients: int = DEFAULT_CLIENTS,
        per_call: int = DEFAULT_TEXTS_PER_CALL, seconds: float = DEFAULT_SECONDS, pool_size: int = DEFAULT_POOL_SIZE,
        zipf_s: float = DEFAULT_ZIPF_S, latency_calls: int = DEFAULT_LATENCY_CALLS, server_env: dict | None = None,
        log_path: Path | None = None, say: Callable[[str], None] = print, zipf_clients: int = 0) -> Figures:
    from services.embedder.launch import start_embedder
    from services.embedder.model import load_model
    from veil.clients.embedder import EmbedderClient

    fig = Figures()
    say(f"phrases: a pool of {pool_size:,} for the Zipf stream and unique ones for figures 1-2 (seeded)")
    zipf_pool = phrase_pool(pool_size, seed=1)
    unique = phrase_pool(100_000, seed=7, exclude=set(p.lower() for p in zipf_pool))

    say("figure 1: loading the model in-process")
    model = load_model(model_handle)
    fig.raw_by_batch = raw_throughput(model.embed, unique[:20_000], batch_sizes, min(seconds / 2, 5.0))
    fig.raw_best_batch, fig.raw_best = max(fig.raw_by_batch.items(), key=lambda kv: kv[1])
    for size, rate in fig.raw_by_batch.items():
        say(f"  batch {size:>4}: {rate:8.1f} phrases/s")
    del model
    gc.collect()

    env = {"VEIL_EMBEDDER_MODEL": model_handle, **(server_env or {})}
    say("starting the embedder server")
    proc, address = start_embedder(env=env, log_path=log_path)
    try:
        client = EmbedderClient(address, timeout=60.0)
        fig.settings = client.info()
        fresh = iter(unique[20_000:])
        say(f"figure 2: {clients} clients x {per_call} unique phrases per call for {seconds:.0f}s")
        texts, _, elapsed = drive(client, _Feed(fresh, per_call), clients, seconds)
        fig.service = texts / elapsed
        say(f"  {fig.service:.1f} phrases/s")
        say(f"figure 2b: {clients} clients x 1 unique phrase per call for {seconds / 2:.0f}s")
        texts, _, elapsed = drive(client, _Feed(fresh, 1), clients, seconds / 2)
        fig.service_single = texts / elapsed
        say(f"  {fig.service_single:.1f} phrases/s")

        say(f"figure 3: {latency_calls} single-phrase cache hits, one client")
        lat = hit_latencies(client, zipf_pool[:100], latency_calls)
        fig.hit_p50_ms, fig.hit_p99_ms = _percentile(lat, 50) * 1e3, _percentile(lat, 99) * 1e3
        say(f"  p50 {fig.hit_p50_ms:.2f} ms, p99 {fig.hit_p99_ms:.2f} ms")
        say(f"figure 3b: the same while {clients} other clients keep the model busy")
        busy: list[float] = []
        loader = threading.Thread(target=drive, args=(client, _Feed(fresh, per_call), clients, seconds / 2),
                                  daemon=True)
        loader.start()
        time.sleep(0.5)
        while loader.is_alive() and len(busy) < latency_calls:
            busy.extend(hit_latencies(client, zipf_pool[:100], 50))
        loader.join()
        fig.hit_busy_p50_ms, fig.hit_busy_p99_ms = _percentile(busy, 50) * 1e3, _percentile(busy, 99) * 1e3
        say(f"  p50 {fig.hit_busy_p50_ms:.2f} ms, p99 {fig.hit_busy_p99_ms:.2f} ms ({len(busy)} calls)")

        maxsize = fig.settings["cache"]["maxsize"]
        h_est = estimate_hit_rate(zipf_pool, zipf_s, maxsize, int(fig.service * seconds * 3))
        fig.zipf_clients = zipf_clients or min(_MAX_ZIPF_CLIENTS, math.ceil(clients / max(0.05, 1 - h_est)))
        say(f"figure 4: Zipf s={zipf_s} over {pool_size:,} phrases, {fig.zipf_clients} clients x {per_call} per call, "
            f"{seconds:.0f}s, cache from cold")
        say(f"  (an LRU replay of the stream predicts h = {h_est:.2f}; {fig.zipf_clients} clients keep about as many "
            f"misses in flight as figure 2's {clients})")
        # The 100 warmed phrases are part of the pool: start the Zipf run from an empty cache.
        proc.stop()
        proc, address = start_embedder(env=env, log_path=log_path)
        client = EmbedderClient(address, timeout=60.0)
        stream = zipf_stream(zipf_pool, 5_000_000, s=zipf_s)
        texts, hits, elapsed = drive(client, _Feed(stream, per_call), fig.zipf_clients, seconds)
        fig.zipf_hit_rate = hits / texts
        fig.zipf_throughput = texts / elapsed
        say(f"  h = {fig.zipf_hit_rate:.3f}, {fig.zipf_throughput:.1f} phrases/s")
    finally:
        proc.stop()
    return fig


def report(fig: Figures, per_call: int, clients: int, zipf_s: float, pool_size: int) -> str:
    s = fig.settings
    ratio2 = fig.service / fig.raw_best if fig.raw_best else 0.0
    ratio4 = fig.zipf_throughput / fig.service if fig.service else 0.0
    allowed = 0.8 / (1 - fig.zipf_hit_rate) if fig.zipf_hit_rate < 1 else float("inf")

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    lines = [
        f"embedder benchmark: model {s.get('model_name')} {s.get('model_version')}, max batch "
        f"{s.get('max_batch_size')}, max wait {s.get('max_wait_ms')} ms, "
        f"cache maxsize {s.get('cache', {}).get('maxsize')}",
        "",
        f"1. raw model, in-process, best batch ({fig.raw_best_batch}):        {fig.raw_best:9.1f} phrases/s",
        f"2. service, {clients} clients x {per_call} unique phrases/call:    {fig.service:9.1f} phrases/s"
        f"   = {ratio2:.2f} x fig 1 (target >= 0.90) {verdict(ratio2 >= 0.9)}",
        f"   (2b. same, 1 phrase per call:                    {fig.service_single:9.1f} phrases/s"
        f"   = {fig.service_single / fig.raw_best if fig.raw_best else 0:.2f} x fig 1)",
        f"3. cache-hit latency, single phrase, idle:        p50 {fig.hit_p50_ms:6.2f} ms  p99 {fig.hit_p99_ms:6.2f} ms"
        f"   (target p99 < 5 ms) {verdict(fig.hit_p99_ms < 5)}",
        f"   (3b. same, model saturated by {clients} clients:    p50 {fig.hit_busy_p50_ms:6.2f} ms  "
        f"p99 {fig.hit_busy_p99_ms:6.2f} ms)",
        f"4. Zipf s={zipf_s} over {pool_size:,}, {fig.zipf_clients} clients, cache on: h = {fig.zipf_hit_rate:.3f}  "
        f"{fig.zipf_throughput:9.1f} phrases/s",
        f"   throughput / fig 2 = {ratio4:.2f}; target >= 0.8 / (1 - h) = {allowed:.2f} {verdict(ratio4 >= allowed)}",
    ]
    return "\n".join(lines)


def write_json(fig: Figures, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**asdict(fig), "raw_by_batch": {str(k): v for k, v in fig.raw_by_batch.items()},
                                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, indent=2))



def sweep_wait(model_handle: str, waits: Sequence[float], seconds: float, clients: int = 4, calls: int = 300,
               log_path: Path | None = None, say: Callable[[str], None] = print) -> list[tuple[float, float, float]]:
    """For each max wait: p50 latency of lone single-phrase misses, and throughput of a few single-phrase clients.

    Under heavy load batches fill while the model is busy, whatever the wait; the wait only
    matters when the model is idle or lightly used, so that is what this measures.
    """
    from services.embedder.launch import start_embedder
    from veil.clients.embedder import EmbedderClient

    unique = iter(phrase_pool(100_000, seed=11))
    rows = []
    for wait in waits:
        proc, address = start_embedder(env={"VEIL_EMBEDDER_MODEL": model_handle,
                                            "VEIL_EMBEDDER_MAX_WAIT_MS": str(wait)}, log_path=log_path)
        try:
            client = EmbedderClient(address, timeout=60.0)
            client.embed([next(unique)])
            lat = []
            for _ in range(calls):
                start = time.perf_counter()
                client.embed([next(unique)])
                lat.append(time.perf_counter() - start)
            texts, _, elapsed = drive(client, _Feed(unique, 1), clients, seconds)
        finally:
            proc.stop()
        rows.append((wait, _percentile(lat, 50) * 1e3, texts / elapsed))
        say(f"  max wait {wait:5.1f} ms: lone miss p50 {rows[-1][1]:6.2f} ms, "
            f"{clients} single-phrase clients {rows[-1][2]:7.1f} phrases/s")
    return rows
