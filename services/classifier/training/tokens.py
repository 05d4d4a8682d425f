"""Token heads (`kind: token`): paragraphs with labelled spans -> per-token vectors -> a head that labels tokens.

Why it differs from a phrase head: a phrase head sees one pooled vector per candidate phrase
and never the sentence; a token head sees every token of a paragraph in context (the
embedder's EmbedTokens: the last hidden state of each WordPiece token, windowed for long texts
exactly as at serving time), so it can tell "CABG" in "s/p CABG x3" from a surname.

The steps, all bounded in memory whatever the number of paragraphs:

1. Rows (`text`, `spans`) are checked; entity types with fewer than `min_rows_per_class` spans
   are dropped (their tokens count as outside). The labels are "O" and the types kept.
2. The split is by row (`group_by: text` keeps identical paragraphs together; `style`,
   `locale` or `template` hold whole ones out), stratified by each row's rarest type.
3. Token vectors are fetched a few dozen paragraphs per call and written straight to
   `processed/token_vectors.f16` (float16, as the embedder sends them: half the bytes, and
   the exact values the service will see); per token only its row, offsets and label id stay
   in memory. Training reads batches from the memory-mapped file.
4. Every token gets the type of the span it overlaps, else "O" (services.classifier.spans: the
   same rules the service decodes with); the head is the config's model factory over one token
   vector, trained with per-token sample weights (class weights, capped).
5. The held-out rows are scored per token and per span (exact and overlapping matches of the
   decoded spans against the labelled ones), per type; the head is published with kind "token".
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from services.classifier import spans as span_rules
from services.classifier.training import artifacts, embeddings, models, reports, rows
from services.classifier.training.common import Environment, TrainingDataError, TrainResult, class_weights
from services.classifier.training.config import TrainingConfig
from services.classifier.training.split import Split, normalise, stratified_group_split

_log = logging.getLogger(__name__)

OUTSIDE = span_rules.OUTSIDE
VECTORS_FILE = "token_vectors.f16"
TOKENS_FILE = "tokens.npz"
_PREDICT_CHUNK = 8_192  # tokens per head call when scoring: 8,192 x 3,456 float32 features = 113 MB


@dataclass
class TokenData:
    """The usable rows of a token config and what the split needs."""

    records: list[dict[str, Any]]
    spans: list[list[dict[str, Any]]]
    labels: list[str]  # "O" first, then the entity types kept, sorted
    dropped: list[str]
    split: Split


@dataclass
class TokenTable:
    """Every token of every row: vectors on disk (memory-mapped), the rest in memory."""

    vectors: np.ndarray  # float16 [tokens, dimension], a read-only memmap
    row: np.ndarray  # int32: the row of each token
    starts: np.ndarray  # int32: character offsets into the row's text
    ends: np.ndarray
    label_ids: np.ndarray  # int16
    row_ptr: np.ndarray  # int64 [rows + 1]: tokens of row r are row_ptr[r]:row_ptr[r + 1]
    fetch: embeddings.TokenFetch

    def tokens_of(self, row_ids: np.ndarray) -> np.ndarray:
        """Token indices of the rows `row_ids`, in row order."""
        if len(row_ids) == 0:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([np.arange(self.row_ptr[r], self.row_ptr[r + 1]) for r in row_ids])


def prepare(records: list[dict[str, Any]], cfg: TrainingConfig) -> TokenData:
    """Checks the rows, counts the types, drops rare ones and splits by row; TrainingDataError when unusable."""
    usable, parsed = [], []
    for i, record in enumerate(records):
        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            continue
        try:
            parsed.append(rows.check_spans(text, record.get("spans"), f"row {i}"))
        except ValueError as exc:
            raise TrainingDataError(f"{cfg.name}: {exc}") from None
        usable.append(record)
    counts: dict[str, int] = {}
    for row_spans in parsed:
        for s in row_spans:
            counts[s["type"]] = counts.get(s["type"], 0) + 1
    dropped = sorted(t for t, n in counts.items() if n < cfg.data.min_rows_per_class)
    if OUTSIDE in counts:
        raise TrainingDataError(f"{cfg.name}: {OUTSIDE!r} is the label of tokens outside every span; "
                                "no span may be typed so")
    if dropped:
        _log.warning("dropping %d entity type(s) with fewer than %d spans (their tokens count as outside): %s",
                     len(dropped), cfg.data.min_rows_per_class, ", ".join(dropped))
    types = sorted(t for t in counts if t not in dropped)
    if not types or len(usable) < 10:
        raise TrainingDataError(f"{cfg.name}: the query returned {len(usable)} usable rows with "
                                f"{len(types)} entity type(s); a token head needs labelled spans of at least one "
                                "type (did you run `veil data seed`? is the history window too short?)")
    parsed = [[s for s in row_spans if s["type"] not in dropped] for row_spans in parsed]
    labels = [OUTSIDE, *types]
    split = stratified_group_split(_strata(parsed, counts), _groups(usable, cfg), cfg.split.validation,
                                   cfg.split.test, cfg.split.seed)
    _log.info("%s: %d rows, %d spans of %d types; split %s", cfg.name, len(usable),
              sum(len(p) for p in parsed), len(types), split.sizes())
    return TokenData(usable, parsed, labels, dropped, split)


def _strata(parsed: list[list[dict[str, Any]]], counts: dict[str, int]) -> list[str]:
    # Each row stands for its rarest type, so the rare types reach every part.
    return [min((s["type"] for s in row_spans), key=lambda t: (counts[t], t)) if row_spans else OUTSIDE
            for row_spans in parsed]


def _groups(records: list[dict[str, Any]], cfg: TrainingConfig) -> list[str]:
    column = cfg.split.group_by
    if column == "text":
        return [normalise(r["text"]) for r in records]
    if column == "row":
        return [str(i) for i in range(len(records))]
    if any(r.get(column) in (None, "") for r in records):
        raise TrainingDataError(f"{cfg.name}: split.group_by is {column!r} but the query returns no {column} "
                                "column (or it is empty)")
    return [str(r[column]) for r in records]


def embed(data: TokenData, client: Any, out_dir: Path) -> TokenTable:
    """Fetches every row's token vectors to `out_dir/token_vectors.f16` and labels every token."""
    index = {label: i for i, label in enumerate(data.labels)}
    path = out_dir / VECTORS_FILE
    row_parts: list[np.ndarray] = []
    start_parts: list[np.ndarray] = []
    end_parts: list[np.ndarray] = []
    label_parts: list[np.ndarray] = []
    texts = [r["text"] for r in data.records]
    with open(path, "wb") as f:
        def store(i: int, tokens: Any) -> None:
            # float32 from the client, float16 on the wire: converting back is exact.
            f.write(np.ascontiguousarray(tokens.vectors, dtype="<f2").tobytes())
            row_parts.append(np.full(len(tokens), i, dtype=np.int32))
            start_parts.append(np.asarray(tokens.starts, dtype=np.int32))
            end_parts.append(np.asarray(tokens.ends, dtype=np.int32))
            label_parts.append(span_rules.token_label_ids(tokens.starts, tokens.ends, data.spans[i], index, 0))

        fetched = embeddings.fetch_tokens(texts, client, store)
    if fetched.tokens == 0:
        raise TrainingDataError("the embedder answered no tokens for any row")
    row = np.concatenate(row_parts)
    row_ptr = np.searchsorted(row, np.arange(len(texts) + 1), side="left").astype(np.int64)
    vectors = np.memmap(path, dtype="<f2", mode="r", shape=(fetched.tokens, fetched.dimension))
    table = TokenTable(vectors, row, np.concatenate(start_parts), np.concatenate(end_parts),
                       np.concatenate(label_parts).astype(np.int16), row_ptr, fetched)
    np.savez(out_dir / TOKENS_FILE, row=table.row, starts=table.starts, ends=table.ends, label_ids=table.label_ids,
             row_ptr=table.row_ptr, dimension=np.int64(fetched.dimension))
    return table


def capped_weights(label_ids: np.ndarray, n_classes: int, mode: str, cap: float | None) -> np.ndarray:
    """Per-class weights (pipeline.class_weights), none heavier than `cap` times the lightest present class."""
    weights = class_weights(label_ids, n_classes, mode, cap)
    return np.array([weights[i] for i in range(n_classes)] if weights else [1.0] * n_classes, dtype=np.float32)


def _batches(table: TokenTable, tokens: np.ndarray, context: int, weights: np.ndarray, batch_size: int,
             shuffle: bool, seed: int) -> Any:
    """A keras PyDataset of (float32 features, labels, sample weights): one batch in memory at a time."""
    import keras

    class TokenBatches(keras.utils.PyDataset):
        def __init__(self) -> None:
            super().__init__(workers=1, use_multiprocessing=False)
            self.order = tokens.copy()
            self.rng = np.random.default_rng(seed)
            if shuffle:
                self.rng.shuffle(self.order)

        def __len__(self) -> int:
            return max(1, math.ceil(len(self.order) / batch_size))

        def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            # Sorted within the batch: reads from the memory-mapped file stay mostly sequential.
            idx = np.sort(self.order[i * batch_size:(i + 1) * batch_size])
            y = table.label_ids[idx].astype(np.int32)
            return span_rules.with_context(table.vectors, table.row, idx, context), y, weights[y]

        def on_epoch_end(self) -> None:
            if shuffle:
                self.rng.shuffle(self.order)

    return TokenBatches()


def fit(cfg: TrainingConfig, table: TokenTable, train_tokens: np.ndarray, val_tokens: np.ndarray,
        n_classes: int) -> tuple[Any, dict[str, list[float]], np.ndarray]:
    """The head, fitted on the train tokens, early-stopped on the (equally weighted) validation loss."""
    import keras

    keras.utils.set_random_seed(cfg.training.seed)
    context = cfg.model.context_tokens
    head = models.build(cfg.model, span_rules.input_width(table.vectors.shape[1], context), n_classes)
    weights = capped_weights(table.label_ids[train_tokens], n_classes, cfg.training.class_weight,
                             cfg.training.class_weight_cap)
    _log.info("%s: class weights %s", cfg.name, np.round(weights, 3).tolist())
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=cfg.training.patience,
                                         restore_best_weights=True)
    progress = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: _log.info(
        "%s epoch %d: loss %.4f val_loss %.4f val_accuracy %.4f", cfg.name, epoch + 1, logs.get("loss", 0),
        logs.get("val_loss", 0), logs.get("val_accuracy", 0)))
    size = cfg.training.batch_size
    train = _batches(table, train_tokens, context, weights, size, True, cfg.training.seed)
    validation = _batches(table, val_tokens, context, weights, 4 * size, False, 0)
    history = head.fit(train, validation_data=validation, epochs=cfg.training.epochs, callbacks=[stop, progress],
                       verbose=0)
    return head, {k: [float(v) for v in vals] for k, vals in history.history.items()}, weights


def predict(head: Any, table: TokenTable, tokens: np.ndarray, context: int) -> np.ndarray:
    """Probabilities [len(tokens), labels] of the tokens `tokens`, a chunk at a time."""
    parts = []
    for begin in range(0, len(tokens), _PREDICT_CHUNK):
        chunk = span_rules.with_context(table.vectors, table.row, tokens[begin:begin + _PREDICT_CHUNK], context)
        parts.append(head.predict(chunk, batch_size=4096, verbose=0))
    return np.concatenate(parts) if parts else np.zeros((0, head.output_shape[-1]), np.float32)


def span_scores(gold: Sequence[Sequence[tuple[int, int, str]]], predicted: Sequence[Sequence[tuple[int, int, str]]],
                types: Sequence[str]) -> dict[str, Any]:
    """Span precision/recall/F1 per type and over all types (micro), exact and overlapping.

    Exact: same start, end and type. Overlap: a predicted span counts as right when it shares a
    character with a labelled span of its type; a labelled span counts as found when a predicted
    span of its type shares a character with it (what matters for redaction).
    """
    counts = {t: {"gold": 0, "predicted": 0, "exact": 0, "overlap_predicted": 0, "overlap_gold": 0} for t in types}
    for gold_spans, pred_spans in zip(gold, predicted):
        gold_set = set(gold_spans)
        for s, e, t in gold_spans:
            if t in counts:
                counts[t]["gold"] += 1
                counts[t]["overlap_gold"] += any(pt == t and ps < e and s < pe for ps, pe, pt in pred_spans)
        for s, e, t in pred_spans:
            if t in counts:
                counts[t]["predicted"] += 1
                counts[t]["exact"] += (s, e, t) in gold_set
                counts[t]["overlap_predicted"] += any(gt == t and gs < e and s < ge for gs, ge, gt in gold_spans)

    def scores(c: dict[str, int]) -> dict[str, Any]:
        out: dict[str, Any] = {"gold": c["gold"], "predicted": c["predicted"]}
        for how, hit_p, hit_g in (("exact", c["exact"], c["exact"]),
                                  ("overlap", c["overlap_predicted"], c["overlap_gold"])):
            p = hit_p / c["predicted"] if c["predicted"] else 0.0
            r = hit_g / c["gold"] if c["gold"] else 0.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            out[how] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}
        return out

    keys = ("gold", "predicted", "exact", "overlap_predicted", "overlap_gold")
    total = {k: sum(c[k] for c in counts.values()) for k in keys}
    return {"micro": scores(total), "per_type": {t: scores(c) for t, c in counts.items()}}


def score_rows(table: TokenTable, data: TokenData, row_ids: np.ndarray, probabilities: np.ndarray) -> dict[str, Any]:
    """Token-level and span-level report of the rows `row_ids` (probabilities of their tokens, in row order).

    Tokens are labelled, and spans decoded, exactly as the service does (one label per word,
    runs of one type: services.classifier.spans), so these are the figures of the served head.
    """
    tokens = table.tokens_of(row_ids)
    predicted_ids, predicted = served(table, data, row_ids, probabilities)
    gold = [[(s["start"], s["end"], s["type"]) for s in data.spans[r]] for r in row_ids.tolist()]
    report = reports.classification(table.label_ids[tokens].astype(np.int64), predicted_ids, data.labels)
    types = data.labels[1:]
    report["tokens"] = report.pop("rows")
    report["rows"] = int(len(row_ids))
    # Token scores over the entity types alone: "O" is most tokens and would flatter every average.
    entity = [report["per_class"][t] for t in types]
    support = sum(c["support"] for c in entity)
    report["entity_token_f1"] = round(sum(c["f1"] * c["support"] for c in entity) / support, 4) if support else 0.0
    report["spans"] = span_scores(gold, predicted, types)
    micro = report["spans"]["micro"]
    report["span_f1"] = micro["exact"]["f1"]
    report["span_f1_overlap"] = micro["overlap"]["f1"]
    return report


def summary_line(name: str, version: str, report: dict[str, Any]) -> str:
    return (f"{name} {version} token head: span F1 {report['span_f1']:.4f} exact, {report['span_f1_overlap']:.4f} "
            f"overlap on {report['rows']} held-out rows ({report['tokens']} tokens; entity token F1 "
            f"{report['entity_token_f1']:.4f})")


def build_version(cfg: TrainingConfig, env: Environment, client: Any, data: TokenData, version: str,
                  out: Path) -> TrainResult:
    """Everything of one token-head version in `out`, published when the config says so."""
    artifacts.write_code_zip(out / "code.zip", cfg.source, cfg.as_dict())
    artifacts.write_rows_csv(out / "raw" / "rows.csv",
                             [{**r, "spans": json.dumps(s, ensure_ascii=False)} for r, s in zip(data.records, data.spans)])
    own_client = client is None
    if own_client:
        from veil.clients.embedder import EmbedderClient

        client = EmbedderClient(address=env.embedder_address, timeout=120.0)
    try:
        embeddings.wait_until_ready(client, unreachable_timeout=env.embedder_unreachable_s)
        table = embed(data, client, out / "processed")
    finally:
        if own_client:
            client.close()
    split = data.split
    _write_split(out / "processed" / "split.csv", split)
    part_tokens = {name: table.tokens_of(ids) for name, ids in
                   (("train", split.train), ("validation", split.validation), ("test", split.test))}
    _log.info("%s: %d tokens (train %d, validation %d, test %d)", cfg.name, len(table.row),
              *(len(part_tokens[p]) for p in ("train", "validation", "test")))

    head, history, weights = fit(cfg, table, part_tokens["train"], part_tokens["validation"], len(data.labels))
    arch = models.architecture_id(cfg.model)
    model_dir = out / "models" / arch
    model_dir.mkdir(parents=True)
    head_path = model_dir / "head.keras"
    head.save(head_path)
    artifacts.write_labels(model_dir / "labels.json", data.labels)

    reports_dir = out / "reports"
    context = cfg.model.context_tokens
    train_report = score_rows(table, data, split.train, predict(head, table, part_tokens["train"], context))
    test_probabilities = predict(head, table, part_tokens["test"], context)
    test_report = score_rows(table, data, split.test, test_probabilities)
    extra = dict(model=cfg.name, version=version, architecture=arch, kind="token",
                 epochs_run=len(history.get("loss", [])), dropped_classes=data.dropped,
                 class_weights={label: round(float(w), 4) for label, w in zip(data.labels, weights)})
    for report in (train_report, test_report):
        report.update(extra)
    reports.write_json(train_report, reports_dir / "train_report.json")
    reports.write_json(test_report, reports_dir / "test_report.json")
    test_ids = table.label_ids[part_tokens["test"]].astype(np.int64)
    reports.confusion_png(test_ids, served(table, data, split.test, test_probabilities)[0], data.labels,
                          reports_dir / "confusion_test.png",
                          f"{cfg.name} {version}: test tokens, span F1 {test_report['span_f1']:.3f}")
    reports.history_csv(history, reports_dir / "history.csv")
    _log.info("%s", summary_line(cfg.name, version, test_report))

    sizes = split.sizes()
    result = TrainResult(cfg.name, version, out, test_report, train_report, sizes=sizes, kind="token")
    fetched = table.fetch
    metadata = {
        "kind": "token", "precision": "float16", "context_tokens": context,
        "embedder_model": fetched.model_name, "embedder_version": fetched.model_version,
        "dimension": fetched.dimension, "architecture": arch, "dataset": cfg.data.dataset,
        "history_days": cfg.data.history_days, "trained_rows": int(len(split.train)),
        "trained_tokens": int(len(part_tokens["train"])), "split": sizes, "artifact_dir": str(out),
        "region": env.region,
        "metrics": {"span_f1": test_report["span_f1"], "span_f1_overlap": test_report["span_f1_overlap"],
                    "entity_token_f1": test_report["entity_token_f1"], "weighted_f1": test_report["weighted_f1"]},
    }
    reports.write_json(metadata, out / "metadata.json")
    if cfg.publish:
        from services.classifier import registry

        result.registry_dir = registry.publish(env.registry_root, cfg.name, version, head=head_path,
                                               labels=data.labels, metadata=metadata, report=test_report,
                                               activate=cfg.activate)
        _log.info("%s: published version %s to %s", cfg.name, version, result.registry_dir)
    return result


def served(table: TokenTable, data: TokenData, row_ids: np.ndarray,
           probabilities: np.ndarray) -> tuple[np.ndarray, list[list[tuple[int, int, str]]]]:
    """What the service answers for the rows `row_ids`: each token's label id (one per word) and the spans."""
    ids_out, spans_out, offset = [], [], 0
    for r in row_ids.tolist():
        lo, hi = int(table.row_ptr[r]), int(table.row_ptr[r + 1])
        units = span_rules.word_units(data.records[r]["text"], table.starts[lo:hi], table.ends[lo:hi])
        p = span_rules.by_word(probabilities[offset:offset + hi - lo], units)
        offset += hi - lo
        ids = p.argmax(axis=1) if hi > lo else np.zeros(0, dtype=np.int64)
        ids_out.append(ids)
        spans_out.append([(s, e, data.labels[label])
                          for s, e, label, _ in span_rules.runs(ids, p, table.starts[lo:hi], table.ends[lo:hi], 0)])
    return (np.concatenate(ids_out) if ids_out else np.zeros(0, dtype=np.int64)), spans_out


def _write_split(path: Path, split: Split) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["row", "part"])
        assignment = sorted([(int(i), name) for name, ids in
                             (("train", split.train), ("validation", split.validation), ("test", split.test))
                             for i in ids])
        writer.writerows(assignment)
