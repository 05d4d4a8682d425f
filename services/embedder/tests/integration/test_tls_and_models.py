"""TLS by certificate and key paths, and serving any TF-Hub-format SavedModel given by path."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from veil.clients.embedder import EmbedderClient, EmbedderUnavailable


@pytest.fixture()
def certificate(tmp_path):
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make a test certificate (apt-get install openssl)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_when_tls_is_configured_then_only_clients_that_trust_the_certificate_get_through(start_server, certificate):
    cert, key = certificate
    _, address = start_server(embedder_tls_cert=str(cert), embedder_tls_key=str(key))
    with EmbedderClient(address, tls_ca=str(cert)) as client:
        assert client.embed(["over tls"]).vectors.shape == (1, 8)
    with EmbedderClient(address, timeout=2, attempts=1, tls_ca="") as plaintext:
        with pytest.raises(EmbedderUnavailable):
            plaintext.embed(["in the clear"])


def test_when_only_one_of_certificate_and_key_is_set_then_the_configuration_is_refused():
    from services.embedder.settings import load_config
    from veil.config import ConfigError

    with pytest.raises(ConfigError, match="TLS_CERT and VEIL_EMBEDDER_TLS_KEY"):
        load_config(environ={"VEIL_EMBEDDER_TLS_CERT": "/etc/cert.pem"})


@pytest.fixture(scope="module")
def tiny_hub_model(tmp_path_factory):
    """A TF-Hub-format text model that is not ours: no name or version metadata, 8-d hashed vectors."""
    import tensorflow as tf

    class Tiny(tf.Module):
        def __init__(self):
            super().__init__()
            self.table = tf.Variable(np.random.default_rng(0).standard_normal((64, 8)).astype(np.float32))

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def __call__(self, texts):
            return tf.gather(self.table, tf.strings.to_hash_bucket_fast(texts, 64))

    path = tmp_path_factory.mktemp("hub") / "tiny-text-model"
    tf.saved_model.save(Tiny(), str(path))
    return path


def test_any_tf_hub_text_model_loads_by_path_with_a_name_and_a_fingerprint_version(tiny_hub_model):
    from services.embedder.model import load_model

    model = load_model(str(tiny_hub_model))
    assert model.name == "tiny-text-model"
    assert len(model.version) == 12 and model.dimension == 8 and model.case_insensitive is False
    assert model.embed(["a", "b"]).shape == (2, 8)
    assert load_model(str(tiny_hub_model)).version == model.version


def test_when_the_server_is_given_a_model_path_then_it_serves_that_model(start_server, tiny_hub_model):
    _, address = start_server(model=None, embedder_model=str(tiny_hub_model))
    with EmbedderClient(address) as client:
        first = client.embed(["Case", "other"])
        second = client.embed(["case"])
    assert first.model_name == "tiny-text-model" and first.vectors.shape == (2, 8)
    assert second.cache_hits == 0  # a cased model: "Case" and "case" are two keys
