#!/usr/bin/env bash
# Sets everything up, then runs Veil's main job on the embedded default: SQLite, the
# default model, a sample PDF. Extra arguments go to `veil demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/veil demo "$@"
