"""Timing into Prometheus, bounded retry of transient errors only, start/end logging."""

import logging
import random

import pytest
from prometheus_client import CollectorRegistry, Histogram

from veil.decorators import TransientError, backoff_delays, logged, retry, timed


def test_timed_observes_every_call_including_failures():
    registry = CollectorRegistry()
    hist = Histogram("veil_test_seconds", "test", ["stage"], registry=registry)

    @timed(hist, stage="predict")
    def work(fail=False):
        if fail:
            raise RuntimeError("x")
        return 42

    assert work() == 42
    with pytest.raises(RuntimeError):
        work(fail=True)
    assert registry.get_sample_value("veil_test_seconds_count", {"stage": "predict"}) == 2


def test_retry_retries_transient_errors_until_success():
    calls, sleeps = [], []

    @retry(attempts=4, base_delay=0.1, max_delay=1.0, sleep=sleeps.append)
    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise TransientError("not yet")
        return "ok"

    assert flaky() == "ok"
    assert len(calls) == 3 and len(sleeps) == 2
    assert all(0 <= s <= 1.0 for s in sleeps)


def test_retry_is_bounded_and_reraises_the_last_error():
    calls = []

    @retry(attempts=3, sleep=lambda _s: None)
    def always_down():
        calls.append(1)
        raise TransientError("down")

    with pytest.raises(TransientError):
        always_down()
    assert len(calls) == 3


def test_retry_never_retries_errors_that_are_not_transient():
    calls = []

    @retry(attempts=5, sleep=lambda _s: None)
    def bad_input():
        calls.append(1)
        raise ValueError("empty text")

    with pytest.raises(ValueError):
        bad_input()
    assert len(calls) == 1


def test_retry_accepts_a_custom_transient_predicate():
    calls = []

    @retry(attempts=3, sleep=lambda _s: None, is_transient=lambda e: isinstance(e, ConnectionError))
    def conn():
        calls.append(1)
        raise ConnectionError()

    with pytest.raises(ConnectionError):
        conn()
    assert len(calls) == 3


def test_backoff_grows_exponentially_with_full_jitter_and_is_capped():
    rng = random.Random(7)
    delays = backoff_delays(8, base=0.1, cap=2.0, rng=rng)
    assert len(delays) == 7
    for n, d in enumerate(delays):
        assert 0 <= d <= min(2.0, 0.1 * 2**n)
    # jitter: the same inputs give different waits (no thundering herd of retries)
    assert backoff_delays(8, 0.1, 2.0, random.Random(1)) != backoff_delays(8, 0.1, 2.0, random.Random(2))


def test_logged_writes_start_and_end_without_arguments(caplog):
    @logged()
    def handle(text):
        return len(text)

    with caplog.at_level(logging.INFO):
        handle("Maria Gonzalez, MRN 123")
    messages = [r.getMessage() for r in caplog.records]
    assert any("started" in m for m in messages) and any("finished in" in m for m in messages)
    assert not any("Maria" in m for m in messages)
