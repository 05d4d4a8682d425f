"""Service clients over real HTTP on 127.0.0.1: which connections they keep."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from veil.clients.http import HttpClient
from veil.clients.redactor import RedactorClient


@pytest.fixture()
def server():
    """An HTTP/1.1 server that keeps connections open and records the client port of every request:
    a new port is a new connection."""
    ports: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 - the name http.server dispatches to
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            ports.append(self.client_address[1])
            body = json.dumps({"page_count": 1, "paragraphs": []}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}", ports
    srv.shutdown()
    thread.join(5)


def test_the_redactor_client_opens_a_connection_per_document(server):
    # A kept-alive connection would send every document of this thread to the one gunicorn
    # worker that accepted it, however busy, while the others idle.
    url, ports = server
    client = RedactorClient(url)
    for _ in range(3):
        client.extract(b"%PDF-1.7")
    assert len(set(ports)) == 3


def test_other_clients_keep_their_connection(server):
    url, ports = server
    client = HttpClient(url)
    for _ in range(3):
        client.request_json("POST", "/v1/extract", data=b"x")
    assert len(set(ports)) == 1
