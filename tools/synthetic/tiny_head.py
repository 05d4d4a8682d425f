"""A small head trained in seconds on real embeddings of synthetic phrases, for tests and the benchmark.

Not the production phi-type model (the training pipeline builds that); it exists so the
service can be exercised end to end, against the real embedder, when the registry is empty.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from services.classifier import registry
from veil.contracts import DATE, NONE, PERSON, PHONE

_log = logging.getLogger(__name__)

LABELS = [PERSON, DATE, PHONE, NONE]  # a few of the contract's types: enough for a test head
_FINDINGS = ("chest pain", "shortness of breath", "mild fever", "blood pressure stable", "no acute distress",
             "follow up in clinic", "wound healing well", "denies nausea", "lungs clear", "normal gait",
             "abdomen soft", "left knee swelling", "headache resolved", "tolerating diet", "ambulating well")


def phrases(per_label: int = 40, seed: int = 7) -> tuple[list[str], list[int]]:
    """Labelled synthetic phrases: names, dates, phone numbers and clinical findings."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    labels: list[int] = []
    for _ in range(per_label):
        texts += [fake.name(), fake.date(pattern=str(rng.choice(["%B %d, %Y", "%m/%d/%Y", "%d %b %Y"]))),
                  fake.numerify(str(rng.choice(["(###) ###-####", "###-###-####", "+1 ### ### ####"]))),
                  str(rng.choice(_FINDINGS))]
        labels += [0, 1, 2, 3]
    return texts, labels


def train(embedder: Any, per_label: int = 40, epochs: int = 60, seed: int = 7) -> tuple[Any, dict[str, Any]]:
    """(keras head, metadata) trained on `embedder`'s vectors; the metadata names that embedder."""
    import keras

    texts, labels = phrases(per_label, seed)
    result = embedder.embed(texts)
    keras.utils.set_random_seed(seed)
    dim = result.vectors.shape[1]
    head = keras.Sequential([keras.Input((dim,)), keras.layers.Dense(64, activation="relu"),
                             keras.layers.Dense(len(LABELS), activation="softmax")])
    head.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                 metrics=["accuracy"])
    history = head.fit(result.vectors, np.asarray(labels), epochs=epochs, batch_size=32, verbose=0)
    accuracy = float(history.history["accuracy"][-1])
    metadata = {"embedder_model": result.model_name, "embedder_version": result.model_version,
                "dimension": int(dim), "training": {"phrases": len(texts), "epochs": epochs,
                                                    "train_accuracy": round(accuracy, 4)}}
    return head, metadata


def publish_tiny(embedder: Any, root: str | Path, name: str = "phi-type", versions: tuple[str, ...] = ("v1",)) -> \
        list[Path]:
    """Trains once and publishes the head under each of `versions` (the last one active)."""
    head, metadata = train(embedder)
    report = {"weighted_f1": metadata["training"]["train_accuracy"], "note": "training-set accuracy of a test head"}
    paths = [registry.publish(root, name, version, head=head, labels=LABELS, metadata=metadata, report=report)
             for version in versions]
    _log.info("published tiny head %s %s (train accuracy %.3f)", name, ",".join(versions),
              metadata["training"]["train_accuracy"])
    return paths
