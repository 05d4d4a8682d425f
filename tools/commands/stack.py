"""`veil up`: the whole stack on this machine (embedder, classifier, redactor, gateway), readiness-checked and supervised.

Every service is started with exactly its production command (veil.services), bound to
127.0.0.1, waited for by its readiness probe in dependency order, and stopped by its own
pid in reverse order on Ctrl-C. While it runs, a child that dies is restarted with backoff
by tools.supervisor and the others keep serving; `veil status` shows each service's state,
pid, port, restarts and readiness. `Stack` is also what `veil demo`, the pipeline benchmark
and the gateway's integration tests start.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Mapping, Sequence

from tools import supervisor
from veil.paths import REPO_ROOT, home
from veil.procs import ManagedProcess, free_port, http_ready

_log = logging.getLogger(__name__)

ORDER = ("embedder", "classifier", "redactor", "gateway")
DEFAULT_TIMEOUT_S = 300.0
# Small process counts: a laptop or a 2-core CI machine runs all four services at once.
_LOCAL_ENV = {
    "classifier": {"VEIL_CLASSIFIER_WORKERS": "1", "VEIL_CLASSIFIER_THREADS": "8"},
    "redactor": {"VEIL_REDACTOR_WORKERS": "2", "VEIL_REDACTOR_THREADS": "2"},
    "gateway": {"VEIL_GATEWAY_WORKERS": "1", "VEIL_GATEWAY_THREADS": "8", "VEIL_GATEWAY_WORKER_THREADS": "1"},
}


class Stack:
    """The four services as child processes on free ports of 127.0.0.1; a context manager that stops them all."""

    def __init__(self, *, services: Sequence[str] = ORDER, env: Mapping[str, str] | None = None,
                 service_env: Mapping[str, Mapping[str, str]] | None = None, log_dir: str | Path | None = None,
                 api_keys: str | None = None, ports: Mapping[str, int] | None = None):
        unknown = set(services) - set(ORDER)
        if unknown:
            raise ValueError(f"unknown service(s): {', '.join(sorted(unknown))}")
        self.services = [s for s in ORDER if s in services]
        self.env = dict(env or {})
        self.service_env = {k: dict(v) for k, v in (service_env or {}).items()}
        self.log_dir = Path(log_dir) if log_dir else home() / "logs"
        self.api_keys = api_keys or os.environ.get("VEIL_API_KEYS") or f"local:{secrets.token_urlsafe(18)}"
        # The gateway's key to the classifier, and a key for model administration (`veil models rollback`):
        # the classifier refuses calls without a key, as in production.
        self.classifier_key = secrets.token_urlsafe(18)
        self.admin_keys = os.environ.get("VEIL_CLASSIFIER_ADMIN_KEYS") or f"admin:{secrets.token_urlsafe(18)}"
        wanted = dict(ports or {})
        self.ports = {s: wanted.get(s) or free_port() for s in self.services}
        self.procs: dict[str, ManagedProcess] = {}

    # -- addresses --------------------------------------------------------------------------

    @property
    def api_key(self) -> str:
        """The first caller key (for the demo and tests)."""
        return self.api_keys.split(",")[0].split(":", 1)[1]

    @property
    def admin_key(self) -> str:
        """The first admin key of the classifier (model versions and rollbacks)."""
        return self.admin_keys.split(",")[0].split(":", 1)[1]

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    @property
    def embedder_address(self) -> str:
        return os.environ.get("VEIL_EMBEDDER_ADDRESS", "") if "embedder" not in self.ports \
            else f"127.0.0.1:{self.ports['embedder']}"

    # -- lifecycle --------------------------------------------------------------------------

    def _child_env(self, service: str) -> dict[str, str]:
        from veil.services import SERVICES

        spec = SERVICES[service]
        env = {"VEIL_HOME": str(home()), "TF_CPP_MIN_LOG_LEVEL": "2", **self.env,
               spec.port_env: str(self.ports[service]), f"VEIL_{service.upper()}_HOST": "127.0.0.1"}
        if service == "embedder":
            env["VEIL_EMBEDDER_METRICS_PORT"] = "0"
        if "embedder" in self.ports:
            env["VEIL_EMBEDDER_ADDRESS"] = self.embedder_address
        for name in ("classifier", "redactor"):
            if name in self.ports:
                env[f"VEIL_{name.upper()}_URL"] = self.url(name)
        if service == "gateway":
            env["VEIL_API_KEYS"] = self.api_keys
            env["VEIL_CLASSIFIER_KEY"] = self.classifier_key
        if service == "classifier":
            env["VEIL_CLASSIFIER_API_KEYS"] = self.api_keys
            env["VEIL_CLASSIFIER_SERVICE_KEYS"] = f"gateway:{self.classifier_key}"
            env["VEIL_CLASSIFIER_ADMIN_KEYS"] = self.admin_keys
        env.update(_LOCAL_ENV.get(service, {}))
        env.update(self.service_env.get(service, {}))
        return env

    def address(self, service: str) -> str:
        return self.embedder_address if service == "embedder" else self.url(service)

    def probe(self, service: str):
        if service == "embedder":
            from services.embedder.launch import health_probe

            return health_probe(self.embedder_address)
        return http_ready(self.url(service) + "/readyz")

    def start(self, timeout: float = DEFAULT_TIMEOUT_S, on_ready=None) -> "Stack":
        try:
            for service in self.services:
                proc = self.procs[service] = self.spawn(service)
                start = time.monotonic()
                proc.wait_ready(self.probe(service), timeout=timeout, interval=0.25)
                _log.info("%s ready in %.1fs", service, time.monotonic() - start)
                if on_ready:
                    on_ready(service, time.monotonic() - start)
        except BaseException:
            self.stop()
            raise
        return self

    def spawn(self, service: str) -> ManagedProcess:
        """Starts one service (again) on its port, without waiting for it."""
        from veil.services import SERVICES

        self.log_dir.mkdir(parents=True, exist_ok=True)
        child_env = {**os.environ, **self._child_env(service)}
        # Each gunicorn master makes its own metrics folder; an inherited one would mix services.
        child_env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        proc = ManagedProcess(service, SERVICES[service].local_argv(), cwd=REPO_ROOT,
                              log_path=self.log_dir / f"{service}.log")
        proc.env = child_env
        return proc.start()

    def stop(self) -> None:
        for service in reversed(list(self.procs)):
            self.procs[service].stop()
        self.procs.clear()

    def __enter__(self) -> "Stack":
        # `with stack.start(...)` enters a started stack: starting it again would leave the
        # first processes running, unreferenced, after the block.
        return self if self.procs else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def register(sub, group) -> None:
    p = sub.add_parser("up", help="start the whole stack locally (embedder, classifier, redactor, gateway); Ctrl-C stops it")
    p.add_argument("--services", default=",".join(ORDER),
                   help=f"comma-separated subset to start (default: {','.join(ORDER)})")
    p.add_argument("--gateway-port", type=int, default=None, help="gateway port (default: VEIL_GATEWAY_PORT or 8080)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds each service gets to be ready")
    p.add_argument("--crash-limit", type=int, default=supervisor.DEFAULT_CRASH_LIMIT,
                   help="a service that dies this many times within --crash-window is left down "
                        f"(default {supervisor.DEFAULT_CRASH_LIMIT})")
    p.add_argument("--crash-window", type=float, default=supervisor.DEFAULT_CRASH_WINDOW_S,
                   help=f"seconds (default {supervisor.DEFAULT_CRASH_WINDOW_S:.0f})")
    p.set_defaults(func=_up)
    p = sub.add_parser("status", help="the services `veil up` runs: state, pid, port, restarts and readiness")
    p.set_defaults(func=_status)


def state_path() -> Path:
    """Where `veil up` keeps its services' state for `veil status` (under VEIL_HOME)."""
    return home() / "run" / "stack.json"


def _default_ports() -> dict[str, int]:
    from veil.healthcheck import port_of
    from veil.services import SERVICES

    return {name: port_of(spec) for name, spec in SERVICES.items()}


def _stop_on_term() -> None:
    """SIGTERM (and SIGHUP) end `veil up` like Ctrl-C does, so the stack is always stopped with it."""
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)


def _up(args: argparse.Namespace) -> int:
    _stop_on_term()
    services = [s.strip() for s in args.services.split(",") if s.strip()]
    ports = _default_ports()
    if args.gateway_port:
        ports["gateway"] = args.gateway_port
    try:
        stack = Stack(services=services, ports=ports)
    except ValueError as exc:
        print(f"veil up: {exc}", file=sys.stderr)
        return 2
    print(f"veil up: starting {', '.join(stack.services)} (logs in {stack.log_dir})", flush=True)
    try:
        stack.start(args.timeout, on_ready=lambda s, t: print(f"  {s:<10} ready in {t:5.1f}s", flush=True))
    except KeyboardInterrupt:
        print("\nveil up: stopped while starting", flush=True)
        return 130
    except (RuntimeError, TimeoutError) as exc:
        print(f"veil up: {exc}", file=sys.stderr)
        print("hint: the classifier is ready only when a phi-type head is in the registry "
              "(veil demo trains one) and the embedder's model is built (veil model build)", file=sys.stderr)
        return 1
    try:
        for service in stack.services:
            where = stack.embedder_address if service == "embedder" else stack.url(service)
            print(f"  {service:<10} {where}")
        if "gateway" in stack.services:
            print(f"  API key    {stack.api_key} (caller 'local'; set VEIL_API_KEYS to choose your own)")
        if "classifier" in stack.services:
            print(f"  admin key  {stack.admin_key} (classifier model administration: veil models; "
                  "set VEIL_CLASSIFIER_ADMIN_KEYS to choose your own)")
        print("Ctrl-C stops the stack; a service that dies is restarted (`veil status` shows them).", flush=True)
        keeper = supervisor.Supervisor(
            stack, state_path=state_path(), crash_limit=args.crash_limit, crash_window_s=args.crash_window,
            say=lambda message: print(f"veil up: {message}", file=sys.stderr, flush=True)).start()
        try:
            while True:
                time.sleep(0.5)
        finally:
            keeper.stop()
            state_path().unlink(missing_ok=True)
    except KeyboardInterrupt:
        print("\nveil up: stopping", flush=True)
        return 0
    finally:
        stack.stop()


def _status(args: argparse.Namespace) -> int:
    state = supervisor.read_state(state_path())
    if state is None:
        print(f"veil status: `veil up` is not running here (VEIL_HOME: {home()})", file=sys.stderr)
        return 1
    print(f"{'service':<11}{'state':<10}{'pid':>8}{'port':>7}{'restarts':>10}  {'ready':<6} last exit")
    all_ready = True
    for name, svc in state["services"].items():
        ready = _ready_now(name, svc["address"]) if svc["pid"] else False
        all_ready &= ready
        print(f"{name:<11}{svc['state']:<10}{svc['pid'] or '-':>8}{svc['port']:>7}{svc['restarts']:>10}  "
              f"{'yes' if ready else 'no':<6} {svc['last_exit'] or '-'}")
    return 0 if all_ready else 3


def _ready_now(service: str, address: str) -> bool:
    if service == "embedder":
        from services.embedder.launch import health_probe

        return health_probe(address)()
    return http_ready(address + "/readyz")()
