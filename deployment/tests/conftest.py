"""Fixtures for the static checks of deployment/: the parsed Dockerfile, compose file and Terraform, and checkov."""

from __future__ import annotations

import importlib
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


def _load_images_module():
    """deployment/tools/images.py (not a package on sys.path): the parser and the image starts."""
    import importlib.util
    import sys

    name = "veil_deployment_images"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, DEPLOYMENT / "tools" / "images.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the class is made
        spec.loader.exec_module(module)
    return sys.modules[name]


images_module = _load_images_module()
parse_dockerfile = images_module.parse_dockerfile


@pytest.fixture(scope="session")
def images():
    return images_module


@pytest.fixture(scope="session")
def dockerfile():
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
