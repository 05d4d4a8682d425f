"""Per-request de-identification options: which types, the threshold, allow and deny lists, operators.

A request's options are validated against the schema in `schemas.py`, laid over the caller
team's defaults from configuration (VEIL_GATEWAY_TEAM_OPTIONS) and compiled once into
`Options`. Missing options mean today's behaviour: every type, the configured thresholds,
no lists, and `replace` (text) or `box` (PDF).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import regex

from services.gateway import schemas
from services.gateway.pipeline.deidentify import Pipeline
from services.gateway.pipeline.document import Entity
from veil import web
from veil.contracts import ENTITY_TYPES

# A caller's regular expression runs on the caller's text; a pathological one must not hold a
# request thread for long. `regex` stops it after this many seconds (a 400 for the caller).
REGEX_TIMEOUT_S = 0.25


@dataclass(frozen=True)
class _Term:
    pattern: Any  # a compiled `regex` pattern
    literal: bool
    type: str = schemas.CUSTOM


@dataclass(frozen=True)
class Options:
    entities: frozenset[str] = frozenset(ENTITY_TYPES)
    score_threshold: float | None = None
    allow: tuple[_Term, ...] = ()
    deny: tuple[_Term, ...] = ()
    operators: Mapping[str, dict] = field(default_factory=dict)

    def operator_for(self, type_: str, default: str) -> dict:
        return self.operators.get(type_) or self.operators.get(schemas.DEFAULT) or {"type": default}

    # -- applied to what the pipeline found ------------------------------------------------

    def select(self, text: str, entities: Sequence[Entity], paragraph: int = 0) -> list[Entity]:
        """The entities to remove from `text`: of the chosen types, scored at least the threshold, not
        allowed, plus every deny-list match (deny wins over allow); no two overlap."""
        allowed = self._allowed_spans(text)
        kept = [e for e in entities if e.type in self.entities
                and (self.score_threshold is None or e.score >= self.score_threshold)
                and not self._allowed(e, allowed)]
        denied = self.denied(text, paragraph)
        return _without_overlaps(denied + kept)

    def _allowed_spans(self, text: str) -> list[tuple[int, int]]:
        """Where the allowed terms occur in `text`: a name found inside one ("Mary" in "St. Mary's Hospital")
        is part of what the caller wants kept."""
        return [m.span() for t in self.allow
                for m in _run(lambda t=t: list(t.pattern.finditer(text, timeout=REGEX_TIMEOUT_S)))]

    def _allowed(self, e: Entity, spans: list[tuple[int, int]]) -> bool:
        if any(start <= e.start and e.end <= end for start, end in spans):
            return True
        value = " ".join(e.text.split())
        return any(_run(lambda t=t: t.pattern.fullmatch(value, timeout=REGEX_TIMEOUT_S)) for t in self.allow)

    def denied(self, text: str, paragraph: int = 0) -> list[Entity]:
        out = []
        for t in self.deny:
            for m in _run(lambda t=t: list(t.pattern.finditer(text, timeout=REGEX_TIMEOUT_S))):
                if m.end() > m.start():
                    out.append(Entity(paragraph, m.start(), m.end(), t.type, 1.0, "deny_list", m.group()))
        return out


def pdf_style(opts: Options, type_: str = schemas.DEFAULT) -> str | None:
    """The redactor's style for a PDF's spans of `type_` (by default: for the types the operators do not name):
    `label` or `box` when the operators name one for it or a `DEFAULT`, else None (the redactor's configured
    default)."""
    op = opts.operators.get(type_) or opts.operators.get(schemas.DEFAULT)
    return op["type"] if op else None


def for_pdf(pipeline: Pipeline, opts: Options) -> Pipeline:
    """`pipeline` with a job's options: its threshold, its selection of entities, its redaction style."""
    search = pipeline.options.search
    if opts.score_threshold is not None:
        t = opts.score_threshold
        search = replace(search, threshold=t, tag_threshold=t, tag_thresholds={},
                         review_threshold=min(search.review_threshold, t))
    style = pdf_style(opts)
    options = replace(pipeline.options, search=search, select=lambda p, found: opts.select(p.text, found, p.index),
                      redact_options=(("style", style),) if style else (),
                      span_style=(lambda type_: pdf_style(opts, type_)) if opts.operators else None)
    return Pipeline(pipeline.redactor, pipeline.models, options, observe=pipeline._observe, wrap=pipeline.wrap)


def _run(fn: Any) -> Any:
    try:
        return fn()
    except TimeoutError:
        raise web.Problem(400, "Invalid request", "an allow_list or deny_list regular expression took too long; "
                          "simplify it", code="regex_timeout") from None


def _without_overlaps(entities: Sequence[Entity]) -> list[Entity]:
    """Earlier in the list wins an overlap; the result is in text order."""
    chosen: list[Entity] = []
    for e in entities:
        if not any(c.overlaps(e.start, e.end) for c in chosen):
            chosen.append(e)
    return sorted(chosen, key=lambda e: e.start)


# -- parsing -----------------------------------------------------------------------------

OPTION_KEYS = tuple(schemas.TEXT_OPTIONS["properties"])


def parse(body: Mapping[str, Any], *, team_defaults: Mapping[str, Any] | None = None, pdf: bool = False,
          where: str = "") -> Options:
    """`body`'s option fields over `team_defaults`, validated and compiled."""
    return compile_options(merge(body, team_defaults=team_defaults, pdf=pdf, where=where), where=where)


def merge(body: Mapping[str, Any], *, team_defaults: Mapping[str, Any] | None = None, pdf: bool = False,
          where: str = "") -> dict[str, Any]:
    """`body`'s option fields over `team_defaults` (field by field, operators type by type), validated: what a
    job stores, so that it runs with the options it was submitted with."""
    merged = {k: v for k, v in (team_defaults or {}).items() if k in OPTION_KEYS}
    # A team's defaults may name operators of both kinds; a request gets those of its own kind.
    kinds = schemas.PDF_OPERATORS if pdf else schemas.TEXT_OPERATORS
    team_ops = {t: op for t, op in merged.pop("operators", {}).items() if op.get("type") in kinds}
    for k in OPTION_KEYS:
        if k in body:
            merged[k] = body[k]
    merged["operators"] = {**team_ops, **(body.get("operators") or {})}
    schemas.validate(schemas.PDF_OPTIONS if pdf else schemas.TEXT_OPTIONS, merged, where)
    compile_options(merged, where=where)  # a regular expression that does not compile is the caller's 400 now
    return merged


def compile_options(merged: Mapping[str, Any], where: str = "") -> Options:
    return Options(entities=frozenset(merged.get("entities") or ENTITY_TYPES),
                   score_threshold=merged.get("score_threshold"),
                   allow=tuple(_term(item, f"{where}/allow_list/{i}") for i, item in enumerate(merged.get("allow_list", ()))),
                   deny=tuple(_term(item, f"{where}/deny_list/{i}") for i, item in enumerate(merged.get("deny_list", ()))),
                   operators=dict(merged.get("operators") or {}))


def _term(item: Any, pointer: str) -> _Term:
    if isinstance(item, str):
        item = {"text": item}
    type_ = item.get("type", schemas.CUSTOM)
    if "text" in item:
        # Whole words only: "Ann" must not remove the "ann" of "annual".
        literal = regex.escape(" ".join(item["text"].split())).replace(r"\ ", r"\s+")
        return _Term(regex.compile(rf"(?<!\w){literal}(?!\w)", regex.IGNORECASE), True, type_)
    try:
        return _Term(regex.compile(item["regex"]), False, type_)
    except regex.error as exc:
        raise web.Problem(400, "Invalid request", f"{pointer}/regex: not a valid regular expression: {exc}",
                          code="invalid_request", pointer=f"{pointer}/regex") from None


def team_defaults(raw: str) -> dict[str, dict[str, Any]]:
    """VEIL_GATEWAY_TEAM_OPTIONS: a JSON object {team: options}, each checked against the text options schema
    (the PDF-only operators `box`/`label` are allowed there too)."""
    value = json.loads(raw) if raw.strip() else {}
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ValueError('expected a JSON object {"team": {options}}')
    for team, opts in value.items():
        try:
            schemas.validate(_DEFAULTS_SCHEMA, opts, f"/{team}")
        except web.Problem as exc:
            raise ValueError(exc.detail) from None
    return value


_DEFAULTS_SCHEMA: dict[str, Any] = {**schemas.TEXT_OPTIONS, "properties": {
    **schemas.TEXT_OPTIONS["properties"],
    "operators": {"type": "object", "additionalProperties": False, "properties": {
        k: {"oneOf": [*schemas.TEXT_OPERATOR["oneOf"], *schemas.PDF_OPERATOR["oneOf"]]} for k in schemas.OPERATOR_KEYS}},
}}
