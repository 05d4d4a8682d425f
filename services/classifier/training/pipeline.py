"""`veil train <config>`: PostgreSQL rows -> split -> embeddings -> head (+ ML model) -> reports -> registry.

One call trains one config into a new artifact version and, unless the config says
otherwise, publishes it so the classifier serves it; earlier versions stay for rollback.
A phrase config (the default kind) is trained here; a token config (`kind: token`) goes
through the same steps in `tokens.py` (per-token vectors, span reports).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from services.classifier.training import artifacts, embeddings, models, reports, rows
from services.classifier.training.common import Environment, TrainingDataError, TrainResult, class_weights
from services.classifier.training.config import TrainingConfig
from services.classifier.training.split import Split, normalise, stratified_group_split

_log = logging.getLogger(__name__)

__all__ = ["Environment", "TrainResult", "TrainingDataError", "class_weights", "fit_head", "predict_ids", "train"]


def _prepare(records: list[dict[str, Any]], cfg: TrainingConfig) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Drops unusable rows and too-small classes; returns (records, labels sorted, dropped classes)."""
    usable = [r for r in records if isinstance(r.get("text"), str) and r["text"].strip()
              and r.get("label") not in (None, "")]
    for r in usable:
        r["label"] = str(r["label"])
    counts: dict[str, int] = {}
    for r in usable:
        counts[r["label"]] = counts.get(r["label"], 0) + 1
    dropped = sorted(label for label, n in counts.items() if n < cfg.data.min_rows_per_class)
    if dropped:
        _log.warning("dropping %d class(es) with fewer than %d rows: %s", len(dropped), cfg.data.min_rows_per_class,
                     ", ".join(dropped))
        usable = [r for r in usable if r["label"] not in dropped]
    labels = sorted({r["label"] for r in usable})
    if len(labels) < 2:
        raise TrainingDataError(f"{cfg.name}: the query returned {len(usable)} usable rows in {len(labels)} class(es); "
                                "training needs at least 2 classes (did you run `veil data seed`? is the "
                                "history window too short?)")
    return usable, labels, dropped


def _groups(records: list[dict[str, Any]], cfg: TrainingConfig) -> list[str]:
    column = cfg.split.group_by
    if column == "text":
        return [normalise(r["text"]) for r in records]
    if any(r.get(column) is None for r in records):
        raise TrainingDataError(f"{cfg.name}: split.group_by is {column!r} but the query returns no {column} "
                                "column (or it is empty)")
    return [str(r[column]) for r in records]


def fit_head(cfg: TrainingConfig, vectors: np.ndarray, label_ids: np.ndarray, split: Split,
              n_classes: int) -> tuple[Any, dict[str, list[float]]]:
    """A head fitted on the train part, early-stopped on the validation part; returns (head, history)."""
    import keras

    keras.utils.set_random_seed(cfg.training.seed)
    head = models.build(cfg.model, vectors.shape[1], n_classes)
    weights = class_weights(label_ids[split.train], n_classes, cfg.training.class_weight,
                            cfg.training.class_weight_cap)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=cfg.training.patience,
                                         restore_best_weights=True)
    progress = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: _log.info(
        "%s epoch %d: loss %.4f val_loss %.4f val_accuracy %.4f", cfg.name, epoch + 1, logs.get("loss", 0),
        logs.get("val_loss", 0), logs.get("val_accuracy", 0)))
    history = head.fit(vectors[split.train], label_ids[split.train],
                       validation_data=(vectors[split.validation], label_ids[split.validation]),
                       epochs=cfg.training.epochs, batch_size=cfg.training.batch_size, class_weight=weights,
                       callbacks=[stop, progress], verbose=0, shuffle=True)
    return head, {k: [float(v) for v in vals] for k, vals in history.history.items()}


def predict_ids(head: Any, vectors: np.ndarray) -> np.ndarray:
    """The most probable label id per embedding."""
    return head.predict(vectors, batch_size=2048, verbose=0).argmax(axis=1)


def train(cfg: TrainingConfig, env: Environment, client: Any = None, now: dt.datetime | None = None) -> TrainResult:
    """Trains `cfg` end to end and returns what was produced; raises on unusable data or an unreachable embedder."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    start = time.perf_counter()
    now = now or dt.datetime.now(dt.timezone.utc)

    token = cfg.kind == "token"
    records = rows.fetch(env.database_url, cfg.data.query, cfg.query_params(now),
                         required=rows.REQUIRED_TOKEN_COLUMNS if token else rows.REQUIRED_COLUMNS)
    _log.info("%s: the query returned %d rows", cfg.name, len(records))
    if token:
        from services.classifier.training import tokens

        data = tokens.prepare(records, cfg)

        def build(version: str, out: Path) -> TrainResult:
            return tokens.build_version(cfg, env, client, data, version, out)
    else:
        records, labels, dropped = _prepare(records, cfg)
        index = {label: i for i, label in enumerate(labels)}
        label_ids = np.array([index[r["label"]] for r in records], dtype=np.int64)
        texts = [r["text"] for r in records]
        split = stratified_group_split([r["label"] for r in records], _groups(records, cfg), cfg.split.validation,
                                       cfg.split.test, cfg.split.seed)
        _log.info("%s: split %s", cfg.name, split.sizes())

        def build(version: str, out: Path) -> TrainResult:
            return _build_version(cfg, env, client, records, labels, dropped, label_ids, texts, split, version, out)

    version, out = artifacts.create_version_dir(env.artifacts_root, env.region, cfg.name, now)
    try:
        result = build(version, out)
    except BaseException:
        failed = artifacts.set_aside_failed(out)
        _log.error("%s: training version %s failed; its files are in %s", cfg.name, version, failed)
        raise
    result.seconds = time.perf_counter() - start
    reports.write_json(result.summary(), out / "reports" / "summary.json")
    return result


def _build_version(cfg: TrainingConfig, env: Environment, client: Any, records: list[dict[str, Any]],
                   labels: list[str], dropped: list[str], label_ids: np.ndarray, texts: list[str], split: Split,
                   version: str, out: Path) -> TrainResult:
    artifacts.write_code_zip(out / "code.zip", cfg.source, cfg.as_dict())
    artifacts.write_rows_csv(out / "raw" / "rows.csv", records)

    own_client = client is None
    if own_client:
        from veil.clients.embedder import EmbedderClient

        client = EmbedderClient(address=env.embedder_address, timeout=60.0)
    try:
        embeddings.wait_until_ready(client, unreachable_timeout=env.embedder_unreachable_s)
        emb = embeddings.fetch(texts, client, batch_size=env.embed_batch)
    finally:
        if own_client:
            client.close()
    parts = {"train": split.train, "validation": split.validation, "test": split.test}
    artifacts.write_split(out / "processed", parts, emb.vectors, label_ids)

    head, history = fit_head(cfg, emb.vectors, label_ids, split, len(labels))
    arch = models.architecture_id(cfg.model)
    model_dir = out / "models" / arch
    model_dir.mkdir(parents=True)
    head_path = model_dir / "head.keras"
    head.save(head_path)
    artifacts.write_labels(model_dir / "labels.json", labels)

    reports_dir = out / "reports"
    train_report = reports.classification(label_ids[split.train], predict_ids(head, emb.vectors[split.train]), labels)
    test_pred = predict_ids(head, emb.vectors[split.test])
    test_report = reports.classification(label_ids[split.test], test_pred, labels)
    for report in (train_report, test_report):
        report.update(model=cfg.name, version=version, architecture=arch, epochs_run=len(history.get("loss", [])),
                      dropped_classes=dropped)
    reports.write_json(train_report, reports_dir / "train_report.json")
    reports.write_json(test_report, reports_dir / "test_report.json")
    reports.confusion_png(label_ids[split.test], test_pred, labels, reports_dir / "confusion_test.png",
                          f"{cfg.name} {version}: test split, weighted F1 {test_report['weighted_f1']:.3f}")
    reports.history_csv(history, reports_dir / "history.csv")
    _log.info("%s", reports.summary_line(cfg.name, version, test_report))

    result = TrainResult(cfg.name, version, out, test_report, train_report, sizes=split.sizes())
    if cfg.ml_model:
        result.ml_test_report, ml = _train_ml(cfg, texts, label_ids, labels, split, out, version)
    metadata = {
        "kind": "phrase", "precision": "float32",
        "embedder_model": emb.model_name, "embedder_version": emb.model_version, "dimension": emb.dimension,
        "architecture": arch, "dataset": cfg.data.dataset, "history_days": cfg.data.history_days,
        "trained_rows": int(len(split.train)), "split": split.sizes(), "artifact_dir": str(out),
        "region": env.region, "metrics": {"weighted_f1": test_report["weighted_f1"],
                                          "macro_f1": test_report["macro_f1"], "accuracy": test_report["accuracy"]},
    }
    reports.write_json(metadata, out / "metadata.json")
    if cfg.publish:
        from services.classifier import registry

        result.registry_dir = registry.publish(env.registry_root, cfg.name, version, head=head_path, labels=labels,
                                               metadata=metadata, report=test_report, activate=cfg.activate)
        _log.info("%s: published version %s to %s", cfg.name, version, result.registry_dir)
        if cfg.ml_model:
            from services.classifier import ml_model

            result.ml_registry_dir = ml_model.publish(
                ml, version, env.ml_root, activate=cfg.activate,
                metadata={"dataset": cfg.data.dataset, "artifact_dir": str(out),
                          "metrics": {"weighted_f1": result.ml_test_report["weighted_f1"]}})
    return result


def _train_ml(cfg: TrainingConfig, texts: list[str], label_ids: np.ndarray, labels: list[str], split: Split,
              out: Path, version: str) -> tuple[dict[str, Any], Any]:
    from services.classifier import ml_model

    spec = cfg.ml_model
    train_texts = [texts[i] for i in split.train]
    weights = class_weights(label_ids[split.train], len(labels), cfg.training.class_weight,
                            cfg.training.class_weight_cap)
    model = ml_model.train(train_texts, label_ids[split.train], labels, c=spec.c, class_weight=weights,
                           seed=cfg.training.seed, name=spec.name)
    model.version = version
    ml_model.save(model, out / "models" / spec.type)
    probs, _ = model.predict_proba([texts[i] for i in split.test])
    pred = probs.argmax(axis=1)
    report = reports.classification(label_ids[split.test], pred, labels)
    report.update(model=spec.name, version=version, architecture=spec.type)
    reports.write_json(report, out / "reports" / "ml_test_report.json")
    reports.confusion_png(label_ids[split.test], pred, labels, out / "reports" / "ml_confusion_test.png",
                          f"{spec.name} {version}: test split, weighted F1 {report['weighted_f1']:.3f}")
    _log.info("%s", reports.summary_line(spec.name, version, report, what="ML model"))
    return report, model
