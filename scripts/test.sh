#!/usr/bin/env bash
# Sets everything up, checks the code's rules (ruff, with import sorting; the import contracts
# of the three floors), then runs Veil's whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "test: ruff"
.venv/bin/ruff check .
echo "test: import contracts (lint-imports)"
.venv/bin/lint-imports --no-cache 2>&1 | sed -n '/^Contracts/,$p'
exec .venv/bin/python -m pytest "$@"
