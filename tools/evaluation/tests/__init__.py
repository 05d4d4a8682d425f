"""Tests of the gold-standard evaluation, on tiny hand-written gold files."""
