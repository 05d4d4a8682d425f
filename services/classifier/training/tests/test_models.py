"""The model factory and the class weights: heads the classifier can load, weights that undo imbalance."""

from __future__ import annotations

import numpy as np

from services.classifier.training import fanout, models
from services.classifier.training.config import ModelSpec
from services.classifier.training.pipeline import class_weights


def test_the_factory_builds_a_head_from_embeddings_to_class_probabilities(tmp_path):
    import keras

    head = models.build(ModelSpec(hidden_units=(32, 16), dropout=0.1), dimension=384, n_classes=11)
    assert head.input_shape == (None, 384) and head.output_shape == (None, 11)
    head.save(tmp_path / "head.keras")
    loaded = keras.models.load_model(tmp_path / "head.keras")  # no custom objects needed
    probs = loaded.predict(np.zeros((2, 384), dtype=np.float32), verbose=0)
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert models.build(ModelSpec(type="linear"), 8, 3).count_params() == 8 * 3 + 3


def test_the_architecture_id_says_what_the_head_is():
    assert models.architecture_id(ModelSpec(hidden_units=(512,), dropout=0.2)) == "feed_forward-512-d0.2"
    assert models.architecture_id(ModelSpec(type="linear")) == "linear"


def test_balanced_class_weights_make_every_class_weigh_the_same_in_total():
    ids = np.array([0] * 90 + [1] * 10)
    weights = class_weights(ids, 2, "balanced")
    assert weights[0] * 90 == weights[1] * 10
    soft = class_weights(ids, 2, "sqrt")
    assert 1 < soft[1] / soft[0] < weights[1] / weights[0]
    assert class_weights(ids, 2, "none") is None


def test_every_thread_pool_of_a_worker_gets_the_same_budget():
    env = fanout.thread_env(2)
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
        assert env[name] == "2"
