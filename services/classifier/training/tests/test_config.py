"""Training configs: the shipped ones load, mistakes are named with their file and key."""

from __future__ import annotations

import datetime as dt

import pytest

from services.classifier.training import config

_MINIMAL = {"name": "tiny", "data": {"dataset": "tiny"}}


def test_the_shipped_configs_load_and_the_phi_head_brings_its_ml_model():
    loaded = {c.name: c for c in map(config.load, config.all_configs())}
    assert {"phi-type", "general-phrases"} <= set(loaded)
    assert loaded["phi-type"].ml_model.name == "phi-type-ml"
    assert "%(since)s" in loaded["phi-type"].data.query


def test_the_tagger_config_is_a_token_config_reading_token_rows_with_capped_balanced_weights():
    cfg = config.load(config.resolve("phi-tagger"))
    assert (cfg.kind, cfg.data.dataset, cfg.ml_model) == ("token", "phi-tagger", None)
    assert "training_token_rows" in cfg.data.query and "spans" in cfg.data.query
    assert (cfg.training.class_weight, cfg.training.class_weight_cap) == ("balanced", 2)
    assert cfg.model.context_tokens > 0
    assert config.parse(_MINIMAL).kind == "phrase"
    # A token config without a query reads the token table.
    assert config.parse({**_MINIMAL, "kind": "token"}).data.query == config.DEFAULT_TOKEN_QUERY


def test_when_a_name_is_given_then_resolve_finds_the_shipped_config():
    assert config.resolve("phi-type") == config.CONFIG_DIR / "phi-type.yaml"


def test_the_history_window_becomes_the_since_parameter_of_the_query():
    cfg = config.parse({**_MINIMAL, "data": {"dataset": "tiny", "history_days": 30}})
    now = dt.datetime(2026, 5, 31, tzinfo=dt.timezone.utc)
    params = cfg.query_params(now)
    assert params["since"] == dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc)
    assert params["dataset"] == "tiny"


def test_when_history_days_is_null_then_every_row_is_in_the_window():
    cfg = config.parse({**_MINIMAL, "data": {"dataset": "tiny", "history_days": None}})
    assert cfg.query_params()["since"].year == 1970


@pytest.mark.parametrize("raw, message", [
    ({"data": {"dataset": "x"}}, "'name'"),
    ({**_MINIMAL, "epochs": 3}, "unknown key"),
    ({**_MINIMAL, "training": {"epoch": 3}}, "training: unknown key"),
    ({**_MINIMAL, "split": {"group_by": "label"}}, "split.group_by"),
    ({**_MINIMAL, "split": {"test": 0.9}}, "split.validation and split.test"),
    ({**_MINIMAL, "model": {"type": "transformer"}}, "model.type 'transformer' is unknown"),
    ({**_MINIMAL, "model": {"hidden_units": [0]}}, "hidden_units"),
    ({**_MINIMAL, "training": {"class_weight": "inverse"}}, "class_weight"),
    ({**_MINIMAL, "data": {"dataset": "x", "query": "DELETE FROM training_rows"}}, "SELECT"),
    ({**_MINIMAL, "data": {"dataset": "x", "history_days": -1}}, "history_days"),
    ({**_MINIMAL, "kind": "sequence"}, "kind must be one of phrase, token"),
    ({**_MINIMAL, "kind": "token", "ml_model": {"c": 1.0}}, "ml_model is for phrase heads"),
    ({**_MINIMAL, "training": {"class_weight_cap": 0.5}}, "class_weight_cap"),
    ({**_MINIMAL, "training": {"class_weight_cap": "ten"}}, "class_weight_cap"),
])
def test_when_a_config_is_wrong_then_the_error_names_the_key(raw, message):
    with pytest.raises(config.TrainingConfigError, match=message) as exc:
        config.parse(raw, "bad.yaml")
    assert str(exc.value).startswith("bad.yaml")


def test_when_the_file_is_not_yaml_then_the_error_says_so(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n")
    with pytest.raises(config.TrainingConfigError, match="not valid YAML"):
        config.load(path)
    with pytest.raises(config.TrainingConfigError, match="no such training config"):
        config.load(tmp_path / "missing.yaml")
