"""POST /v1/deidentify/text through the real detection (patterns, candidates, hybrid search, propagation) and every
option: entity types, threshold, allow and deny lists, and each operator checked on its real output.

The phrase model knows two names, as the tests of the PDF pipeline do; everything else is the production code.
"""

from __future__ import annotations

import re

import pytest
from prometheus_client import CollectorRegistry

from services.gateway.app import create_app
from services.gateway.assembly import Parts
from services.gateway.pipeline.deidentify import Pipeline
from services.gateway.pipeline.predict import PhraseModels
from services.gateway.tests.helpers import AUTH_A, AUTH_B, KEYS, Spy

NAMES = {"Maria Gonzalez", "John Smith"}
NOTE = ("Patient Maria Gonzalez was admitted on 03/07/2019 and seen by Dr. John Smith at St. Mary's Hospital.\n\n"
        "Ms. Gonzalez went home on 03/12/2019. Gonzalez will call 617-555-0134 or maria.gonzalez@example.com.")


def name_model(phrases):
    return [{"PERSON": 0.99, "NONE": 0.01} if p in NAMES else {"PERSON": 0.01, "NONE": 0.99} for p in phrases]


@pytest.fixture()
def make(tmp_path):
    """An app whose pipeline is the production one with the two-name phrase model; settings by keyword."""
    def build(**overrides):
        config = {"api_keys": KEYS, "database_url": f"sqlite:///{tmp_path / 'gateway.sqlite3'}",
                  "gateway_worker_threads": 0, "TESTING": True, **overrides}
        pipeline = Pipeline(Spy(), PhraseModels(dl=name_model))
        return create_app(config, parts=Parts(classifier=Spy(), redactor=Spy(True), pipeline_factory=lambda: pipeline),
                          metrics_registry=CollectorRegistry()).test_client()
    return build


@pytest.fixture()
def client(make):
    return make(gateway_hash_secret="test-secret")


def post(client, body, headers=AUTH_A):
    return client.post("/v1/deidentify/text", headers=headers, json=body)


def found(answer, text, type_=None):
    return [text[e["start"]:e["end"]] for e in answer["entities"] if type_ is None or e["type"] == type_]


def test_one_text_comes_back_de_identified_with_its_entities_and_risk(client):
    resp = post(client, {"text": NOTE})
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["text"].startswith("Patient [PERSON] was admitted on [DATE]")
    for leaked in ("Gonzalez", "03/07/2019", "617-555-0134", "maria.gonzalez@example.com", "John Smith"):
        assert leaked not in body["text"]
    assert set(found(body, NOTE, "PERSON")) >= {"Maria Gonzalez", "Gonzalez", "John Smith"}
    sources = {e["source"] for e in body["entities"]}
    assert {"model", "pattern", "propagated"} <= sources
    for e in body["entities"]:
        assert set(e) == {"start", "end", "type", "score", "source"} and 0 <= e["score"] <= 1
    assert body["counts"]["PERSON"] == 4 and body["counts"]["DATE"] == 2
    assert body["risk"]["level"] in ("low", "medium", "high") and body["risk"]["redacted_entities"] == len(
        body["entities"])
    assert resp.headers["Cache-Control"] == "no-store"


def test_a_list_of_texts_keeps_its_ids_and_order(client):
    resp = post(client, {"texts": [{"id": "name", "text": "Maria Gonzalez"}, "SSN 123-45-6789",
                                   {"text": "nothing here"}]})
    assert resp.status_code == 200, resp.json
    texts = resp.json["texts"]
    assert [t.get("id") for t in texts] == ["name", None, None]
    assert [t["text"] for t in texts] == ["[PERSON]", "SSN [ID]", "nothing here"]


def test_entities_limits_the_types_found(client):
    body = post(client, {"text": NOTE, "entities": ["DATE"]}).json
    assert {e["type"] for e in body["entities"]} == {"DATE"}
    assert "Maria Gonzalez" in body["text"] and "617-555-0134" in body["text"]


def test_score_threshold_leaves_entities_scored_below_it(client):
    everything = post(client, {"text": NOTE}).json["entities"]
    strict = post(client, {"text": NOTE, "score_threshold": 0.98}).json["entities"]
    assert strict and len(strict) < len(everything) and all(e["score"] >= 0.98 for e in strict)
    assert any(e["score"] < 0.98 for e in everything)


def test_the_allow_list_keeps_what_it_names_and_the_deny_list_removes_what_it_names(client):
    body = post(client, {"text": NOTE, "allow_list": ["john smith", {"regex": r"\d{2}/07/2019"}],
                         "deny_list": ["St. Mary's Hospital", {"regex": r"home", "type": "LOCATION"}]}).json
    assert "John Smith" in body["text"] and "03/07/2019" in body["text"]
    assert "St. Mary's Hospital" not in body["text"] and "[CUSTOM]" in body["text"]
    assert "went [LOCATION] on" in body["text"]
    assert "Maria Gonzalez" not in body["text"]  # the rest is still found
    denied = [e for e in body["entities"] if e["source"] == "deny_list"]
    assert {e["type"] for e in denied} == {"CUSTOM", "LOCATION"}


def test_a_name_inside_an_allowed_term_is_kept_with_it(client):
    body = post(client, {"text": "Maria Gonzalez Clinic called about Maria Gonzalez.",
                         "allow_list": ["Maria Gonzalez Clinic"]}).json
    assert body["text"] == "Maria Gonzalez Clinic called about [PERSON]."


def test_team_options_in_the_environment_are_checked_at_start():
    from services.gateway import settings
    from veil import config

    ok = config.load(settings.SETTINGS, environ={"VEIL_GATEWAY_TEAM_OPTIONS": '{"team-a": {"entities": ["DATE"]}}'})
    assert ok.gateway_team_options == {"team-a": {"entities": ["DATE"]}}
    for bad in ('{"team-a": {"entities": ["NAME"]}}', "[1]", "{not json"):
        with pytest.raises(config.ConfigError, match="VEIL_GATEWAY_TEAM_OPTIONS"):
            config.load(settings.SETTINGS, environ={"VEIL_GATEWAY_TEAM_OPTIONS": bad})


def test_a_deny_literal_matches_whole_words_only(client):
    body = post(client, {"text": "Ann wrote the annual report", "deny_list": ["ann"]}).json
    assert body["text"] == "[CUSTOM] wrote the annual report"


def test_redact_replace_and_mask_change_the_text_as_documented(client):
    ops = {"PERSON": {"type": "redact"}, "PHONE": {"type": "mask", "chars_to_keep": 4, "from_end": True},
           "EMAIL": {"type": "mask", "masking_char": "#"}, "DEFAULT": {"type": "replace", "new_value": "<x>"}}
    text = post(client, {"text": NOTE, "operators": ops}).json["text"]
    assert text.startswith("Patient  was admitted on <x>")
    assert "********0134" in text
    assert "#" * len("maria.gonzalez@example.com") in text


def test_hash_is_the_same_within_a_team_and_different_across_teams(client):
    body = {"texts": ["Maria Gonzalez", "Maria Gonzalez, later MARIA  GONZALEZ", "John Smith"],
            "operators": {"PERSON": {"type": "hash"}}}
    a = [t["text"] for t in post(client, body).json["texts"]]
    again = [t["text"] for t in post(client, body).json["texts"]]
    b = [t["text"] for t in post(client, body, headers=AUTH_B).json["texts"]]
    assert re.fullmatch(r"[0-9a-f]{16}", a[0]) and re.fullmatch(r"[0-9a-f]{16}", b[0])
    assert a == again
    assert a[1] == f"{a[0]}, later {a[0]}"          # case and spacing do not change the hash
    assert a[2] != a[0]
    assert b[0] != a[0] and b[1] == f"{b[0]}, later {b[0]}"


def test_hash_is_refused_when_the_gateway_has_no_secret(make):
    resp = post(make(), {"text": NOTE, "operators": {"DEFAULT": {"type": "hash"}}})
    assert resp.status_code == 400 and resp.json["code"] == "operator_unavailable"


def test_surrogates_are_realistic_and_the_same_for_the_same_person_throughout_the_request(client):
    body = {"texts": [NOTE, "Follow-up letter to Maria Gonzalez."], "operators": {"PERSON": {"type": "surrogate"}}}
    first, second = post(client, body).json["texts"]
    people = found(first, first["text"] and NOTE, "PERSON")
    assert set(people) >= {"Maria Gonzalez", "Gonzalez"}
    fake_full = first["text"].split("Patient ", 1)[1].split(" was admitted")[0]
    fake_first, fake_last = fake_full.split(" ", 1)
    assert fake_full != "Maria Gonzalez" and fake_last != "Gonzalez"
    assert f"Ms. {fake_last} went home" in first["text"]              # the partial form, the same fake
    assert second["text"] == f"Follow-up letter to {fake_full}."       # the same fake in another text
    assert "[PERSON]" not in first["text"]


def test_surrogate_names_keep_their_script_and_gender():
    from services.gateway.surrogates import Fakes, gender_of, script_of

    fakes = Fakes(7)
    russian = fakes.fake("Анна Петрова", "PERSON")
    assert script_of(russian) == "CYRILLIC" and russian != "Анна Петрова"
    assert gender_of(russian, "ru_RU") == "female"
    assert gender_of(fakes.fake("Mr. Smith", "PERSON")) == "male"
    assert gender_of(fakes.fake("John Smith", "PERSON")) == "male"
    assert script_of(fakes.fake("Γιώργος Παπαδόπουλος", "PERSON")) == "GREEK"


def test_date_shift_moves_every_date_of_the_request_by_one_offset(client):
    import datetime as dt

    body = {"texts": [NOTE, "Seen again on 2019-04-01."], "operators": {"DATE": {"type": "date_shift",
                                                                                    "max_days": 30}}}
    first, second = post(client, body).json["texts"]
    shifted = re.findall(r"\d{2}/\d{2}/2019", first["text"])
    assert len(shifted) == 2 and "03/07/2019" not in shifted
    a, b = (dt.datetime.strptime(s, "%m/%d/%Y") for s in shifted)
    assert (b - a).days == 5                                           # the interval is kept
    offset = (a - dt.datetime(2019, 3, 7)).days
    assert offset != 0 and abs(offset) <= 30
    third = dt.datetime.strptime(re.search(r"\d{4}-\d{2}-\d{2}", second["text"]).group(), "%Y-%m-%d")
    assert (third - dt.datetime(2019, 4, 1)).days == offset            # one offset for the whole request
    assert "[PERSON]" in first["text"]                                 # other types keep the default


def test_team_defaults_apply_and_a_request_overrides_them_type_by_type(make):
    defaults = {"team-a": {"allow_list": ["John Smith"], "operators": {"PERSON": {"type": "redact"},
                                                                        "DATE": {"type": "mask"},
                                                                        "ID": {"type": "label"}}}}
    client = make(gateway_team_options=defaults)
    text = post(client, {"text": NOTE}).json["text"]
    assert "John Smith" in text and "Patient  was admitted on **********" in text
    text = post(client, {"text": NOTE, "operators": {"DATE": {"type": "replace"}}}).json["text"]
    assert "Patient  was admitted on [DATE]" in text
    assert "John Smith" not in post(client, {"text": NOTE}, headers=AUTH_B).json["text"]


@pytest.mark.parametrize("body, pointer", [
    ({}, "/"),
    ({"text": 3}, "/text"),
    ({"text": "a", "texts": ["b"]}, "/"),
    ({"texts": []}, "/texts"),
    ({"texts": [{"id": "x"}]}, "/texts/0"),
    ({"text": "a", "entities": ["NAME"]}, "/entities/0"),
    ({"text": "a", "score_threshold": 1.5}, "/score_threshold"),
    ({"text": "a", "allow_list": ["x" * 201]}, "/allow_list/0"),
    ({"text": "a", "deny_list": ["x"] * 101}, "/deny_list"),
    ({"text": "a", "deny_list": [{"regex": "("}]}, "/deny_list/0/regex"),
    ({"text": "a", "operators": {"PERSON": {"type": "box"}}}, "/operators/PERSON"),
    ({"text": "a", "operators": {"PERSON": {"type": "mask", "chars_to_keep": -1}}}, "/operators/PERSON/chars_to_keep"),
    ({"text": "a", "operators": {"NAME": {"type": "redact"}}}, "/operators"),
    ({"text": "a", "colour": "red"}, "/"),
])
def test_invalid_requests_get_400_problems_that_point_at_the_field(client, body, pointer):
    resp = post(client, body)
    assert resp.status_code == 400, resp.json
    assert resp.mimetype == "application/problem+json"
    assert resp.json["code"] == "invalid_request" and resp.json["pointer"] == pointer, resp.json


def test_bodies_over_the_documented_limits_get_413_with_the_limit(make):
    client = make(gateway_max_text_bytes=1000, gateway_max_texts=3)
    resp = post(client, {"text": "x" * 2000})
    assert resp.status_code == 413 and resp.mimetype == "application/problem+json"
    assert "1000 bytes" in resp.json["detail"]
    resp = post(client, {"texts": ["a"] * 4})
    assert resp.status_code == 413 and resp.json["code"] == "too_many_texts" and resp.json["limit"] == 3


def test_a_text_request_needs_a_key_and_json(client):
    assert client.post("/v1/deidentify/text", json={"text": "a"}).status_code == 401
    resp = client.post("/v1/deidentify/text", headers=AUTH_A, data="text=a")
    assert resp.status_code == 415 and resp.mimetype == "application/problem+json"
