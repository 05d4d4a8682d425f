"""The `veil` command's conventions: results on stdout and logs on stderr, one spelling per option, a clean
exit 2 for a file that is not there, and the admin and job commands' messages when a service is away."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from tools.cli import build_parser, main
from veil.paths import REPO_ROOT
from veil.procs import free_port


def _veil(*args: str, **env: str) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "tools.cli", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def test_logs_go_to_stderr_as_json_lines_when_not_a_terminal_and_stdout_keeps_only_the_result(tmp_path):
    done = _veil("--log-level", "DEBUG", "config", "--markdown")
    assert done.returncode == 0
    assert done.stdout.startswith("| variable |")  # the table, nothing else
    for line in done.stderr.splitlines():
        assert json.loads(line)["level"] in ("DEBUG", "INFO", "WARNING", "ERROR")


def test_on_a_terminal_logs_are_lines_a_person_reads():
    from veil import logs

    record = logging.LogRecord("veil.x", logging.WARNING, __file__, 1, "embedder at %s is slow", ("h:1",), None)
    assert logs.HumanFormatter().format(record).endswith("WARNING veil.x: embedder at h:1 is slow")


@pytest.mark.parametrize("argv", [
    ["redactor", "extract", "{missing}"],
    ["redactor", "redact", "{missing}", "--spans", "{missing}"],
    ["deidentify", "{missing}", "--api-key", "k"],
    ["deidentify", "--text", "x", "--options", "@{missing}"],
])
def test_a_missing_file_is_a_message_and_exit_2_without_a_traceback(tmp_path, argv):
    missing = str(tmp_path / "nope.pdf")
    done = _veil(*[a.format(missing=missing) for a in argv])
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "nope.pdf" in done.stderr


@pytest.mark.parametrize("argv, dest, value", [
    (["redactor", "extract", "a.pdf", "-o", "x.json"], "output", "x.json"),
    (["redactor", "extract", "a.pdf", "--out", "x.json"], "output", "x.json"),  # the old spelling still parses
    (["batch", "in", "--output", "out"], "output", "out"),
    (["demo", "--out-dir", "d"], "output", "d"),
    (["deidentify", "a.pdf", "--key", "k"], "api_key", "k"),
    (["deidentify", "a.pdf", "--api-key", "k"], "api_key", "k"),
    (["eval", "c", "--json"], "json", "-"),
    (["eval", "c", "--json", "s.json"], "json", "s.json"),
    (["train", "phi-type", "--json"], "json", "-"),
    (["bench", "batch", "--json", "f.json"], "json", "f.json"),
    (["evaluate", "v1", "--out", "r.json"], "json", "r.json"),
    (["eval", "--head", "v1", "--json"], "json", "-"),
])
def test_each_option_has_one_spelling_across_commands(argv, dest, value):
    args = build_parser().parse_args(argv)
    assert str(getattr(args, dest)) == value


def test_old_spellings_are_accepted_but_not_shown(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["deidentify", "--help"])
    shown = capsys.readouterr().out
    assert "--api-key" in shown and "-o OUTPUT, --output OUTPUT" in shown
    assert "--key" not in shown.replace("--api-key", "") and "--out-dir" not in shown
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    top = capsys.readouterr().out
    assert "models" in top and "jobs" in top and " evaluate " not in top and "\n    model " not in top


def test_models_commands_say_where_the_classifier_was_looked_for(capsys):
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["models", "list", "--url", url, "--api-key", "k"]) == 1
    assert "veil up" in capsys.readouterr().err
    assert main(["models", "rollback", "phi-type", "--url", url, "--api-key", "k"]) == 1


def test_jobs_commands_need_a_key_and_name_an_unreachable_gateway(capsys, monkeypatch):
    monkeypatch.delenv("VEIL_API_KEY", raising=False)
    assert main(["jobs", "status", "0" * 32]) == 2
    assert "VEIL_API_KEY" in capsys.readouterr().err
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["jobs", "delete", "0" * 32, "--url", url, "--api-key", "k"]) == 1
    assert "veil up" in capsys.readouterr().err
    assert main(["classify", "phi-type", "Maria", "--url", url, "--api-key", "k"]) == 1
