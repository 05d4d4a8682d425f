"""Client for the central embedder (gRPC and numpy only): deadlines, retries with backoff, chunking, fork-safe.

    client = EmbedderClient()                      # VEIL_EMBEDDER_ADDRESS or 127.0.0.1:50051
    res = client.embed(["chest pain", "Maria Gonzalez"])
    res.vectors                                    # float32 (2, 384), L2-normalised for the default model
    toks = client.embed_tokens(["Maria Gonzalez was admitted."])
    toks[0].vectors, toks[0].starts, toks[0].ends  # float32 (n, 384); int32 (n,): text[starts[i]:ends[i]]

The channel is created on first use and again in a forked child (gunicorn workers): gRPC
channels must not cross a fork. Large lists go out in chunks; every chunk after the first
asks for the first chunk's model version, so one answer never mixes two embedding spaces.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import grpc
import numpy as np

from veil.config import Setting, declare
from veil.decorators import backoff_delays
from veil.grpc_context import RequestIdClientInterceptor

DEFAULT_ADDRESS = "127.0.0.1:50051"
DEFAULT_TIMEOUT = 10.0
DEFAULT_CHUNK_SIZE = 512  # the server accepts up to VEIL_EMBEDDER_MAX_TEXTS (1024 by default) per call
# EmbedTokens answers grow with the text (a 384-d float16 vector per token): the server takes
# up to about 16,000 characters per call with its default 16 MB messages; a margin below that.
DEFAULT_TOKEN_CHUNK_CHARS = 12_000
DEFAULT_ATTEMPTS = 4
DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
_RETRY_AFTER_S = 1

CLIENT_SETTINGS = declare(
    "embedder client",
    Setting("VEIL_EMBEDDER_ADDRESS", DEFAULT_ADDRESS, str,
            "host:port of the embedder, read by every service that calls it (classifier, gateway)."),
    Setting("VEIL_EMBEDDER_TLS_CA", "", str,
            "PEM root certificate that signed the embedder's TLS certificate. Set it when the embedder runs "
            "with VEIL_EMBEDDER_TLS_CERT; empty means plaintext."),
)

# Worth another try (another replica, a restart, a drained queue); everything else is final.
_RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED})
_UNAVAILABLE = _RETRYABLE | {grpc.StatusCode.DEADLINE_EXCEEDED}


class EmbedderError(Exception):
    """The embedder answered with an error (`code` is the gRPC status code, when there was one)."""

    def __init__(self, message: str, code: grpc.StatusCode | None = None):
        super().__init__(message)
        self.code = code


class EmbedderUnavailable(EmbedderError):
    """Unreachable, overloaded or too slow after bounded retries: answer 503 with Retry-After."""

    transient = True  # veil.decorators.retry treats it as worth retrying

    def __init__(self, message: str, code: grpc.StatusCode | None = None, retry_after: int = _RETRY_AFTER_S):
        super().__init__(message, code)
        self.retry_after = retry_after


class EmbedderInvalidInput(EmbedderError):
    """The texts were refused (INVALID_ARGUMENT); the message names the problem and is safe to show."""


class EmbedderVersionMismatch(EmbedderError):
    """The embedder serves another model version than the caller expects (FAILED_PRECONDITION)."""


@dataclass(frozen=True)
class TokenEmbeddings:
    """One text's tokens ([CLS]/[SEP] left out), in text order."""

    vectors: np.ndarray  # float32 (n_tokens, dimension): last hidden states, sent as float16
    starts: np.ndarray  # int32 (n_tokens,): token i is text[starts[i]:ends[i]] (Python str indices)
    ends: np.ndarray
    model_name: str
    model_version: str
    cache_hit: bool = False

    def __len__(self) -> int:
        return len(self.starts)


@dataclass(frozen=True)
class Embeddings:
    vectors: np.ndarray  # float32 (n, dimension), in the order of the texts
    model_name: str
    model_version: str
    cache_hits: int

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])


_create_lock = threading.Lock()


def _fresh_lock_in_child() -> None:
    # A lock held by another thread at fork time would stay locked forever in the child.
    global _create_lock
    _create_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_lock_in_child)


class EmbedderClient:
    """Thread-safe; one channel per process, shared by all threads."""

    def __init__(self, address: str | None = None, timeout: float = DEFAULT_TIMEOUT, *,
                 chunk_size: int = DEFAULT_CHUNK_SIZE, attempts: int = DEFAULT_ATTEMPTS,
                 backoff_base: float = 0.1, backoff_cap: float = 2.0, tls_ca: str | None = None,
                 max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES, sleep: Callable[[float], None] = time.sleep,
                 token_chunk_chars: int = DEFAULT_TOKEN_CHUNK_CHARS):
        if chunk_size < 1 or attempts < 1 or token_chunk_chars < 1:
            raise ValueError("chunk_size, attempts and token_chunk_chars must be >= 1")
        self.token_chunk_chars = token_chunk_chars
        self.address = address or os.environ.get("VEIL_EMBEDDER_ADDRESS") or DEFAULT_ADDRESS
        self.timeout = timeout
        self.chunk_size = chunk_size
        self.attempts = attempts
        self._backoff = (backoff_base, backoff_cap)
        self._tls_ca = tls_ca if tls_ca is not None else os.environ.get("VEIL_EMBEDDER_TLS_CA", "")
        self._max_message = max_message_bytes
        self._sleep = sleep
        self._pid: int | None = None
        self._channel: grpc.Channel | None = None
        self._calls: tuple[Any, ...] | None = None
        self._inherited: list[grpc.Channel] = []

    # -- channel ---------------------------------------------------------------------------

    def _rpc(self) -> tuple[Any, ...]:
        """(Embed, Info, EmbedTokens) callables on this process's channel, created on first use."""
        pid = os.getpid()
        calls = self._calls
        if calls is not None and self._pid == pid:
            return calls
        with _create_lock:
            if self._calls is None or self._pid != pid:
                if self._channel is not None and self._pid != pid:
                    # The parent's channel: never used or closed here, only kept from the GC.
                    self._inherited.append(self._channel)
                self._channel = self._new_channel()
                self._calls = self._bind(self._channel)
                self._pid = pid
            return self._calls

    def _new_channel(self) -> grpc.Channel:
        options = [("grpc.max_receive_message_length", self._max_message),
                   ("grpc.max_send_message_length", self._max_message),
                   # A dns:/// name with one record per embedder replica (Cloud Map in ECS) is
                   # spread over all of them; the default pick_first would pin one replica.
                   ("grpc.lb_policy_name", "round_robin")]
        if self._tls_ca:
            with open(self._tls_ca, "rb") as f:
                credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
            channel = grpc.secure_channel(self.address, credentials, options=options)
        else:
            channel = grpc.insecure_channel(self.address, options=options)
        return grpc.intercept_channel(channel, RequestIdClientInterceptor())

    @staticmethod
    def _bind(channel: grpc.Channel) -> tuple[Any, ...]:
        from veil.stubs import pb2

        embed = channel.unary_unary("/veil.embedder.v1.Embedder/Embed",
                                    request_serializer=pb2.EmbedRequest.SerializeToString,
                                    response_deserializer=pb2.EmbedResponse.FromString)
        info = channel.unary_unary("/veil.embedder.v1.Embedder/Info",
                                   request_serializer=pb2.InfoRequest.SerializeToString,
                                   response_deserializer=pb2.InfoResponse.FromString)
        tokens = channel.unary_unary("/veil.embedder.v1.Embedder/EmbedTokens",
                                     request_serializer=pb2.EmbedTokensRequest.SerializeToString,
                                     response_deserializer=pb2.EmbedTokensResponse.FromString)
        return embed, info, tokens

    def close(self) -> None:
        with _create_lock:
            if self._channel is not None and self._pid == os.getpid():
                self._channel.close()
            self._channel = None
            self._calls = None

    def __enter__(self) -> "EmbedderClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- calls -----------------------------------------------------------------------------

    def _call(self, which: int, request: Any) -> Any:
        delays = backoff_delays(self.attempts, *self._backoff)
        for attempt in range(self.attempts):
            try:
                return self._rpc()[which](request, timeout=self.timeout)
            except grpc.RpcError as exc:
                code = exc.code() if hasattr(exc, "code") else None
                if code in _RETRYABLE and attempt < self.attempts - 1:
                    self._sleep(delays[attempt])
                    continue
                raise _error_for(exc, code, self.address, attempt + 1) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def embed(self, texts: Sequence[str], expected_model_version: str | None = None) -> Embeddings:
        """Vectors for `texts` in order; raises an EmbedderError subclass on failure."""
        from veil.stubs import pb2

        texts = list(_check_texts(texts))
        chunks = _chunks(texts, self.chunk_size, self._max_message // 2) or [texts]
        parts: list[np.ndarray] = []
        version = expected_model_version or ""
        name, hits = "", 0
        for chunk in chunks:
            reply = self._call(0, pb2.EmbedRequest(texts=list(chunk), expected_model_version=version))
            parts.append(_vectors(reply, len(chunk)))
            name, version, hits = reply.model_name, reply.model_version, hits + reply.cache_hits
        vectors = parts[0].copy() if len(parts) == 1 else np.concatenate(parts)
        return Embeddings(vectors, name, version, hits)

    def embed_tokens(self, texts: Sequence[str], expected_model_version: str | None = None) -> list[TokenEmbeddings]:
        """Per text, one vector per WordPiece token and its character span; raises an EmbedderError subclass.

        Texts go as they are (offsets index them exactly); an empty text gives zero tokens.
        Lists are sent in chunks of at most `chunk_size` texts and `token_chunk_chars`
        characters, every chunk after the first pinned to the first one's model version.
        """
        from veil.stubs import pb2

        texts = list(_check_texts(texts))
        chunks = _chunks(texts, self.chunk_size, self._max_message // 2, max_chars=self.token_chunk_chars) or [texts]
        out: list[TokenEmbeddings] = []
        version = expected_model_version or ""
        for chunk in chunks:
            reply = self._call(2, pb2.EmbedTokensRequest(texts=list(chunk), expected_model_version=version))
            out.extend(_token_embeddings(reply, len(chunk)))
            version = reply.model_version
        return out

    def info(self) -> dict:
        from veil.stubs import pb2

        r = self._call(1, pb2.InfoRequest())
        return {
            "model_name": r.model_name, "model_version": r.model_version, "dimension": r.dimension,
            "cache": {"hits": r.cache.hits, "misses": r.cache.misses, "size": r.cache.size,
                      "maxsize": r.cache.maxsize},
            "max_batch_size": r.max_batch_size, "max_wait_ms": r.max_wait_ms,
            "token_vectors": r.token_vectors, "precision": r.precision or "float32",
            "max_batch_tokens": r.max_batch_tokens,
            "token_cache": {"hits": r.token_cache.hits, "misses": r.token_cache.misses, "size": r.token_cache.size,
                            "maxsize": r.token_cache.maxsize, "bytes": r.token_cache.bytes,
                            "max_bytes": r.token_cache.max_bytes},
        }


def _check_texts(texts: Sequence[str]) -> Sequence[str]:
    if isinstance(texts, (str, bytes)):
        raise EmbedderInvalidInput("texts must be a list of strings, not a single string")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise EmbedderInvalidInput(f"texts[{i}] is a {type(text).__name__}, not a string")
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise EmbedderInvalidInput(f"texts[{i}] is not valid UTF-8 (it holds a lone surrogate)") from None
    return texts


def _chunks(texts: list[str], max_count: int, max_bytes: int, max_chars: int = 0) -> list[list[str]]:
    """Consecutive chunks of at most `max_count` texts, about `max_bytes` of UTF-8 and `max_chars` characters each.

    A single text over `max_chars` goes alone (the server judges it by its own limits).
    """
    chunks: list[list[str]] = []
    current: list[str] = []
    size = chars = 0
    for i, text in enumerate(texts):
        n = len(text) if text.isascii() else len(text.encode("utf-8"))
        if n > max_bytes:
            raise EmbedderInvalidInput(f"texts[{i}] is too large to send: {n} bytes")
        if current and (len(current) >= max_count or size + n > max_bytes
                        or (max_chars and chars + len(text) > max_chars)):
            chunks.append(current)
            current, size, chars = [], 0, 0
        current.append(text)
        size += n + 8  # protobuf's per-text framing, generously
        chars += len(text)
    if current:
        chunks.append(current)
    return chunks


def _vectors(reply: Any, n: int) -> np.ndarray:
    dim = reply.dimension
    if dim == 0 or len(reply.vectors) != n * dim * 4:
        raise EmbedderError(f"malformed reply: {len(reply.vectors)} bytes for {n} texts of dimension {dim}")
    return np.frombuffer(reply.vectors, dtype="<f4").reshape(n, dim)


def _token_embeddings(reply: Any, n: int) -> list[TokenEmbeddings]:
    dim = reply.dimension
    if dim == 0 or len(reply.results) != n:
        raise EmbedderError(f"malformed reply: {len(reply.results)} results for {n} texts of dimension {dim}")
    out = []
    for r in reply.results:
        k = len(r.starts)
        if len(r.ends) != k or len(r.vectors) != k * dim * 2:
            raise EmbedderError(f"malformed reply: {len(r.vectors)} bytes and {k}/{len(r.ends)} offsets "
                                f"for tokens of dimension {dim}")
        vectors = np.frombuffer(r.vectors, dtype="<f2").reshape(k, dim).astype(np.float32)
        out.append(TokenEmbeddings(vectors, np.array(r.starts, dtype=np.int32), np.array(r.ends, dtype=np.int32),
                                   reply.model_name, reply.model_version, r.cache_hit))
    return out


def _error_for(exc: grpc.RpcError, code: grpc.StatusCode | None, address: str, attempts: int) -> EmbedderError:
    details = exc.details() if hasattr(exc, "details") else str(exc)
    if code is grpc.StatusCode.INVALID_ARGUMENT:
        return EmbedderInvalidInput(details or "invalid input", code)
    if code is grpc.StatusCode.FAILED_PRECONDITION:
        return EmbedderVersionMismatch(details or "model version mismatch", code)
    if code in _UNAVAILABLE:
        name = code.name if code else "UNKNOWN"
        return EmbedderUnavailable(f"embedder at {address} unavailable after {attempts} attempt(s): "
                                   f"{name}: {details}", code)
    return EmbedderError(f"embedder call failed: {code.name if code else 'UNKNOWN'}: {details}", code)
