"""Keeps `veil up`'s services running: a child that dies is restarted with backoff while the others keep serving.

Each death is logged with its exit status and counted. Restarts wait 0.5 s, 1 s, 2 s, ...
(at most `max_backoff_s`), and the wait starts over once a service has stayed up for
`stable_s`. A service that dies `crash_limit` times within `crash_window_s` is left down and
the supervisor says so (a crash loop is a bug or a broken configuration, not a blip): the
others keep running. The state of every service (state, pid, port, restarts, last exit) is
written to a JSON file that `veil status` reads. On ECS the same job is the service
scheduler's (see deployment/README.md); this is its one-machine counterpart.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

_log = logging.getLogger(__name__)

STARTING, READY, BACKOFF, FAILED = "starting", "ready", "backoff", "failed"
DEFAULT_BACKOFF_S = 0.5
DEFAULT_MAX_BACKOFF_S = 30.0
DEFAULT_CRASH_LIMIT = 5
DEFAULT_CRASH_WINDOW_S = 60.0
DEFAULT_STABLE_S = 60.0
_TICK_S = 0.2


class Supervised(Protocol):
    """What the supervisor needs of a stack: its children, how to start one again, and its readiness probe."""

    services: list[str]
    procs: dict[str, Any]
    ports: dict[str, int]

    def spawn(self, service: str) -> Any: ...
    def probe(self, service: str) -> Callable[[], bool]: ...
    def address(self, service: str) -> str: ...


@dataclass
class ChildState:
    name: str
    state: str = READY
    restarts: int = 0
    last_exit: str | None = None
    since: float = field(default_factory=time.time)
    started: float = field(default_factory=time.monotonic)
    next_start: float = 0.0
    backoff_s: float = 0.0
    crashes: deque = field(default_factory=deque)


def describe_exit(code: int | None) -> str:
    """`exit status 3`, or `killed by SIGKILL` for a signal (Popen's negative return code)."""
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


class Supervisor:
    def __init__(self, stack: Supervised, *, state_path: Path | None = None,
                 backoff_s: float = DEFAULT_BACKOFF_S, max_backoff_s: float = DEFAULT_MAX_BACKOFF_S,
                 crash_limit: int = DEFAULT_CRASH_LIMIT, crash_window_s: float = DEFAULT_CRASH_WINDOW_S,
                 stable_s: float = DEFAULT_STABLE_S, say: Callable[[str], None] | None = None):
        self.stack = stack
        self.state_path = state_path
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.crash_limit = crash_limit
        self.crash_window_s = crash_window_s
        self.stable_s = stable_s
        self.say = say or (lambda message: _log.warning("%s", message))
        self.children = {name: ChildState(name) for name in stack.services}
        self._probes: dict[str, Callable[[], bool]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # -- the loop ---------------------------------------------------------------------------

    def start(self) -> "Supervisor":
        self.write_state()
        self._thread = threading.Thread(target=self._run, name="supervisor", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.wait(_TICK_S):
            try:
                self.check_once()
            except Exception:  # noqa: BLE001 - the supervisor must outlive any surprise
                _log.exception("supervisor: check failed")

    def check_once(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        changed = False
        with self._lock:
            for name, child in self.children.items():
                changed |= self._check(name, child, now)
        if changed:
            self.write_state()

    def _check(self, name: str, child: ChildState, now: float) -> bool:
        proc = self.stack.procs.get(name)
        if child.state == FAILED:
            return False
        if child.state == BACKOFF:
            if now < child.next_start:
                return False
            self.stack.procs[name] = self.stack.spawn(name)
            self._probes[name] = self.stack.probe(name)
            child.state, child.started, child.since = STARTING, now, time.time()
            return True
        if proc is not None and proc.alive():
            if child.state == STARTING and self._probes[name]():
                child.state, child.since = READY, time.time()
                self.say(f"{name} is back after restart {child.restarts} "
                         f"(ready {now - child.started:.1f}s after it was started again)")
                return True
            if child.state == READY and child.backoff_s and now - child.started >= self.stable_s:
                child.backoff_s = 0.0  # up long enough: the next death is a fresh blip, not a loop
            return False
        return self._died(name, child, proc, now)

    def _died(self, name: str, child: ChildState, proc: Any, now: float) -> bool:
        code = proc.proc.returncode if proc is not None and proc.proc is not None else None
        child.last_exit = describe_exit(code)
        # A gunicorn master killed outright leaves its workers holding the port: end the group.
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.stop(grace=1.0)
        child.crashes.append(now)
        while child.crashes and now - child.crashes[0] > self.crash_window_s:
            child.crashes.popleft()
        if len(child.crashes) >= self.crash_limit:
            child.state, child.since = FAILED, time.time()
            self.say(f"{name} stopped unexpectedly ({child.last_exit}) {len(child.crashes)} times within "
                     f"{self.crash_window_s:.0f}s; not restarting it (see its log). The other services keep running.")
            return True
        child.backoff_s = self.backoff_s if not child.backoff_s else min(self.max_backoff_s, child.backoff_s * 2)
        child.restarts += 1
        child.state, child.next_start, child.since = BACKOFF, now + child.backoff_s, time.time()
        self.say(f"{name} stopped unexpectedly ({child.last_exit}); restart {child.restarts} in "
                 f"{child.backoff_s:.1f}s")
        return True

    # -- what `veil status` reads --------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        services = {}
        for name, child in self.children.items():
            proc = self.stack.procs.get(name)
            alive = proc is not None and proc.alive() and child.state not in (BACKOFF, FAILED)
            services[name] = {"state": child.state, "pid": proc.pid if alive else None,
                              "port": self.stack.ports[name], "address": self.stack.address(name),
                              "restarts": child.restarts,
                              "last_exit": child.last_exit, "since": child.since}
        return {"supervisor_pid": os.getpid(), "updated": time.time(), "services": services}

    def write_state(self) -> None:
        if self.state_path is None:
            return
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.snapshot(), indent=1))
        tmp.replace(self.state_path)  # readers never see half a file


def read_state(path: Path) -> dict[str, Any] | None:
    """The state `veil up` wrote, or None when there is none or its supervisor is gone."""
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    try:
        os.kill(int(state["supervisor_pid"]), 0)
    except (ProcessLookupError, ValueError, KeyError, TypeError):
        return None
    except PermissionError:
        pass  # alive, another user's
    return state
