"""The token tagger in the pipeline: every paragraph tagged in one series of calls, its spans widened to
whole words, combined with patterns and phrase decisions, and propagated through the blob.

The redactor is the real library in this process; the tagger is a function that labels the
words it knows, as the classifier's token head would.
"""

from __future__ import annotations

import re

import pymupdf
import pytest

from services.gateway.assembly import ClassifierTagger, LocalRedactor
from services.gateway.pipeline import hybrid
from services.gateway.pipeline.deidentify import Pipeline, PipelineOptions
from services.gateway.pipeline.plausibility import plausible
from services.gateway.pipeline.predict import PhraseModels, predict_phrases
from services.gateway.pipeline.tagging import TaggedSpan, tag_texts
from services.redactor.tests import pdfs
from veil.clients.classifier import ClassifierRejected
from veil.contracts import Paragraph


class WordTagger:
    """Labels every occurrence of the words it knows; counts its calls and the texts it saw."""

    def __init__(self, words: dict[str, tuple[str, float]]):
        self.words = words
        self.calls = 0
        self.texts: list[str] = []

    def __call__(self, texts):
        self.calls += 1
        self.texts += list(texts)
        out = []
        for text in texts:
            spans = []
            for word, (type_, score) in self.words.items():
                spans += [TaggedSpan(m.start(), m.end(), type_, score) for m in re.finditer(re.escape(word), text)]
            out.append(spans)
        return out


def no_phrases(phrases):
    return [{"NONE": 1.0} for _ in phrases]


def paragraph(index: int, text: str, blob: int = 0) -> Paragraph:
    return Paragraph(index=index, text=text, page=1, bbox=(0, 0, 100, 10), blob=blob)


def test_each_distinct_text_is_tagged_once_in_batches_and_spans_widen_to_whole_words():
    tagger = WordTagger({"rkić": ("PERSON", 0.9)})
    texts = ["Seen by Dr. Brkić today.", "", "Seen by Dr. Brkić today.", "Nothing here."]
    tags = tag_texts(texts, tagger, batch_size=1)
    assert tagger.texts == ["Seen by Dr. Brkić today.", "Nothing here."]   # blank and repeated texts not sent
    assert [[texts[0][s.start:s.end] for s in t] for t in tags] == [["Brkić"], [], ["Brkić"], []]


def test_a_tagged_span_becomes_an_entity_and_propagates_to_later_paragraphs_of_its_blob():
    pps = hybrid.prepare([paragraph(0, "lives at 12 rue de la paix with his son, kowalski Jr."),
                          paragraph(1, "Kowalski came back.")])
    pps[0] = hybrid.PreparedParagraph(pps[0].paragraph, pps[0].matches, pps[0].candidates,
                                      tags=(TaggedSpan(41, 52, "PERSON", 0.91), TaggedSpan(9, 31, "LOCATION", 0.3)))
    table = predict_phrases(hybrid.phrases_of(pps), PhraseModels(dl=no_phrases), 64)
    found = hybrid.search_blob(pps, table.lookup, hybrid.SearchOptions(tag_threshold=0.5, review_threshold=0.2))
    assert [(e.text, e.type, e.source) for e in found.entities] == [
        ("kowalski Jr", "PERSON", "model"), ("Kowalski", "PERSON", "propagated")]
    assert [(r.text, r.type) for r in found.review] == [("12 rue de la paix", "LOCATION")]  # "with" trimmed off


def test_a_pattern_keeps_its_span_and_type_where_the_tagger_disagrees_and_widens_where_it_agrees():
    text = "Call 555-867-5309 (x42) or write to Jan Nowak."
    pps = hybrid.prepare([paragraph(0, text)])
    phone = next(m for m in pps[0].matches if m.type == "PHONE")
    pps[0] = hybrid.PreparedParagraph(pps[0].paragraph, pps[0].matches, pps[0].candidates,
                                      tags=(TaggedSpan(phone.start, phone.end, "ID", 0.99),
                                            TaggedSpan(phone.start, phone.end + 5, "PHONE", 0.8)))
    table = predict_phrases(hybrid.phrases_of(pps), PhraseModels(dl=no_phrases), 64)
    found = hybrid.search_blob(pps, table.lookup, hybrid.SearchOptions())
    assert [(e.text, e.type, e.source) for e in found.entities] == [("555-867-5309 (x42", "PHONE", "pattern")]


def test_the_pipeline_tags_every_paragraph_of_every_document_in_one_call_and_redacts_what_it_finds():
    tagger = WordTagger({"Wróbel": ("PERSON", 0.95)})
    pdf = pdfs.pages_pdf([["Łukasz Wróbel was seen.", "Vitals stable."], ["Wróbel asked to go home."]])
    pipeline = Pipeline(LocalRedactor(), PhraseModels(dl=no_phrases, tagger=tagger, tagger_name="phi-tagger"),
                        PipelineOptions(tag_batch_size=100))
    outcomes = pipeline.run_many([pdf, pdf])
    assert tagger.calls == 1
    assert all(o.report["verification"]["verified"] for o in outcomes)
    assert outcomes[0].report["models"]["tagger"] == "phi-tagger"
    assert outcomes[0].result["counts"]["PERSON"] == 2
    with pymupdf.open(stream=outcomes[0].pdf, filetype="pdf") as doc:
        text = " ".join(page.get_text() for page in doc)
    assert "Wróbel" not in text and "Vitals stable." in text


class MissingHeadClient:
    def __init__(self):
        self.calls = 0

    def tag(self, model, texts, caller=None):
        self.calls += 1
        raise ClassifierRejected("classifier", 404, "Unknown model", f"no model {model!r}", "unknown_model")


def test_a_token_head_that_is_not_trained_yet_is_skipped_and_asked_for_again_later():
    client = MissingHeadClient()
    tagger = ClassifierTagger(client, "phi-tagger")
    assert tagger(["a", "b"]) == [[], []]
    assert tagger(["c"]) == [[]]
    assert client.calls == 1   # not asked again within the minute


def test_a_paragraph_longer_than_the_tagger_takes_goes_in_overlapping_pieces_and_every_name_is_found_once():
    tagger = WordTagger({"Okonkwo": ("PERSON", 0.9)})
    text = " ".join(f"Sentence {i} mentions Okonkwo twice, Okonkwo." for i in range(60))
    [spans] = tag_texts([text], tagger, batch_size=8, max_chars=300)
    assert all(len(t) <= 300 for t in tagger.texts) and len(tagger.texts) > 10
    assert [text[s.start:s.end] for s in spans] == ["Okonkwo"] * 120
    assert len({(s.start, s.end) for s in spans}) == 120


def test_a_span_too_short_to_stand_alone_takes_the_word_before_it_or_is_dropped():
    tagger = WordTagger({"4": ("LOCATION", 0.9), "x": ("ID", 0.9)})
    [spans] = tag_texts(["moved to Bed 4 today"], tagger, batch_size=4)
    assert [("moved to Bed 4 today"[s.start:s.end], s.type) for s in spans] == [("Bed 4", "LOCATION")]
    assert tag_texts(["x"], tagger, batch_size=4) == [()]


@pytest.mark.parametrize("text, type_, after, expected", [
    ("Page 1", "URL", "", False), ("nhs.uk/portal", "URL", "", True),
    ("holiday", "DATE", "", False), ("of 1", "DATE", "", False), ("12 March", "DATE", "", True), ("3rd", "DATE", "", True),
    ("Babinski", "PERSON", " sign was absent", False), ("Graves", "PERSON", "' disease", False),
    ("Graves", "PERSON", " was seen", True), ("pharmacy", "ORGANIZATION", "", False), ("home", "LOCATION", "", False),
    ("Кузнецова", "PERSON", "", True), ("王秀英", "PERSON", "", True), ("Registered", "ID", "", False),
    ("TCH5A43", "ID", "", True), ("ZOCOR", "PERSON", "", False),
])
def test_a_tagged_span_must_have_the_shape_of_its_type(text, type_, after, expected):
    assert plausible(text, type_, after) is expected


def test_a_page_number_footer_is_never_tagged():
    pps = hybrid.prepare([paragraph(0, "Page 1 of 2")])
    pps[0] = hybrid.PreparedParagraph(pps[0].paragraph, (), (), tags=(TaggedSpan(0, 6, "URL", 0.99),))
    table = predict_phrases([], PhraseModels(dl=no_phrases), 64)
    assert hybrid.search_blob(pps, table.lookup, hybrid.SearchOptions()).entities == []
