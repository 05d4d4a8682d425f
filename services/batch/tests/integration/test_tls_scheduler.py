"""A remote scheduler over TLS: `connect` with the CA, certificate and key files reaches it; plaintext does not."""

from __future__ import annotations

import logging
import shutil
import subprocess

import pytest

from services.batch.cluster import ClusterError, ClusterOptions, connect

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make certificates")


def _certificates(folder):
    """A throw-away CA and one certificate for 127.0.0.1 signed by it (scheduler, worker and client share it)."""
    def run(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
        "-subj", "/CN=veil-test-ca")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "node.key", "-out", "node.csr", "-subj", "/CN=127.0.0.1")
    (folder / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n", encoding="utf-8")
    run("x509", "-req", "-in", "node.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "node.pem",
        "-days", "1", "-extfile", "san.cnf")
    return str(folder / "ca.pem"), str(folder / "node.pem"), str(folder / "node.key")


@pytest.fixture()
def tls_cluster(tmp_path):
    from distributed import LocalCluster
    from distributed.security import Security

    ca, cert, key = _certificates(tmp_path)
    security = Security(tls_ca_file=ca, tls_scheduler_cert=cert, tls_scheduler_key=key, tls_worker_cert=cert,
                        tls_worker_key=key, tls_client_cert=cert, tls_client_key=key, require_encryption=True)
    # Threads, not processes: this test is about the connection, not the pipeline.
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tls://", host="127.0.0.1",
                      security=security, dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address, (ca, cert, key)


def test_when_the_tls_files_are_given_then_the_batch_client_reaches_a_tls_scheduler(tls_cluster):
    address, (ca, cert, key) = tls_cluster
    assert address.startswith("tls://")

    with connect(ClusterOptions(scheduler=address, tls_ca_file=ca, tls_cert=cert, tls_key=key)) as connection:
        assert connection.client.submit(sum, [1, 2, 3], pure=False).result(timeout=30) == 6
        assert connection.description == f"scheduler {address}"
        assert connection.workers == 1


def test_when_a_tls_scheduler_is_called_in_plaintext_then_the_error_says_it_cannot_be_reached(tls_cluster):
    address, _ = tls_cluster
    plaintext = address.replace("tls://", "tcp://")

    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler"):
        with connect(ClusterOptions(scheduler=plaintext, connect_timeout=2.0)):
            pass
