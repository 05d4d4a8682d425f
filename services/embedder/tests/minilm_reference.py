"""An independent numpy MiniLM-L6 (plain-Python WordPiece, BERT in numpy) to check the TF export against."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np

_MAX_LEN = 256


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_control(ch: str) -> bool:
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch) in ("Cc", "Cf")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


class WordPiece:
    """BERT's uncased tokenizer as the original Python implementation describes it."""

    def __init__(self, vocab_path: Path):
        tokens = Path(vocab_path).read_text(encoding="utf-8").splitlines()
        self.vocab = {t: i for i, t in enumerate(tokens)}
        self.unk = self.vocab["[UNK]"]

    def _basic(self, text: str) -> list[str]:
        cleaned = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or _is_control(ch):
                continue
            cleaned.append(" " if ch.isspace() else (f" {ch} " if _is_cjk(cp) else ch))
        words = []
        for word in "".join(cleaned).split():
            word = unicodedata.normalize("NFD", word.lower())
            word = "".join(c for c in word if unicodedata.category(c) != "Mn")
            current = ""
            for ch in word:
                if _is_punctuation(ch):
                    if current:
                        words.append(current)
                    words.append(ch)
                    current = ""
                else:
                    current += ch
            if current:
                words.append(current)
        return words

    def _wordpiece(self, word: str) -> list[int]:
        if len(word) > 100:
            return [self.unk]
        ids, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            ids.append(found)
            start = end
        return ids

    def encode(self, text: str) -> list[int]:
        ids = [i for w in self._basic(text) for i in self._wordpiece(w)][: _MAX_LEN - 2]
        return [self.vocab["[CLS]"], *ids, self.vocab["[SEP]"]]


def _layer_norm(x, w, b, eps=1e-12):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def _erf(x):
    # Abramowitz & Stegun 7.1.26: absolute error below 1.5e-7, far under what a 0.999 cosine can see.
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _gelu(x):
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))


class ReferenceMiniLM:
    """One text at a time, float64, no padding: as plain as the maths gets."""

    def __init__(self, weights_dir: Path):
        from safetensors.numpy import load_file

        self.w = {k: v.astype(np.float64) for k, v in load_file(str(Path(weights_dir) / "model.safetensors")).items()}
        self.tokenizer = WordPiece(Path(weights_dir) / "vocab.txt")

    def _linear(self, x, name):
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def hidden_states(self, ids: list[int]) -> np.ndarray:
        """Last hidden states [len(ids), 384] of one row that already holds [CLS] ... [SEP]."""
        w = self.w
        n = len(ids)
        h = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] \
            + w["embeddings.token_type_embeddings.weight"][0]
        h = _layer_norm(h, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        heads, dh = 12, 32
        for i in range(6):
            p = f"encoder.layer.{i}."
            q = self._linear(h, p + "attention.self.query").reshape(n, heads, dh).transpose(1, 0, 2)
            k = self._linear(h, p + "attention.self.key").reshape(n, heads, dh).transpose(1, 0, 2)
            v = self._linear(h, p + "attention.self.value").reshape(n, heads, dh).transpose(1, 0, 2)
            s = q @ k.transpose(0, 2, 1) / np.sqrt(dh)
            s = np.exp(s - s.max(-1, keepdims=True))
            ctx = (s / s.sum(-1, keepdims=True)) @ v
            ctx = ctx.transpose(1, 0, 2).reshape(n, heads * dh)
            h = _layer_norm(self._linear(ctx, p + "attention.output.dense") + h,
                            w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
            inner = _gelu(self._linear(h, p + "intermediate.dense"))
            h = _layer_norm(self._linear(inner, p + "output.dense") + h,
                            w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        return h

    def embed_one(self, text: str) -> np.ndarray:
        pooled = self.hidden_states(self.tokenizer.encode(text)).mean(0)
        return pooled / np.linalg.norm(pooled)

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.embed_one(t) for t in texts])
