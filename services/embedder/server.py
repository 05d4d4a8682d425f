"""The embedder's gRPC entry point: `python -m services.embedder.server`, or `serve(config)` in-process.

The port opens before the model loads, with the standard health service answering
NOT_SERVING until the model is ready (then SERVING), so an orchestrator can tell "starting"
from "dead". SIGTERM flips health to NOT_SERVING, refuses new calls and lets in-flight calls
finish within VEIL_EMBEDDER_GRACE_S before the process exits.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from services.embedder import settings as embedder_settings
from services.embedder.cache import LRUCache
from services.embedder.metrics import EmbedderMetrics
from services.embedder.model import EmbeddingModel, load_model
from services.embedder.service import (
    DeadlineExceeded,
    EmbeddingService,
    InvalidInput,
    ModelFailure,
    NotSupported,
    Overloaded,
    ShuttingDown,
    VersionMismatch,
    token_rows_size,
)
from services.embedder.texts import Limits, invalid_utf8_message
from veil import gctune, logs, tracing
from veil.config import Config
from veil.grpc_context import RequestIdServerInterceptor
from veil.stubs import pb2

SERVICE_NAME = pb2.DESCRIPTOR.services_by_name["Embedder"].full_name
_MAX_CONNECTION_AGE_MS = 5 * 60 * 1000
_MAX_CONNECTION_AGE_GRACE_MS = 30 * 1000
_log = logging.getLogger(__name__)


class _BadRequest:
    """What the request decoder returns for bytes protobuf refuses, so the handler can answer INVALID_ARGUMENT."""

    def __init__(self, message: str):
        self.message = message


def _lenient_request_class() -> Any:
    """EmbedRequest with `bytes` instead of `string` fields (same wire format), to find the bad UTF-8."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    fdp = descriptor_pb2.FileDescriptorProto(name="veil_embedder_lenient.proto", package="veil.embedder.lenient",
                                             syntax="proto3")
    msg = fdp.message_type.add(name="EmbedRequestBytes")
    field = descriptor_pb2.FieldDescriptorProto
    msg.field.add(name="texts", number=1, type=field.TYPE_BYTES, label=field.LABEL_REPEATED)
    msg.field.add(name="expected_model_version", number=2, type=field.TYPE_BYTES, label=field.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("veil.embedder.lenient.EmbedRequestBytes"))


_LenientRequest = _lenient_request_class()


def _lenient_decoder(message: Any) -> Any:
    """A request deserializer that turns bytes protobuf refuses into a _BadRequest naming the bad texts.

    EmbedRequest and EmbedTokensRequest share field numbers and types, so one bytes twin reads both.
    """
    name = message.DESCRIPTOR.name

    def decode(raw: bytes) -> Any:
        try:
            return message.FromString(raw)
        except Exception:  # noqa: BLE001 - protobuf raises DecodeError; anything else is bad input too
            try:
                lenient = _LenientRequest.FromString(raw)
            except Exception:  # noqa: BLE001
                return _BadRequest(f"the request is not a valid {name} message")
            return _BadRequest(invalid_utf8_message(list(lenient.texts), name))

    return decode


decode_embed_request = _lenient_decoder(pb2.EmbedRequest)
decode_embed_tokens_request = _lenient_decoder(pb2.EmbedTokensRequest)


_STATUS = {
    InvalidInput: grpc.StatusCode.INVALID_ARGUMENT,
    VersionMismatch: grpc.StatusCode.FAILED_PRECONDITION,
    Overloaded: grpc.StatusCode.RESOURCE_EXHAUSTED,
    DeadlineExceeded: grpc.StatusCode.DEADLINE_EXCEEDED,
    ShuttingDown: grpc.StatusCode.UNAVAILABLE,
    ModelFailure: grpc.StatusCode.INTERNAL,
    NotSupported: grpc.StatusCode.UNIMPLEMENTED,
}
# Per token on the wire beyond its float16 vector: two int32 offsets as varints (<= 5 bytes each).
_TOKEN_OFFSET_BYTES = 10


class EmbedderServicer:
    """Parses, calls EmbeddingService, serialises; every failure ends the call with a status and a message."""

    def __init__(self, metrics: EmbedderMetrics, max_message_bytes: int = 0):
        self.metrics = metrics
        self.service: EmbeddingService | None = None
        self.max_message_bytes = max_message_bytes
        # Set on SIGTERM before health flips, so no call that arrives after it is taken on,
        # even in the moment before gRPC itself stops accepting calls.
        self.draining = False
        self._embed_seconds = metrics.call_seconds.labels("Embed")
        self._tokens_seconds = metrics.call_seconds.labels("EmbedTokens")

    def Embed(self, request: Any, context: grpc.ServicerContext) -> pb2.EmbedResponse:
        return self._answer("Embed", self._embed_seconds, self._embed, request, context)

    def EmbedTokens(self, request: Any, context: grpc.ServicerContext) -> pb2.EmbedTokensResponse:
        return self._answer("EmbedTokens", self._tokens_seconds, self._embed_tokens, request, context)

    def _answer(self, rpc: str, seconds: Any, handler: Any, request: Any, context: grpc.ServicerContext) -> Any:
        """Runs an RPC's handler, counts and times it, and ends a failed call with its status."""
        start = time.perf_counter()
        code, message, response = handler(request, context)
        self.metrics.calls.labels(rpc, code.name).inc()
        seconds.observe(time.perf_counter() - start)
        if code is not grpc.StatusCode.OK:
            context.abort(code, message)
        return response

    def _run(self, rpc: str, request: Any, context: grpc.ServicerContext, counter: Any,
             call: Any) -> tuple[grpc.StatusCode, str, Any]:
        """What Embed and EmbedTokens share: bad input, a model still loading, the deadline, the errors."""
        if isinstance(request, _BadRequest):
            return grpc.StatusCode.INVALID_ARGUMENT, request.message, None
        service = self.service
        if service is None:
            return grpc.StatusCode.UNAVAILABLE, "the model is still loading; retry shortly", None
        if self.draining:
            return grpc.StatusCode.UNAVAILABLE, "the embedder is shutting down; retry on another replica", None
        remaining = context.time_remaining()
        deadline = None if remaining is None else time.monotonic() + remaining
        texts = request.texts
        counter.inc(len(texts))
        try:
            return grpc.StatusCode.OK, "", call(service)(texts, request.expected_model_version or None, deadline)
        except tuple(_STATUS) as exc:
            if isinstance(exc, ModelFailure):
                _log.error("%s failed: %s", rpc, exc)
            return _STATUS[type(exc)], str(exc), None
        except Exception:  # noqa: BLE001 - a bug: log it, answer INTERNAL without details
            _log.exception("unexpected error in %s (%d texts)", rpc, len(texts))
            return grpc.StatusCode.INTERNAL, "unexpected error; quote the request id when reporting it", None

    def _embed(self, request: Any, context: grpc.ServicerContext) -> tuple[grpc.StatusCode, str, Any]:
        code, message, result = self._run("Embed", request, context, self.metrics.texts, lambda s: s.embed)
        if code is not grpc.StatusCode.OK:
            return code, message, None
        return grpc.StatusCode.OK, "", pb2.EmbedResponse(
            vectors=b"".join(result.rows), dimension=result.dimension, model_name=result.model_name,
            model_version=result.model_version, cache_hits=result.cache_hits)

    def _embed_tokens(self, request: Any, context: grpc.ServicerContext) -> tuple[grpc.StatusCode, str, Any]:
        code, message, result = self._run("EmbedTokens", request, context, self.metrics.token_texts,
                                          lambda s: s.embed_tokens)
        if code is not grpc.StatusCode.OK:
            return code, message, None
        size = sum(len(r.vectors) + _TOKEN_OFFSET_BYTES * r.n_tokens for r in result.rows)
        if self.max_message_bytes and size > self.max_message_bytes:
            # The character limit keeps ordinary text far below this; only texts whose
            # characters each make several tokens get here. Retrying would not help.
            return (grpc.StatusCode.INVALID_ARGUMENT, f"the answer would take about {size} bytes, over the "
                    f"{self.max_message_bytes}-byte message limit; send fewer texts per call", None)
        return grpc.StatusCode.OK, "", pb2.EmbedTokensResponse(
            model_name=result.model_name, model_version=result.model_version, dimension=result.dimension,
            results=[pb2.TokenVectors(vectors=r.vectors, starts=r.starts.tolist(), ends=r.ends.tolist(), cache_hit=h)
                     for r, h in zip(result.rows, result.cache_hit)],
            cache_hits=result.cache_hits)

    def Info(self, request: Any, context: grpc.ServicerContext) -> pb2.InfoResponse:
        service = self.service
        if service is None:
            self.metrics.calls.labels("Info", "UNAVAILABLE").inc()
            context.abort(grpc.StatusCode.UNAVAILABLE, "the model is still loading; retry shortly")
        self.metrics.calls.labels("Info", "OK").inc()
        s, t = service.cache.stats(), service.token_cache.stats()
        return pb2.InfoResponse(
            model_name=service.model.name, model_version=service.model.version, dimension=service.model.dimension,
            cache=pb2.CacheStats(hits=s.hits, misses=s.misses, size=s.size, maxsize=s.maxsize),
            max_batch_size=service.max_batch_size, max_wait_ms=round(service.max_wait_s * 1000),
            token_cache=pb2.CacheStats(hits=t.hits, misses=t.misses, size=t.size, maxsize=t.maxsize, bytes=t.bytes,
                                       max_bytes=t.max_bytes),
            token_vectors=service.token_vectors, precision=getattr(service.model, "precision", "float32"),
            max_batch_tokens=service.max_batch_tokens)


def _handlers(servicer: EmbedderServicer) -> grpc.GenericRpcHandler:
    # Written out instead of the generated add_EmbedderServicer_to_server so Embed gets the
    # lenient decoder: protobuf's own failure would reach the caller as INTERNAL.
    return grpc.method_handlers_generic_handler(SERVICE_NAME, {
        "Embed": grpc.unary_unary_rpc_method_handler(
            servicer.Embed, request_deserializer=decode_embed_request,
            response_serializer=pb2.EmbedResponse.SerializeToString),
        "Info": grpc.unary_unary_rpc_method_handler(
            servicer.Info, request_deserializer=pb2.InfoRequest.FromString,
            response_serializer=pb2.InfoResponse.SerializeToString),
        "EmbedTokens": grpc.unary_unary_rpc_method_handler(
            servicer.EmbedTokens, request_deserializer=decode_embed_tokens_request,
            response_serializer=pb2.EmbedTokensResponse.SerializeToString),
    })


class EmbedderServer:
    """The running server: gRPC, health, metrics endpoint and the model thread, stopped together."""

    def __init__(self, grpc_server: grpc.Server, servicer: EmbedderServicer, health_servicer: health.HealthServicer,
                 metrics_httpd: Any, port: int, metrics_port: int, grace: float):
        self.grpc_server = grpc_server
        self.servicer = servicer
        self.health = health_servicer
        self._metrics_httpd = metrics_httpd
        self.port = port
        self.metrics_port = metrics_port
        self.grace = grace
        self._stopped = threading.Event()
        self._stopping = False

    @property
    def service(self) -> EmbeddingService | None:
        return self.servicer.service

    def stop(self, grace: float | None = None) -> threading.Event:
        """Drains in-flight calls (up to `grace` seconds), then stops the model thread and /metrics."""
        if self._stopping:
            return self._stopped
        self._stopping = True
        grace = self.grace if grace is None else grace
        self.servicer.draining = True
        self.health.enter_graceful_shutdown()

        def finish() -> None:
            self.grpc_server.stop(grace).wait()
            if self.servicer.service is not None:
                self.servicer.service.close(timeout=5)
            if self._metrics_httpd is not None:
                self._metrics_httpd.shutdown()
                self._metrics_httpd.server_close()
            self._stopped.set()

        threading.Thread(target=finish, name="embedder-stop", daemon=True).start()
        return self._stopped

    def wait_for_termination(self, timeout: float | None = None) -> bool:
        return self._stopped.wait(timeout)


def _credentials(config: Config) -> grpc.ServerCredentials | None:
    if not config.embedder_tls_cert:
        return None
    key = Path(config.embedder_tls_key).read_bytes()
    cert = Path(config.embedder_tls_cert).read_bytes()
    return grpc.ssl_server_credentials([(key, cert)])


def serve(config: Config | None = None, model: EmbeddingModel | None = None) -> tuple[EmbedderServer, int]:
    """Starts the server, loads the model (or uses `model`), marks it SERVING; returns (server, port)."""
    config = config or embedder_settings.load_config()
    tracing.configure("embedder")  # spans only with VEIL_OTLP_ENDPOINT set; trace context passes on regardless
    metrics = EmbedderMetrics()
    servicer = EmbedderServicer(metrics, config.embedder_max_message_bytes)
    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    for name in ("", SERVICE_NAME):
        health_servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)

    limit = config.embedder_max_message_bytes
    grpc_server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=config.embedder_workers, thread_name_prefix="embedder-rpc"),
        interceptors=[RequestIdServerInterceptor()],
        options=[("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit),
                 # Clients reconnect now and then (in-flight calls get the grace period), so their
                 # round_robin re-resolves the name and finds replicas added by a scale-out.
                 ("grpc.max_connection_age_ms", _MAX_CONNECTION_AGE_MS),
                 ("grpc.max_connection_age_grace_ms", _MAX_CONNECTION_AGE_GRACE_MS)],
        # Calls beyond the worker count are refused at once instead of queueing behind calls
        # that wait for the model, so a cache hit never waits for a thread held by model work.
        maximum_concurrent_rpcs=config.embedder_workers,
    )
    grpc_server.add_generic_rpc_handlers((_handlers(servicer),))
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, grpc_server)
    reflection.enable_server_reflection(
        (SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME),
        grpc_server)

    address = f"{config.embedder_host}:{config.embedder_port}"
    credentials = _credentials(config)
    try:
        port = (grpc_server.add_secure_port(address, credentials) if credentials
                else grpc_server.add_insecure_port(address))
    except RuntimeError as exc:
        raise RuntimeError(f"could not bind the embedder to {address}: {exc}") from None
    if not port:
        raise RuntimeError(f"could not bind the embedder to {address}")
    grpc_server.start()
    _log.info("embedder listening on %s:%d (%s); loading the model", config.embedder_host, port,
              "TLS" if credentials else "plaintext")

    from prometheus_client import start_http_server

    httpd, _thread = start_http_server(config.embedder_metrics_port, addr=config.embedder_host,
                                       registry=metrics.registry)
    metrics_port = httpd.server_port
    server = EmbedderServer(grpc_server, servicer, health_servicer, httpd, port, metrics_port,
                            config.embedder_grace_s)
    try:
        if model is None:
            model = load_model(config.embedder_model, config.embedder_intra_op_threads,
                               config.embedder_inter_op_threads, config.embedder_precision)
        cache = LRUCache(config.embedder_cache_maxsize)
        # VEIL_EMBEDDER_CACHE_MAXSIZE=0 turns both caches off.
        token_cache = LRUCache(embedder_settings.TOKEN_CACHE_MAXSIZE if config.embedder_cache_maxsize else 0,
                               max_bytes=embedder_settings.TOKEN_CACHE_MAX_BYTES, sizeof=token_rows_size)
        limits = Limits(config.embedder_max_texts, config.embedder_max_text_chars,
                        max_token_call_chars=_max_token_call_chars(config.embedder_max_message_bytes,
                                                                   model.dimension))
        service = EmbeddingService(
            model, cache, limits, max_batch_size=config.embedder_max_batch_size,
            max_wait_s=config.embedder_max_wait_ms / 1000.0, max_queue=config.embedder_max_queue,
            max_batch_tokens=config.embedder_max_batch_tokens,
            observer=metrics.observer(), token_cache=token_cache)
    except BaseException:
        server.stop(0).wait(10)
        raise
    metrics.watch(cache, lambda: service.batcher.depth, token_cache)
    metrics.model_info.labels(model.name, model.version).set(1)
    servicer.service = service
    for name in ("", SERVICE_NAME):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    _log.info("embedder ready on port %d: model %s version %s (%s), dimension %d, cache maxsize %d, "
              "max batch %d texts and %d tokens, max wait %.1f ms, metrics on port %d", port, model.name,
              model.version, getattr(model, "precision", "float32"), model.dimension, cache.maxsize,
              service.max_batch_size, service.max_batch_tokens, config.embedder_max_wait_ms, metrics_port)
    return server, port


def _max_token_call_chars(max_message_bytes: int, dimension: int) -> int:
    """The most characters per EmbedTokens call whose answer fits in one message.

    WordPiece makes at most about one token per character (CJK, digits, punctuation), so an
    answer holds at most that many float16 rows and offset pairs; a quarter of the message is
    left for framing and the few characters that make more than one token.
    """
    return max(1, (max_message_bytes * 3 // 4) // (2 * dimension + _TOKEN_OFFSET_BYTES))


def main(argv: list[str] | None = None) -> int:
    logs.configure()
    from veil.config import ConfigError

    try:
        config = embedder_settings.load_config()
    except ConfigError as exc:
        _log.error("configuration error: %s", exc)
        return 2
    stop = threading.Event()
    # Installed before the model loads, so a SIGTERM during loading also ends the process cleanly.
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
    if config.embedder_parent_pid:
        threading.Thread(target=_stop_when_orphaned, args=(config.embedder_parent_pid, stop),
                         name="embedder-parent-watch", daemon=True).start()
    try:
        server, _port = serve(config)
    except Exception as exc:  # noqa: BLE001 - a start failure is logged with its reason, not a traceback dump
        _log.error("embedder failed to start: %s", exc, exc_info=not isinstance(exc, (RuntimeError, OSError)))
        return 1
    # TensorFlow leaves ~400,000 Python objects behind; a full collection scans them all (~0.2 s
    # on 2 cores) and stalls every call meanwhile. Frozen objects are never scanned again.
    gctune.freeze_loaded()
    stop.wait()
    _log.info("stopping: draining in-flight calls for up to %.0fs", server.grace)
    server.stop().wait()
    _log.info("embedder stopped")
    return 0


def _stop_when_orphaned(parent_pid: int, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        if os.getppid() != parent_pid:
            _log.warning("parent process %d is gone; stopping", parent_pid)
            stop.set()


def _exit_now(code: int) -> None:
    """Ends the process without interpreter teardown, which takes seconds with TensorFlow loaded.

    Only called after `main` returned: calls are drained, the model thread and /metrics are
    stopped, so nothing is left to clean up but buffers, which are flushed first.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit_now(main())
