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

import itertools
import json
import math
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

from tools.synthetic.phrases import DEFAULT_POOL_SIZE, DEFAULT_ZIPF_S, phrase_pool, zipf_stream

DEFAULT_BATCH_SIZES = (1, 8, 16, 32, 64, 128, 256)
DEFAULT_CLIENTS = 16
DEFAULT_TEXTS_PER_CALL = 8
DEFAULT_SECONDS = 15.0
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
    hit_server_p99_ms: float = 0.0
    hit_slow_clusters: str = ""
    hit_busy_p50_ms: float = 0.0
    hit_busy_p99_ms: float = 0.0
    zipf_clients: int = 0
    service_batches: str = ""
    zipf_batches: str = ""
    zipf_hit_rate: float = 0.0
    zipf_throughput: float = 0.0
    settings: dict = field(default_factory=dict)
    max_batch_tokens: int = 0


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def raw_throughput(embed: Callable[[list[str]], object], phrases: Sequence[str], batch_sizes: Sequence[int],
                   seconds: float, rounds: int = 3) -> dict[int, float]:
    """Phrases per second of the bare model at each batch size (after one warm-up call each).

    The sizes take turns over several rounds, so a change in what else runs on the machine
    affects them all alike instead of whichever size happened to run at that moment.
    """
    done = dict.fromkeys(batch_sizes, 0)
    spent = dict.fromkeys(batch_sizes, 0.0)
    source = itertools.cycle(phrases)
    for size in batch_sizes:
        embed([next(source) for _ in range(size)])
    for _ in range(rounds):
        for size in batch_sizes:
            start = time.perf_counter()
            while time.perf_counter() - start < seconds / rounds:
                embed([next(source) for _ in range(size)])
                done[size] += size
            spent[size] += time.perf_counter() - start
    return {size: done[size] / spent[size] for size in batch_sizes}


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


def drive(client, feed: _Feed, clients: int, seconds: float, warmup: float | None = None) -> tuple[int, int, float]:
    """`clients` threads call Embed back to back; returns (texts, cache hits, seconds measured).

    Only calls that complete inside a window of `seconds` count, after `warmup` seconds of the
    same load and before the clients stop, so neither the ramp-up nor the drain at the end
    (when fewer calls are in flight) is measured. If the feed runs dry, the window ends there.
    """
    warmup = min(1.0, seconds / 5) if warmup is None else warmup
    totals = [0, 0]
    last_done = [0.0]
    dry = threading.Event()
    lock = threading.Lock()
    window = [0.0, 0.0]
    barrier = threading.Barrier(clients + 1)

    def worker() -> None:
        texts = hits = 0
        latest = 0.0
        barrier.wait()
        while time.perf_counter() < window[1]:
            chunk = feed.next_call()
            if chunk is None:
                dry.set()
                break
            res = client.embed(chunk)
            done = time.perf_counter()
            if window[0] <= done <= window[1]:
                texts += len(chunk)
                hits += res.cache_hits
                latest = max(latest, done)
        with lock:
            totals[0] += texts
            totals[1] += hits
            last_done[0] = max(last_done[0], latest)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    start = time.perf_counter()
    window[:] = [start + warmup, start + warmup + seconds]
    barrier.wait()
    for t in threads:
        t.join()
    measured = (last_done[0] - window[0]) if dry.is_set() else seconds
    return totals[0], totals[1], max(measured, 1e-9)


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
    from services.embedder.texts import normalise
    from tools.embedder.sizing import replay

    keys = [normalise(t, True) for t in itertools.islice(zipf_stream(list(pool), max(n, 1000), s=s), n)]
    return replay(keys, maxsize)[0]


def run(model_handle: str = "", batch_sizes: Sequence[int] = DEFAULT_BATCH_SIZES, clients: int = DEFAULT_CLIENTS,
        per_call: int = DEFAULT_TEXTS_PER_CALL, seconds: float = DEFAULT_SECONDS, pool_size: int = DEFAULT_POOL_SIZE,
        zipf_s: float = DEFAULT_ZIPF_S, latency_calls: int = DEFAULT_LATENCY_CALLS, server_env: dict | None = None,
        log_path: Path | None = None, say: Callable[[str], None] = print, zipf_clients: int = 0,
        rounds: int = 3, precision: str = "float32") -> Figures:
    """All figures in one run. Figures 1, 2 and 4 take turns in `rounds` slices, so a change in
    what else runs on the machine affects all three alike and their ratios compare like with like."""
    from services.embedder.launch import start_embedder
    from services.embedder.model import load_model
    from veil import gctune
    from veil.clients.embedder import EmbedderClient
    from veil.procs import free_port

    fig = Figures()
    say(f"phrases: a pool of {pool_size:,} for the Zipf stream and unique ones for the other figures (seeded)")
    zipf_pool = phrase_pool(pool_size, seed=1)
    unique = phrase_pool(100_000, seed=7, exclude=set(p.lower() for p in zipf_pool))
    warm, raw_texts, fresh = unique[:100], unique[100:20_000], iter(unique[20_000:])

    say("figure 1: the model in-process, batch sizes taking turns")
    model = load_model(model_handle, precision=precision)
    raw_seconds = min(seconds / 2, 5.0)
    fig.raw_by_batch = raw_throughput(model.embed, raw_texts, batch_sizes, raw_seconds / 2)
    # The best batch the service could form: figure 2's clients never have more texts in flight.
    reachable = {k: v for k, v in fig.raw_by_batch.items() if k <= clients * per_call} or fig.raw_by_batch
    fig.raw_best_batch = max(reachable.items(), key=lambda kv: kv[1])[0]
    for size, rate in fig.raw_by_batch.items():
        say(f"  batch {size:>4}: {rate:8.1f} phrases/s")

    env = {"VEIL_EMBEDDER_MODEL": model_handle, "VEIL_EMBEDDER_PRECISION": precision, **(server_env or {})}
    # The service runs at the batch size figure 1 found best (unless told otherwise), so figure 2
    # compares the service with the model at the same batch; a token budget, if given, is raised
    # to hold such a batch of these phrases.
    env.setdefault("VEIL_EMBEDDER_MAX_BATCH_SIZE", str(fig.raw_best_batch))
    if env.get("VEIL_EMBEDDER_MAX_BATCH_TOKENS"):
        from services.embedder.service import estimated_tokens

        batch = int(env["VEIL_EMBEDDER_MAX_BATCH_SIZE"])
        need = math.ceil(batch * sum(estimated_tokens(t) + 2 for t in raw_texts[:1000]) / 1000)
        env["VEIL_EMBEDDER_MAX_BATCH_TOKENS"] = str(max(int(env["VEIL_EMBEDDER_MAX_BATCH_TOKENS"]), need))
        fig.max_batch_tokens = int(env["VEIL_EMBEDDER_MAX_BATCH_TOKENS"])
    say("starting two embedder servers: A for figures 2-3, B (cache cold) for figure 4")
    ports = free_port(), free_port()
    proc_a, address_a = start_embedder(env={**env, "VEIL_EMBEDDER_METRICS_PORT": str(ports[0])}, log_path=log_path)
    proc_b = None
    try:
        proc_b, address_b = start_embedder(env={**env, "VEIL_EMBEDDER_METRICS_PORT": str(ports[1])},
                                           log_path=log_path)
        a, b = EmbedderClient(address_a, timeout=60.0), EmbedderClient(address_b, timeout=60.0)
        fig.settings = a.info()
        # Figure 4 passes about twice figure 1's rate through the cache in `seconds`.
        expected = int(fig.raw_by_batch[fig.raw_best_batch] * seconds * 2)
        h_est = estimate_hit_rate(zipf_pool, zipf_s, fig.settings["cache"]["maxsize"], expected)
        fig.zipf_clients = zipf_clients or min(_MAX_ZIPF_CLIENTS, math.ceil(clients / max(0.05, 1 - h_est)))
        say(f"figures 1, 2 and 4 in {rounds} rounds of {seconds / rounds:.1f}s each:")
        say(f"  2: {clients} clients x {per_call} unique phrases per call (server A)")
        say(f"  4: Zipf s={zipf_s} over {pool_size:,} phrases, {fig.zipf_clients} clients x {per_call} per call "
            f"(server B); an LRU replay of the stream predicts h = {h_est:.2f}, and {fig.zipf_clients} clients keep "
            f"about as many misses in flight as figure 2's {clients}")
        fresh_feed = _Feed(fresh, per_call)
        zipf_feed = _Feed(zipf_stream(zipf_pool, 5_000_000, s=zipf_s), per_call)
        raw = [0.0, 0.0]
        svc = [0, 0.0]
        zipf = [0, 0, 0.0]
        stats_a, stats_b = _BatchStats(ports[0]), _BatchStats(ports[1])
        for _ in range(rounds):
            rate = raw_throughput(model.embed, raw_texts, [fig.raw_best_batch], raw_seconds / rounds, rounds=1)
            raw[0] += rate[fig.raw_best_batch] * raw_seconds / rounds
            raw[1] += raw_seconds / rounds
            stats_a.start()
            texts, _, elapsed = drive(a, fresh_feed, clients, seconds / rounds)
            stats_a.stop()
            svc[0] += texts
            svc[1] += elapsed
            stats_b.start()
            texts, hits, elapsed = drive(b, zipf_feed, fig.zipf_clients, seconds / rounds)
            stats_b.stop()
            zipf[0] += texts
            zipf[1] += hits
            zipf[2] += elapsed
        fig.raw_best = raw[0] / raw[1]
        fig.service = svc[0] / svc[1]
        fig.zipf_hit_rate = zipf[1] / zipf[0]
        fig.zipf_throughput = zipf[0] / zipf[2]
        fig.service_batches, fig.zipf_batches = stats_a.summary(), stats_b.summary()
        say(f"  1: {fig.raw_best:.1f} phrases/s at batch {fig.raw_best_batch}")
        say(f"  2: {fig.service:.1f} phrases/s ({fig.service_batches})")
        say(f"  4: h = {fig.zipf_hit_rate:.3f}, {fig.zipf_throughput:.1f} phrases/s ({fig.zipf_batches})")
        del model
        # This process imported TensorFlow for figure 1; a light client would not have. Freezing
        # what is left keeps full garbage collections (~0.2 s here) out of the latencies below.
        gctune.freeze_loaded()

        say(f"figure 2b: {clients} clients x 1 unique phrase per call for {seconds / 2:.0f}s (server A)")
        texts, _, elapsed = drive(a, _Feed(fresh, 1), clients, seconds / 2)
        fig.service_single = texts / elapsed
        say(f"  {fig.service_single:.1f} phrases/s")

        say(f"figure 3: {latency_calls} single-phrase cache hits, one client (server A)")
        a.embed(warm)
        before = _server_latency_buckets(ports[0])
        lat = hit_latencies(a, warm, latency_calls)
        fig.hit_server_p99_ms = _bucket_percentile(before, _server_latency_buckets(ports[0]), 99) * 1e3
        fig.hit_p50_ms, fig.hit_p99_ms = _percentile(lat, 50) * 1e3, _percentile(lat, 99) * 1e3
        fig.hit_slow_clusters = _clusters(lat, 0.005)
        say(f"  p50 {fig.hit_p50_ms:.2f} ms, p99 {fig.hit_p99_ms:.2f} ms; inside the server 99% took "
            f"<= {fig.hit_server_p99_ms:g} ms (veil_embedder_call_seconds)")
        say(f"figure 3b: the same while {clients} other clients keep the model busy")
        busy: list[float] = []
        loader = threading.Thread(target=drive, args=(a, _Feed(fresh, per_call), clients, seconds / 2), daemon=True)
        loader.start()
        time.sleep(0.5)
        while loader.is_alive() and len(busy) < latency_calls:
            busy.extend(hit_latencies(a, warm, 50))
        loader.join()
        fig.hit_busy_p50_ms, fig.hit_busy_p99_ms = _percentile(busy, 50) * 1e3, _percentile(busy, 99) * 1e3
        say(f"  p50 {fig.hit_busy_p50_ms:.2f} ms, p99 {fig.hit_busy_p99_ms:.2f} ms ({len(busy)} calls)")
    finally:
        proc_a.stop()
        if proc_b is not None:
            proc_b.stop()
    return fig


def _server_latency_buckets(metrics_port: int) -> dict[float, float]:
    """Cumulative counts of the server's Embed latency histogram, by upper bound in seconds."""
    import requests

    out = {}
    for line in requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text.splitlines():
        if line.startswith("veil_embedder_call_seconds_bucket{") and 'method="Embed"' in line:
            le = line.split('le="', 1)[1].split('"', 1)[0]
            out[float("inf") if le == "+Inf" else float(le)] = float(line.rsplit(" ", 1)[1])
    return out


def _bucket_percentile(before: dict[float, float], after: dict[float, float], q: float) -> float:
    """The smallest histogram bound that holds q% of the calls made between two readings."""
    deltas = sorted((le, after[le] - before.get(le, 0.0)) for le in after)
    total = deltas[-1][1] if deltas else 0.0
    for le, count in deltas:
        if total and count >= total * q / 100:
            return le
    return float("inf")


def _clusters(latencies: Sequence[float], threshold: float) -> str:
    """How the calls over `threshold` are spread: runs of neighbours point at the machine, not the code."""
    slow = [i for i, x in enumerate(latencies) if x > threshold]
    runs = sum(1 for j, i in enumerate(slow) if j == 0 or i - slow[j - 1] > 20)
    return f"{len(slow)} calls over {threshold * 1e3:g} ms, in {runs} burst(s)"


class _BatchStats:
    """Model batches a server ran between start() and stop() (warm-up and drain included), from its /metrics."""

    def __init__(self, metrics_port: int):
        self._url = f"http://127.0.0.1:{metrics_port}/metrics"
        self.batches = self.texts = self.model_seconds = self.wall_seconds = 0.0
        self._at_start = (0.0, 0.0, 0.0)
        self._started = 0.0

    def _read(self) -> tuple[float, float, float]:
        import requests

        values = {}
        for line in requests.get(self._url, timeout=5).text.splitlines():
            name, _, value = line.partition(" ")
            if name in ("veil_embedder_batch_size_count", "veil_embedder_batch_size_sum",
                        "veil_embedder_inference_seconds_sum"):
                values[name] = float(value)
        return (values.get("veil_embedder_batch_size_count", 0.0), values.get("veil_embedder_batch_size_sum", 0.0),
                values.get("veil_embedder_inference_seconds_sum", 0.0))

    def start(self) -> None:
        self._at_start = self._read()
        self._started = time.perf_counter()

    def stop(self) -> None:
        self.wall_seconds += time.perf_counter() - self._started
        now = self._read()
        self.batches += now[0] - self._at_start[0]
        self.texts += now[1] - self._at_start[1]
        self.model_seconds += now[2] - self._at_start[2]

    def summary(self) -> str:
        mean = self.texts / self.batches if self.batches else 0.0
        busy = self.model_seconds / self.wall_seconds if self.wall_seconds else 0.0
        return f"{int(self.texts):,} texts through the model in {int(self.batches):,} batches, mean {mean:.1f}; " \
               f"model busy {busy:.0%} of the time"


def report(fig: Figures, per_call: int, clients: int, zipf_s: float, pool_size: int) -> str:
    s = fig.settings
    ratio2 = fig.service / fig.raw_best if fig.raw_best else 0.0
    ratio2b = fig.service_single / fig.raw_best if fig.raw_best else 0.0
    ratio4 = fig.zipf_throughput / fig.service if fig.service else 0.0
    allowed = 0.8 / (1 - fig.zipf_hit_rate) if fig.zipf_hit_rate < 1 else float("inf")

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    lines = [
        f"embedder benchmark: model {s.get('model_name')} {s.get('model_version')}, max batch "
        f"{s.get('max_batch_size')} texts / {s.get('max_batch_tokens') or fig.max_batch_tokens or '-'} tokens, max wait "
        f"{s.get('max_wait_ms')} ms, "
        f"cache maxsize {s.get('cache', {}).get('maxsize')}",
        "",
        f"1. raw model, in-process, best batch ({fig.raw_best_batch}):        {fig.raw_best:9.1f} phrases/s",
        f"2. service, {clients} clients x {per_call} unique phrases/call:    {fig.service:9.1f} phrases/s"
        f"   = {ratio2:.2f} x fig 1 (target >= 0.95) {verdict(ratio2 >= 0.95)}",
        f"2b. same, 1 phrase per call:                      {fig.service_single:9.1f} phrases/s"
        f"   = {ratio2b:.2f} x fig 1 (target >= 0.70) {verdict(ratio2b >= 0.7)}",
        f"3. cache-hit latency, single phrase, idle:        p50 {fig.hit_p50_ms:6.2f} ms  p99 {fig.hit_p99_ms:6.2f} ms"
        f"   (target p99 < 5 ms) {verdict(fig.hit_p99_ms < 5)}",
        f"   (inside the server: 99% within {fig.hit_server_p99_ms:g} ms; {fig.hit_slow_clusters})",
        f"   (3b. same, model saturated by {clients} clients:    p50 {fig.hit_busy_p50_ms:6.2f} ms  "
        f"p99 {fig.hit_busy_p99_ms:6.2f} ms)",
        f"4. Zipf s={zipf_s} over {pool_size:,}, {fig.zipf_clients} clients, cache on: h = {fig.zipf_hit_rate:.3f}  "
        f"{fig.zipf_throughput:9.1f} phrases/s",
        f"   throughput / fig 2 = {ratio4:.2f}; target >= 0.8 / (1 - h) = {allowed:.2f} {verdict(ratio4 >= allowed)}",
    ]
    return "\n".join(lines)


def as_dict(fig: Figures) -> dict:
    return {**asdict(fig), "raw_by_batch": {str(k): v for k, v in fig.raw_by_batch.items()},
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def write_json(fig: Figures, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(as_dict(fig), indent=2))



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
