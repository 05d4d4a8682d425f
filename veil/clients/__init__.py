"""Light clients for Veil's internal services (no TensorFlow, no Flask): safe to import anywhere."""
