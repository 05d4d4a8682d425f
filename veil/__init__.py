"""Veil's shared package: configuration, logging, decorators, clients and stores used by every service."""

__version__ = "0.1.0"
