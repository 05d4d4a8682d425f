"""Each Veil service's start command, port and health probe: the one list that images, compose, `veil up` and tests share.

The Dockerfile's CMD, the compose file, the READMEs and the test helpers that start a
service all use `SERVICES[name].argv`; deployment/tests checks that they agree, so a
service started in a test is started exactly as it is in production.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

HTTP, GRPC = "http", "grpc"

_BARE = re.compile(r"[\w@%+=:,./-]+")


@dataclass(frozen=True)
class Service:
    name: str
    # Run from the repository root, which is also the image's WORKDIR.
    argv: tuple[str, ...]
    port_env: str
    default_port: int
    protocol: str

    @property
    def command(self) -> str:
        """The start command as a README or a shell shows it."""
        return " ".join(arg if _BARE.fullmatch(arg) else f'"{arg}"' for arg in self.argv)

    @property
    def health_argv(self) -> tuple[str, ...]:
        """The container health probe (Docker HEALTHCHECK, ECS healthCheck, compose)."""
        return ("python", "-m", "veil.healthcheck", self.name)

    def local_argv(self, python: str | None = None) -> list[str]:
        """`argv` with this interpreter standing in for `python` and `gunicorn`, for tests and `veil up`.

        Outside an image `python` and `gunicorn` may not be on PATH (a venv that is not
        activated); the arguments stay exactly those of the image.
        """
        python = python or sys.executable
        head, *rest = self.argv
        if head == "python":
            return [python, *rest]
        if head == "gunicorn":
            return [python, "-m", "gunicorn", *rest]
        return list(self.argv)


def _gunicorn(name: str) -> tuple[str, ...]:
    return ("gunicorn", "-c", f"services/{name}/gunicorn.conf.py", f"services.{name}.app:create_app()")


SERVICES: dict[str, Service] = {
    s.name: s
    for s in (
        Service("embedder", ("python", "-m", "services.embedder.server"), "VEIL_EMBEDDER_PORT", 50051, GRPC),
        Service("classifier", _gunicorn("classifier"), "VEIL_CLASSIFIER_PORT", 8081, HTTP),
        Service("redactor", _gunicorn("redactor"), "VEIL_REDACTOR_PORT", 8082, HTTP),
        Service("gateway", _gunicorn("gateway"), "VEIL_GATEWAY_PORT", 8080, HTTP),
    )
}


def get(name: str) -> Service:
    try:
        return SERVICES[name]
    except KeyError:
        raise KeyError(f"unknown service {name!r}; known: {', '.join(SERVICES)}") from None
