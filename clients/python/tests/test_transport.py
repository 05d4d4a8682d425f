"""Retries that are safe: a real HTTP server on 127.0.0.1 scripts the answers, the client's sleeps are recorded."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from veil_client import ApiError, InvalidSignature, Unreachable, VeilClient, parse_callback, verify_signature


class _Scripted(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.server.seen.append((self.command, self.path, dict(self.headers)))
        status, headers, body = self.server.script.pop(0) if self.server.script else (200, {}, {"ok": True})
        payload = json.dumps(body).encode()
        self.send_response(status)
        for k, v in {"Content-Type": "application/json", **headers}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture()
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    httpd.script, httpd.seen = [], []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    thread.join(5)


def _client(server, sleeps, **kwargs) -> VeilClient:
    return VeilClient(f"http://127.0.0.1:{server.server_port}", "k", sleep=sleeps.append, **kwargs)


def _problem(status, code, **extra):
    return {"type": "about:blank", "title": "x", "status": status, "code": code, **extra}


def test_a_post_is_retried_with_the_same_idempotency_key_after_the_wait_retry_after_asks(server):
    sleeps: list[float] = []
    server.script = [(503, {"Retry-After": "3"}, _problem(503, "unavailable")),
                     (502, {}, {}),
                     (202, {}, {"job_id": "a" * 32, "status": "queued"})]
    job = _client(server, sleeps).submit_pdf(b"%PDF-1.7 x", entities=["PERSON"])
    assert job["job_id"] == "a" * 32
    keys = [headers["Idempotency-Key"] for method, _, headers in server.seen]
    assert len(keys) == 3 and len(set(keys)) == 1
    assert sleeps[0] == 3.0 and len(sleeps) == 2
    assert all(headers["Authorization"] == "Bearer k" for _, _, headers in server.seen)


def test_a_caller_mistake_is_raised_at_once_with_the_problem_detail(server):
    sleeps: list[float] = []
    server.script = [(400, {}, _problem(400, "invalid_request", detail="/entities/0: 'X' is not one of ..."))]
    with pytest.raises(ApiError) as raised:
        _client(server, sleeps).deidentify_text("Maria", entities=["X"])
    assert raised.value.status == 400 and raised.value.code == "invalid_request"
    assert "/entities/0" in raised.value.detail
    assert len(server.seen) == 1 and sleeps == []


def test_retries_are_bounded_and_retry_after_as_a_date_is_understood(server):
    sleeps: list[float] = []
    later = formatdate(time.time() + 30, usegmt=True)
    server.script = [(429, {"Retry-After": later}, _problem(429, "busy"))] * 3
    with pytest.raises(ApiError) as raised:
        _client(server, sleeps, attempts=3).job("b" * 32)
    assert raised.value.status == 429 and len(server.seen) == 3
    assert len(sleeps) == 2 and all(25 <= s <= 31 for s in sleeps)


def test_an_unreachable_gateway_is_unreachable_after_the_attempts():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps: list[float] = []
    client = VeilClient(f"http://127.0.0.1:{port}", "k", attempts=3, sleep=sleeps.append, timeout=2)
    with pytest.raises(Unreachable):
        client.classify("phi-type", ["Maria"])
    assert len(sleeps) == 2


def test_options_are_checked_by_name_before_anything_is_sent(server):
    with pytest.raises(TypeError, match="unknown option"):
        _client(server, []).deidentify_text("x", entitys=["PERSON"])
    assert server.seen == []


def test_a_callback_is_verified_on_its_raw_body_and_a_replay_or_a_forgery_is_refused():
    body = b'{"job_id":"j1","status":"succeeded"}'
    t = int(time.time())
    header = f"t={t},v1=" + hmac.new(b"team-secret", f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert verify_signature("team-secret", header, body)
    assert parse_callback("team-secret", {"x-veil-signature": header}, body) == {"job_id": "j1", "status": "succeeded"}
    assert not verify_signature("other-team-secret", header, body)
    assert not verify_signature("team-secret", header, body + b" ")
    assert not verify_signature("team-secret", header, body, now=t + 3600)
    with pytest.raises(InvalidSignature):
        parse_callback("team-secret", {}, body)
