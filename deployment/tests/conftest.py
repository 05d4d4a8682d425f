"""Fixtures for the static checks of deployment/: the parsed Dockerfile, compose file and Terraform, and checkov."""

from __future__ import annotations

import importlib
import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from veil.paths import REPO_ROOT

DEPLOYMENT = REPO_ROOT / "deployment"
DOCKERFILE = DEPLOYMENT / "Dockerfile"
COMPOSE = DEPLOYMENT / "compose.yaml"
TERRAFORM = DEPLOYMENT / "terraform"
CHECKOV = REPO_ROOT / ".venv" / "tools" / "checkov" / "bin" / "checkov"

SETTINGS_MODULES = tuple(f"services.{name}.settings" for name in ("embedder", "classifier", "redactor", "gateway"))


# ------------------------------------------------------------------------------ Dockerfile
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


@pytest.fixture(scope="session")
def dockerfile() -> Dockerfile:
    return parse_dockerfile(DOCKERFILE.read_text())


# --------------------------------------------------------------------------------- compose


@pytest.fixture(scope="session")
def compose() -> dict:
    import yaml

    return yaml.safe_load(COMPOSE.read_text())


# ------------------------------------------------------------------------------- Terraform


def _unquote(value):
    """python-hcl2 keeps the quotes of block labels; drop them so labels read as names."""
    if isinstance(value, dict):
        return {(k[1:-1] if isinstance(k, str) and len(k) > 1 and k[0] == k[-1] == '"' else k): _unquote(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    return value


def parse_terraform(path: Path) -> dict:
    import hcl2
    from hcl2 import SerializationOptions

    options = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
    return _unquote(hcl2.loads(path.read_text(), serialization_options=options))


class Terraform:
    """Every .tf file of deployment/terraform, parsed, with lookups by block type and name."""

    def __init__(self, root: Path):
        self.files = {path.name: parse_terraform(path) for path in sorted(root.glob("*.tf"))}
        self.text = {path.name: path.read_text() for path in sorted(root.glob("*.tf"))}

    def blocks(self, kind: str) -> dict[str, dict]:
        """variable/output/locals...: {name: body}; for locals, the merged assignments."""
        found: dict[str, dict] = {}
        for parsed in self.files.values():
            for entry in parsed.get(kind, []):
                found.update(entry)
        return found

    def resources(self, rtype: str, kind: str = "resource") -> dict[str, dict]:
        found: dict[str, dict] = {}
        for parsed in self.files.values():
            for entry in parsed.get(kind, []):
                found.update(entry.get(rtype, {}))
        return found

    def all_text(self) -> str:
        return "\n".join(self.text.values())


@pytest.fixture(scope="session")
def terraform() -> Terraform:
    return Terraform(TERRAFORM)


# ---------------------------------------------------------------------------- the settings


@pytest.fixture(scope="session")
def declared_settings() -> dict[str, object]:
    """Every VEIL_* setting the services declare, by name (importing their settings modules)."""
    from veil import config

    for module in SETTINGS_MODULES:
        if (REPO_ROOT / (module.replace(".", "/") + ".py")).exists():
            importlib.import_module(module)
    return {s.name: s for _, s in config.declared()}


@pytest.fixture(scope="session")
def missing_settings_modules() -> set[str]:
    """Services whose settings module does not exist yet (their variables cannot be checked)."""
    return {m.split(".")[1] for m in SETTINGS_MODULES
            if not (REPO_ROOT / (m.replace(".", "/") + ".py")).exists()}
