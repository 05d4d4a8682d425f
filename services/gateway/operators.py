"""Operators: how found text is replaced in a de-identified text, one small class per operator in a registry.

Each operator turns one entity's text into its replacement, given the request's `Document`
(what must stay the same across one request: the team's hash key, the surrogate map, the date
offset). A request is one document: every text of it shares that state, so a FHIR record sent
as several texts keeps its fakes and its date intervals consistent across fields.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass, field
from typing import Any, ClassVar, Sequence

from services.gateway import dates, surrogates
from services.gateway.pipeline.document import Entity
from veil.contracts import DATE

DEFAULT_TEXT_OPERATOR = "replace"
DEFAULT_PDF_OPERATOR = "box"
_HASH_CHARS = 16


@dataclass
class Document:
    """Per-request state the operators share; `seed` fixes the fakes and the date offset (tests, replays)."""

    hash_key: bytes
    seed: int | None = None
    _rng: random.Random = field(init=False)
    _offset: int | None = field(default=None, init=False)
    _fakes: surrogates.Fakes = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._fakes = surrogates.Fakes(self._rng.getrandbits(32))

    def date_offset(self, max_days: int) -> int:
        """One offset in days for the whole request, never 0 (a shift by nothing would leave the dates)."""
        if self._offset is None:
            self._offset = self._rng.choice([d for d in range(-max_days, max_days + 1) if d])
        return self._offset

    @property
    def fakes(self) -> surrogates.Fakes:
        return self._fakes


class Operator:
    name: ClassVar[str]

    def operate(self, text: str, type_: str, params: dict[str, Any], doc: Document) -> str:
        raise NotImplementedError


class Redact(Operator):
    name = "redact"

    def operate(self, text, type_, params, doc):
        return ""


class Replace(Operator):
    name = "replace"

    def operate(self, text, type_, params, doc):
        value = params.get("new_value")
        return f"[{type_}]" if value is None else value


class Mask(Operator):
    name = "mask"

    def operate(self, text, type_, params, doc):
        keep = min(int(params.get("chars_to_keep", 0)), len(text))
        char = params.get("masking_char", "*")
        if params.get("from_end", False):
            return char * (len(text) - keep) + text[len(text) - keep:]
        return text[:keep] + char * (len(text) - keep)


class Hash(Operator):
    name = "hash"

    def operate(self, text, type_, params, doc):
        value = " ".join(text.split()).casefold().encode("utf-8")
        return hmac.new(doc.hash_key, value, hashlib.sha256).hexdigest()[:_HASH_CHARS]


class DateShift(Operator):
    name = "date_shift"

    def operate(self, text, type_, params, doc):
        if type_ != DATE:
            return Replace().operate(text, type_, {}, doc)
        shifted = dates.shift(text, doc.date_offset(int(params.get("max_days", 365))))
        return shifted if shifted is not None else f"[{DATE}]"


class Surrogate(Operator):
    name = "surrogate"

    def operate(self, text, type_, params, doc):
        if type_ == DATE:
            return DateShift().operate(text, type_, params, doc)
        return doc.fakes.fake(text, type_)


OPERATORS: dict[str, Operator] = {op.name: op for op in (Redact(), Replace(), Mask(), Hash(), DateShift(), Surrogate())}


def team_hash_key(secret: str, team: str) -> bytes:
    """The team's own key, derived from the gateway's secret: hashes never compare across teams."""
    return hmac.new(secret.encode("utf-8"), b"veil-hash:" + team.encode("utf-8"), hashlib.sha256).digest()


def anonymize(text: str, entities: Sequence[Entity], operator_for: Any, doc: Document) -> str:
    """`text` with each (non-overlapping) entity replaced by its operator's output."""
    out, last = [], 0
    for e in sorted(entities, key=lambda e: e.start):
        params = operator_for(e.type)
        out.append(text[last:e.start])
        out.append(OPERATORS[params["type"]].operate(text[e.start:e.end], e.type, params, doc))
        last = e.end
    out.append(text[last:])
    return "".join(out)
