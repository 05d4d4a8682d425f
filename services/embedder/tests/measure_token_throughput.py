"""Measures EmbedTokens throughput: tokens/s for clinical paragraphs through the service vs the model in-process.

    .venv/bin/python -m services.embedder.tests.measure_token_throughput [--paragraphs 500] [--rounds 3]

The service is the real server in a child process (services.embedder.launch, default
settings), driven by 4 client threads with EmbedderClient; the in-process figure runs the
same model on the same kind of paragraphs in batches of 64 texts, as the server's batcher
would. The two take turns for a few rounds, each round on fresh paragraphs (so the service
never answers from its cache), so a change in what else runs on the machine hits both alike.
A script rather than a CLI command or a test: it takes minutes and reports a figure, it
asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time

_CLIENTS = 4
_PER_CALL = 8  # paragraphs per EmbedTokens call of each client
_BATCH = 64  # texts per in-process model call: VEIL_EMBEDDER_MAX_BATCH_SIZE's default


def _in_process(model, texts: list[str]) -> tuple[int, float]:
    start = time.perf_counter()
    tokens = 0
    for i in range(0, len(texts), _BATCH):
        tokens += sum(len(t.starts) for t in model.embed_tokens(texts[i:i + _BATCH], max_windows=_BATCH))
    return tokens, time.perf_counter() - start


def _service(address: str, texts: list[str]) -> tuple[int, float]:
    from veil.clients.embedder import EmbedderClient

    calls = [texts[i:i + _PER_CALL] for i in range(0, len(texts), _PER_CALL)]
    lock = threading.Lock()
    counts: list[int] = []
    errors: list[BaseException] = []
    client = EmbedderClient(address, timeout=300)

    def worker() -> None:
        while True:
            with lock:
                if not calls:
                    return
                chunk = calls.pop()
            try:
                n = sum(len(r) for r in client.embed_tokens(chunk))
            except BaseException as exc:  # noqa: BLE001 - reported after the run
                errors.append(exc)
                return
            with lock:
                counts.append(n)

    threads = [threading.Thread(target=worker) for _ in range(_CLIENTS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    client.close()
    if errors:
        raise errors[0]
    return sum(counts), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    from services.embedder.export import build_default_model
    from services.embedder.launch import start_embedder
    from services.embedder.model import load_model
    from services.embedder.tests.paragraphs import paragraphs

    build_default_model()
    model = load_model()
    proc, address = start_embedder()
    try:
        warm = paragraphs(16, seed=10_000)
        _in_process(model, warm)
        _service(address, warm)
        words = chars = 0
        local: list[float] = []
        remote: list[float] = []
        for r in range(args.rounds):
            # Fresh paragraphs per round and per side: no cache hits anywhere.
            a = paragraphs(args.paragraphs, seed=2 * r + 1)
            b = paragraphs(args.paragraphs, seed=2 * r + 2)
            words += sum(len(p.split()) for p in a)
            chars += sum(len(p) for p in a)
            tokens, seconds = _in_process(model, a)
            local.append(tokens / seconds)
            print(f"round {r + 1}: in-process {tokens:,} tokens in {seconds:.1f}s = {tokens / seconds:,.0f} tokens/s",
                  flush=True)
            tokens, seconds = _service(address, b)
            remote.append(tokens / seconds)
            print(f"round {r + 1}: service, {_CLIENTS} clients x {_PER_CALL} paragraphs per call: {tokens:,} tokens "
                  f"in {seconds:.1f}s = {tokens / seconds:,.0f} tokens/s", flush=True)
    finally:
        proc.stop()
    n = args.paragraphs * args.rounds
    print(f"\n{args.paragraphs} paragraphs per run, {words / n:.0f} words and {chars / n:.0f} characters each "
          f"(model {model.name} {model.version})")
    print(f"in-process model, batches of {_BATCH}:            median {statistics.median(local):,.0f} tokens/s "
          f"(rounds: {', '.join(f'{x:,.0f}' for x in local)})")
    print(f"service, {_CLIENTS} concurrent clients (EmbedTokens):   median {statistics.median(remote):,.0f} tokens/s "
          f"(rounds: {', '.join(f'{x:,.0f}' for x in remote)})")
    print(f"service / in-process: {statistics.median(remote) / statistics.median(local):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
