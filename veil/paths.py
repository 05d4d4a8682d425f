"""Where Veil keeps its files: the repository root and the local state folder."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def home() -> Path:
    """The state folder (SQLite databases, spools, job files, benchmark output).

    VEIL_HOME overrides it; the default keeps everything inside the checkout, in var/.
    """
    return Path(os.environ.get("VEIL_HOME") or REPO_ROOT / "var")


def cache_home() -> Path:
    """Where built artefacts that survive a fresh clone live (the default model)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "veil"
