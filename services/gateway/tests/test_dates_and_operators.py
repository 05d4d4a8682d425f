"""The date shift keeps each date's own format; the operators' outputs on their own."""

from __future__ import annotations

import pytest

from services.gateway import dates, operators


@pytest.mark.parametrize("original, shifted", [
    ("03/07/2019", "03/17/2019"),
    ("3/7/19", "3/17/19"),
    ("12/31/2019", "01/10/2020"),
    ("2019-03-07", "2019-03-17"),
    ("March 7, 2019", "March 17, 2019"),
    ("MARCH 7, 2019", "MARCH 17, 2019"),
    ("7 March 2019", "17 March 2019"),
    ("7-Mar-2019", "17-Mar-2019"),
    ("March 3rd, 2020", "March 13, 2020"),
    ("Feb 29", "Mar 10"),
])
def test_a_date_is_shifted_in_its_own_format(original, shifted):
    assert dates.shift(original, 10) == shifted


def test_what_is_not_a_date_is_not_shifted():
    assert dates.shift("tomorrow", 10) is None


def test_one_request_has_one_date_offset_and_it_is_never_zero():
    for seed in range(50):
        doc = operators.Document(hash_key=b"k", seed=seed)
        offset = doc.date_offset(3)
        assert offset != 0 and abs(offset) <= 3 and doc.date_offset(3) == offset


def test_mask_keeps_the_chosen_characters():
    mask = operators.OPERATORS["mask"]
    doc = operators.Document(hash_key=b"k")
    assert mask.operate("123-45-6789", "ID", {"chars_to_keep": 4, "from_end": True}, doc) == "*******6789"
    assert mask.operate("Maria", "PERSON", {"chars_to_keep": 1, "masking_char": "#"}, doc) == "M####"
    assert mask.operate("ab", "PERSON", {"chars_to_keep": 5}, doc) == "ab"


def test_team_keys_differ_and_hashes_follow_them():
    a, b = operators.team_hash_key("s", "team-a"), operators.team_hash_key("s", "team-b")
    h = operators.OPERATORS["hash"]
    assert a != b
    assert h.operate("Maria", "PERSON", {}, operators.Document(hash_key=a)) == h.operate(
        "MARIA", "PERSON", {}, operators.Document(hash_key=a))
    assert h.operate("Maria", "PERSON", {}, operators.Document(hash_key=a)) != h.operate(
        "Maria", "PERSON", {}, operators.Document(hash_key=b))


def test_a_surrogate_is_never_the_value_it_replaces(monkeypatch):
    from faker import Faker

    from services.gateway.surrogates import Fakes

    # Faker's lists hold the common surnames patients have: drawing the patient's own is a matter of time.
    answers = iter(["Gonzalez", "GONZALEZ", "Okafor"])
    monkeypatch.setattr(Faker, "last_name", lambda self: next(answers), raising=False)
    fakes = Fakes(seed=1)
    assert fakes._name_word("Gonzalez", "last", "en_US", None) == "Okafor"
