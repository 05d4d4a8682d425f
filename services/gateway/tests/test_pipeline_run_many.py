"""run_many with several documents at a time: each outcome in its input's place, failures in theirs.

The redactor is the real library in this process; the phrase model knows one name.
"""

from __future__ import annotations

import pytest

from services.gateway.assembly import LocalRedactor
from services.gateway.pipeline.deidentify import DocumentRejected, Pipeline, PipelineOptions
from services.gateway.pipeline.predict import PhraseModels
from services.gateway.tests.test_pipeline_repair import NAME, name_model
from services.redactor.tests import pdfs


def document(pages: int) -> bytes:
    return pdfs.pages_pdf([[f"Page {n}: {NAME} was seen today."] for n in range(1, pages + 1)])


class CountingModel:
    def __init__(self):
        self.calls = 0

    def __call__(self, phrases):
        self.calls += 1
        return name_model(phrases)


@pytest.mark.parametrize("workers", [1, 3])
def test_each_outcome_is_its_own_documents_in_input_order_with_one_prediction(workers):
    model = CountingModel()
    pipeline = Pipeline(LocalRedactor(), PhraseModels(dl=model), PipelineOptions(document_workers=workers))
    sizes = [3, 1, 4, 2, 5]
    outcomes = pipeline.run_many([document(n) for n in sizes])
    assert [o.report["document"]["pages"] for o in outcomes] == sizes
    assert [o.result["counts"].get("PERSON") for o in outcomes] == sizes   # the name once a page
    assert all(o.report["verification"]["verified"] for o in outcomes)
    assert model.calls == 1


@pytest.mark.parametrize("workers", [1, 3])
def test_a_document_the_redactor_refuses_yields_its_error_in_its_place_and_the_others_finish(workers):
    pipeline = Pipeline(LocalRedactor(), PhraseModels(dl=CountingModel()), PipelineOptions(document_workers=workers))
    outcomes = pipeline.run_many([document(2), b"%PDF-1.7 not really", document(1)], return_exceptions=True)
    assert isinstance(outcomes[1], DocumentRejected)
    assert [outcomes[0].report["document"]["pages"], outcomes[2].report["document"]["pages"]] == [2, 1]
    with pytest.raises(DocumentRejected):
        pipeline.run_many([document(1), b"%PDF-1.7 not really"])
