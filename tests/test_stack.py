"""`veil up`'s Stack: every service it starts is stopped when the block ends, however it was entered."""

from tools.commands.stack import Stack


def test_entering_a_started_stack_does_not_start_its_services_again(tmp_path):
    stack = Stack(services=("redactor",), log_dir=tmp_path)
    started = stack.start()
    first = stack.procs["redactor"]
    with started as entered:
        assert entered is stack
        assert stack.procs["redactor"] is first and first.alive()
    assert not first.alive()
