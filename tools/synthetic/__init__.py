"""Synthetic data generators (clinical PDFs, PHI phrases, general phrases, phrase pools) for training, tests and benchmarks."""
