"""Normalises texts into cache keys and checks a request's texts, naming each problem it finds."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Sequence

_MAX_PROBLEMS_NAMED = 3


class InvalidInput(ValueError):
    """The request is malformed; the message says what is wrong and is safe to send back (no text)."""


@dataclass(frozen=True)
class Limits:
    max_texts: int
    max_text_chars: int
    # EmbedTokens answers a vector per token, so its answer grows with the text: the most
    # characters (all texts together) one call may hold, so the answer fits in one message.
    # 0: no limit beyond the two above.
    max_token_call_chars: int = 0


def normalise(text: str, case_insensitive: bool = False) -> str:
    """The form a text is embedded and cached under.

    NFC and collapsed whitespace never change what a BERT-style tokeniser sees, so texts that
    differ only there share one cache entry; case is folded only for models that declare
    themselves case-insensitive (the default model is uncased), never for other models.
    """
    key = " ".join(unicodedata.normalize("NFC", text).split())
    return key.lower() if case_insensitive else key


def check_and_normalise(texts: Sequence[str], limits: Limits, case_insensitive: bool = False) -> list[str]:
    """The normalised texts, or InvalidInput naming the first few problems by index."""
    if len(texts) == 0:
        raise InvalidInput("texts is empty: send at least one text")
    if len(texts) > limits.max_texts:
        raise InvalidInput(f"too many texts in one call: {len(texts)}, the limit is {limits.max_texts}; "
                           "send them in several calls (EmbedderClient does this)")
    keys: list[str] = []
    problems: list[str] = []
    for i, text in enumerate(texts):
        if len(text) > limits.max_text_chars:
            problems.append(f"texts[{i}] is too long: {len(text)} characters, the limit is {limits.max_text_chars}")
            keys.append("")
            continue
        key = normalise(text, case_insensitive)
        if not key:
            problems.append(f"texts[{i}] is empty or only whitespace")
        keys.append(key)
    if problems:
        more = len(problems) - _MAX_PROBLEMS_NAMED
        suffix = f"; and {more} more" if more > 0 else ""
        raise InvalidInput("; ".join(problems[:_MAX_PROBLEMS_NAMED]) + suffix)
    return keys


def check_token_texts(texts: Sequence[str], limits: Limits) -> None:
    """The checks for EmbedTokens: like Embed's, but an empty text is fine (it has no tokens).

    Texts are not normalised: offsets index the text exactly as the caller sent it.
    """
    if len(texts) == 0:
        raise InvalidInput("texts is empty: send at least one text")
    if len(texts) > limits.max_texts:
        raise InvalidInput(f"too many texts in one call: {len(texts)}, the limit is {limits.max_texts}; "
                           "send them in several calls (EmbedderClient does this)")
    problems = [f"texts[{i}] is too long: {len(text)} characters, the limit is {limits.max_text_chars}"
                for i, text in enumerate(texts) if len(text) > limits.max_text_chars]
    if problems:
        more = len(problems) - _MAX_PROBLEMS_NAMED
        suffix = f"; and {more} more" if more > 0 else ""
        raise InvalidInput("; ".join(problems[:_MAX_PROBLEMS_NAMED]) + suffix)
    total = sum(len(text) for text in texts)
    if limits.max_token_call_chars and total > limits.max_token_call_chars:
        raise InvalidInput(f"too much text in one EmbedTokens call: {total} characters, the limit is "
                           f"{limits.max_token_call_chars} (a vector per token must fit in one answer); "
                           "send them in several calls (EmbedderClient does this)")


def invalid_utf8_message(raw_texts: Sequence[bytes], message: str = "EmbedRequest") -> str:
    """Names the texts of a request that are not valid UTF-8 (protobuf refuses the whole message)."""
    bad = []
    for i, raw in enumerate(raw_texts):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(i)
    if not bad:
        return f"the request is not a valid {message} (a string field is not valid UTF-8)"
    named = ", ".join(f"texts[{i}]" for i in bad[:_MAX_PROBLEMS_NAMED])
    more = f" and {len(bad) - _MAX_PROBLEMS_NAMED} more" if len(bad) > _MAX_PROBLEMS_NAMED else ""
    return f"{named}{more} {'is' if len(bad) == 1 else 'are'} not valid UTF-8"
