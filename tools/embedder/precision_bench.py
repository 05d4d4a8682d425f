"""The float32 model and its reduced-precision variant side by side, in one process: speed and fidelity.

The machine's speed drifts by tens of percent within minutes while other jobs run, so the two
models never run in separate phases: each measurement alternates one call of float32 and one of
the variant on the same batch, and each model's figure is its fastest call (best of N, as
`timeit` does: other jobs only ever make a call slower, so the fastest is the one they
disturbed least; medians moved by 2x between runs here). The speed-up is the ratio of those,
per text kind and batch; the headline one is the geometric mean of the phrase and paragraph
speed-ups at the variant's best batch of each.

The paragraph rows also choose the token budget of a sentence batch
(VEIL_EMBEDDER_MAX_BATCH_TOKENS): the batch of paragraphs, in estimated tokens, at which the
variant's throughput stops growing.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

PHRASE_BATCHES = (32, 64, 128)
PARAGRAPH_BATCHES = (4, 8, 16, 32)
# A larger batch must beat the best smaller one by this much to be chosen: past the knee,
# doubling a batch doubles every caller's wait for a few percent of throughput.
_KNEE = 1.05


@dataclass
class Row:
    kind: str  # "phrases" or "paragraphs"
    batch: int  # texts per call
    tokens: int  # estimated tokens per call (the batcher's cost)
    float32: float  # texts per second, median call
    variant: float

    @property
    def speedup(self) -> float:
        return self.variant / self.float32 if self.float32 else 0.0


@dataclass
class PrecisionFigures:
    variant: str = ""
    float32_version: str = ""
    variant_version: str = ""
    rows: list[Row] = field(default_factory=list)
    fidelity: dict = field(default_factory=dict)
    best_phrase_batch: int = 0
    best_paragraph_batch: int = 0
    max_batch_tokens: int = 0

    def best(self, kind: str) -> Row:
        batch = self.best_phrase_batch if kind == "phrases" else self.best_paragraph_batch
        return next(r for r in self.rows if r.kind == kind and r.batch == batch)

    @property
    def speedup(self) -> float:
        return math.sqrt(self.best("phrases").speedup * self.best("paragraphs").speedup)


def paired_rates(first: Callable[[list[str]], object], second: Callable[[list[str]], object],
                 texts: list[str], calls: int) -> tuple[float, float]:
    """Texts per second of the fastest call of each, the two taking turns on the same batch."""
    first(texts)
    second(texts)
    a, b = [], []
    for _ in range(calls):
        start = time.perf_counter()
        first(texts)
        a.append(time.perf_counter() - start)
        start = time.perf_counter()
        second(texts)
        b.append(time.perf_counter() - start)
    return len(texts) / min(a), len(texts) / min(b)


def _knee(rows: Sequence[Row]) -> Row:
    best = rows[0]
    for row in rows[1:]:
        if row.variant > best.variant * _KNEE:
            best = row
    return best


def compare(variant: str, phrases: Sequence[str], paragraphs: Sequence[str], calls: int = 9,
            say: Callable[[str], None] = print) -> PrecisionFigures:
    from services.embedder import fidelity, reduced_precision
    from services.embedder.model import load_model
    from services.embedder.service import estimated_tokens

    fig = PrecisionFigures(variant=variant)
    reduced_precision.build_variant(variant)
    f32, var = load_model(precision="float32"), load_model(precision=variant)
    fig.float32_version, fig.variant_version = f32.version, var.version
    say(f"float32 {f32.version} and {variant} {var.version}, in-process, alternating call by call "
        f"(fastest of {calls} calls each)")
    fig.fidelity = fidelity.check(f32.embed, var.embed)
    for kind, texts, batches in (("phrases", phrases, PHRASE_BATCHES), ("paragraphs", paragraphs, PARAGRAPH_BATCHES)):
        for batch in batches:
            group = list(texts[:batch])
            tokens = sum(min(estimated_tokens(t) + 2, f32.max_seq_length) for t in group)
            a, b = paired_rates(f32.embed, var.embed, group, calls)
            fig.rows.append(Row(kind, batch, tokens, a, b))
            say(f"  {kind:<10} batch {batch:>4} (~{tokens:>5} tokens): float32 {a:8.1f}/s  {variant} {b:8.1f}/s  "
                f"x{b / a:.2f}")
    fig.best_phrase_batch = _knee([r for r in fig.rows if r.kind == "phrases"]).batch
    best_para = _knee([r for r in fig.rows if r.kind == "paragraphs"])
    fig.best_paragraph_batch = best_para.batch
    fig.max_batch_tokens = best_para.tokens
    return fig


def report_lines(fig: PrecisionFigures) -> list[str]:
    fid = fig.fidelity
    lines = [f"precision: float32 ({fig.float32_version}) and {fig.variant} ({fig.variant_version}), "
             "in-process, side by side",
             f"  {'':<11}{'batch':>6}{'~tokens':>9}{'float32/s':>12}{fig.variant + '/s':>13}{'speed-up':>10}"]
    for r in fig.rows:
        mark = "  <- best" if r.batch == (fig.best_phrase_batch if r.kind == "phrases" else fig.best_paragraph_batch) \
            else ""
        lines.append(f"  {r.kind:<11}{r.batch:>6}{r.tokens:>9}{r.float32:>12.1f}{r.variant:>13.1f}"
                     f"{r.speedup:>9.2f}x{mark}")
    lines += [
        f"speed-up over float32: {fig.speedup:.2f}x",
        f"  (geometric mean of phrases at batch {fig.best_phrase_batch}: {fig.best('phrases').speedup:.2f}x and "
        f"paragraphs at batch {fig.best_paragraph_batch}: {fig.best('paragraphs').speedup:.2f}x; target >= 2.00x "
        f"{'PASS' if fig.speedup >= 2.0 else 'MISS'})",
        f"fidelity gate: {fid.get('summary', 'not run')}",
        f"  phrases: mean {fid['phrases']['mean']:.5f} min {fid['phrases']['min']:.5f}; paragraphs: mean "
        f"{fid['paragraphs']['mean']:.5f} min {fid['paragraphs']['min']:.5f}" if fid else "",
        f"batching chosen by measurement: max batch tokens {fig.max_batch_tokens} ({fig.best_paragraph_batch} "
        f"paragraphs; raised below if the best batch of phrases needs more); max batch: figure 1's best",
    ]
    return [line for line in lines if line]
