"""EmbedderClient against real servers: retries with backoff, chunking, version pinning, fork safety, local checks."""

from __future__ import annotations

import os

import grpc
import numpy as np
import pytest

from services.embedder.tests.fakes import FakeModel
from veil.clients.embedder import (
    EmbedderClient,
    EmbedderError,
    EmbedderInvalidInput,
    EmbedderUnavailable,
    EmbedderVersionMismatch,
    Embeddings,
)
from veil.procs import free_port


def test_when_nothing_listens_then_the_client_retries_with_backoff_and_reports_unavailable():
    sleeps = []
    client = EmbedderClient(f"127.0.0.1:{free_port()}", timeout=2, attempts=3, sleep=sleeps.append)
    with pytest.raises(EmbedderUnavailable) as exc:
        client.embed(["anyone there?"])
    assert len(sleeps) == 2 and all(0 <= s <= 2.0 for s in sleeps)
    err = exc.value
    assert err.code is grpc.StatusCode.UNAVAILABLE and err.retry_after >= 1 and err.transient is True
    assert "after 3 attempt(s)" in str(err)


def test_when_the_list_is_larger_than_a_chunk_then_it_goes_in_several_calls_in_order(start_server):
    model = FakeModel()
    server, address = start_server(model, embedder_max_texts=4)
    texts = [f"text {i}" for i in range(10)]
    with EmbedderClient(address, chunk_size=4) as client:
        res = client.embed(texts)
    assert isinstance(res, Embeddings) and res.vectors.shape == (10, 8) and res.vectors.flags.writeable
    np.testing.assert_array_equal(res.vectors, np.stack([model.vector(t) for t in texts]))
    calls = server.servicer.metrics.calls.labels("Embed", "OK")._value.get()
    assert calls == 3


def test_every_chunk_after_the_first_pins_the_first_chunks_model_version(start_server):
    _, address = start_server(FakeModel(version="v1"))
    client = EmbedderClient(address, chunk_size=2)
    sent = []
    embed, info, tokens = client._rpc()

    def recording(request, timeout):
        sent.append(request.expected_model_version)
        return embed(request, timeout=timeout)

    client._calls = (recording, info, tokens)
    client.embed(["a", "b", "c", "d", "e"])
    assert sent == ["", "v1", "v1"]
    with pytest.raises(EmbedderVersionMismatch):
        client.embed(["a"], expected_model_version="v0")


@pytest.mark.parametrize("texts, message", [
    ("a single string", "not a single string"),
    (["ok", 3], r"texts\[1\] is a int"),
    (["ok", "bad \udcff"], r"texts\[1\] is not valid UTF-8"),
])
def test_when_texts_cannot_be_sent_then_the_client_says_why_without_calling(texts, message):
    client = EmbedderClient(f"127.0.0.1:{free_port()}", attempts=1)
    with pytest.raises(EmbedderInvalidInput, match=message):
        client.embed(texts)
    assert client._channel is None


def test_the_default_address_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("VEIL_EMBEDDER_ADDRESS", "10.1.2.3:6000")
    assert EmbedderClient().address == "10.1.2.3:6000"
    monkeypatch.delenv("VEIL_EMBEDDER_ADDRESS")
    assert EmbedderClient().address == "127.0.0.1:50051"


def test_errors_share_one_base_class():
    for cls in (EmbedderUnavailable, EmbedderInvalidInput, EmbedderVersionMismatch):
        assert issubclass(cls, EmbedderError)


def test_when_the_process_forks_then_the_child_makes_its_own_channel_and_works(embedder_address):
    client = EmbedderClient(embedder_address)
    parent = client.embed(["before the fork"])
    parent_channel = client._channel
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: like a gunicorn worker after the master used the client
        try:
            res = client.embed(["in the child"])
            ok = res.vectors.shape == (1, 384) and client._channel is not parent_channel
            os.write(write, b"ok" if ok else b"wrong")
        except BaseException as exc:  # noqa: BLE001 - report anything to the parent
            os.write(write, repr(exc).encode()[:500])
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        answer = f.read().decode()
    os.waitpid(pid, 0)
    assert answer == "ok"
    assert client.embed(["after the fork"]).model_version == parent.model_version
    assert client._channel is parent_channel
