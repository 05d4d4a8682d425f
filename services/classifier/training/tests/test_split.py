"""The grouped stratified split: no group in two parts, class proportions kept, reproducible."""

from __future__ import annotations

import collections

import numpy as np
import pytest

from services.classifier.training.split import normalise, stratified_group_split
from tools.synthetic import phi_data


@pytest.fixture(scope="module")
def data():
    rows = phi_data.generate(2000, seed=3)
    return [r.label for r in rows], [normalise(r.text) for r in rows], [r.template for r in rows]


@pytest.fixture(scope="module")
def by_text(data):
    labels, groups, _ = data
    return stratified_group_split(labels, groups, 0.1, 0.15, seed=7)


def test_when_grouped_by_text_then_no_test_phrase_was_seen_in_training(data, by_text):
    labels, groups, _ = data
    split = by_text
    parts = [set(np.asarray(groups)[idx]) for idx in (split.train, split.validation, split.test)]
    assert not parts[0] & parts[2] and not parts[0] & parts[1] and not parts[1] & parts[2]
    assert sorted(np.concatenate([split.train, split.validation, split.test]).tolist()) == list(range(len(labels)))


def test_every_part_keeps_the_class_proportions(data, by_text):
    labels, _, _ = data
    split = by_text
    total = collections.Counter(labels)
    test = collections.Counter(np.asarray(labels)[split.test])
    assert 0.12 < len(split.test) / len(labels) < 0.18
    for label, n in total.items():
        assert abs(test[label] / len(split.test) - n / len(labels)) < 0.03, label


def test_when_grouped_by_template_then_whole_templates_are_held_out(data):
    labels, _, templates = data
    split = stratified_group_split(labels, templates, 0.1, 0.15, seed=7)
    train_templates = set(np.asarray(templates)[split.train])
    assert not train_templates & set(np.asarray(templates)[split.test])


def test_the_same_seed_gives_the_same_split_and_every_test_class_is_in_train(data, by_text):
    labels, groups, _ = data
    a = by_text
    b = stratified_group_split(labels, groups, 0.1, 0.15, seed=7)
    assert (a.test == b.test).all() and (a.train == b.train).all()
    assert set(np.asarray(labels)[a.test]) <= set(np.asarray(labels)[a.train])


def test_when_a_class_has_a_single_group_then_its_rows_stay_in_train():
    labels = ["a"] * 50 + ["b"] * 50 + ["rare"] * 4
    groups = [f"a{i}" for i in range(50)] + [f"b{i}" for i in range(50)] + ["same"] * 4
    split = stratified_group_split(labels, groups, 0.1, 0.2, seed=1)
    assert set(range(100, 104)) <= set(split.train.tolist())
