"""The README stays true: its two commands come first and its configuration table matches the code."""

import re
import subprocess
import sys

from veil.paths import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()


def test_the_readme_starts_with_the_run_and_test_commands():
    first_block = re.search(r"```bash\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["bash scripts/run.sh", "bash scripts/test.sh"]
    assert README.index(first_block) < README.index("## ")


def test_ci_runs_exactly_the_readme_test_command():
    assert "bash scripts/test.sh" in (REPO_ROOT / ".ci/run").read_text().splitlines()


def test_the_configuration_table_is_the_one_the_code_declares():
    generated = subprocess.run([sys.executable, "-m", "tools.cli", "config", "--markdown"], capture_output=True,
                               text=True, check=True, timeout=120).stdout
    table = README.split("<!-- CONFIG:START", 1)[1].split("-->", 1)[1].split("<!-- CONFIG:END -->")[0]
    assert table.strip() == generated.strip(), "regenerate the README table with `veil config --markdown`"
