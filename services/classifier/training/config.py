"""Training configs: one YAML file per head: SQL query, history window, split, model and training knobs.

Every key has a named default here, so a config says only what differs; an unknown key or a
wrong type stops `veil train` with a message that names the file and the key. `kind: phrase`
(the default) trains a head on one pooled vector per row (`text`, `label`); `kind: token`
trains a token head on the per-token vectors of paragraphs (`text`, `spans`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from services.classifier.training import models
from services.classifier.training.models import ModelSpec
from veil.config import ConfigError

CONFIG_DIR = Path(__file__).with_name("configs")

DEFAULT_QUERY = (
    "SELECT text, label, created_at, template FROM training_rows "
    "WHERE dataset = %(dataset)s AND created_at >= %(since)s ORDER BY id"
)
DEFAULT_TOKEN_QUERY = (
    "SELECT text, spans, created_at, style, locale FROM training_token_rows "
    "WHERE dataset = %(dataset)s AND created_at >= %(since)s ORDER BY id"
)
KINDS = ("phrase", "token")
DEFAULT_HISTORY_DAYS = 365
DEFAULT_MIN_ROWS_PER_CLASS = 5
DEFAULT_VALIDATION = 0.1
DEFAULT_TEST = 0.15
DEFAULT_SPLIT_SEED = 7
DEFAULT_EPOCHS = 60
DEFAULT_BATCH_SIZE = 128
DEFAULT_PATIENCE = 5
_CLASS_WEIGHTS = ("balanced", "sqrt", "none")
# text: the normalised text; row: every row alone; template/style/locale: how a row was generated or
# written (whole ones held out); shard: the Faker seed a row was generated with.
_GROUP_BY = ("text", "row", "template", "style", "locale", "shard")


class TrainingConfigError(ConfigError):
    """A training config is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class DataSpec:
    dataset: str
    query: str = DEFAULT_QUERY
    history_days: int | None = DEFAULT_HISTORY_DAYS  # None: all rows
    min_rows_per_class: int = DEFAULT_MIN_ROWS_PER_CLASS  # token heads: spans per entity type


@dataclass(frozen=True)
class SplitSpec:
    validation: float = DEFAULT_VALIDATION
    test: float = DEFAULT_TEST
    group_by: str = "text"
    seed: int = DEFAULT_SPLIT_SEED


@dataclass(frozen=True)
class TrainSpec:
    epochs: int = DEFAULT_EPOCHS
    batch_size: int = DEFAULT_BATCH_SIZE
    patience: int = DEFAULT_PATIENCE
    class_weight: str = "balanced"
    # With class_weight balanced or sqrt: no class weighs more than this many times the lightest one
    # (a type with a handful of tokens would otherwise get weights in the hundreds). None: no cap.
    class_weight_cap: float | None = None
    seed: int = 1


@dataclass(frozen=True)
class MLSpec:
    name: str
    type: str = "tfidf_logreg"
    c: float = 10.0


@dataclass(frozen=True)
class TrainingConfig:
    name: str
    data: DataSpec
    kind: str = "phrase"
    split: SplitSpec = field(default_factory=SplitSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    training: TrainSpec = field(default_factory=TrainSpec)
    ml_model: MLSpec | None = None
    description: str = ""
    publish: bool = True
    activate: bool = True
    source: str = ""  # the file it was read from

    def query_params(self, now: dt.datetime | None = None) -> dict[str, Any]:
        """The named parameters a query may use: %(dataset)s, %(since)s, %(history_days)s, %(now)s."""
        now = now or dt.datetime.now(dt.timezone.utc)
        days = self.data.history_days
        since = now - dt.timedelta(days=days) if days else dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
        return {"dataset": self.data.dataset, "since": since, "history_days": days or 0, "now": now}

    def as_dict(self) -> dict[str, Any]:
        import dataclasses

        return dataclasses.asdict(self)


def _build(cls: type, raw: Any, where: str) -> Any:
    if not isinstance(raw, dict):
        raise TrainingConfigError(f"{where}: expected a mapping, got {type(raw).__name__}")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise TrainingConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(known)}")
    try:
        return cls(**raw)
    except TypeError as exc:
        raise TrainingConfigError(f"{where}: {exc}") from None


def _need(cond: bool, where: str, message: str) -> None:
    if not cond:
        raise TrainingConfigError(f"{where}: {message}")


def parse(raw: Any, source: str = "<config>") -> TrainingConfig:
    """Validates a config mapping (as read from YAML)."""
    if not isinstance(raw, dict):
        raise TrainingConfigError(f"{source}: expected a YAML mapping at the top level")
    raw = dict(raw)
    _need(isinstance(raw.get("name"), str) and raw["name"], source, "'name' (the model name) is required")
    name = raw["name"]
    kind = raw.pop("kind", "phrase")
    _need(kind in KINDS, source, f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    data_raw = dict(raw.pop("data", None) or {})
    data_raw.setdefault("dataset", name)
    if kind == "token":
        data_raw.setdefault("query", DEFAULT_TOKEN_QUERY)
    data = _build(DataSpec, data_raw, f"{source}: data")
    _need(isinstance(data.query, str) and "select" in data.query.lower(), source, "data.query must be a SELECT")
    _need(data.history_days is None or (isinstance(data.history_days, int) and data.history_days > 0),
          source, "data.history_days must be a positive number of days (or null for all rows)")
    _need(isinstance(data.min_rows_per_class, int) and data.min_rows_per_class >= 3, source,
          "data.min_rows_per_class must be an integer >= 3 (a class needs rows in train, validation and test)")
    split = _build(SplitSpec, raw.pop("split", None) or {}, f"{source}: split")
    _need(0 < split.validation < 0.5 and 0 < split.test < 0.5 and split.validation + split.test < 0.7, source,
          "split.validation and split.test must be fractions in (0, 0.5) that leave most rows for training")
    _need(split.group_by in _GROUP_BY, source, f"split.group_by must be one of {', '.join(_GROUP_BY)}")
    model_raw = dict(raw.pop("model", None) or {})
    if "hidden_units" in model_raw:
        units = model_raw["hidden_units"]
        _need(isinstance(units, list) and all(isinstance(u, int) and u > 0 for u in units), source,
              "model.hidden_units must be a list of positive integers (empty for a linear head)")
        model_raw["hidden_units"] = tuple(units)
    model = _build(ModelSpec, model_raw, f"{source}: model")
    _need(0 <= model.dropout < 1, source, "model.dropout must be in [0, 1)")
    _need(isinstance(model.learning_rate, (int, float)) and model.learning_rate > 0, source,
          "model.learning_rate must be > 0")
    _need(isinstance(model.context_tokens, int) and not isinstance(model.context_tokens, bool)
          and 0 <= model.context_tokens <= 16, source,
          "model.context_tokens must be an integer from 0 to 16 (neighbours on each side of a token)")
    _need(model.context_tokens == 0 or kind == "token", source,
          "model.context_tokens is for token heads (kind: token); a phrase head has one vector per text")
    training = _build(TrainSpec, raw.pop("training", None) or {}, f"{source}: training")
    for key in ("epochs", "batch_size", "patience"):
        value = getattr(training, key)
        _need(isinstance(value, int) and value > 0, source, f"training.{key} must be a positive integer")
    _need(training.class_weight in _CLASS_WEIGHTS, source,
          f"training.class_weight must be one of {', '.join(_CLASS_WEIGHTS)}")
    _need(training.class_weight_cap is None or (isinstance(training.class_weight_cap, (int, float))
                                                and not isinstance(training.class_weight_cap, bool)
                                                and training.class_weight_cap >= 1), source,
          "training.class_weight_cap must be a number >= 1 (how many times the lightest class's weight "
          "a class may weigh), or null")
    ml_raw = raw.pop("ml_model", None)
    ml = None
    if ml_raw:
        ml_raw = dict(ml_raw)
        ml_raw.setdefault("name", f"{name}-ml")
        ml = _build(MLSpec, ml_raw, f"{source}: ml_model")
        _need(ml.c > 0, source, "ml_model.c must be > 0")
        _need(kind == "phrase", source, "ml_model is for phrase heads; a token head has none")
    top = {k: raw.pop(k) for k in ("name", "description", "publish", "activate") if k in raw}
    if raw:
        raise TrainingConfigError(f"{source}: unknown key(s) {', '.join(sorted(raw))}")
    cfg = TrainingConfig(data=data, kind=kind, split=split, model=model, training=training, ml_model=ml,
                         source=source, **top)
    _need(cfg.model.type in models.FACTORIES, source,
          f"model.type {cfg.model.type!r} is unknown; known: {', '.join(sorted(models.FACTORIES))}")
    return cfg


def load(path: str | Path) -> TrainingConfig:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TrainingConfigError(f"{path}: no such training config") from None
    except yaml.YAMLError as exc:
        raise TrainingConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse(raw, str(path))


def resolve(name_or_path: str) -> Path:
    """A path as given, or the name of a config in configs/ ('phi-type' -> configs/phi-type.yaml)."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    return CONFIG_DIR / f"{name_or_path}.yaml"


def all_configs(directory: str | Path = CONFIG_DIR) -> list[Path]:
    return sorted(Path(directory).glob("*.yaml"))
