"""The gateway: the public API, de-identification jobs and the pipeline that runs them.

Published surface, for tools and batch runs that run the pipeline themselves: the names in
`__all__`, all from the composition root (`assembly.py`) and the pipeline. They are loaded on
first use, so importing one gateway module does not import them all.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Parts": "services.gateway.assembly",
    "build_pipeline": "services.gateway.assembly",
    "local_pipeline": "services.gateway.assembly",
    "local_classifier": "services.gateway.assembly",
    "load_ml_model": "services.gateway.assembly",
    "LocalRedactor": "services.gateway.assembly",
    "InProcessEmbedder": "services.gateway.assembly",
    "ClassifierModel": "services.gateway.assembly",
    "SklearnModel": "services.gateway.assembly",
    "Pipeline": "services.gateway.pipeline.deidentify",
    "PipelineOptions": "services.gateway.pipeline.deidentify",
    "Outcome": "services.gateway.pipeline.deidentify",
    "STAGES": "services.gateway.pipeline.deidentify",
    "RISK_LOW": "services.gateway.pipeline.risk",
    "RISK_MEDIUM": "services.gateway.pipeline.risk",
    "load_settings": "services.gateway.settings",
}
_RENAMED = {"RISK_LOW": "LOW", "RISK_MEDIUM": "MEDIUM", "load_settings": "load"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'services.gateway' has no attribute {name!r}")
    return getattr(importlib.import_module(module), _RENAMED.get(name, name))
