"""Subcommands of `veil` that belong to no single service."""
