"""Structured JSON logs (services: stdout; the CLI: stderr) with a request id that follows a request across HTTP and gRPC hops.

Request text is never logged unless VEIL_LOG_TEXT is on, because inputs may be PHI: log
calls pass texts through `text_for_log`, which keeps only their length.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import sys
import time
import uuid
from typing import Iterator

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_METADATA = "x-request-id"  # gRPC metadata keys must be lower case

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("veil_request_id", default=None)
_MAX_INCOMING_ID = 128


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return _request_id.get()


def clean_request_id(value: str | None) -> str:
    """Accepts a caller's id when it is short and printable, else makes a new one."""
    if value and len(value) <= _MAX_INCOMING_ID and value.isascii() and value.isprintable():
        return value
    return new_request_id()


@contextlib.contextmanager
def request_context(request_id: str | None = None) -> Iterator[str]:
    """Binds a request id for everything logged inside the block (threads: per context)."""
    rid = clean_request_id(request_id)
    token = _request_id.set(rid)
    try:
        yield rid
    finally:
        _request_id.reset(token)


def bind_request_id(request_id: str | None) -> contextvars.Token:
    return _request_id.set(clean_request_id(request_id))


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


def log_text_enabled() -> bool:
    return os.environ.get("VEIL_LOG_TEXT", "").strip().lower() in {"1", "true", "yes", "on"}


def text_for_log(text: str) -> str:
    """What a log line may say about an input text."""
    if log_text_enabled():
        return text
    return f"<{len(text)} chars>"


_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = _request_id.get()
        if rid:
            entry["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class HumanFormatter(logging.Formatter):
    """One short line for a person at a terminal: time, level, logger, message (and the request id)."""

    def format(self, record: logging.LogRecord) -> str:
        rid = _request_id.get()
        line = (f"{time.strftime('%H:%M:%S', time.localtime(record.created))} {record.levelname:<7} "
                f"{record.name}: {record.getMessage()}" + (f" [{rid}]" if rid else ""))
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure(level: str | None = None, stream=None, human: bool = False) -> None:
    """Sets up the root logger once per process; the level comes from VEIL_LOG_LEVEL by default.

    Services log JSON lines to stdout; the CLI logs to stderr (its results own stdout), as
    readable lines when `human` (a terminal) and JSON otherwise.
    """
    level = (level or os.environ.get("VEIL_LOG_LEVEL") or "INFO").upper()
    root = logging.getLogger()
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(HumanFormatter() if human else JsonFormatter())
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries that log request bodies or are chatty at INFO stay at WARNING.
    for noisy in ("werkzeug", "urllib3", "absl", "tensorflow", "h5py", "matplotlib"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
