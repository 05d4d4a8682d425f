"""The three floors hold: the library imports no service or tool, services meet each other only
through published surfaces, and no module takes part in an import cycle.

Every import is read from the source with `ast`, including those inside functions, which is
where cycles and upward imports used to hide. Tests, fixtures and conftest files are left
out: a test may import whatever it exercises.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLOORS = {"veil": 0, "services": 1, "tools": 2}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    found = {}
    for top in FLOORS:
        for path in (ROOT / top).rglob("*.py"):
            rel = path.relative_to(ROOT).parts
            if "tests" in rel or path.name in ("conftest.py",) or path.name.startswith("gunicorn."):
                continue
            found[_module_name(path)] = path
    return found


def _imports(name: str, path: Path) -> set[str]:
    """Every module `name` imports, resolved to absolute dotted names (`from a import b` gives a.b when b is a module)."""
    out: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out.add(module)
            out.update(f"{module}.{alias.name}" for alias in node.names)
    return out


def _graph() -> dict[str, set[str]]:
    sources = _sources()
    return {name: {m for m in _imports(name, path) if m in sources and m != name} for name, path in sources.items()}


def _floor(module: str) -> int:
    return FLOORS[module.split(".")[0]]


def _service(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "services" and len(parts) > 1 else None


def test_no_module_imports_a_floor_above_its_own():
    upward = sorted(f"{a} -> {b}" for a, targets in _graph().items() for b in targets if _floor(b) > _floor(a))
    assert upward == []


def test_services_meet_each_other_only_through_the_published_package():
    reaching_in = []
    for a, targets in _graph().items():
        for b in targets:
            if _service(a) and _service(b) and _service(a) != _service(b) and b != f"services.{_service(b)}":
                reaching_in.append(f"{a} -> {b}")
    assert sorted(reaching_in) == []


def test_no_import_cycles_even_through_imports_inside_functions():
    graph = _graph()
    # A package's __init__ re-exporting its own modules is how a surface is published, not a cycle.
    edges = {a: {b for b in targets if not (a.startswith(b + ".") and _is_package(b))} for a, targets in graph.items()}
    cycles = _cycles(edges)
    assert cycles == []


def _is_package(module: str) -> bool:
    return (ROOT / module.replace(".", "/") / "__init__.py").exists()


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


@pytest.mark.parametrize("module", ["veil", "services", "tools"])
def test_the_walk_sees_every_floor(module):
    assert any(name.split(".")[0] == module for name in _sources())
