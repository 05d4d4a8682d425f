"""Risk scores: counts by type, how much was redacted, and the residual risk of low-confidence spans left in place."""

import pytest

from services.gateway.pipeline import risk
from services.gateway.pipeline.document import Entity, Paragraph

PARAS = [Paragraph(0, "Maria Gonzalez seen 03/14/2021.", 1, (0, 0, 1, 1), 0),
         Paragraph(1, "Plan: rest. Northfield Clinic follow-up.", 2, (0, 0, 1, 1), 0)]
ENTITIES = [Entity(0, 0, 14, "PERSON", 0.95, "model", "Maria Gonzalez"),
            Entity(0, 20, 30, "DATE", 0.97, "pattern", "03/14/2021")]


def test_counts_and_the_redacted_share_describe_what_was_removed():
    scores, counts = risk.scores(PARAS, ENTITIES, [], verified=True)
    assert counts["PERSON"] == 1 and counts["DATE"] == 1 and counts["EMAIL"] == 0
    assert scores["redacted_characters"] == 24
    assert scores["redacted_fraction"] == pytest.approx(24 / (31 + 40), abs=1e-4)
    assert scores["pages_with_redactions"] == 1
    assert scores["by_source"] == {"model": 1, "pattern": 1}
    assert (scores["residual_risk"], scores["level"]) == (0.0, "low")


def test_residual_risk_is_the_chance_that_any_span_left_in_place_is_phi():
    review = [Entity(1, 12, 29, "ORGANIZATION", 0.2, "model", "Northfield Clinic"),
              Entity(1, 0, 4, "PERSON", 0.125, "ml", "Plan")]
    scores, _ = risk.scores(PARAS, ENTITIES, review, verified=True)
    assert scores["residual_risk"] == pytest.approx(1 - 0.8 * 0.875)
    assert scores["level"] == "medium" and scores["low_confidence_spans"] == 2


def test_a_phrase_left_in_place_many_times_counts_once():
    review = [Entity(1, 12, 29, "ORGANIZATION", 0.2, "model", "Northfield Clinic")] * 5
    scores, _ = risk.scores(PARAS, ENTITIES, review, verified=True)
    assert scores["residual_risk"] == pytest.approx(0.2)
    assert (scores["low_confidence_spans"], scores["low_confidence_phrases"]) == (5, 1)


def test_an_unverified_document_has_the_highest_risk():
    scores, _ = risk.scores(PARAS, ENTITIES, [], verified=False)
    assert (scores["residual_risk"], scores["level"], scores["verified"]) == (1.0, "high", False)
