"""End to end on real parts: rows in PostgreSQL -> embeddings from the real embedder -> head -> registry -> classifier.

Datasets are tiny and epochs few, so these tests check the plumbing and the artifacts, not
the accuracy (the README's figures come from `veil train --all` on the full seed).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import zipfile

import numpy as np
import pytest
import yaml

from services.classifier import ml_model, registry
from services.classifier.training import config, evaluate, pipeline
from tools.synthetic import phi_data, seed

pytestmark = [pytest.mark.postgres, pytest.mark.model]

_NOW = dt.datetime.now(dt.timezone.utc)


def _tiny(cfg: config.TrainingConfig, epochs: int = 8) -> config.TrainingConfig:
    return dataclasses.replace(cfg, training=dataclasses.replace(cfg.training, epochs=epochs, patience=2))


@pytest.fixture()
def env(postgres_url, embedder_address, tmp_path):
    seed.seed(postgres_url, ["phi-type"], scale=0.02, now=_NOW)
    return pipeline.Environment(database_url=postgres_url, artifacts_root=tmp_path / "artifacts", region="eu-west-1",
                                registry_root=tmp_path / "registry", ml_root=tmp_path / "ml-models",
                                embedder_address=embedder_address, embed_batch=128)


@pytest.fixture()
def phi_config():
    return _tiny(config.load(config.resolve("phi-type")))


def _classifier(env, tmp_path):
    from services.classifier.app import create_app

    return create_app({"TESTING": True, "model_registry": str(env.registry_root),
                       "embedder_address": env.embedder_address,
                       "database_url": f"sqlite:///{tmp_path / 'inference.sqlite3'}",
                       "inference_spool_dir": str(tmp_path / "spool"),
                       "classifier_allow_unauthenticated": True})  # a local check of the trained head, no keys


def test_a_trained_version_has_every_artifact_is_served_and_stays_for_rollback(env, phi_config, tmp_path):
    result = pipeline.train(phi_config, env, now=_NOW)

    out = env.artifacts_root / "eu-west-1" / "phi-type" / result.version
    assert result.artifact_dir == out
    with zipfile.ZipFile(out / "code.zip") as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("MANIFEST.json"))
    assert {"services/classifier/training/pipeline.py", "config/phi-type.yaml"} <= names
    assert manifest["config"]["name"] == "phi-type" and "tensorflow" in manifest["versions"]
    n_rows = sum(1 for _ in open(out / "raw" / "rows.csv")) - 1
    train = np.load(out / "processed" / "train.npz")
    test = np.load(out / "processed" / "test.npz")
    assert train["embeddings"].shape[1] == 384 and len(train["label_ids"]) == result.sizes["train"]
    assert sum(result.sizes.values()) == n_rows
    model_dir = out / "models" / "feed_forward-512-d0.2"
    labels = json.loads((model_dir / "labels.json").read_text())
    assert labels == sorted(phi_data.LABELS) and (model_dir / "head.keras").is_file()
    assert (out / "models" / "tfidf_logreg" / "model.joblib").is_file()
    report = json.loads((out / "reports" / "test_report.json").read_text())
    assert report["rows"] == len(test["label_ids"])
    assert set(report["per_class"]) == set(labels)
    assert {"precision", "recall", "f1", "support"} <= set(report["per_class"]["PERSON"])
    assert report["weighted_f1"] > 0.5  # a few epochs on ~600 rows; it learned something
    assert (out / "reports" / "confusion_test.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "reports" / "history.csv").read_text().startswith("epoch,")
    assert (out / "reports" / "train_report.json").is_file() and (out / "reports" / "ml_test_report.json").is_file()

    assert registry.active_version(env.registry_root, "phi-type") == result.version
    meta = registry.read_metadata(result.registry_dir)
    assert meta["embedder_model"] == "minilm-l6-v2" and meta["dimension"] == 384

    ml = ml_model.load_latest(env.ml_root)
    probs, ml_labels = ml.predict_proba(["03/14/2021", "Chief Complaint"])
    assert ml_labels == labels and probs.shape == (2, len(labels))

    # `veil evaluate` retrains on the stored embeddings with whole templates held out.
    unseen = evaluate.evaluate(out, group_by="template", with_ml=False)
    assert unseen["head"]["rows"] == unseen["sizes"]["test"] > 0

    # A second training makes a new active version; the first stays for rollback.
    second = pipeline.train(dataclasses.replace(phi_config, ml_model=None), env, now=_NOW)
    assert [v.version for v in registry.versions(env.registry_root, "phi-type")] == [result.version, second.version]
    app = _classifier(env, tmp_path)
    try:
        client = app.test_client()
        resp = client.post("/v1/models/phi-type/predict",
                           json={"texts": ["03/14/2021", "Metformin 500 mg", "Maria Gonzalez"]})
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        assert body["model"] == "phi-type" and body["version"] == second.version
        assert all(p["label"] in labels for p in body["predictions"])
        resp = client.post("/v1/models/phi-type/rollback")
        assert resp.status_code == 200 and resp.get_json()["active_version"] == result.version
        assert client.post("/v1/models/phi-type/predict", json={"texts": ["x"]}).get_json()["version"] == result.version
    finally:
        app.extensions["veil_classifier"].close()


def test_when_the_embedder_is_down_then_training_fails_and_leaves_no_version(env, phi_config):
    from veil.clients.embedder import EmbedderUnavailable
    from veil.procs import free_port

    down = dataclasses.replace(env, embedder_address=f"127.0.0.1:{free_port()}", embedder_unreachable_s=0.5)
    with pytest.raises(EmbedderUnavailable):
        pipeline.train(phi_config, down, now=_NOW)
    assert not [p for p in (env.artifacts_root / "eu-west-1" / "phi-type").iterdir() if not p.name.startswith(".")]
    assert not (env.registry_root / "phi-type").exists()


def test_veil_train_all_trains_every_config_in_parallel_on_a_local_dask_cluster(env, tmp_path, capsys, monkeypatch):
    from tools import cli

    configs = tmp_path / "configs"
    configs.mkdir()
    for name in ("phi-type", "phi-type-b"):  # the same rows twice: the embedder's cache answers the second
        raw = yaml.safe_load(config.resolve("phi-type").read_text())
        raw.update(name=name)
        raw["training"].update(epochs=3, patience=1)
        raw.pop("ml_model", None)
        (configs / f"{name}.yaml").write_text(yaml.safe_dump(raw))
    monkeypatch.setenv("VEIL_MODEL_REGISTRY", str(env.registry_root))
    monkeypatch.setenv("VEIL_TRAINING_ARTIFACTS", str(env.artifacts_root))

    code = cli.main(["train", "--all", "--configs", str(configs), "--workers", "2", "--threads", "1",
                     "--embedder", env.embedder_address, "--database-url", env.database_url, "--json"])
    out = capsys.readouterr().out
    summaries = json.loads(out[out.index("[\n"):])  # log lines (JSON objects) may come first
    assert code == 0, summaries
    assert sorted(s["name"] for s in summaries) == ["phi-type", "phi-type-b"]
    assert len({s["pid"] for s in summaries}) == 2  # two worker processes, one head each
    assert all(s["limits"]["tensorflow"] == 1 and s["limits"]["blas"] == 1 for s in summaries)
    assert set(registry.models(env.registry_root)) == {"phi-type", "phi-type-b"}


def test_given_a_scheduler_address_then_train_all_runs_on_that_cluster(env, tmp_path, capsys, monkeypatch):
    from dask.distributed import Client, LocalCluster

    from tools import cli

    configs = tmp_path / "configs"
    configs.mkdir()
    raw = yaml.safe_load(config.resolve("phi-type").read_text())
    raw["training"].update(epochs=2, patience=1)
    raw.pop("ml_model", None)
    (configs / "phi-type.yaml").write_text(yaml.safe_dump(raw))
    monkeypatch.setenv("VEIL_MODEL_REGISTRY", str(env.registry_root))
    monkeypatch.setenv("VEIL_TRAINING_ARTIFACTS", str(env.artifacts_root))

    # Stands in for a remote cluster: its worker was started by someone else, with no thread limits.
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster:
        with Client(cluster) as client:
            worker_pids = set(client.run(os.getpid).values())
        code = cli.main(["train", "--all", "--configs", str(configs), "--scheduler", cluster.scheduler_address,
                         "--embedder", env.embedder_address, "--database-url", env.database_url, "--json"])
        out = capsys.readouterr().out
    summaries = json.loads(out[out.index("[\n"):])
    assert code == 0, summaries
    assert [s["name"] for s in summaries] == ["phi-type"]
    assert summaries[0]["pid"] in worker_pids  # trained on the cluster's worker, not here
    assert summaries[0]["limits"]["tensorflow"] == 1  # limits applied by the task itself
    assert registry.active_version(env.registry_root, "phi-type") == summaries[0]["version"]
