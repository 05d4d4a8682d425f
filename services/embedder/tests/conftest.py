"""Session fixtures for the embedder tests: the default model, built once and loaded once."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def default_model_dir():
    """The built default model (the same build `veil model build` runs; reused when already built)."""
    from services.embedder.export import build_default_model

    return build_default_model()


@pytest.fixture(scope="session")
def default_model(default_model_dir):
    """The default model loaded in this process with tensorflow_hub, as the server loads it."""
    from services.embedder.model import load_model

    return load_model(default_model_dir)


@pytest.fixture(scope="session")
def reference_model():
    """The independent numpy implementation of MiniLM-L6 over the same weights."""
    from services.embedder.model import weights_dir
    from services.embedder.tests.minilm_reference import ReferenceMiniLM

    return ReferenceMiniLM(weights_dir())
