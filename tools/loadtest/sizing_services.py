"""The services a sizing sweep measures: an embedder and a classifier per point, and an untrained head to serve."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from tools.loadtest.sizing_points import _START_TIMEOUT_S, Point

_log = logging.getLogger(__name__)


def _check_model(root: Path, model: str) -> str | None:
    from services.classifier import registry

    if registry.active_version(root, model) is None:
        return (f"no active version of model {model!r} in the registry {root}: publish one first "
                "(`veil train`, see services/classifier/README.md), point --registry at a registry that has it, "
                "or size with --untrained-head")
    return None


def _untrained_labels(model: str) -> list[str] | None:
    """The label set of a model the training package knows how to build, for --untrained-head."""
    if model == "phi-type":
        from tools.synthetic import phi_data

        return list(phi_data.LABELS)
    if model == "general-phrases":
        from tools.synthetic import phrase_data

        return list(phrase_data.classes())
    return None


def _check_untrained(model: str) -> str | None:
    from services.classifier.training import config as training_config

    if _untrained_labels(model) is None or not training_config.resolve(model).exists():
        return f"--untrained-head knows phi-type and general-phrases, not {model!r}; publish a trained head instead"
    return None


def publish_untrained_head(root: Path, model: str, embedder_info: dict) -> str:
    """Publishes a head of `model`'s configured architecture with untrained weights; returns its version.

    The head fits the running embedder (name, version, dimension), so the classifier serves it
    exactly as it would a trained one: same layers, same cost, meaningless answers.
    """
    from services.classifier import registry
    from services.classifier.training import config as training_config
    from services.classifier.training import models

    labels = _untrained_labels(model)
    cfg = training_config.load(training_config.resolve(model))
    head = models.build(cfg.model, int(embedder_info["dimension"]), len(labels))
    version = "untrained-" + time.strftime("%Y%m%dT%H%M%S")
    registry.publish(root, model, version, head=head, labels=labels, report={"note": "untrained: sizing only"},
                     metadata={"embedder_model": embedder_info["model_name"],
                               "embedder_version": embedder_info["model_version"],
                               "dimension": int(embedder_info["dimension"]), "untrained": True,
                               "architecture": models.architecture_id(cfg.model)})
    return version


class SizingServices:
    """The embedder (kept while its batching settings stay) and a fresh classifier per point, started with the
    images' start commands; unlike `tools.commands.stack.Stack`, it restarts one service per point."""

    def __init__(self, folder: Path, registry_root: Path, model: str, untrained_head: bool = False,
                 embedder: str | None = None):
        self.folder = folder
        self.registry_root = registry_root
        self.model = model
        self.untrained_head = untrained_head
        self.external_embedder = embedder
        self.embedder = None
        self.embedder_settings: tuple[int, float] | None = None
        self.embedder_address = ""
        self.classifier = None
        self._runs = 0

    def start(self, point: Point) -> int:
        """Starts (or keeps) the embedder for this point's batching and a fresh classifier; returns its port."""
        from veil import healthcheck, procs, services

        if self.external_embedder and not self.embedder_address:
            address = self.external_embedder
            if not healthcheck.check_grpc(address, 5.0)[0]:
                raise RuntimeError(f"the embedder at {address} is not SERVING")
            self.embedder_address = address
            if self.untrained_head:
                self._ensure_head(address)
        elif not self.external_embedder and self.embedder_settings != point.embedder:
            self.stop()
            port = procs.free_port()
            env = {"VEIL_EMBEDDER_HOST": "127.0.0.1", "VEIL_EMBEDDER_PORT": str(port),
                   "VEIL_EMBEDDER_METRICS_PORT": "0", "VEIL_EMBEDDER_MAX_BATCH_SIZE": str(point.max_batch_size),
                   "VEIL_EMBEDDER_MAX_WAIT_MS": f"{point.max_wait_ms:g}", "VEIL_LOG_LEVEL": "WARNING"}
            tag = f"b{point.max_batch_size}-w{point.max_wait_ms:g}"
            self.embedder = procs.ManagedProcess("embedder", services.get("embedder").local_argv(), env=env,
                                                 log_path=self.folder / "logs" / f"embedder-{tag}.log")
            self.embedder.start()
            address = f"127.0.0.1:{port}"
            self.embedder.wait_ready(lambda: healthcheck.check_grpc(address, 2.0)[0], timeout=_START_TIMEOUT_S,
                                     interval=0.5)
            self.embedder_settings = point.embedder
            self.embedder_address = address
            if self.untrained_head:
                self._ensure_head(address)
        self._runs += 1
        port = procs.free_port()
        env = {"VEIL_CLASSIFIER_HOST": "127.0.0.1", "VEIL_CLASSIFIER_PORT": str(port),
               "VEIL_CLASSIFIER_WORKERS": str(point.workers), "VEIL_CLASSIFIER_THREADS": str(point.threads),
               "VEIL_CLASSIFIER_MODELS": self.model, "VEIL_MODEL_REGISTRY": str(self.registry_root),
               "VEIL_EMBEDDER_ADDRESS": self.embedder_address, "VEIL_LOG_LEVEL": "WARNING",
               # A loopback classifier of this sweep only; the plans send no key it would know.
               "VEIL_CLASSIFIER_ALLOW_UNAUTHENTICATED": "1",
               # Inference records go to a scratch store of this sweep, unless a database is configured.
               "VEIL_HOME": str(self.folder / "home")}
        tag = f"w{point.workers}-t{point.threads}-{self._runs}"
        self.classifier = procs.ManagedProcess("classifier", services.get("classifier").local_argv(), env=env,
                                               log_path=self.folder / "logs" / f"classifier-{tag}.log")
        self.classifier.start()
        self.classifier.wait_ready(procs.http_ready(f"http://127.0.0.1:{port}/readyz", timeout=2.0),
                                   timeout=_START_TIMEOUT_S, interval=0.5)
        return port

    def _ensure_head(self, address: str) -> None:
        from services.classifier import registry
        from veil.clients.embedder import EmbedderClient

        if registry.active_version(self.registry_root, self.model) is not None:
            return
        client = EmbedderClient(address)
        try:
            info = client.info()
        finally:
            client.close()
        version = publish_untrained_head(self.registry_root, self.model, info)
        _log.info("published untrained %s %s for sizing", self.model, version)

    def stop_classifier(self) -> None:
        if self.classifier is not None:
            self.classifier.stop(grace=30.0)
            self.classifier = None

    def stop(self) -> None:
        self.stop_classifier()
        if self.embedder is not None:
            self.embedder.stop(grace=30.0)
            self.embedder = None
            self.embedder_settings = None
