"""The `veil` command: one entry point for everything a person does with Veil.

Subcommands are contributed by modules that expose `register(sub, group)`: every module in
`tools/commands/` and every `tools/<area>/cli.py` and `cli_<topic>.py`. `sub` is the top-level subparsers
object; `group("bench", help)` returns the subparsers of a shared group such as
`veil bench <target>`, so several services can add targets to one group. Modules import
their heavy dependencies (TensorFlow, PyMuPDF) inside the handlers, so `veil --help`
stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path
from typing import Callable

from tools.options import InputError
from veil import __version__, logs
from veil.config import ConfigError

_GROUP_HELP = {
    "bench": "benchmarks that print their figures",
    "db": "database schema",
    "data": "training data",
    "model": "embedding models",
    "cache": "embedder cache sizing",
    "loadtest": "JMeter load tests and sizing",
    "proto": "gRPC contract",
}


def _command_modules() -> list[str]:
    import tools.commands

    names = [f"tools.commands.{m.name}" for m in pkgutil.iter_modules(tools.commands.__path__)]
    here = Path(__file__).resolve().parent
    for path in sorted([*here.glob("*/cli.py"), *here.glob("*/cli_*.py")]):
        names.append(f"tools.{path.parent.name}.{path.stem}")
    return names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="veil", description="Veil: phrase classification and PDF de-identification.")
    parser.add_argument("--version", action="version", version=f"veil {__version__}")
    parser.add_argument("--log-level", default=None,
                        help="DEBUG, INFO, WARNING or ERROR (default: VEIL_LOG_LEVEL or WARNING for the CLI)")
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    groups: dict[str, argparse._SubParsersAction] = {}

    def group(name: str, help: str | None = None, hidden: bool = False) -> argparse._SubParsersAction:
        if name not in groups:
            # A parser added without help is not listed: how an old spelling stays usable but unshown.
            p = sub.add_parser(name) if hidden else sub.add_parser(name, help=help or _GROUP_HELP.get(name, name))
            groups[name] = p.add_subparsers(dest=f"{name}_command", metavar="<target>")
            p.set_defaults(func=lambda args, p=p: (p.print_help(), 2)[1])
        return groups[name]

    for module_name in _command_modules():
        module = importlib.import_module(module_name)
        module.register(sub, group)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Results go to stdout (`veil ... | jq`), logs to stderr: readable on a terminal, JSON lines otherwise.
    logs.configure(args.log_level or ("WARNING" if not _env_level() else None), stream=sys.stderr,
                   human=sys.stderr.isatty())
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except ConfigError as exc:
        print(f"veil: configuration error: {exc}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"veil {args.command}: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"veil {args.command}: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _env_level() -> str | None:
    import os

    return os.environ.get("VEIL_LOG_LEVEL")


if __name__ == "__main__":
    sys.exit(main())
