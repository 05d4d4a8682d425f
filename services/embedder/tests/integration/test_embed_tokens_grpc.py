"""EmbedTokens over gRPC with a fake model: statuses, chunking by characters, version pinning, metrics, Info."""

from __future__ import annotations

import grpc
import numpy as np
import pytest
import requests

from services.embedder.tests.fakes import FakeModel
from veil.clients.embedder import EmbedderClient, EmbedderError, EmbedderInvalidInput, EmbedderVersionMismatch, TokenEmbeddings

_EMBED_TOKENS = "/veil.embedder.v1.Embedder/EmbedTokens"


def test_tokens_come_back_per_text_with_float32_vectors_and_exact_spans(start_server):
    model = FakeModel(version="v3")
    _, address = start_server(model)
    texts = ["Łukasz  Wiśniewski 😀", "", "fever"]
    with EmbedderClient(address) as client:
        res = client.embed_tokens(texts)
        again = client.embed_tokens(["fever"])
    assert all(isinstance(r, TokenEmbeddings) for r in res) and [len(r) for r in res] == [3, 0, 1]
    assert [[t[s:e] for s, e in zip(r.starts, r.ends)] for t, r in zip(texts, res)] == \
        [["Łukasz", "Wiśniewski", "😀"], [], ["fever"]]
    first = res[0]
    assert first.vectors.dtype == np.float32 and first.vectors.shape == (3, 8)
    assert first.starts.dtype == np.int32 and first.ends.dtype == np.int32
    np.testing.assert_allclose(first.vectors[2], model.token_vector(texts[0], 2), atol=2e-3)  # float16 wire
    assert (first.model_name, first.model_version, first.cache_hit) == ("fake", "v3", False)
    assert res[1].vectors.shape == (0, 8)
    assert again[0].cache_hit is True


def test_large_lists_go_in_chunks_of_characters_each_pinned_to_the_first_chunks_version(start_server):
    server, address = start_server(FakeModel(version="v1"))
    texts = [f"note {i} " + "word " * 40 for i in range(12)]  # ~208 characters each
    client = EmbedderClient(address, token_chunk_chars=1000)
    sent = []
    embed, info, tokens = client._rpc()

    def recording(request, timeout):
        sent.append((len(request.texts), request.expected_model_version))
        return tokens(request, timeout=timeout)

    client._calls = (embed, info, recording)
    res = client.embed_tokens(texts)
    assert [n for n, _ in sent] == [4, 4, 4] and [v for _, v in sent] == ["", "v1", "v1"]
    assert [len(r) for r in res] == [42] * 12
    assert server.servicer.metrics.calls.labels("EmbedTokens", "OK")._value.get() == 3
    with pytest.raises(EmbedderVersionMismatch):
        client.embed_tokens(["a"], expected_model_version="v0")
    client.close()


@pytest.mark.parametrize("texts, message", [
    ([], "texts is empty"),
    (["a"] * 11, "too many texts in one call: 11, the limit is 10"),
    (["ok", "x" * 101], r"texts\[1\] is too long: 101 characters, the limit is 100"),
])
def test_when_input_is_bad_then_invalid_argument_names_it_and_the_server_stays_up(start_server, texts, message):
    _, address = start_server(embedder_max_texts=10, embedder_max_text_chars=100)
    with EmbedderClient(address, chunk_size=100) as client:
        with pytest.raises(EmbedderInvalidInput, match=message) as exc:
            client.embed_tokens(texts)
        assert exc.value.code is grpc.StatusCode.INVALID_ARGUMENT
        assert len(client.embed_tokens(["still up"])[0]) == 2


def test_when_one_call_holds_more_text_than_an_answer_can_carry_then_invalid_argument(start_server):
    # 8-d vectors and 64 KB messages: (64 KB * 3/4) / (2 * 8 + 10) = 1890 characters per call.
    _, address = start_server(embedder_max_message_bytes=65536, embedder_max_text_chars=1000)
    with EmbedderClient(address, token_chunk_chars=10_000) as client:
        with pytest.raises(EmbedderInvalidInput, match="too much text in one EmbedTokens call: 2000 characters, "
                                                       "the limit is 1890"):
            client.embed_tokens(["x " * 500] * 2)
    with EmbedderClient(address, token_chunk_chars=1000) as client:
        assert [len(r) for r in client.embed_tokens(["x " * 500] * 2)] == [500, 500]


def test_when_a_text_is_not_utf8_then_invalid_argument_names_it(start_server):
    _, address = start_server()
    with grpc.insecure_channel(address) as channel:
        call = channel.unary_unary(_EMBED_TOKENS)
        with pytest.raises(grpc.RpcError) as exc:
            call(b"\x0a\x03abc" + b"\x0a\x02\xff\xfe", timeout=5)
    assert exc.value.code() is grpc.StatusCode.INVALID_ARGUMENT and exc.value.details() == "texts[1] is not valid UTF-8"


def test_when_the_model_has_no_token_functions_then_unimplemented_and_info_says_so(start_server):
    class SentencesOnly(FakeModel):
        token_vectors = False

    _, address = start_server(SentencesOnly())
    with EmbedderClient(address) as client:
        with pytest.raises(EmbedderError, match="UNIMPLEMENTED.*gives no token vectors") as exc:
            client.embed_tokens(["x"])
        assert exc.value.code is grpc.StatusCode.UNIMPLEMENTED
        assert client.info()["token_vectors"] is False
        assert client.embed(["x"]).vectors.shape == (1, 8)


def test_token_calls_are_counted_and_the_token_cache_reported(start_server):
    server, address = start_server(embedder_cache_maxsize=10)
    with EmbedderClient(address) as client:
        client.embed_tokens(["chest pain", "fever"])
        client.embed_tokens(["chest pain"])
        info = client.info()
    assert info["token_cache"]["size"] == 2 and info["token_cache"]["hits"] == 1
    assert info["token_cache"]["bytes"] > 0 and info["token_cache"]["max_bytes"] == 128 * 1024 * 1024
    text = requests.get(f"http://127.0.0.1:{server.metrics_port}/metrics", timeout=5).text
    assert 'veil_embedder_calls_total{code="OK",method="EmbedTokens"} 2.0' in text
    assert "veil_embedder_token_texts_total 3.0" in text
    assert "veil_embedder_tokens_total 3.0" in text and "veil_embedder_token_windows_total 2.0" in text
    assert "veil_embedder_token_cache_hits_total 1.0" in text
    assert "veil_embedder_token_batch_texts_count" in text


def test_when_the_cache_is_off_then_the_token_cache_is_off_too(start_server):
    _, address = start_server(embedder_cache_maxsize=0)
    with EmbedderClient(address) as client:
        client.embed_tokens(["fever"])
        assert client.embed_tokens(["fever"])[0].cache_hit is False
        assert client.info()["token_cache"]["maxsize"] == 0


def test_when_the_model_is_still_loading_then_token_calls_get_unavailable():
    from services.embedder.metrics import EmbedderMetrics
    from services.embedder.server import EmbedderServicer
    from veil.stubs import pb2

    class Context:
        def time_remaining(self):
            return None

        def abort(self, code, message):
            raise RuntimeError((code, message))

    with pytest.raises(RuntimeError) as exc:
        EmbedderServicer(EmbedderMetrics()).EmbedTokens(pb2.EmbedTokensRequest(texts=["x"]), Context())
    code, message = exc.value.args[0]
    assert code is grpc.StatusCode.UNAVAILABLE and "loading" in message


def test_when_the_queue_is_full_then_token_calls_are_retried_then_reported_unavailable(start_server):
    import threading

    from veil.clients.embedder import EmbedderUnavailable

    gate = threading.Event()
    model = FakeModel(gate=gate)
    _, address = start_server(model, embedder_max_queue=2)
    with EmbedderClient(address, timeout=20) as client:
        busy = threading.Thread(target=client.embed_tokens, args=(["blocker"],), daemon=True)
        busy.start()
        assert model.started.wait(5)
        sleeps = []
        refused = EmbedderClient(address, attempts=2, sleep=sleeps.append)
        with pytest.raises(EmbedderUnavailable) as exc:
            refused.embed_tokens(["a", "b", "c"])
        assert exc.value.code is grpc.StatusCode.RESOURCE_EXHAUSTED and len(sleeps) == 1
        refused.close()
        gate.set()
        busy.join(10)
        assert [len(r) for r in client.embed_tokens(["a", "b c"])] == [1, 2]


def test_when_the_deadline_passes_then_token_calls_end_with_unavailable(start_server):
    import threading

    from veil.clients.embedder import EmbedderUnavailable

    gate = threading.Event()
    model = FakeModel(gate=gate)
    _, address = start_server(model)
    with EmbedderClient(address, timeout=0.3, attempts=1) as client:
        with pytest.raises(EmbedderUnavailable) as exc:
            client.embed_tokens(["slow"])
    assert exc.value.code is grpc.StatusCode.DEADLINE_EXCEEDED
    gate.set()
