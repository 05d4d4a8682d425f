"""Presidio's own virtual environment: created on first use from deployment/requirements/bench-peers.txt, reused after.

It lives in ~/.cache/veil/peers-venv (VEIL_PEERS_VENV or --venv to put it elsewhere), outside
the checkout, so every clone on the machine shares it. A stamp file records the requirement
set and the interpreter it was installed for; when either changes, pip brings it up to date.
Presidio's packages never enter Veil's environment: the venv is used only as a subprocess.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from veil.paths import REPO_ROOT, cache_home

REQUIREMENTS = REPO_ROOT / "deployment" / "requirements" / "bench-peers.txt"
STAMP = ".veil-bench-peers.sha256"
INSTALL_COMMAND = "veil bench peers --install-only"


def default_path() -> Path:
    return Path(os.environ.get("VEIL_PEERS_VENV") or cache_home() / "peers-venv")


class PeersEnvError(Exception):
    """The peers venv could not be made ready; `hint` says how to retry, `details` what the tool printed."""

    def __init__(self, message: str, hint: str, details: str = ""):
        super().__init__(message)
        self.hint = hint
        self.details = details

    def explain(self) -> str:
        lines = [str(self)]
        if self.details:
            lines += ["--- last lines of the output ---", self.details.rstrip(), "---"]
        lines.append(self.hint)
        return "\n".join(lines)


# What pip prints when one package is the problem, most specific first.
_PIP_CULPRITS = (
    re.compile(r"No matching distribution found for ([^\s;]+)"),
    re.compile(r"Could not find a version that satisfies the requirement ([^\s;]+)"),
    re.compile(r"Failed building wheel for ([^\s;]+)"),
    re.compile(r"Failed to build ([^\n]+?)\s*$", re.MULTILINE),
    re.compile(r"Cannot install ([^\n]+?) because these package versions have conflicting dependencies"),
    re.compile(r"ERROR: Could not install packages due to an (OSError)"),
)


def failing_package(pip_output: str) -> str | None:
    """The package (or packages) pip names as the cause of a failed install, or None."""
    for pattern in _PIP_CULPRITS:
        found = pattern.search(pip_output)
        if found:
            return found.group(1).strip()
    return None


def _shown(path: Path) -> str:
    """A path as messages show it: relative to the checkout when inside it."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


@dataclass
class PeersVenv:
    path: Path
    requirements: Path = REQUIREMENTS

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def pip_command(self) -> str:
        return f"{self.python} -m pip install -r {self.requirements}"

    def exists(self) -> bool:
        return self.python.exists()

    def wanted_stamp(self) -> str:
        digest = hashlib.sha256(self.requirements.read_bytes())
        digest.update(f"\n{sys.version_info.major}.{sys.version_info.minor}".encode())
        return digest.hexdigest()

    def up_to_date(self) -> bool:
        stamp = self.path / STAMP
        return self.exists() and stamp.is_file() and stamp.read_text().strip() == self.wanted_stamp()

    def create_command(self) -> str:
        """The shell command that makes this venv ready, for messages."""
        extra = f" --venv {self.path}" if self.path != default_path() else ""
        return f"{INSTALL_COMMAND}{extra}"

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """One installer at a time (a test and a benchmark may start together)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PeersEnvError(f"cannot create {self.path.parent} for the virtual environment ({exc})",
                                hint="choose another folder with --venv DIR or VEIL_PEERS_VENV") from None
        with open(self.path.parent / f".{self.path.name}.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def ensure(self, say: Callable[[str], None] = print) -> bool:
        """Makes the venv ready; True when something was installed. Raises PeersEnvError."""
        if not self.requirements.is_file():
            raise PeersEnvError(f"the bench requirement set {self.requirements} is missing",
                                hint="restore it from the repository (git checkout -- deployment/requirements)")
        if self.up_to_date():
            return False
        with self._lock():
            if self.up_to_date():       # made ready meanwhile by another process
                return False
            if not self.exists():
                say(f"creating Presidio's own virtual environment in {self.path} (first use; about a minute, "
                    f"reused by later runs) from {_shown(self.requirements)} ...")
                self._create()
            else:
                say(f"updating Presidio's virtual environment in {self.path} "
                    f"({_shown(self.requirements)} or the Python version changed) ...")
            self._install()
            (self.path / STAMP).write_text(self.wanted_stamp() + "\n")
        return True

    def _create(self) -> None:
        try:
            done = subprocess.run([sys.executable, "-m", "venv", str(self.path)], capture_output=True, text=True)
        except OSError as exc:
            done = subprocess.CompletedProcess([], 1, "", str(exc))
        if done.returncode != 0 or not self.exists():
            raise PeersEnvError(
                f"could not create a virtual environment in {self.path} with {sys.executable} -m venv",
                details=_tail(done.stdout + done.stderr),
                hint="check that the folder is writable and that Python's venv module with ensurepip is installed "
                     "(Debian: apt-get install python3-venv), or choose another folder with --venv DIR or "
                     f"VEIL_PEERS_VENV; then rerun: {self.create_command()}")

    def _install(self) -> None:
        argv = [str(self.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-input", "-r", str(self.requirements)]
        try:
            done = subprocess.run(argv, capture_output=True, text=True)
        except OSError as exc:
            done = subprocess.CompletedProcess(argv, 1, "", str(exc))
        if done.returncode != 0:
            output = done.stdout + done.stderr
            culprit = failing_package(output)
            what = f"package {culprit}" if culprit else f"the packages of {self.requirements.name}"
            raise PeersEnvError(
                f"pip could not install {what} into {self.path}",
                details=_tail("\n".join(line for line in output.splitlines() if "is ignored" not in line)),
                hint=f"retry with: {self.pip_command}\n(then rerun veil bench peers; if it still fails, remove "
                     f"{self.path} and run {self.create_command()})")
