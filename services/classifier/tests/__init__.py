"""Tests of the classifier service, its registry and the inference store."""
