# Sourced by scripts/setup.sh from the repository root: the static-check tools for deployment/.
# checkov gets its own virtual environment, because its dependency tree conflicts with the
# project's. The environment is keyed by the frozen set in deployment/tools/checkov.txt and kept
# in ~/.cache/veil/tools, so a fresh clone on the same machine reuses it; .venv/tools/checkov
# points at it, and deployment/tests run `.venv/tools/checkov/bin/checkov`.
_tools_python=${python:-python3}
_tools_hash=$(sha256sum deployment/tools/checkov.txt | cut -c1-12)
_tools_version=$(sed -n 's/^checkov==//p' deployment/tools/checkov.txt)
_tools_env="${XDG_CACHE_HOME:-$HOME/.cache}/veil/tools/checkov-${_tools_version}-${_tools_hash}"
if [ ! -e "$_tools_env/.complete" ]; then
  echo "setup: installing checkov ${_tools_version} into ${_tools_env} (once, about a minute)"
  rm -rf "$_tools_env"
  mkdir -p "$(dirname "$_tools_env")"
  "$_tools_python" -m venv "$_tools_env"
  "$_tools_env/bin/python" -m pip install -q --disable-pip-version-check -r deployment/tools/checkov.txt
  # Written last: an interrupted install is redone instead of half-used.
  touch "$_tools_env/.complete"
fi
mkdir -p .venv/tools
ln -sfn "$_tools_env" .venv/tools/checkov
unset _tools_python _tools_hash _tools_version _tools_env
