"""Embedder tests that start servers (in-process or as child processes)."""
