"""Veil's tools: the `veil` CLI, benchmarks, load tests, evaluation and synthetic data, on top of the services and the library."""
