"""The embedder's commands and benchmarks: `veil model`, `veil cache`, `veil bench embedder`."""
