"""Writes the Terraform reference of deployment/README.md (variables, outputs) from the .tf files' own descriptions.

    .venv/bin/python deployment/tools/terraform_docs.py          # rewrite the README section
    .venv/bin/python deployment/tools/terraform_docs.py --check  # exit 1 when it is out of date

The section sits between the two marker comments in the README; deployment/tests run --check.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import hcl2
from hcl2 import SerializationOptions

ROOT = Path(__file__).resolve().parents[1]
TERRAFORM = ROOT / "terraform"
README = ROOT / "README.md"
START, END = "<!-- terraform-reference:start -->", "<!-- terraform-reference:end -->"
_OPTIONAL = re.compile(r"(\w+) = optional\(number, ([\d.]+)\)")


def _unquote(value):
    if isinstance(value, dict):
        return {(k[1:-1] if isinstance(k, str) and len(k) > 1 and k[0] == k[-1] == '"' else k): _unquote(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    return value


def _blocks(kind: str) -> dict[str, dict]:
    options = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
    found: dict[str, dict] = {}
    for path in sorted(TERRAFORM.glob("*.tf")):
        for entry in _unquote(hcl2.loads(path.read_text(), serialization_options=options)).get(kind, []):
            found.update(entry)
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _default(body: dict) -> str:
    type_expr = body.get("type", "")
    if "optional(" in type_expr:
        return ", ".join(f"{k} {v}" for k, v in _OPTIONAL.findall(type_expr))
    if "default" not in body:
        return "(required)"
    value = body["default"]
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items()) or "`{}`"
    if isinstance(value, list):
        return "`[" + ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in value) + "]`"
    return f"`{value}`"


def render() -> str:
    lines = ["### Variables", "", "| variable | type | default | what it is |", "|---|---|---|---|"]
    for name, body in _blocks("variable").items():
        type_expr = body.get("type", "")
        type_expr = type_expr[2:-1] if type_expr.startswith("${") else type_expr
        type_expr = "object" if type_expr.startswith("object(") else type_expr
        lines.append(f"| `{name}` | {type_expr} | {_default(body)} | {_cell(body.get('description', ''))} |")
    lines += ["", "### Outputs", "", "| output | what it is |", "|---|---|"]
    for name, body in _blocks("output").items():
        lines.append(f"| `{name}` | {_cell(body.get('description', ''))} |")
    return "\n".join(lines)


def updated(readme: str) -> str:
    if START not in readme or END not in readme:
        raise SystemExit(f"{README}: the markers {START} and {END} are missing")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n\n{render()}\n\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the README section is out of date")
    args = parser.parse_args(argv)
    current = README.read_text()
    wanted = updated(current)
    if args.check:
        if wanted != current:
            print("deployment/README.md's Terraform reference is out of date; run: "
                  ".venv/bin/python deployment/tools/terraform_docs.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
