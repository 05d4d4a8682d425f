"""Numeric precisions of the default model, and which of them this CPU runs natively.

Kept apart from the builder (reduced_precision.py) so the loader can decide what to load
without importing the export code.
"""

from __future__ import annotations

import functools
from pathlib import Path

FLOAT32 = "float32"
BFLOAT16 = "bfloat16"
PRECISIONS = (FLOAT32, BFLOAT16)
# The suffix each reduced precision adds to the model version.
SUFFIX = {BFLOAT16: "bf16"}
# CPU flags (/proc/cpuinfo) under which oneDNN has native bfloat16 kernels: AVX-512 BF16
# (dot products, e.g. AMD Zen 4, Intel Cooper Lake) or AMX tiles (Intel Sapphire Rapids on).
# Without them TensorFlow emulates bfloat16 and the variant is slower than float32.
BF16_FLAGS = ("avx512_bf16", "amx_bf16")


@functools.lru_cache(maxsize=1)
def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> frozenset[str]:
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def supported(precision: str, flags: frozenset[str] | None = None) -> bool:
    """Whether this CPU has native kernels for `precision` (float32 always)."""
    flags = cpu_flags() if flags is None else flags
    if precision == FLOAT32:
        return True
    if precision == BFLOAT16:
        return any(f in flags for f in BF16_FLAGS)
    raise ValueError(f"unknown precision {precision!r}; choose from {', '.join(PRECISIONS)}")


def fastest_supported(flags: frozenset[str] | None = None) -> str:
    return BFLOAT16 if supported(BFLOAT16, flags) else FLOAT32
