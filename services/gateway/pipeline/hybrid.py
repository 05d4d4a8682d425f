"""Hybrid search: patterns, the token tagger, the DL head and the ML model combined per paragraph, then
propagated through the blob.

A blob is searched paragraph by paragraph in document order: each paragraph's own findings
(validated patterns, candidates the phrase models scored high enough, spans the token tagger
labelled in context) are remembered, and the forms of everything remembered so far are then
looked for in the paragraph's remaining text. Blobs share nothing, so they can be searched in
parallel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Sequence

from services.gateway.pipeline import addresses, edges, names, organisations, patterns
from services.gateway.pipeline import candidates as candidates_mod
from services.gateway.pipeline.candidates import Candidate
from services.gateway.pipeline.document import Entity, Findings, Paragraph
from services.gateway.pipeline.patterns import NONE, Match
from services.gateway.pipeline.plausibility import page_number_line, plausible
from services.gateway.pipeline.predict import Decision
from services.gateway.pipeline.propagation import Propagator
from services.gateway.pipeline.tagging import TaggedSpan
from veil.contracts import AGE, LOCATION, ORGANIZATION, PERSON

MODEL, ML, PATTERN, PROPAGATED = "model", "ml", "pattern", "propagated"
SOURCES = (MODEL, ML, PATTERN, PROPAGATED)


@dataclass(frozen=True)
class SearchOptions:
    threshold: float = 0.5          # a model-found span is redacted from this combined probability
    review_threshold: float = 0.2   # spans between this and `threshold` stay, and count as residual risk
    # The token tagger's own cut, per entity type where one is given, else `tag_threshold`.
    tag_threshold: float = 0.5
    tag_thresholds: dict[str, float] = field(default_factory=dict)

    def tag_cut(self, type_: str) -> float:
        return self.tag_thresholds.get(type_, self.tag_threshold)


@dataclass(frozen=True)
class PreparedParagraph:
    paragraph: Paragraph
    matches: tuple[Match, ...]
    candidates: tuple[Candidate, ...]
    tags: tuple[TaggedSpan, ...] = ()


def prepare(paragraphs: Iterable[Paragraph]) -> list[PreparedParagraph]:
    """Patterns and candidate phrases of every paragraph: the input of the batch prediction."""
    prepared = []
    for p in paragraphs:
        matches = tuple(patterns.find(p.text))
        prepared.append(PreparedParagraph(p, matches, tuple(candidates_mod.extract(p.text, matches))))
    return prepared


def phrases_of(prepared: Iterable[PreparedParagraph]) -> list[str]:
    return [c.text for pp in prepared for c in pp.candidates]


def search_paragraph(pp: PreparedParagraph, decision_for: Callable[[str], Decision], propagator: Propagator,
                     options: SearchOptions) -> Findings:
    """One paragraph's entities and low-confidence spans; remembers its entities in `propagator`."""
    p = pp.paragraph
    found = Findings()
    for m in pp.matches:
        found.entities.append(Entity(p.index, m.start, m.end, m.type, m.score, PATTERN, p.text[m.start:m.end]))
    for c in pp.candidates:
        d = decision_for(c.text)
        # The phrase models see the candidate alone, so what they call it is checked against its shape
        # and the words after it, as the tagger's spans are ("Babinski" of "Babinski sign", "SpO" of "SpO2").
        if d.label == NONE or not plausible(c.text, d.label, p.text[c.end:c.end + 24]):
            continue
        entity = Entity(p.index, c.start, c.end, d.label, d.score, d.source, p.text[c.start:c.end])
        if d.score >= options.threshold:
            found.entities.append(entity)
        elif d.score >= options.review_threshold:
            found.review.append(entity)
    _add_tagged(pp, found, options)
    found.entities = _without_labels(p.text, found.entities)
    found.review = _without_labels(p.text, found.review)
    _grow_names(p, found)
    _add_address_parts(p, found)
    for start, end in organisations.find(p.text):
        _add_rule_span(p, found, start, end, ORGANIZATION)
    for e in found.entities:
        propagator.remember(e.text, e.type, e.score)
    for hit in propagator.find(p.text):
        if any(e.overlaps(hit.start, hit.end) for e in found.entities):
            continue
        found.entities.append(Entity(p.index, hit.start, hit.end, hit.known.type, hit.score, PROPAGATED,
                                     p.text[hit.start:hit.end]))
    # A low-confidence span that propagation (or another finding) covered is no longer a residual risk.
    found.review = [r for r in found.review if not any(e.overlaps(r.start, r.end) for e in found.entities)]
    # A tagged span that widens several pattern entities makes each the same entity: one is enough.
    found.entities = sorted(dict.fromkeys(found.entities), key=lambda e: e.start)
    return found


def _grow_names(p: Paragraph, found: Findings) -> None:
    """Each name widened over its initials, a capitalised surname before it and particles after it
    (see `names`), where that takes no word of another entity."""
    for i, e in enumerate(found.entities):
        if e.type != PERSON:
            continue
        start, end = names.grow(p.text, e.start, e.end)
        if (start, end) != (e.start, e.end) and not any(
                o is not e and o.overlaps(start, end) and not o.overlaps(e.start, e.end) for o in found.entities):
            found.entities[i] = replace(e, start=start, end=end, text=p.text[start:end])


def _add_address_parts(p: Paragraph, found: Findings) -> None:
    """Address lines that end in a postcode and a town, units with their numbers, and the parts of an
    address line after a location already found ("..., lgh 808, 588 34 Genarp"): see `addresses`."""
    for start, end in addresses.address_lines(p.text) + addresses.units(p.text):
        _add_rule_span(p, found, start, end, LOCATION)
    for e in [e for e in found.entities if e.type == LOCATION]:
        for start, end in addresses.continuation(p.text, e.end):
            _add_rule_span(p, found, start, end, LOCATION)


def _add_rule_span(p: Paragraph, found: Findings, start: int, end: int, type_: str) -> None:
    """A structural rule's span (an address line's part, an organisation by its legal form) as an entity.

    The rule reads the structure around the words, which the models' guesses do not: a model's span that
    overlaps it ("Jalovec" called a person in "Jalovec 278/45, byt 34") gives way and is merged into it.
    A validated pattern of another type (a phone, an ID) keeps its span and the rule's is dropped."""
    overlapping = [e for e in found.entities if e.overlaps(start, end)]
    if any(e.source == PATTERN and e.type != type_ for e in overlapping):
        return
    if any(e.type == type_ and e.start <= start and end <= e.end for e in overlapping):
        return  # already found whole ("Suite 803" inside a street address a pattern found)
    for e in overlapping:
        # A validated pattern of the same type is merged; a model's span too when it only widens the rule's
        # within the line; one that runs on over a rule or a column ("... Los Realejos ------ TEST") is the
        # model's error, and the rule's span stands.
        wide = min(start, e.start), max(end, e.end)
        if e.source == PATTERN or (_one_line(p.text[wide[0]:wide[1]]) and wide[1] - wide[0] <= end - start + 40):
            start, end = wide
    found.entities[:] = [e for e in found.entities if e not in overlapping]
    score = max([0.9] + [e.score for e in overlapping])
    found.entities.append(Entity(p.index, start, end, type_, score, PATTERN, p.text[start:end]))


_SEPARATOR = re.compile(r"[^\w\s]{3,}|\||\t|\n| {3,}")


def _one_line(text: str) -> bool:
    """No line break, column gap, table bar or run of punctuation (a rule line) inside `text`."""
    return _SEPARATOR.search(text) is None


def _without_labels(text: str, entities: list[Entity]) -> list[Entity]:
    """The entities with their edge words that only label or introduce an identifier trimmed off
    ("DR ADAMS", "Tel: +44 ..."), and those made only of such words dropped (see `edges`)."""
    out = []
    for e in entities:
        # "aged 98 years of age": the words after the number belong to the age, those before it do not.
        bounds = edges.trim(text, e.start, e.end, trailing=e.type != AGE)
        if bounds is None:
            continue
        out.append(e if bounds == (e.start, e.end) else
                   Entity(e.paragraph, bounds[0], bounds[1], e.type, e.score, e.source, text[bounds[0]:bounds[1]]))
    return out


def _add_tagged(pp: PreparedParagraph, found: Findings, options: SearchOptions) -> None:
    """The tagger's spans as entities (or review spans), where no pattern or phrase decision already
    speaks for the same characters: a validated pattern or a phrase the models scored is kept as it is,
    and a tagged span of the same type that reaches past it widens it."""
    p = pp.paragraph
    if page_number_line(p.text):
        return
    for s in pp.tags:
        cut = options.tag_cut(s.type)
        if s.score < min(cut, options.review_threshold):
            continue
        if not plausible(p.text[s.start:s.end], s.type, p.text[s.end:s.end + 24]):
            continue
        overlapping = [e for e in found.entities if e.overlaps(s.start, s.end)]
        if overlapping:
            for e in overlapping:
                if e.type == s.type and (s.start < e.start or s.end > e.end) and s.score >= cut:
                    start, end = min(s.start, e.start), max(s.end, e.end)
                    found.entities[found.entities.index(e)] = Entity(p.index, start, end, e.type, max(e.score, s.score),
                                                                     e.source, p.text[start:end])
            continue
        entity = Entity(p.index, s.start, s.end, s.type, round(s.score, 4), MODEL, p.text[s.start:s.end])
        if s.score >= cut:
            found.entities.append(entity)
        elif not any(r.overlaps(s.start, s.end) for r in found.review):
            found.review.append(entity)


def search_blob(blob: Sequence[PreparedParagraph], decision_for: Callable[[str], Decision],
                options: SearchOptions) -> Findings:
    """The hybrid search over one blob, in paragraph order."""
    propagator = Propagator()
    findings = Findings()
    blocks: dict[int, list[tuple[int, int]]] = {}
    for i, start, end in addresses.address_blocks([pp.paragraph.text for pp in blob]):
        blocks.setdefault(i, []).append((start, end))
    for i, pp in enumerate(blob):
        one = search_paragraph(pp, decision_for, propagator, options)
        for start, end in blocks.get(i, ()):
            _add_rule_span(pp.paragraph, one, start, end, LOCATION)
        findings.entities.extend(one.entities)
        findings.review.extend(one.review)
    return findings
