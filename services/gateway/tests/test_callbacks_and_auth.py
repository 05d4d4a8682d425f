"""Callbacks (allowed hosts only, HMAC-signed, retried with backoff, no redirects) and per-team bearer keys."""

import json
import threading

import pytest
from flask import Flask, request
from werkzeug.serving import make_server

from services.gateway.auth import Keys
from services.gateway.callbacks import (
    SIGNATURE_HEADER,
    CallbackPolicy,
    CallbackSecrets,
    CallbackSender,
    InvalidCallback,
    sign,
    verify,
)


@pytest.fixture()
def receiver():
    """A real HTTP receiver on 127.0.0.1 that answers from a script of status codes and records what it got."""
    state = {"script": [], "got": []}
    app = Flask("receiver")

    @app.post("/hook")
    def hook():
        state["got"].append((request.headers.get(SIGNATURE_HEADER), request.get_data()))
        status = state["script"].pop(0) if state["script"] else 200
        return ("", status, {"Location": "http://127.0.0.1:1/elsewhere"} if status == 302 else {})

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_port}/hook"
    yield state
    server.shutdown()
    thread.join(5)


def sender(hosts=("127.0.0.1",), **kwargs):
    return CallbackSender(CallbackPolicy(hosts), "secret", sleep=lambda s: None, **kwargs)


def test_a_callback_is_signed_and_the_receiver_can_verify_it(receiver):
    delivered, attempts = sender().deliver(receiver["url"], {"job_id": "j1", "status": "succeeded"})
    assert (delivered, attempts) == (True, 1)
    header, body = receiver["got"][0]
    assert json.loads(body) == {"job_id": "j1", "status": "succeeded"}
    assert verify("secret", header, body)
    assert not verify("other-secret", header, body)
    assert not verify("secret", header, body + b" ")


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(receiver):
    receiver["script"] = [503, 500, 429]
    delivered, attempts = sender(attempts=5).deliver(receiver["url"], {"job_id": "j1", "status": "failed"})
    assert (delivered, attempts) == (True, 4)


def test_retries_are_bounded_and_a_client_error_is_not_retried(receiver):
    receiver["script"] = [503] * 10
    assert sender(attempts=3).deliver(receiver["url"], {"job_id": "j"}) == (False, 3)
    receiver["script"] = [400, 200]
    assert sender(attempts=3).deliver(receiver["url"], {"job_id": "j"}) == (False, 1)


def test_redirects_are_never_followed(receiver):
    receiver["script"] = [302]
    assert sender(attempts=3).deliver(receiver["url"], {"job_id": "j"}) == (False, 1)
    assert len(receiver["got"]) == 1


def test_a_host_removed_from_the_allow_list_is_not_called_at_delivery(receiver):
    assert sender(hosts=("hooks.example.com",)).deliver(receiver["url"], {"job_id": "j"}) == (False, 0)
    assert receiver["got"] == []


def test_old_signatures_are_refused_as_replays():
    body = b'{"job_id":"j"}'
    header = sign("secret", body, timestamp=1_000)
    assert verify("secret", header, body, now=1_100)
    assert not verify("secret", header, body, now=1_000 + 3_600)
    assert not verify("secret", "garbage", body)


@pytest.mark.parametrize("url", ["https://hooks.example.com/x", "https://a.b.example.org/y", "http://127.0.0.1:8099/z"])
def test_allowed_hosts_match_by_name_wildcard_or_port(url):
    policy = CallbackPolicy(["hooks.example.com", "*.example.org", "127.0.0.1:8099"])
    assert policy.check(url) == url


@pytest.mark.parametrize("url", ["https://evil.example.com/x", "https://example.org.evil.net/", "http://127.0.0.1:8098/",
                                 "gopher://hooks.example.com/", "https://hooks.example.com@evil.net/"])
def test_other_hosts_ports_and_schemes_are_refused(url):
    with pytest.raises(InvalidCallback):
        CallbackPolicy(["hooks.example.com", "*.example.org", "127.0.0.1:8099"]).check(url)


def test_with_no_allowed_hosts_callbacks_are_off():
    with pytest.raises(InvalidCallback, match="not enabled"):
        CallbackPolicy([]).check("https://hooks.example.com/x")


def test_each_key_maps_to_its_team_and_nothing_else_does():
    keys = Keys({"k1": "team-a", "k2": "team-b", "k3": "team-a"})
    assert keys.team_for("Bearer k1") == "team-a" and keys.team_for("bearer k3") == "team-a"
    assert keys.team_for("Bearer k2") == "team-b"
    for header in (None, "", "Bearer", "Bearer k", "Bearer k1x", "Basic k1", "k1"):
        assert keys.team_for(header) is None
    assert not Keys({})


def test_each_team_s_callbacks_are_signed_with_its_own_secret(receiver):
    secrets = CallbackSecrets({"team-a": "secret-a", "team-b": "secret-b"})
    send = CallbackSender(CallbackPolicy(("127.0.0.1",)), secrets, sleep=lambda s: None)
    assert send.deliver(receiver["url"], {"job_id": "j1", "status": "succeeded"}, team="team-a") == (True, 1)
    assert send.deliver(receiver["url"], {"job_id": "j2", "status": "succeeded"}, team="team-b") == (True, 1)
    (header_a, body_a), (header_b, body_b) = receiver["got"]
    assert verify("secret-a", header_a, body_a) and not verify("secret-b", header_a, body_a)
    assert verify("secret-b", header_b, body_b) and not verify("secret-a", header_b, body_b)


def test_a_team_without_its_own_secret_gets_the_shared_one_and_with_neither_nothing_is_sent(receiver):
    assert CallbackSecrets({"team-a": "secret-a"}, shared="shared").for_team("team-c") == "shared"
    only_a = CallbackSender(CallbackPolicy(("127.0.0.1",)), CallbackSecrets({"team-a": "secret-a"}),
                            sleep=lambda s: None)
    assert only_a.deliver(receiver["url"], {"job_id": "j3", "status": "failed"}, team="team-c") == (False, 0)
    assert receiver["got"] == []
