"""The model factory: a config's `model.type` names a function that builds a Keras head on frozen embeddings.

A head takes an embedding (float32 [dimension]) and answers softmax probabilities over the
labels in labels.json order; only built-in layers are used, so the classifier loads
head.keras without custom objects. Keras is imported inside the builders so configs can be
validated without TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

DEFAULT_HIDDEN_UNITS = (512,)
DEFAULT_DROPOUT = 0.2
DEFAULT_LEARNING_RATE = 1e-3


@dataclass(frozen=True)
class ModelSpec:
    """A head's architecture as a training config's `model:` section describes it."""

    type: str = "feed_forward"
    hidden_units: tuple[int, ...] = DEFAULT_HIDDEN_UNITS
    dropout: float = DEFAULT_DROPOUT
    learning_rate: float = DEFAULT_LEARNING_RATE
    # Token heads only: neighbours on each side whose vectors join the token's (the head's input is
    # dimension x (2 context_tokens + 1); services.classifier.spans.with_context builds it).
    context_tokens: int = 0


def _feed_forward(spec: ModelSpec, dimension: int, n_classes: int) -> Any:
    import keras

    inputs = keras.Input(shape=(dimension,), name="embedding")
    x = inputs
    for i, units in enumerate(spec.hidden_units):
        x = keras.layers.Dense(units, activation="relu", name=f"hidden_{i}")(x)
        if spec.dropout:
            x = keras.layers.Dropout(spec.dropout, name=f"dropout_{i}")(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="head")


def _linear(spec: ModelSpec, dimension: int, n_classes: int) -> Any:
    """Multinomial logistic regression on the embedding: the baseline a hidden layer has to beat."""
    import keras

    inputs = keras.Input(shape=(dimension,), name="embedding")
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="probabilities")(inputs)
    return keras.Model(inputs, outputs, name="head")


FACTORIES: dict[str, Callable[[ModelSpec, int, int], Any]] = {
    "feed_forward": _feed_forward,
    "linear": _linear,
}


def build(spec: ModelSpec, dimension: int, n_classes: int) -> Any:
    """A compiled Keras head for `spec`."""
    import keras

    model = FACTORIES[spec.type](spec, dimension, n_classes)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=spec.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def architecture_id(spec: ModelSpec) -> str:
    """The folder name under models/: what the head is, readable ('feed_forward-512-d0.2', 'linear')."""
    context = f"-c{spec.context_tokens}" if spec.context_tokens else ""
    if spec.type == "linear":
        return "linear" + context
    units = "x".join(str(u) for u in spec.hidden_units) or "0"
    return f"{spec.type}-{units}-d{spec.dropout:g}{context}"
