"""`veil up`'s Stack: every service it starts is stopped when the block ends, however it was entered; a service
that dies while it runs is restarted, counted, and left down when it keeps dying; `veil status` shows it."""

import signal
import time

import pytest

from tools import supervisor
from tools.cli import main as veil
from tools.commands.stack import Stack


def test_entering_a_started_stack_does_not_start_its_services_again(tmp_path):
    stack = Stack(services=("redactor",), log_dir=tmp_path)
    started = stack.start()
    first = stack.procs["redactor"]
    with started as entered:
        assert entered is stack
        assert stack.procs["redactor"] is first and first.alive()
    assert not first.alive()


# -- supervision (`veil up`, `veil status`) ----------------------------------------------------

def _until(predicate, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached")


@pytest.fixture()
def supervised(tmp_path, monkeypatch):
    monkeypatch.setenv("VEIL_HOME", str(tmp_path / "home"))
    from tools.commands.stack import state_path

    stack = Stack(services=("redactor",), log_dir=tmp_path).start()
    said = []
    keeper = supervisor.Supervisor(stack, state_path=state_path(), crash_limit=2, crash_window_s=600,
                                   say=said.append).start()
    yield stack, keeper, said
    keeper.stop()
    stack.stop()


def test_a_service_that_dies_is_restarted_logged_and_counted_and_veil_status_shows_it(supervised, capsys):
    stack, keeper, said = supervised
    first = stack.procs["redactor"].pid
    stack.procs["redactor"].signal(signal.SIGKILL)
    _until(lambda: keeper.children["redactor"].state == supervisor.READY and stack.procs["redactor"].pid != first)
    assert keeper.children["redactor"].restarts == 1
    assert any("redactor stopped unexpectedly (killed by SIGKILL); restart 1" in m for m in said)
    assert any("redactor is back after restart 1" in m for m in said)
    capsys.readouterr()
    assert veil(["status"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("redactor"))
    assert row.split()[:5] == ["redactor", "ready", str(stack.procs["redactor"].pid), str(stack.ports["redactor"]),
                               "1"]
    assert "yes" in row and "killed by SIGKILL" in row


def test_a_service_that_keeps_dying_is_left_down_and_the_supervisor_says_so(supervised, capsys):
    stack, keeper, said = supervised
    first = stack.procs["redactor"].pid
    stack.procs["redactor"].signal(signal.SIGKILL)
    _until(lambda: keeper.children["redactor"].state == supervisor.READY and stack.procs["redactor"].pid != first)
    stack.procs["redactor"].signal(signal.SIGKILL)
    _until(lambda: keeper.children["redactor"].state == supervisor.FAILED)
    assert keeper.children["redactor"].restarts == 1 and not stack.procs["redactor"].alive()
    assert any("2 times within 600s; not restarting it" in m for m in said)
    capsys.readouterr()
    assert veil(["status"]) == 3  # not every service is ready
    assert "failed" in capsys.readouterr().out


def test_veil_status_says_when_veil_up_is_not_running(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VEIL_HOME", str(tmp_path))
    assert veil(["status"]) == 1
    assert "not running" in capsys.readouterr().err
