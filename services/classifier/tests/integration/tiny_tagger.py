"""A tiny token head trained in seconds on the real embedder's EmbedTokens vectors, for the integration tests.

Not the phi-tagger the training pipeline builds (tests/integration in training/ does that); it
exists so the service and its client can be exercised against real token vectors quickly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from services.classifier import registry

TAGGER_LABELS = ["O", "PERSON", "PHONE"]
_FINDINGS = ("chest pain", "shortness of breath", "mild fever", "blood pressure stable", "no acute distress",
             "follow up in clinic", "wound healing well", "denies nausea", "lungs clear", "normal gait")
_TYPES = {"name": "PERSON", "phone": "PHONE"}
_SENTENCES = ("Patient {name} can be reached at {phone}.", "Please call {name} on {phone} about the results.",
              "{name} was seen today; the home phone is {phone}.", "Spoke with {name} ({phone}) about the plan.",
              "Contact: {name}, tel. {phone}", "Daughter {name} asked to be called at {phone} after rounds.")


def tagged_sentences(n: int = 160, seed: int = 7) -> list[tuple[str, list[dict[str, Any]]]]:
    """Sentences with a labelled name and phone number, and plain clinical findings with no span."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = np.random.default_rng(seed)
    out: list[tuple[str, list[dict[str, Any]]]] = []
    for i in range(n):
        if i % 4 == 3:
            out.append((f"{str(rng.choice(_FINDINGS)).capitalize()}; {rng.choice(_FINDINGS)}.", []))
            continue
        template = str(rng.choice(_SENTENCES))
        values = {"name": fake.name(), "phone": fake.numerify(str(rng.choice(["(###) ###-####", "###-###-####"])))}
        text, spans, rest = "", [], template
        while "{" in rest:
            before, _, tail = rest.partition("{")
            slot, _, rest = tail.partition("}")
            text += before
            spans.append({"start": len(text), "end": len(text) + len(values[slot]), "type": _TYPES[slot]})
            text += values[slot]
        out.append((text + rest, spans))
    return out


def train_tagger(embedder: Any, n: int = 240, epochs: int = 40, seed: int = 7,
                 context: int = 2) -> tuple[Any, dict[str, Any]]:
    """(keras token head, metadata) trained on `embedder`'s EmbedTokens vectors of `tagged_sentences`,
    each token with `context` neighbours on each side, as the service feeds it."""
    import keras

    from services.classifier.spans import token_label_ids, with_context

    rows = tagged_sentences(n, seed)
    tokens = embedder.embed_tokens([text for text, _ in rows])
    index = {label: i for i, label in enumerate(TAGGER_LABELS)}
    vectors = np.concatenate([t.vectors for t in tokens])
    text_of = np.repeat(np.arange(len(tokens)), [len(t) for t in tokens])
    x = with_context(vectors, text_of, np.arange(len(vectors)), context)
    y = np.concatenate([token_label_ids(t.starts, t.ends, spans, index, 0) for t, (_, spans) in zip(tokens, rows)])
    keras.utils.set_random_seed(seed)
    head = keras.Sequential([keras.Input((x.shape[1],)), keras.layers.Dense(64, activation="relu"),
                             keras.layers.Dense(len(TAGGER_LABELS), activation="softmax")])
    head.compile(optimizer=keras.optimizers.Adam(0.005), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = head.fit(x, y.astype(np.int32), epochs=epochs, batch_size=64, verbose=0)
    metadata = {"kind": "token", "embedder_model": tokens[0].model_name, "embedder_version": tokens[0].model_version,
                "dimension": int(vectors.shape[1]), "context_tokens": context,
                "training": {"sentences": len(rows), "tokens": int(len(y)), "epochs": epochs,
                             "train_accuracy": round(float(history.history["accuracy"][-1]), 4)}}
    return head, metadata


def publish_tiny_tagger(embedder: Any, root: str | Path, name: str = "phi-tagger") -> Path:
    """Trains a tiny token head (names and phone numbers) and publishes it as version v1."""
    head, metadata = train_tagger(embedder)
    report = {"note": "training-set accuracy of a test head", "accuracy": metadata["training"]["train_accuracy"]}
    return registry.publish(root, name, "v1", head=head, labels=TAGGER_LABELS, metadata=metadata, report=report)
