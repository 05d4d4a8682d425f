#!/usr/bin/env bash
# Sets Veil up on a fresh Debian machine with Python 3.11, idempotently: the virtual
# environment (.venv), the pinned requirements, the package itself, the gRPC stubs and
# the default embedding model (built once, then reused from ~/.cache/veil).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python=$candidate; break; fi
  done
fi
[ -n "$python" ] || { echo "setup: Python 3.11 is required (apt-get install python3)" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  if ! "$python" -m venv .venv >/dev/null 2>&1; then
    # Debian ships venv separately; install it when we are allowed to.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      rm -rf .venv
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
      "$python" -m venv .venv
    else
      echo "setup: '$python -m venv' failed; install python3-venv (apt-get install python3-venv)" >&2
      exit 1
    fi
  fi
fi

# Reinstall only when a requirement set or the project metadata changed.
stamp=.venv/.veil-requirements.sha256
want=$(cat deployment/requirements/*.txt pyproject.toml clients/python/pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "setup: installing pinned requirements into .venv (first run takes a few minutes)"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade "pip>=24"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r deployment/requirements/dev.txt
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
  # The caller package, which `veil deidentify`, `veil classify` and `veil jobs` use (its one dependency,
  # requests, is in the base requirements).
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e clients/python
  echo "$want" > "$stamp"
fi

.venv/bin/veil proto build >/dev/null
# Further steps owned by the services (the default model, JMeter, the static-check tools),
# each idempotent and quick when already done.
for step in scripts/setup.d/*.sh; do
  [ -e "$step" ] || continue
  . "$step"
done
echo "setup: ready (.venv)"
