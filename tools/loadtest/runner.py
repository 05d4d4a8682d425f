"""Running a JMeter plan in non-GUI mode, bounded in time, against loopback only, and reading its JTL.

JMeter comes from the machine, never from the network: Debian's 2.13 (apt-get install
jmeter jmeter-http) through the launcher in loadtests/launcher/, which is compiled on first
use, or a JMeter 5.x named by VEIL_LOADTEST_JMETER. Every run gets its own folder with the
JTL, JMeter's log and the summary.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from tools.loadtest import jtl
from tools.loadtest.settings import DEFAULT_DEBIAN_JMETER_HOME
from veil.paths import REPO_ROOT

_log = logging.getLogger(__name__)

PLANS_DIR = REPO_ROOT / "loadtests" / "plans"
LAUNCHER_SOURCE = REPO_ROOT / "loadtests" / "launcher" / "VeilJMeter.java"
LAUNCHER_BUILD = REPO_ROOT / "loadtests" / "build" / "launcher"
LAUNCHER_CLASS = "VeilJMeter"

# Plan properties the runner reads to bound a run; the plans use the same defaults.
DEFAULT_RAMPUP_S = 5
DEFAULT_DURATION_S = 60
DEFAULT_RESPONSE_TIMEOUT_MS = 60_000
# Past rampup + duration, JMeter still waits for requests in flight (at most one response
# timeout) and the JVM needs a few seconds to start and to write the JTL.
_GRACE_S = 30.0

# Plan properties JMeter parses as integers (counts, seconds, milliseconds).
_INTEGER_PROPERTIES = ("port", "threads", "rampup", "duration", "loops", "threads_b32", "threads_deid", "think_ms",
                       "poll_ms", "poll_max", "connect_timeout_ms", "response_timeout_ms")

_RUN_PROPERTIES = {
    # No UDP shutdown listener: it binds every interface and collides between parallel runs.
    "jmeterengine.nongui.port": "0",
    **jtl.SAVE_PROPERTIES,
}


class JMeterNotFound(RuntimeError):
    """No usable JMeter on this machine; the message says how to install one."""


class NotLoopback(ValueError):
    """A plan was pointed at a host other than this machine."""


@dataclass(frozen=True)
class JMeter:
    argv: tuple[str, ...]
    description: str


def plan_names() -> list[str]:
    return sorted(p.stem for p in PLANS_DIR.glob("*.jmx"))


def resolve_plan(name_or_path: str) -> Path:
    """A plan by name (classify-batch1) or by path."""
    path = Path(name_or_path)
    if path.suffix == ".jmx" and path.exists():
        return path.resolve()
    candidate = PLANS_DIR / f"{name_or_path}.jmx"
    if candidate.exists():
        return candidate
    raise FileNotFoundError(f"no plan {name_or_path!r}; plans: {', '.join(plan_names())} (or a path to a .jmx)")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def find_jmeter(configured: str = "", debian_home: str = DEFAULT_DEBIAN_JMETER_HOME) -> JMeter:
    """The JMeter to run: the configured one, else Debian's 2.13 via the launcher, else `jmeter` on PATH."""
    if configured:
        path = Path(configured)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise JMeterNotFound(f"VEIL_LOADTEST_JMETER={configured} is not an executable JMeter (bin/jmeter)")
        return JMeter((str(path),), f"JMeter at {path}")
    home = Path(debian_home)
    if (home / "lib" / "ext" / "ApacheJMeter_core.jar").exists():
        classes = build_launcher(home)
        classpath = os.pathsep.join([str(classes), str(home / "bin" / "ApacheJMeter.jar"),
                                     str(home / "lib" / "ext" / "*"), str(home / "lib" / "jorphan.jar")])
        java = shutil.which("java")
        if java is None:
            raise JMeterNotFound("java is not installed (apt-get install default-jre-headless)")
        return JMeter((java, "-Xmx1g", "-Djava.awt.headless=true", f"-Djmeter.home={home}", "-cp", classpath,
                       LAUNCHER_CLASS), f"Debian JMeter 2.13 at {home} via {LAUNCHER_CLASS}")
    on_path = shutil.which("jmeter")
    if on_path:
        return JMeter((on_path,), f"JMeter at {on_path}")
    raise JMeterNotFound(
        "JMeter is not installed. Debian/Ubuntu: apt-get install jmeter jmeter-http default-jdk-headless "
        "(bash scripts/setup.sh does it when run as root); or unpack JMeter 5.x and set "
        "VEIL_LOADTEST_JMETER=/path/to/apache-jmeter-5.x/bin/jmeter.")


def build_launcher(home: Path, source: Path = LAUNCHER_SOURCE, build: Path = LAUNCHER_BUILD) -> Path:
    """Compiles the launcher when its class is missing or older than the source; returns the class folder."""
    target = build / f"{LAUNCHER_CLASS}.class"
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        return build
    javac = shutil.which("javac")
    if javac is None:
        raise JMeterNotFound("javac is needed once to build the JMeter 2.13 launcher "
                             "(apt-get install default-jdk-headless)")
    build.parent.mkdir(parents=True, exist_ok=True)
    # Compile aside and rename, so two runs starting at once never see half a class file.
    scratch = Path(tempfile.mkdtemp(prefix="launcher-", dir=build.parent))
    try:
        classpath = os.pathsep.join([str(home / "lib" / "ext" / "*"), str(home / "lib" / "jorphan.jar")])
        done = subprocess.run([javac, "-nowarn", "-cp", classpath, "-d", str(scratch), str(source)],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise JMeterNotFound(f"could not compile {source.name}:\n{done.stderr.strip()}")
        build.mkdir(parents=True, exist_ok=True)
        os.replace(scratch / f"{LAUNCHER_CLASS}.class", target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return build


def _seconds(properties: Mapping[str, str], name: str, default: float) -> float:
    raw = properties.get(name)
    if raw is None or raw == "":
        return float(default)
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"property {name}={raw!r} must be a number") from None
    if value < 0:
        raise ValueError(f"property {name}={raw!r} must be >= 0")
    return value


def time_limit(properties: Mapping[str, str]) -> float:
    """Wall-clock bound of a run: its ramp-up and duration, one response timeout and a grace period."""
    return (_seconds(properties, "rampup", DEFAULT_RAMPUP_S) + _seconds(properties, "duration", DEFAULT_DURATION_S)
            + _seconds(properties, "response_timeout_ms", DEFAULT_RESPONSE_TIMEOUT_MS) / 1000.0 + _GRACE_S)


@dataclass
class RunResult:
    plan: Path
    folder: Path
    jtl_path: Path
    log_path: Path
    returncode: int
    timed_out: bool
    seconds: float
    summary: jtl.Summary
    jmeter: str
    properties: dict[str, str] = field(default_factory=dict)


def run(plan: str | Path, properties: Mapping[str, str], folder: Path, *, jmeter: JMeter | None = None,
        secret_properties: Mapping[str, str] | None = None, warmup_s: float = 0.0,
        timeout_s: float | None = None) -> RunResult:
    """Runs `plan` in non-GUI mode and summarises its JTL; never talks to anything but loopback."""
    plan_path = resolve_plan(str(plan))
    props = {k: str(v) for k, v in properties.items()}
    for name in _INTEGER_PROPERTIES:
        # JMeter reads "8.0" seconds as no duration at all: refuse it here, with the name.
        if name in props and not props[name].isdigit():
            raise ValueError(f"property {name}={props[name]!r} must be a whole number >= 0")
    host = props.setdefault("host", "127.0.0.1")
    if not is_loopback(host):
        raise NotLoopback(f"host={host!r}: load tests target this machine only (127.0.0.1, ::1 or localhost); "
                          "run JMeter on the instance that runs the service")
    limit = timeout_s if timeout_s is not None else time_limit(props)
    jmeter = jmeter or find_jmeter()
    folder.mkdir(parents=True, exist_ok=True)
    jtl_path, log_path, out_path = folder / "results.jtl", folder / "jmeter.log", folder / "jmeter.out"
    for stale in (jtl_path, log_path):
        stale.unlink(missing_ok=True)  # JMeter appends to an existing JTL
    argv = [*jmeter.argv, "-n", "-t", str(plan_path), "-l", str(jtl_path), "-j", str(log_path)]
    argv += [f"-J{k}={v}" for k, v in {**_RUN_PROPERTIES, **props}.items()]
    secret_file = None
    if secret_properties:
        # Secrets (the API key) go in a private file, not on the command line where `ps` shows them.
        fd, secret_file = tempfile.mkstemp(prefix="secret-", suffix=".properties", dir=folder)
        with os.fdopen(fd, "w") as f:
            for k, v in secret_properties.items():
                f.write(f"{k}={_escape_property(v)}\n")
        argv += ["-q", secret_file]
    _log.info("running %s with %s (at most %.0fs)", plan_path.name, jmeter.description, limit)
    start = time.monotonic()
    timed_out = False
    try:
        with open(out_path, "wb") as out:
            proc = subprocess.Popen(argv, cwd=folder, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                returncode = proc.wait(timeout=limit)
            except subprocess.TimeoutExpired:
                timed_out = True
                returncode = _stop(proc)
    finally:
        if secret_file:
            Path(secret_file).unlink(missing_ok=True)
    seconds = time.monotonic() - start
    samples = jtl.read(jtl_path) if jtl_path.exists() else []
    summary = jtl.summarise(samples, skip_first_s=warmup_s)
    result = RunResult(plan_path, folder, jtl_path, log_path, returncode, timed_out, seconds, summary,
                       jmeter.description, props)
    (folder / "summary.json").write_text(json.dumps({
        "plan": plan_path.name, "jmeter": jmeter.description, "properties": props, "returncode": returncode,
        "timed_out": timed_out, "seconds": round(seconds, 2), "warmup_s": warmup_s, **summary.as_dict(),
    }, indent=2, default=str))
    return result


def _stop(proc: subprocess.Popen, grace: float = 10.0) -> int:
    """Stops a run that overstayed its bound: SIGTERM to its process group, then SIGKILL."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        return proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.wait()
    except ProcessLookupError:
        return proc.wait()


def _escape_property(value: str) -> str:
    """Java .properties escaping for a value (backslashes, and a leading space)."""
    escaped = value.replace("\\", "\\\\").replace("\n", "\\n")
    return "\\" + escaped if escaped.startswith(" ") else escaped


def log_tail(result: RunResult, lines: int = 15) -> str:
    """The end of JMeter's own output and log, for when a run produced no samples."""
    parts = []
    for path in (result.folder / "jmeter.out", result.log_path):
        if path.exists():
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path.name} ---\n" + "\n".join(tail))
    return "\n".join(parts)
