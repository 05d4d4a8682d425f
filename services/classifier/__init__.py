"""The classifier service: light Keras heads from a model registry behind the central embedder."""
