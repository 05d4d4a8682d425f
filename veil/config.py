"""Configuration from environment variables, declared once with named defaults and validated at start.

A service declares its settings as a tuple of `Setting`s and calls `load()` once at start; a
bad value stops the start with a message that names the variable, what it got and what it
wants. `veil config` prints every declared setting as the README's table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the environment variable."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    parse: Callable[[str], Any] = str
    help: str = ""
    required: bool = False
    secret: bool = False

    @property
    def key(self) -> str:
        """The attribute name: VEIL_EMBEDDER_PORT -> embedder_port."""
        return self.name.removeprefix("VEIL_").lower()


# Every setting declared anywhere, for `veil config` and the README table.
_REGISTRY: dict[str, tuple[str, Setting]] = {}


def declare(component: str, *settings: Setting) -> tuple[Setting, ...]:
    """Declares a component's settings so the docs can list them; returns them for `load`."""
    for s in settings:
        _REGISTRY[s.name] = (component, s)
    return settings


def declared() -> list[tuple[str, Setting]]:
    return sorted(_REGISTRY.values(), key=lambda cs: (cs[0], cs[1].name))


@dataclass(frozen=True)
class Config:
    values: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, key: str) -> Any:
        try:
            return self.values[key]
        except KeyError:
            raise AttributeError(key) from None

    def replace(self, **overrides: Any) -> "Config":
        return Config(MappingProxyType({**self.values, **overrides}))


def load(
    settings: Iterable[Setting],
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Reads and validates settings; `overrides` (by key) win over the environment, for tests."""
    env = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    values: dict[str, Any] = {}
    for s in settings:
        if s.key in overrides:
            values[s.key] = overrides.pop(s.key)
            continue
        raw = env.get(s.name)
        if raw is None or raw == "":
            if s.required:
                raise ConfigError(f"{s.name} is required: {s.help}".rstrip(": "))
            values[s.key] = s.default
            continue
        try:
            values[s.key] = s.parse(raw)
        except (ValueError, TypeError) as exc:
            shown = "<hidden>" if s.secret else repr(raw)
            raise ConfigError(f"{s.name}={shown} is invalid: {exc}") from None
    if overrides:
        raise ConfigError(f"unknown setting override(s): {', '.join(sorted(overrides))}")
    return Config(MappingProxyType(values))


# Parsers: each raises ValueError with a message that reads well after "VAR=... is invalid:".


def positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("expected a positive integer")
    return value


def non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("expected an integer >= 0")
    return value


def non_negative_float(raw: str) -> float:
    value = float(raw)
    if value < 0:
        raise ValueError("expected a number >= 0")
    return value


def positive_float(raw: str) -> float:
    value = float(raw)
    if value <= 0:
        raise ValueError("expected a number > 0")
    return value


def port(raw: str) -> int:
    value = int(raw)
    if not 0 <= value <= 65535:
        raise ValueError("expected a port number between 0 and 65535")
    return value


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def boolean(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError("expected one of 1/0, true/false, yes/no, on/off")


def one_of(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return raw

    return parse


def csv_list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def key_map(raw: str) -> dict[str, str]:
    """'team-a:key1,team-b:key2' -> {'key1': 'team-a', 'key2': 'team-b'} (key to caller)."""
    result: dict[str, str] = {}
    for item in csv_list(raw):
        caller, sep, key = item.partition(":")
        if not sep or not caller or not key:
            raise ValueError("expected comma-separated caller:key pairs")
        result[key] = caller
    return result


def database_url(raw: str) -> str:
    if not raw.startswith(("postgresql://", "postgres://", "sqlite:///")):
        raise ValueError("expected postgresql://... or sqlite:///path")
    return raw


COMMON = declare(
    "common",
    Setting("VEIL_LOG_LEVEL", "INFO", one_of("DEBUG", "INFO", "WARNING", "ERROR"),
            "Log level of every service (logs are JSON lines on stdout)."),
    Setting("VEIL_LOG_TEXT", False, boolean,
            "Log request text. Off by default: inputs may be PHI. Turn on only to debug with synthetic data."),
    Setting("VEIL_HOME", "", str,
            "State folder (SQLite databases, spools, job files). Default: var/ in the checkout."),
    Setting("VEIL_DATABASE_URL", "", database_url,
            "postgresql://user@host/db for production; empty means SQLite under VEIL_HOME.", secret=True),
    Setting("VEIL_DATABASE_POOL_SIZE", 10, positive_int,
            "PostgreSQL connections each process keeps open and shares between its threads (job polls, "
            "/readyz, the inference writer). Keep processes x this under the server's max_connections; raise "
            "it when logs say no database connection was free."),
    Setting("VEIL_OTLP_ENDPOINT", "", str,
            "OpenTelemetry collector base URL (http://collector:4318): spans are exported over OTLP/HTTP to "
            "<it>/v1/traces. Empty (and OTEL_EXPORTER_OTLP_ENDPOINT unset): tracing off; a caller's traceparent "
            "is still passed on."),
)


def markdown_table() -> str:
    """The configuration table of the README, generated from the declarations."""
    rows = ["| variable | component | default | meaning |", "|---|---|---|---|"]
    for component, s in declared():
        default = "" if s.default in ("", None) else f"`{s.default}`"
        rows.append(f"| `{s.name}` | {component} | {default} | {s.help} |")
    return "\n".join(rows)
