"""Cluster options: TLS files checked before connecting, thread caps for the workers, work-unit sizing."""

from __future__ import annotations

import pytest

from services.batch.cluster import ClusterError, ClusterOptions, security, thread_env
from services.batch.runner import group_size_for


def _files(tmp_path):
    paths = {}
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
        paths[name] = str(tmp_path / name)
    return paths


def test_when_no_scheduler_and_no_tls_then_the_local_cluster_is_plaintext():
    assert security(ClusterOptions()) is None


@pytest.mark.parametrize("scheduler, given, message", [
    ("tls://10.0.0.5:8786", (), "is a TLS scheduler"),
    ("", ("ca.pem", "cert.pem", "key.pem"), "give --scheduler tls://"),
    ("tcp://10.0.0.5:8786", ("ca.pem", "cert.pem", "key.pem"), "is not tls://"),
    ("tls://10.0.0.5:8786", ("ca.pem", "cert.pem"), "missing --tls-key"),
])
def test_when_tls_options_do_not_fit_then_the_error_says_what_to_give(tmp_path, scheduler, given, message):
    files = _files(tmp_path)
    options = ClusterOptions(scheduler=scheduler, tls_ca_file=files["ca.pem"] if "ca.pem" in given else "",
                             tls_cert=files["cert.pem"] if "cert.pem" in given else "",
                             tls_key=files["key.pem"] if "key.pem" in given else "")

    with pytest.raises(ClusterError, match=message):
        security(options)


def test_when_a_tls_file_is_missing_then_the_error_names_it(tmp_path):
    files = _files(tmp_path)
    options = ClusterOptions(scheduler="tls://10.0.0.5:8786", tls_ca_file=files["ca.pem"],
                             tls_cert=files["cert.pem"], tls_key=str(tmp_path / "nope.pem"))

    with pytest.raises(ClusterError, match="--tls-key .*nope.pem: no such file"):
        security(options)


def test_when_workers_start_then_every_thread_pool_is_capped():
    env = thread_env(1)

    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                 "TF_NUM_INTEROP_THREADS"):
        assert env[name] == "1"


@pytest.mark.parametrize("documents, workers, configured, expected", [
    (10_000, 2, 8, 8),   # a big batch: the configured size
    (6, 2, 8, 2),        # a small one: two units per worker
    (1, 4, 8, 1),
])
def test_when_a_batch_is_small_then_units_shrink_so_every_worker_gets_work(documents, workers, configured, expected):
    assert group_size_for(documents, workers, configured) == expected
