"""The `veil` console command: help lists the subcommands, --version works, bad config exits 2."""

import subprocess
import sys

from tools import cli
from veil import __version__


def _veil(*args, env=None):
    return subprocess.run([sys.executable, "-m", "tools.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_help_lists_the_subcommands():
    out = _veil("--help")
    assert out.returncode == 0
    for command in ("proto", "config"):
        assert command in out.stdout


def test_version_prints_the_package_version():
    out = _veil("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"veil {__version__}"


def test_every_contributed_command_module_registers_without_error():
    parser = cli.build_parser()
    assert parser.prog == "veil"


def test_config_markdown_prints_the_settings_table():
    out = _veil("config", "--markdown")
    assert out.returncode == 0 and "| `VEIL_LOG_LEVEL` |" in out.stdout


def test_a_bad_setting_is_reported_by_name_not_as_a_traceback(monkeypatch):
    import argparse

    from veil.config import COMMON, load

    def handler(args: argparse.Namespace) -> int:
        load(COMMON)
        return 0

    monkeypatch.setenv("VEIL_LOG_TEXT", "perhaps")
    monkeypatch.setattr(cli, "build_parser", _parser_with(handler))
    assert cli.main(["x"]) == 2


def _parser_with(handler):
    def build():
        import argparse

        parser = argparse.ArgumentParser(prog="veil")
        parser.add_argument("--log-level", default=None)
        sub = parser.add_subparsers()
        sub.add_parser("x").set_defaults(func=handler)
        return parser

    return build
