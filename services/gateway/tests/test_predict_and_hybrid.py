"""Batch prediction (each distinct phrase once, in batches), the two-model decision, and the hybrid search of a blob."""

from services.gateway.pipeline import hybrid
from services.gateway.pipeline.document import Paragraph, blobs_of, paragraphs_from_extraction
from services.gateway.pipeline.hybrid import SearchOptions
from services.gateway.pipeline.predict import PhraseModels, decide, predict_phrases


class RecordingModel:
    """A stand-in phrase model with the real interface: a distribution per phrase; it records its calls."""

    def __init__(self, answers, default=None):
        self.answers = answers
        self.default = default or {"NONE": 0.9, "PERSON": 0.1}
        self.calls = []

    def __call__(self, phrases):
        self.calls.append(list(phrases))
        return [dict(self.answers.get(p, self.default)) for p in phrases]


def test_each_distinct_phrase_is_classified_once_in_batches_of_the_configured_size():
    dl = RecordingModel({})
    ml = RecordingModel({})
    phrases = ["A", "B", "A", "C", "B", "D", "E"]
    table = predict_phrases(phrases, PhraseModels(dl=dl, ml=ml), batch_size=2)
    assert dl.calls == [["A", "B"], ["C", "D"], ["E"]]
    assert ml.calls == [["A", "B", "C", "D", "E"]]
    assert len(table) == 5 and table.phrases[table.index["C"]] == "C"


def test_the_decision_is_the_weighted_mean_and_names_the_model_that_backed_it():
    d = decide({"PERSON": 0.9, "NONE": 0.1}, {"PERSON": 0.5, "NONE": 0.5}, ml_weight=0.5)
    assert (d.label, d.score, d.source) == ("PERSON", 0.7, "model")
    d = decide({"NONE": 0.7, "ORGANIZATION": 0.3}, {"ORGANIZATION": 0.95, "NONE": 0.05}, ml_weight=0.5)
    assert (d.label, d.score, d.source) == ("ORGANIZATION", 0.625, "ml")
    assert decide(None, {"DATE": 0.8, "NONE": 0.2}, 0.5).score == 0.8
    assert decide({"NONE": 1.0}, None, 0.5).label == "NONE"


def paragraph(i, text, blob=0):
    return Paragraph(index=i, text=text, page=0, bbox=(0, 0, 100, 10), blob=blob)


def test_a_blob_combines_patterns_models_and_propagation_in_paragraph_order():
    blob = hybrid.prepare([
        paragraph(0, "Maria Gonzalez was admitted on 03/14/2021."),
        paragraph(1, "Ms. Ortega and GONZALEZ discussed Metformin."),
    ])
    answers = {"Maria Gonzalez": {"PERSON": 0.95, "NONE": 0.05}, "Mrs. Ortega": {"PERSON": 0.3, "NONE": 0.7}}
    table = predict_phrases(hybrid.phrases_of(blob), PhraseModels(dl=RecordingModel(answers)), batch_size=64)
    found = hybrid.search_blob(blob, table.lookup, SearchOptions(threshold=0.5, review_threshold=0.2))
    got = [(e.paragraph, e.text, e.type, e.source) for e in found.entities]
    assert got == [(0, "Maria Gonzalez", "PERSON", "model"), (0, "03/14/2021", "DATE", "pattern"),
                   (1, "Ortega", "PERSON", "pattern"), (1, "GONZALEZ", "PERSON", "propagated")]
    assert found.review == []


def test_a_low_confidence_span_is_left_in_place_for_review():
    blob = hybrid.prepare([paragraph(0, "Referred from Northfield Ridge.")])
    answers = {"Northfield Ridge": {"ORGANIZATION": 0.35, "NONE": 0.65}}
    table = predict_phrases(hybrid.phrases_of(blob), PhraseModels(dl=RecordingModel(answers)), batch_size=64)
    found = hybrid.search_blob(blob, table.lookup, SearchOptions(threshold=0.5, review_threshold=0.2))
    assert found.entities == []
    assert [(r.text, r.type, r.score) for r in found.review] == [("Northfield Ridge", "ORGANIZATION", 0.35)]


def test_entities_do_not_propagate_into_another_blob():
    prepared = hybrid.prepare([paragraph(0, "Maria Gonzalez was admitted.", blob=0),
                               paragraph(1, "Gonzalez is a common word here.", blob=1)])
    answers = {"Maria Gonzalez": {"PERSON": 0.95, "NONE": 0.05}}
    table = predict_phrases(hybrid.phrases_of(prepared), PhraseModels(dl=RecordingModel(answers)), batch_size=64)
    by_blob = [hybrid.search_blob([pp], table.lookup, SearchOptions()) for pp in prepared]
    assert [e.text for e in by_blob[1].entities] == []


def test_blobs_come_from_the_extraction_ids_or_from_its_headings():
    with_ids = {"paragraphs": [{"text": "A", "page": 0, "bbox": [0, 0, 1, 1], "blob_id": 3},
                               {"text": "B", "page": 0, "bbox": [0, 0, 1, 1], "blob_id": 3}]}
    assert [p.blob for p in paragraphs_from_extraction(with_ids)] == [3, 3]
    by_heading = {"paragraphs": [{"text": "H1", "heading": True}, {"text": "a"}, {"text": "H2", "heading": True},
                                 {"text": "b"}, {"text": "c"}]}
    groups = blobs_of(paragraphs_from_extraction(by_heading))
    assert [[p.text for p in g] for g in groups] == [["H1", "a"], ["H2", "b", "c"]]
