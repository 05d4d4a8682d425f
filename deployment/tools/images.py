"""Veil's images read from deployment/Dockerfile, and run from a checkout: the parser the tests use, and image starts.

`parse_dockerfile` understands the subset of the Dockerfile syntax Veil uses. `start_image`
runs a target's CMD with its VEIL_* ENV from the checkout and waits until the target's own
HEALTHCHECK passes: the nearest thing to running the image without a Docker engine. Used by
deployment/tests and deployment/tools/measure_memory.py.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deployment" / "Dockerfile"
START_TIMEOUT = 240.0

# A small parser for the subset of the Dockerfile syntax Veil uses: line continuations,
# comments, flags (--from=..., --interval=...), exec (JSON) and shell forms, ENV key=value.


@dataclass
class Instruction:
    keyword: str
    value: str
    line: int
    flags: dict[str, str] = field(default_factory=dict)

    @property
    def exec_form(self) -> list[str] | None:
        """The JSON array of CMD/ENTRYPOINT/HEALTHCHECK CMD, or None for the shell form."""
        text = self.value
        if self.keyword == "HEALTHCHECK":
            if not text.startswith("CMD "):
                return None
            text = text[4:].strip()
        if text.startswith("["):
            return json.loads(text)
        return None

    @property
    def env(self) -> dict[str, str]:
        """ENV in key=value form (the only form Veil uses)."""
        pairs = {}
        for token in shlex.split(self.value):
            key, sep, value = token.partition("=")
            assert sep, f"line {self.line}: ENV without '=' ({token!r})"
            pairs[key] = value
        return pairs


@dataclass
class Stage:
    name: str
    base: str
    line: int
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None

    def index(self, instruction: Instruction) -> int:
        return self.instructions.index(instruction)


@dataclass
class Dockerfile:
    stages: list[Stage]
    global_args: dict[str, str]

    def stage(self, name: str) -> Stage:
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(f"no stage {name!r}; stages: {[s.name for s in self.stages]}")

    def has_stage(self, name: str) -> bool:
        return any(s.name == name for s in self.stages)

    def chain(self, name: str) -> list[Stage]:
        """The stage and every stage it is built FROM, nearest first."""
        chain = [self.stage(name)]
        while self.has_stage(chain[-1].base):
            chain.append(self.stage(chain[-1].base))
        return chain

    def external_base(self, name: str) -> str:
        return self.chain(name)[-1].base

    def env(self, name: str) -> dict[str, str]:
        """ENV in effect at the end of a stage, inherited from its FROM chain."""
        env: dict[str, str] = {}
        for stage in reversed(self.chain(name)):
            for instruction in stage.all("ENV"):
                env.update(instruction.env)
        return env

    def copies_from(self, name: str) -> list[tuple[str, Instruction]]:
        """(source stage, COPY) for every COPY --from=... of a stage's chain."""
        return [(i.flags["from"], i) for s in self.chain(name) for i in s.all("COPY") if "from" in i.flags]


def _logical_lines(text: str) -> list[tuple[int, str]]:
    lines: list[tuple[int, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not buffer):
            continue  # comments, even inside a continued instruction, are dropped
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer += stripped[:-1].strip() + " "
            continue
        buffer += stripped
        lines.append((start, buffer.strip()))
        buffer = ""
    assert not buffer, "the Dockerfile ends inside a continued line"
    return lines


def parse_dockerfile(text: str) -> Dockerfile:
    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    for number, line in _logical_lines(text):
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        flags: dict[str, str] = {}
        rest = rest.strip()
        while rest.startswith("--"):
            flag, _, rest = rest.partition(" ")
            key, _, value = flag[2:].partition("=")
            flags[key] = value
            rest = rest.strip()
        if keyword == "FROM":
            parts = rest.split()
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else f"stage-{len(stages)}"
            stages.append(Stage(name=name, base=parts[0], line=number))
            continue
        if not stages:
            assert keyword == "ARG", f"line {number}: only ARG may precede the first FROM"
            key, _, value = rest.partition("=")
            global_args[key] = value
            continue
        stages[-1].instructions.append(Instruction(keyword, rest, number, flags))
    return Dockerfile(stages, global_args)



def load(path: Path = DOCKERFILE) -> Dockerfile:
    return parse_dockerfile(path.read_text())


# ------------------------------------------------------------------- running an image's command


def local_command(argv: list[str]) -> list[str]:
    """An image's exec-form command with this interpreter standing in for the image's PATH."""
    head, *rest = argv
    if head == "python":
        return [sys.executable, *rest]
    if head == "gunicorn":
        return [sys.executable, "-m", "gunicorn", *rest]
    return list(argv)


def image_env(dockerfile: Dockerfile, target: str, home: Path, **overrides: str) -> dict[str, str]:
    """The target's VEIL_* configuration, bound to 127.0.0.1 on a free port, with state under `home`."""
    from veil.procs import free_port
    from veil.services import SERVICES

    env = {k: v for k, v in dockerfile.env(target).items() if k.startswith(("VEIL_", "PYTHON"))}
    env.pop("PYTHONPATH", None)  # /app in the image; the checkout is the working directory here
    service = SERVICES[target.removesuffix("-gpu")]
    prefix = service.port_env.removesuffix("PORT")
    env.update({prefix + "HOST": "127.0.0.1", service.port_env: str(free_port()), "VEIL_HOME": str(home),
                "TF_CPP_MIN_LOG_LEVEL": "2"})
    env.update(overrides)
    return env


def _outer_env() -> dict[str, str]:
    """This process's environment without its own Veil configuration."""
    return {k: v for k, v in os.environ.items() if not k.startswith("VEIL_") and k != "PROMETHEUS_MULTIPROC_DIR"}


def health_probe(dockerfile: Dockerfile, target: str, env: dict[str, str]) -> Callable[[], bool]:
    probe = local_command(dockerfile.stage(target).last("HEALTHCHECK").exec_form)

    def check() -> bool:
        return subprocess.run(probe, cwd=ROOT, env={**_outer_env(), **env}, capture_output=True,
                              timeout=30).returncode == 0

    return check


def start_image(dockerfile: Dockerfile, target: str, env: dict[str, str], log: Path,
                timeout: float = START_TIMEOUT):
    """Starts the target's CMD with `env` only (no Veil settings of this shell); returns it once healthy."""
    from veil.procs import ManagedProcess

    proc = ManagedProcess(target, local_command(dockerfile.stage(target).last("CMD").exec_form),
                          env=env, cwd=ROOT, log_path=log)
    proc.env = {**_outer_env(), **env}
    proc.start()
    try:
        proc.wait_ready(health_probe(dockerfile, target, env), timeout=timeout, interval=1.0)
    except BaseException:
        proc.stop()
        raise
    return proc
