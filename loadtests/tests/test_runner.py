"""The runner finds JMeter, bounds every run, and refuses any target but this machine."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tools.loadtest import runner


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_hosts_are_accepted(host):
    assert runner.is_loopback(host)


@pytest.mark.parametrize("host", ["10.0.0.5", "192.168.1.1", "example.com", "0.0.0.0", "::", "", "localhost.evil"])
def test_every_other_host_is_refused(host):
    assert not runner.is_loopback(host)


def test_a_run_against_another_host_is_refused_before_jmeter_starts(tmp_path):
    never = runner.JMeter(("/bin/false",), "must not run")
    with pytest.raises(runner.NotLoopback, match="this machine only"):
        runner.run("classify-batch1", {"host": "10.1.2.3"}, tmp_path / "run", jmeter=never)
    assert not (tmp_path / "run").exists()


def test_plans_are_found_by_name_or_path_and_an_unknown_one_names_the_choices(tmp_path):
    assert runner.resolve_plan("deidentify") == runner.PLANS_DIR / "deidentify.jmx"
    assert runner.resolve_plan(str(runner.PLANS_DIR / "mixed.jmx")).name == "mixed.jmx"
    with pytest.raises(FileNotFoundError, match="classify-batch1, classify-batch32, deidentify, mixed"):
        runner.resolve_plan("nope")


def test_the_time_bound_is_rampup_plus_duration_plus_one_response_timeout_and_a_grace():
    assert runner.time_limit({"rampup": "2", "duration": "10", "response_timeout_ms": "5000"}) == 2 + 10 + 5 + 30
    assert runner.time_limit({}) == runner.DEFAULT_RAMPUP_S + runner.DEFAULT_DURATION_S + 60 + 30
    with pytest.raises(ValueError, match="duration"):
        runner.time_limit({"duration": "soon"})


def test_a_run_that_overstays_its_bound_is_stopped(tmp_path):
    # A stand-in for a JMeter that hangs: the bound, not the process, decides when the run ends.
    sleeper = tmp_path / "hang.sh"
    sleeper.write_text("#!/bin/sh\nsleep 60\n")
    sleeper.chmod(0o755)
    result = runner.run("classify-batch1", {"duration": "1"}, tmp_path / "run",
                        jmeter=runner.JMeter((str(sleeper),), "hangs"), timeout_s=1.0)
    assert result.timed_out and result.seconds < 15
    assert result.summary.overall.count == 0


def test_a_configured_jmeter_that_is_not_executable_is_reported(tmp_path):
    with pytest.raises(runner.JMeterNotFound, match="VEIL_LOADTEST_JMETER"):
        runner.find_jmeter(str(tmp_path / "jmeter"))


def test_without_any_jmeter_the_message_says_how_to_install_one(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(runner.JMeterNotFound, match="apt-get install jmeter jmeter-http"):
        runner.find_jmeter("", debian_home=str(tmp_path / "no-jmeter"))


@pytest.mark.skipif(not Path("/usr/share/jmeter/lib/ext/ApacheJMeter_core.jar").exists() or not shutil.which("javac"),
                    reason="needs Debian's jmeter and a JDK (apt-get install jmeter jmeter-http default-jdk-headless)")
def test_the_launcher_is_compiled_when_missing_and_again_when_its_source_is_newer(tmp_path):
    source = tmp_path / "VeilJMeter.java"
    shutil.copy(runner.LAUNCHER_SOURCE, source)
    build = tmp_path / "build"
    runner.build_launcher(Path("/usr/share/jmeter"), source, build)
    compiled = build / "VeilJMeter.class"
    first = compiled.stat().st_mtime
    runner.build_launcher(Path("/usr/share/jmeter"), source, build)
    assert compiled.stat().st_mtime == first  # up to date: not rebuilt
    os.utime(source, (first + 10, first + 10))
    runner.build_launcher(Path("/usr/share/jmeter"), source, build)
    assert compiled.stat().st_mtime > first


@pytest.mark.parametrize("name, value", [("duration", "8.0"), ("threads", "four"), ("loops", "-1")])
def test_properties_jmeter_reads_as_integers_must_be_whole_numbers(tmp_path, name, value):
    never = runner.JMeter(("/bin/false",), "must not run")
    with pytest.raises(ValueError, match=f"{name}="):
        runner.run("classify-batch1", {name: value}, tmp_path / "run", jmeter=never)
