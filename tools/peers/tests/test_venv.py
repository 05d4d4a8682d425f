"""Presidio's virtual environment: missing with --skip-install, creation and pip failures named, a stale stamp redone."""

from __future__ import annotations

import subprocess

import pytest

from tools.cli import main
from tools.peers import venv as venv_mod
from tools.peers.venv import PeersEnvError, PeersVenv, failing_package


def test_skip_install_without_the_venv_exits_2_with_the_command_that_creates_it(tmp_path, capsys):
    missing = tmp_path / "no-venv"
    assert main(["bench", "peers", "--skip-install", "--venv", str(missing)]) == 2
    err = capsys.readouterr().err
    assert f"{missing} does not exist" in err
    assert f"veil bench peers --install-only --venv {missing}" in err
    assert not missing.exists()


@pytest.mark.parametrize("output, package", [
    ("ERROR: Could not find a version that satisfies the requirement presidio-analyzer==9.9.9 (from versions: 2.2.366)\n"
     "ERROR: No matching distribution found for presidio-analyzer==9.9.9\n", "presidio-analyzer==9.9.9"),
    ("  Building wheel for blis (pyproject.toml) ... error\n  ERROR: Failed building wheel for blis\n"
     "Failed to build blis\n", "blis"),
    ("ERROR: Cannot install spacy==3.8.18 and thinc==7.0 because these package versions have conflicting "
     "dependencies.\n", "spacy==3.8.18 and thinc==7.0"),
    ("ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device\n", "OSError"),
    ("something else went wrong\n", None),
])
def test_the_package_pip_blames_is_found_in_its_output(output, package):
    assert failing_package(output) == package


def _requirements(tmp_path):
    path = tmp_path / "bench-peers.txt"
    path.write_text("presidio-analyzer==9.9.9\n")
    return path


def test_a_pip_failure_names_the_package_and_how_to_retry(tmp_path, monkeypatch):
    venv = PeersVenv(tmp_path / "venv", requirements=_requirements(tmp_path))

    def fake_run(argv, **kwargs):
        if argv[1:3] == ["-m", "venv"]:      # creation succeeds
            (venv.path / "bin").mkdir(parents=True)
            venv.python.write_text("")
            return subprocess.CompletedProcess(argv, 0, "", "")
        return subprocess.CompletedProcess(argv, 1, "", "ERROR: No matching distribution found for "
                                                        "presidio-analyzer==9.9.9\n")

    monkeypatch.setattr(venv_mod.subprocess, "run", fake_run)
    said = []
    with pytest.raises(PeersEnvError) as caught:
        venv.ensure(say=said.append)
    assert "creating Presidio's own virtual environment" in said[0]
    message = caught.value.explain()
    assert "pip could not install package presidio-analyzer==9.9.9" in message
    assert f"retry with: {venv.python} -m pip install -r {venv.requirements}" in message
    assert not venv.up_to_date()          # no stamp: the next run installs again


def test_a_venv_that_cannot_be_created_says_why_and_where_to_put_it_instead(tmp_path, monkeypatch):
    venv = PeersVenv(tmp_path / "venv", requirements=_requirements(tmp_path))
    monkeypatch.setattr(venv_mod.subprocess, "run",
                        lambda argv, **kw: subprocess.CompletedProcess(argv, 1, "", "Error: ensurepip is not available"))
    with pytest.raises(PeersEnvError) as caught:
        venv.ensure(say=lambda m: None)
    message = caught.value.explain()
    assert "could not create a virtual environment" in message and "ensurepip is not available" in message
    assert "--venv DIR" in message


def test_a_stamp_from_another_requirement_set_is_installed_again_and_a_current_one_is_reused(tmp_path, monkeypatch):
    venv = PeersVenv(tmp_path / "venv", requirements=_requirements(tmp_path))
    (venv.path / "bin").mkdir(parents=True)
    venv.python.write_text("")
    (venv.path / venv_mod.STAMP).write_text("an older set\n")
    calls = []
    monkeypatch.setattr(venv_mod.subprocess, "run",
                        lambda argv, **kw: calls.append(argv) or subprocess.CompletedProcess(argv, 0, "", ""))
    assert venv.ensure(say=lambda m: None) is True
    assert [argv[1:4] for argv in calls] == [["-m", "pip", "install"]]
    assert venv.up_to_date()
    assert venv.ensure(say=lambda m: None) is False and len(calls) == 1
