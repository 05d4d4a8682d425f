"""`veil data seed` and `veil train`: what a person sees when the input is wrong, without starting an embedder."""

from __future__ import annotations

import pytest

from services.classifier.training import rows
from tools import cli


@pytest.mark.postgres
def test_veil_data_seed_loads_the_datasets_and_says_how_many_rows(postgres_url, capsys):
    assert cli.main(["data", "seed", "--dataset", "phi-type", "--scale", "0.01", "--database-url", postgres_url]) == 0
    assert "phi-type: 360 rows" in capsys.readouterr().out
    assert rows.count_by_dataset(postgres_url) == {"phi-type": 360}


def test_when_the_dataset_is_unknown_then_seed_says_which_ones_exist(capsys):
    assert cli.main(["data", "seed", "--dataset", "nope", "--database-url", "postgresql://x@127.0.0.1:1/x"]) == 2
    assert "known: phi-type, general-phrases, phi-tagger" in capsys.readouterr().err


def test_when_neither_a_config_nor_all_is_given_then_train_says_what_it_needs(capsys):
    assert cli.main(["train"]) == 2
    assert "give one config, or --all" in capsys.readouterr().err


def test_when_the_config_does_not_exist_then_train_exits_with_a_configuration_error(capsys):
    assert cli.main(["train", "no-such-head"]) == 2
    assert "no such training config" in capsys.readouterr().err


@pytest.mark.postgres
def test_when_the_database_has_no_rows_then_train_says_to_seed_it(postgres_url, capsys):
    rows.ensure_schema(postgres_url)
    assert cli.main(["train", "phi-type", "--database-url", postgres_url]) == 1
    assert "did you run `veil data seed`?" in capsys.readouterr().err


@pytest.mark.postgres
def test_when_the_token_table_has_no_rows_then_training_the_tagger_says_to_seed_it(postgres_url, capsys):
    rows.ensure_schema(postgres_url)
    assert cli.main(["train", "phi-tagger", "--database-url", postgres_url]) == 1
    assert "did you run `veil data seed`?" in capsys.readouterr().err


def test_a_token_heads_summary_prints_span_f1_per_type(capsys):
    from tools.classifier.cli_training import _print_summaries

    summary = {"name": "phi-tagger", "version": "v9", "kind": "token", "weighted_f1": 0.9, "test_rows": 120,
               "test_tokens": 6100, "span_f1": 0.8123, "span_f1_overlap": 0.9012, "entity_token_f1": 0.85,
               "seconds": 312.4, "artifact_dir": "/a", "published": "/r",
               "per_type": {"PERSON": {"span_f1": 0.8, "span_f1_overlap": 0.9, "precision": 0.79, "recall": 0.81,
                                       "spans": 140, "token_f1": 0.84}}}
    assert _print_summaries([summary], json_target=None) == 0
    out = capsys.readouterr().out
    assert "phi-tagger v9: span F1 0.8123 exact, 0.9012 overlap on 120 held-out rows" in out and "(312s)" in out
    assert "PERSON" in out and "0.8000" in out and "published: /r" in out


def test_when_the_config_folder_is_empty_then_train_all_says_so(tmp_path, capsys):
    assert cli.main(["train", "--all", "--configs", str(tmp_path)]) == 2
    assert "no *.yaml configs" in capsys.readouterr().err


def test_when_the_folder_is_not_a_training_version_then_evaluate_says_so(tmp_path, capsys):
    (tmp_path / "code.zip").write_bytes(b"not a zip")
    assert cli.main(["evaluate", str(tmp_path)]) == 2
    assert "no readable code.zip" in capsys.readouterr().err


def test_when_the_database_is_unreachable_then_seed_fails_with_the_reason_after_retrying(capsys):
    from veil.procs import free_port

    url = f"postgresql://postgres@127.0.0.1:{free_port()}/veil"
    assert cli.main(["data", "seed", "--dataset", "phi-type", "--database-url", url]) == 1
    assert "the training database failed" in capsys.readouterr().err
    assert cli.main(["data", "seed", "--database-url", "sqlite:///x.sqlite3"]) == 2
    assert "expected postgresql://" in capsys.readouterr().err
