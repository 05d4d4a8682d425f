"""Cache-key normalisation and the checks that turn bad input into messages naming the problem."""

import pytest

from services.embedder.texts import InvalidInput, Limits, check_and_normalise, invalid_utf8_message, normalise

LIMITS = Limits(max_texts=5, max_text_chars=20)


def test_when_texts_differ_only_in_whitespace_or_unicode_form_then_they_share_a_key():
    assert normalise("  chest \t pain\n") == normalise("chest pain") == "chest pain"
    assert normalise("Cafe\u0301") == normalise("Café")


def test_when_the_model_is_case_sensitive_then_case_is_kept_and_otherwise_folded():
    assert normalise("Maria GONZALEZ") == "Maria GONZALEZ"
    assert normalise("Maria GONZALEZ", case_insensitive=True) == "maria gonzalez"


def test_when_texts_are_fine_then_their_keys_come_back_in_order():
    assert check_and_normalise(["B", " a "], LIMITS) == ["B", "a"]


@pytest.mark.parametrize("texts, message", [
    ([], "texts is empty"),
    (["a"] * 6, "too many texts in one call: 6, the limit is 5"),
    (["ok", ""], "texts[1] is empty or only whitespace"),
    (["ok", " \t\n "], "texts[1] is empty or only whitespace"),
    (["x" * 21], "texts[0] is too long: 21 characters, the limit is 20"),
])
def test_when_input_is_bad_then_the_message_names_the_problem(texts, message):
    with pytest.raises(InvalidInput, match=message.replace("[", r"\[").replace("]", r"\]")):
        check_and_normalise(texts, LIMITS)


def test_when_several_texts_are_bad_then_the_first_three_are_named_and_the_rest_counted():
    with pytest.raises(InvalidInput) as exc:
        check_and_normalise(["", " ", "x" * 30, "", "  "], LIMITS)
    message = str(exc.value)
    assert "texts[0]" in message and "texts[1]" in message and "texts[2] is too long" in message
    assert "and 2 more" in message and "texts[3]" not in message


def test_when_a_text_is_not_utf8_then_the_message_names_it():
    assert invalid_utf8_message([b"fine", b"\xff\xfe", b"ok"]) == "texts[1] is not valid UTF-8"
    assert invalid_utf8_message([b"\xff", b"\xc3"]) == "texts[0], texts[1] are not valid UTF-8"
