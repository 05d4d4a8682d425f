"""Tests that start the real embedder, gunicorn and PostgreSQL."""
