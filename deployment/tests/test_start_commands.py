"""One start command per service: veil/services.py is what the Dockerfile, compose, READMEs, `veil up` and the tests use.

The Dockerfile and compose side is checked in their own test modules; this one checks the
list itself, the entry points it names, and every other place that starts a service.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from veil.paths import REPO_ROOT
from veil.services import SERVICES, get

GUNICORN_SERVICES = ("classifier", "redactor", "gateway")
_SKIP_DIRS = {".venv", ".git", "node_modules", "__pycache__", "var", "build"}


def test_the_start_commands_are_the_agreed_ones():
    assert get("embedder").command == "python -m services.embedder.server"
    for name in GUNICORN_SERVICES:
        assert get(name).command == (f'gunicorn -c services/{name}/gunicorn.conf.py '
                                     f'"services.{name}.app:create_app()"')
    with pytest.raises(KeyError, match="known: embedder"):
        get("nope")


def test_locally_the_same_arguments_run_under_this_interpreter():
    python = "/opt/venv/bin/python"
    assert get("embedder").local_argv(python) == [python, "-m", "services.embedder.server"]
    argv = get("gateway").local_argv(python)
    assert argv[:3] == [python, "-m", "gunicorn"] and argv[3:] == list(get("gateway").argv[1:])


def test_the_ports_are_the_services_own_defaults(declared_settings, missing_settings_modules):
    for name, service in SERVICES.items():
        if name in missing_settings_modules:
            continue
        assert declared_settings[service.port_env].default == service.default_port, name


def _module_file(name: str) -> Path:
    return REPO_ROOT / (name.replace(".", "/") + ".py")


def test_the_embedder_entry_module_runs_as_a_script():
    server = _module_file(SERVICES["embedder"].argv[2])
    if not server.exists():
        pytest.fail(f"{server.relative_to(REPO_ROOT)} is missing: the image's CMD would fail")
    tree = ast.parse(server.read_text())
    assert any(isinstance(n, ast.If) and "__main__" in ast.unparse(n.test) for n in tree.body)


@pytest.mark.parametrize("name", GUNICORN_SERVICES)
def test_each_gunicorn_service_has_an_app_factory(name):
    app = _module_file(f"services.{name}.app")
    if not app.exists():
        pytest.skip(f"services/{name}/app.py is not written yet")
    factories = [n for n in ast.parse(app.read_text()).body if isinstance(n, ast.FunctionDef) and n.name == "create_app"]
    assert factories, f"services/{name}/app.py has no create_app()"
    args = factories[0].args
    assert [a.arg for a in args.args] == ["test_config"] and len(args.defaults) == 1


@pytest.mark.parametrize("name", GUNICORN_SERVICES)
def test_gunicorn_takes_bind_workers_and_threads_from_the_environment(name, tmp_path):
    conf = REPO_ROOT / SERVICES[name].argv[2]
    if not conf.exists():
        pytest.skip(f"{conf.relative_to(REPO_ROOT)} is not written yet")
    prefix = f"VEIL_{name.upper()}_"
    env = {**os.environ, prefix + "HOST": "0.0.0.0", prefix + "PORT": "18123", prefix + "WORKERS": "3",
           prefix + "THREADS": "5", "VEIL_HOME": str(tmp_path), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    # gunicorn reads the file with runpy too; a child process keeps its side effects out of this one.
    code = ("import json, runpy; ns = runpy.run_path(%r); "
            "print(json.dumps({k: ns.get(k) for k in ('bind', 'workers', 'threads')}))" % str(conf))
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    values = json.loads(out.stdout.strip().splitlines()[-1])
    assert values == {"bind": "0.0.0.0:18123", "workers": 3, "threads": 5}


def _readmes() -> list[Path]:
    return [p for p in REPO_ROOT.rglob("README.md") if not _SKIP_DIRS & set(p.relative_to(REPO_ROOT).parts)]


def test_the_deployment_readme_shows_every_start_command():
    text = (REPO_ROOT / "deployment" / "README.md").read_text()
    for service in SERVICES.values():
        assert service.command in text, service.name


def test_every_readme_that_shows_a_start_command_shows_the_shared_one():
    patterns = {name: re.compile(r"gunicorn .*services\." + name + r"\.app:create_app\(\)")
                for name in GUNICORN_SERVICES}
    patterns["embedder"] = re.compile(r"python3? -m services\.embedder\.server")
    wrong = []
    for readme in _readmes():
        for number, line in enumerate(readme.read_text().splitlines(), 1):
            for name, pattern in patterns.items():
                if pattern.search(line) and SERVICES[name].command.replace("python ", "") not in line:
                    wrong.append(f"{readme.relative_to(REPO_ROOT)}:{number}: {line.strip()}")
    assert not wrong, "start commands that differ from veil/services.py:\n" + "\n".join(wrong)


def _python_sources() -> list[Path]:
    found = []
    for path in REPO_ROOT.rglob("*.py"):
        parts = set(path.relative_to(REPO_ROOT).parts)
        if not _SKIP_DIRS & parts and path != REPO_ROOT / "veil" / "services.py":
            found.append(path)
    return found


def _string_sequences(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.List, ast.Tuple)):
            strings = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if strings:
                yield node, strings


def test_code_that_starts_a_service_by_hand_uses_the_shared_arguments():
    """Test helpers, benchmarks and `veil up` either use veil.services or spell the same argv."""
    wrong = []
    for path in _python_sources():
        try:
            tree = ast.parse(path.read_text())
        except SyntaxError:
            continue  # another helper's file caught mid-edit; its own tests will say
        for node, strings in _string_sequences(tree):
            for name, service in SERVICES.items():
                tail = list(service.argv[1:])
                mentions = (f"services.{name}.app:create_app()" in strings if name in GUNICORN_SERVICES
                            else "services.embedder.server" in strings and "-m" in strings)
                if mentions and strings[-len(tail):] != tail:
                    wrong.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}: {strings}")
    assert not wrong, "service argv that differ from veil/services.py:\n" + "\n".join(wrong)


def test_veil_up_starts_the_services_from_the_shared_list():
    text = (REPO_ROOT / "tools" / "commands" / "stack.py").read_text()
    assert re.search(r"from veil(\.services)? import|import veil\.services", text) and "services" in text, (
        "veil up should take its start commands from veil.services")
