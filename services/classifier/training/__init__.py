"""Training pipeline of the classifier heads: seed data, PostgreSQL rows, splits, Keras heads, ML model, reports."""
