"""Training rows in the real PostgreSQL: seeding, the history window, query errors, retries of transient failures."""

from __future__ import annotations

import datetime as dt

import psycopg2
import pytest

from services.classifier.training import config, rows
from tools.synthetic import seed
from veil.stores.db import Database, connections_opened

pytestmark = pytest.mark.postgres

_NOW = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)


@pytest.fixture()
def seeded(postgres_url):
    loaded = seed.seed(postgres_url, ["phi-type"], scale=0.01, now=_NOW)
    return postgres_url, loaded


def test_seeding_loads_the_dataset_and_seeding_again_replaces_it(seeded):
    url, loaded = seeded
    assert loaded == {"phi-type": 360}
    assert rows.count_by_dataset(url) == {"phi-type": 360}
    seed.seed(url, ["phi-type"], scale=0.01, now=_NOW)
    assert rows.count_by_dataset(url) == {"phi-type": 360}


def test_when_seeded_twice_then_the_same_texts_and_labels_are_loaded(seeded):
    url, _ = seeded
    query = "SELECT text, label FROM training_rows WHERE dataset = %(dataset)s ORDER BY text, label"
    first = rows.fetch(url, query, {"dataset": "phi-type"})
    seed.seed(url, ["phi-type"], scale=0.01, now=_NOW + dt.timedelta(days=3))
    assert rows.fetch(url, query, {"dataset": "phi-type"}) == first


def test_the_history_window_leaves_older_rows_out(seeded):
    url, _ = seeded
    cfg = config.parse({"name": "phi-type", "data": {"history_days": 90}})
    recent = rows.fetch(url, cfg.data.query, cfg.query_params(_NOW))
    assert 0 < len(recent) < 360
    since = _NOW - dt.timedelta(days=90)
    assert all(r["created_at"] >= since for r in recent)
    everything = config.parse({"name": "phi-type", "data": {"history_days": None}})
    assert len(rows.fetch(url, everything.data.query, everything.query_params(_NOW))) == 360


@pytest.mark.parametrize("query, message", [
    ("SELECT text FROM training_rows", "must return the columns text, label; missing: label"),
    ("SELECT text, label FROM no_such_table", 'relation "no_such_table" does not exist'),
    ("SELECT text, label FROM training_rows WHERE dataset = %(team)s", r"uses the parameter %\(team\)s"),
])
def test_when_the_query_is_wrong_then_the_error_says_what_is_wrong(seeded, query, message):
    url, _ = seeded
    with pytest.raises(rows.QueryError, match=message):
        rows.fetch(url, query, {"dataset": "phi-type"})


def test_a_query_cannot_change_the_data(seeded):
    url, _ = seeded
    with pytest.raises(rows.QueryError, match="read-only"):
        rows.fetch(url, "DELETE FROM training_rows RETURNING text, label", {})
    assert rows.count_by_dataset(url) == {"phi-type": 360}


def test_when_the_connection_fails_twice_then_the_third_attempt_succeeds(seeded, monkeypatch):
    url, _ = seeded
    real_connect = psycopg2.connect
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) <= 2:
            raise psycopg2.OperationalError("server closed the connection unexpectedly")
        return real_connect(*args, **kwargs)

    Database.from_url(url).close_pool()  # the next call must open a connection, not borrow a pooled one
    monkeypatch.setattr(psycopg2, "connect", flaky)
    assert rows.count_by_dataset(url) == {"phi-type": 360}
    assert len(calls) == 3


def test_the_steps_of_a_run_share_one_pooled_connection(seeded):
    url, _ = seeded
    Database.from_url(url).close_pool()
    before = connections_opened()
    for _ in range(5):
        rows.count_by_dataset(url)
        rows.fetch(url, "SELECT text, label FROM training_rows LIMIT 3", {})
    assert connections_opened() - before == 1


def test_only_connection_level_failures_count_as_transient():
    assert rows.is_transient(psycopg2.OperationalError("could not connect to server"))
    assert not rows.is_transient(psycopg2.ProgrammingError("syntax error"))
    assert not rows.is_transient(ValueError("bad"))


def test_when_the_database_does_not_exist_then_seeding_creates_it(postgres_url):
    url = postgres_url + "_created"
    try:
        assert rows.ensure_database(url) is True
        assert rows.ensure_database(url) is False
    finally:
        admin = psycopg2.connect(postgres_url)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        admin.close()


def _token_rows() -> list[rows.TokenRow]:
    text = "Seen by Anna Novak on 03/07/2019 at Klinikum Coburg."
    return [rows.TokenRow(text, [{"start": 8, "end": 18, "type": "PERSON"}, {"start": 22, "end": 32, "type": "DATE"},
                                 {"start": 36, "end": 51, "type": "ORGANIZATION"}], created_at=_NOW, style="progress",
                          locale="de_DE", shard=3, source="test"),
            rows.TokenRow("Lungs clear — no distress.", [], created_at=_NOW - dt.timedelta(days=400))]


def test_token_rows_round_trip_with_their_spans_as_jsonb(postgres_url):
    rows.ensure_schema(postgres_url)
    assert rows.replace_token_dataset(postgres_url, "tagger", _token_rows()) == 2
    assert rows.count_by_dataset(postgres_url, rows.TOKEN_TABLE) == {"tagger": 2}
    cfg = config.parse({"name": "tagger", "kind": "token", "data": {"history_days": None}})
    fetched = rows.fetch(postgres_url, cfg.data.query, cfg.query_params(_NOW), required=rows.REQUIRED_TOKEN_COLUMNS)
    assert [(r["text"], r["spans"], r["style"], r["locale"]) for r in fetched] == [
        (t.text, list(t.spans), t.style, t.locale) for t in _token_rows()]
    first = fetched[0]
    assert [first["text"][s["start"]:s["end"]] for s in first["spans"]] == ["Anna Novak", "03/07/2019", "Klinikum Coburg"]
    # The history window applies as for phrase rows; seeding again replaces the dataset.
    recent = config.parse({"name": "tagger", "kind": "token", "data": {"history_days": 365}})
    assert len(rows.fetch(postgres_url, recent.data.query, recent.query_params(_NOW), required=("text", "spans"))) == 1
    rows.replace_token_dataset(postgres_url, "tagger", _token_rows()[:1])
    assert rows.count_by_dataset(postgres_url, rows.TOKEN_TABLE) == {"tagger": 1}
    assert rows.count_by_dataset(postgres_url) == {}


@pytest.mark.parametrize("spans, message", [
    ([{"start": 5, "end": 99, "type": "PERSON"}], "not inside the text"),
    ([{"start": 3, "end": 3, "type": "PERSON"}], "not inside the text"),
    ([{"start": 0, "type": "PERSON"}], "integer start and end"),
    ("not json", "not valid JSON"),
    ({"start": 0}, "must be a list"),
])
def test_token_rows_with_spans_outside_their_text_are_refused_before_anything_is_written(postgres_url, spans,
                                                                                         message):
    rows.ensure_schema(postgres_url)
    rows.replace_token_dataset(postgres_url, "tagger", _token_rows())
    with pytest.raises(ValueError, match=message):
        rows.replace_token_dataset(postgres_url, "tagger", [rows.TokenRow("short text", spans)])
    assert rows.count_by_dataset(postgres_url, rows.TOKEN_TABLE) == {"tagger": 2}


def test_seeding_the_tagger_dataset_loads_generated_paragraphs_with_valid_spans(postgres_url):
    from veil.contracts import ENTITY_TYPES

    assert seed.seed(postgres_url, ["phi-tagger"], scale=0.025, now=_NOW) == {"phi-tagger": 300}
    query = "SELECT text, spans, style, locale, source FROM training_token_rows WHERE dataset = %(dataset)s ORDER BY id"
    first = rows.fetch(postgres_url, query, {"dataset": "phi-tagger"}, required=rows.REQUIRED_TOKEN_COLUMNS)
    assert len(first) == 300 and all(r["style"] and r["locale"] for r in first)
    types = {s["type"] for r in first for s in r["spans"]}
    assert types <= set(ENTITY_TYPES) and {"PERSON", "DATE"} <= types
    assert all(r["text"][s["start"]:s["end"]].strip() for r in first for s in r["spans"])
    seed.seed(postgres_url, ["phi-tagger"], scale=0.025, now=_NOW)
    assert rows.fetch(postgres_url, query, {"dataset": "phi-tagger"}, required=rows.REQUIRED_TOKEN_COLUMNS) == first
