"""Small helpers of the classifier's integration tests."""

from __future__ import annotations

import time
from typing import Callable

import requests


def metric_samples(base: str, name: str) -> list[tuple[dict[str, str], float]]:
    """The samples of one metric in the service's /metrics answer (all workers)."""
    from prometheus_client.parser import text_string_to_metric_families

    out = []
    for family in text_string_to_metric_families(requests.get(base + "/metrics", timeout=10).text):
        for sample in family.samples:
            if sample.name == name:
                out.append((sample.labels, sample.value))
    return out


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
