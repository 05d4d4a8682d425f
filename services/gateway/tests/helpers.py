"""Shared values of the gateway's tests: two teams' keys and a spy for clients that must not be reached."""

from __future__ import annotations

KEYS = {"key-a": "team-a", "key-b": "team-b"}
AUTH_A = {"Authorization": "Bearer key-a"}
AUTH_B = {"Authorization": "Bearer key-b"}
PDF = b"%PDF-1.7\n% a tiny document\n%%EOF\n"


class Spy:
    """Records every call made to it; stands in for a service client where a test asserts it is never reached."""

    def __init__(self, answer=None):
        self.calls = []
        self.answer = answer

    def __getattr__(self, name):
        def record(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            if isinstance(self.answer, BaseException):
                raise self.answer
            return self.answer
        return record
