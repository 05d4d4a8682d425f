"""Tests of the embedder service."""
