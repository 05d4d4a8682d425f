"""Reading Presidio's runner back: Veil's types for its entities, a venv that lacks a package reported as such."""

from __future__ import annotations

import pytest

from tools.peers.run_presidio import run_presidio, veil_entities
from tools.peers.venv import PeersEnvError, PeersVenv


def test_presidio_types_become_veils_and_unknown_ones_keep_their_name():
    got = veil_entities([{"page": 1, "bbox": [1, 2, 3, 4], "type": "DATE_TIME", "score": 0.85},
                         {"page": 2, "bbox": [5, 6, 7, 8], "type": "US_SSN", "score": 0.5},
                         {"page": 2, "bbox": [5, 6, 7, 8], "type": "NRP", "score": 0.85}])
    assert [(e["page"], e["type"], e["presidio_type"]) for e in got] == [(1, "DATE", "DATE_TIME"), (2, "ID", "US_SSN"),
                                                                        (2, "NRP", "NRP")]


def test_a_runner_that_cannot_import_a_package_is_reported_with_the_reinstall_command(tmp_path):
    venv = PeersVenv(tmp_path / "venv")
    (venv.path / "bin").mkdir(parents=True)
    venv.python.write_text("#!/bin/sh\necho 'presidio runner: presidio_analyzer is not installed' >&2\nexit 3\n")
    venv.python.chmod(0o755)
    with pytest.raises(PeersEnvError) as caught:
        run_presidio(venv, [b"%PDF-1.7"], tmp_path / "work", processes=1)
    assert "presidio_analyzer is not installed" in str(caught.value)
    assert caught.value.hint == f"reinstall its packages with: {venv.pip_command}"
