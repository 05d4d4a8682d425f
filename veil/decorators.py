"""Decorators shared by the services: timing into Prometheus, bounded retry with jitter, start/end logs."""

from __future__ import annotations

import functools
import logging
import random
import time
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_log = logging.getLogger(__name__)


class TransientError(Exception):
    """An error worth retrying: the same call may succeed later (a restart, a network blip)."""


def _default_is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TransientError) or getattr(exc, "transient", False) is True


def timed(metric: Any, **labels: str) -> Callable[[F], F]:
    """Observes each call's duration in seconds into a Prometheus Histogram or Summary.

    Failed calls are observed too: a slow failure is still time spent.
    """
    target = metric.labels(**labels) if labels else metric

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                target.observe(time.perf_counter() - start)

        return wrapper  # type: ignore[return-value]

    return decorate


def backoff_delays(attempts: int, base: float, cap: float, rng: random.Random | None = None) -> list[float]:
    """'Full jitter' delays between attempts: uniform in [0, min(cap, base * 2**n)]."""
    rng = rng or random
    return [rng.uniform(0, min(cap, base * (2**n))) for n in range(attempts - 1)]


def retry(
    attempts: int = 4,
    base_delay: float = 0.1,
    max_delay: float = 5.0,
    is_transient: Callable[[BaseException], bool] = _default_is_transient,
    sleep: Callable[[float], None] = time.sleep,
) -> Callable[[F], F]:
    """Retries a call that failed with a transient error, with exponential backoff and full jitter.

    Bounded: at most `attempts` calls, each wait at most `max_delay`. Errors that are not
    transient (bad input, bugs) are raised at once: retrying them only hides them.
    """
    if attempts < 1:
        raise ValueError("attempts must be >= 1")

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            delays = backoff_delays(attempts, base_delay, max_delay)
            for attempt in range(attempts):
                try:
                    return func(*args, **kwargs)
                except Exception as exc:
                    if attempt == attempts - 1 or not is_transient(exc):
                        raise
                    delay = delays[attempt]
                    _log.warning(
                        "%s failed (%s), retry %d/%d in %.3fs",
                        func.__qualname__, type(exc).__name__, attempt + 1, attempts - 1, delay,
                    )
                    sleep(delay)
            raise AssertionError("unreachable")  # pragma: no cover

        return wrapper  # type: ignore[return-value]

    return decorate


def logged(level: int = logging.INFO, logger: logging.Logger | None = None) -> Callable[[F], F]:
    """Logs the start and the end (with duration and outcome) of a call; never its arguments."""

    def decorate(func: F) -> F:
        log = logger or logging.getLogger(func.__module__)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            name = func.__qualname__
            log.log(level, "%s started", name)
            start = time.perf_counter()
            try:
                result = func(*args, **kwargs)
            except Exception as exc:
                log.log(level, "%s failed after %.3fs: %s", name, time.perf_counter() - start,
                        type(exc).__name__)
                raise
            log.log(level, "%s finished in %.3fs", name, time.perf_counter() - start)
            return result

        return wrapper  # type: ignore[return-value]

    return decorate
