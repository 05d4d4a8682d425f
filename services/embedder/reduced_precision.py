"""Builds the bfloat16 variant of the default model and installs it only if it passes the fidelity gate.

The variant is the same graph as export.py's (same tokeniser, same `_hidden_states` path, same
signatures), with the matrix products in bfloat16 and everything that accumulates or
normalises in float32:

- dense kernels are stored as bfloat16, pre-transposed to [in, out] and, for query, key and
  value, concatenated into one [384, 1152] kernel per layer, so each is converted once at
  export instead of on every call, and one product replaces three;
- activations are cast to bfloat16 only at the entry of a product; products answer bfloat16,
  which is cast back to float32 before the bias is added. Adding the bias in bfloat16 lets
  TensorFlow's remapper fuse MatMul+BiasAdd into a oneDNN inner product, which on this CPU
  picks the slow `x64:gemm:jit` kernel (6.4 ms against 2.2 ms for `brg_matmul:avx512_core_bf16`
  on a 1536x384x384 product, ONEDNN_VERBOSE=1);
- the attention scores and probabilities come from bfloat16 products, the softmax runs in float32;
- embeddings, biases, layer norms, GELU, pooling and normalisation stay float32.

The class is a subclass of export.py's encoder, so export.py (and with it the float32 model's
version) is untouched by this file; the variant's version is the float32 version plus the
precision and a fingerprint of this file (model.variant_version), so caches and classifier
heads never mix the two. Which precision to load is decided in model.py and precision.py.
A variant is only installed if it passes the fidelity gate (fidelity.py) against float32.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import tempfile
import time
from pathlib import Path

from services.embedder import export
from services.embedder import model as model_lib
from services.embedder.precision import BFLOAT16, FLOAT32, PRECISIONS, SUFFIX

_log = logging.getLogger(__name__)


class FidelityGateFailed(RuntimeError):
    """The variant's vectors are too far from float32's; it was not installed."""


def build_variant(precision: str = BFLOAT16, force: bool = False) -> tuple[Path, dict]:
    """Builds (float32 first, if needed) and gates the variant; returns its path and its fidelity figures.

    Raises FidelityGateFailed, leaving nothing installed, when the gate refuses it.
    """
    if precision == FLOAT32:
        return export.build_default_model(force), {}
    if precision not in SUFFIX:
        raise ValueError(f"unknown precision {precision!r}; choose from {', '.join(PRECISIONS)}")
    float32_path = export.build_default_model()
    target = model_lib.variant_path(precision)
    if model_lib.is_built(target) and not force:
        return target, model_lib.read_metadata(target).get("fidelity", {})
    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        _export(tmp, target.name, precision)
        figures = _gate(float32_path, tmp)
        meta_file = tmp / model_lib.METADATA_FILE
        meta = json.loads(meta_file.read_text())
        meta["fidelity"] = figures
        meta_file.write_text(json.dumps(meta, indent=2) + "\n")
        if not figures["passed"]:
            raise FidelityGateFailed(f"the {precision} variant failed the fidelity gate: {figures['summary']}")
        if force and target.exists():
            shutil.rmtree(target)
        try:
            tmp.rename(target)
        except OSError:
            if not model_lib.is_built(target):
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    _log.info("built the %s variant %s at %s in %.1fs; %s", precision, target.name, target,
              time.perf_counter() - start, figures["summary"])
    return target, figures


def _gate(float32_path: Path, variant: Path) -> dict:
    from services.embedder import fidelity

    reference = model_lib.HubModel(float32_path)
    candidate = model_lib.HubModel(variant)
    return fidelity.check(reference.embed, candidate.embed)


def _export(out: Path, version: str, precision: str) -> None:
    import tensorflow as tf
    from safetensors.numpy import load_file

    src = model_lib.weights_dir()
    weights = load_file(str(src / "model.safetensors"))
    vocab = (src / "vocab.txt").read_text(encoding="utf-8").splitlines()
    encoder = _bfloat16_encoder(tf, weights, vocab, version)
    signatures = {"serving_default": encoder.serving_default, "tokenize": encoder.tokenize_signature,
                  "encode": encoder.encode_signature}
    tf.saved_model.save(encoder, str(out), signatures=signatures)
    meta = {
        "name": model_lib.DEFAULT_MODEL_NAME,
        "version": version,
        "precision": precision,
        "base_version": model_lib.default_model_version(),
        "dimension": 384,
        "case_insensitive": True,
        "max_seq_length": export.MAX_SEQ_LENGTH,
        "source": f"{model_lib.WEIGHTS_PACKAGE}=={model_lib.WEIGHTS_PACKAGE_VERSION}",
        "numerics": "bfloat16 matrix products (weights pre-transposed, query/key/value fused); float32 "
                    "embeddings, biases, softmax, layer norm, GELU, pooling",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    extra = out / model_lib.METADATA_FILE
    extra.parent.mkdir(parents=True, exist_ok=True)
    extra.write_text(json.dumps(meta, indent=2) + "\n")


def _bfloat16_encoder(tf, weights: dict, vocab: list[str], version: str):
    # export.py defines its encoder class inside a function (it closes over the weights); one
    # float32 instance gives us the class, and its float32 dense kernels are dropped below.
    base = type(export._build_encoder(tf, weights, vocab, version))
    bf16 = tf.bfloat16
    layers = export._LAYERS
    head_scale = 1.0 / math.sqrt(export._HIDDEN // export._HEADS)

    class BFloat16MiniLMEncoder(base):
        def __init__(self):
            super().__init__()
            self.precision = tf.Variable(BFLOAT16, trainable=False, name="precision")
            w = self._w
            qkv = ("query", "key", "value")
            self._qkv = [tf.Variable(tf.cast(tf.transpose(tf.concat(
                [w[f"encoder.layer.{i}.attention.self.{n}.weight"] for n in qkv], 0)), bf16),
                trainable=False, name=f"qkv_kernel_{i}") for i in range(layers)]
            self._qkv_bias = [tf.Variable(tf.concat([w[f"encoder.layer.{i}.attention.self.{n}.bias"] for n in qkv], 0),
                                          trainable=False, name=f"qkv_bias_{i}") for i in range(layers)]
            dense = [k for k in list(w.keys()) if k.startswith("encoder.") and k.endswith(".weight")
                     and "LayerNorm" not in k]
            self._kernels = {k[: -len(".weight")].replace(".", "_"):
                             tf.Variable(tf.cast(tf.transpose(w[k]), bf16), trainable=False,
                                         name=k.replace(".", "_") + "_bf16")
                             for k in dense if ".attention.self." not in k}
            for k in dense:  # the float32 copies would only double the model's size
                del w[k]

        def _dense(self, x, prefix):
            y = tf.matmul(tf.cast(x, bf16), self._kernels[prefix.replace(".", "_")])
            return tf.cast(y, tf.float32) + self._w[prefix + ".bias"]

        def _layer(self, h, bias, batch, length, i):
            p = f"encoder.layer.{i}."
            qkv = tf.cast(tf.matmul(tf.cast(h, bf16), self._qkv[i]), tf.float32) + self._qkv_bias[i]
            q, k, v = tf.split(qkv, 3, axis=-1)
            q = self._heads(tf.cast(q * head_scale, bf16), batch, length)
            k = self._heads(tf.cast(k, bf16), batch, length)
            v = self._heads(tf.cast(v, bf16), batch, length)
            scores = tf.cast(tf.matmul(q, k, transpose_b=True), tf.float32) + bias
            probs = tf.cast(tf.nn.softmax(scores, axis=-1), bf16)
            context = tf.reshape(tf.transpose(tf.matmul(probs, v), [0, 2, 1, 3]), [-1, export._HIDDEN])
            h = self._norm(self._dense(context, p + "attention.output.dense") + h, p + "attention.output.LayerNorm")
            inner = tf.nn.gelu(self._dense(h, p + "intermediate.dense"), approximate=False)
            return self._norm(self._dense(inner, p + "output.dense") + h, p + "output.LayerNorm")

    return BFloat16MiniLMEncoder()
