"""The bfloat16 variant: built, gated against float32, loaded with hub.load, chosen at start, served."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from services.embedder import fidelity, precision
from services.embedder import model as model_lib
from services.embedder import reduced_precision as rp
from services.embedder.tests.paragraphs import paragraphs

ZEN4 = frozenset({"avx512f", "avx512_bf16", "avx512_vnni"})
SAPPHIRE_RAPIDS = frozenset({"avx512f", "amx_tile", "amx_bf16", "amx_int8"})
OLD_XEON = frozenset({"avx2", "avx512f"})


def test_bfloat16_is_native_only_with_avx512_bf16_or_amx():
    assert precision.supported("bfloat16", ZEN4) and precision.supported("bfloat16", SAPPHIRE_RAPIDS)
    assert not precision.supported("bfloat16", OLD_XEON) and precision.supported("float32", frozenset())
    assert precision.fastest_supported(ZEN4) == "bfloat16" and precision.fastest_supported(OLD_XEON) == "float32"
    with pytest.raises(ValueError, match="unknown precision 'int4'"):
        precision.supported("int4", ZEN4)


def _fake_build(path, passed: bool | None):
    path.mkdir(parents=True)
    (path / "saved_model.pb").write_bytes(b"")
    (path / model_lib.METADATA_FILE).parent.mkdir(parents=True)
    meta = {"precision": "bfloat16"} | ({} if passed is None else {"fidelity": {"passed": passed}})
    (path / model_lib.METADATA_FILE).write_text(json.dumps(meta))


def test_auto_picks_the_variant_only_on_a_capable_cpu_with_a_gated_build(tmp_path, monkeypatch, caplog):
    variant = tmp_path / "variant"
    monkeypatch.setattr(model_lib, "variant_path", lambda precision: variant)
    caplog.set_level(logging.INFO, logger="services.embedder.model")
    assert model_lib.choose_precision("auto", ZEN4) == "float32"  # not built
    assert "not built" in caplog.text
    _fake_build(variant, passed=False)
    assert model_lib.choose_precision("auto", ZEN4) == "float32"  # built, but the gate failed
    (variant / model_lib.METADATA_FILE).write_text(json.dumps({"fidelity": {"passed": True}}))
    assert model_lib.choose_precision("auto", ZEN4) == "bfloat16"
    assert "precision auto: bfloat16" in caplog.text
    assert model_lib.choose_precision("auto", OLD_XEON) == "float32"  # the CPU would emulate it
    assert model_lib.choose_precision("float32", ZEN4) == "float32"
    assert model_lib.choose_precision("bfloat16", OLD_XEON) == "bfloat16"  # asked for: obeyed, with a warning
    assert "no native kernels" in caplog.text
    with pytest.raises(ValueError, match="unknown precision 'fp8'"):
        model_lib.choose_precision("fp8", ZEN4)
    # A model folder given by path (the container's /opt/veil/model) has its variants beside it.
    beside = tmp_path / "model-bfloat16"
    assert model_lib.choose_precision("auto", ZEN4, locate=lambda p: tmp_path / f"model-{p}") == "float32"
    _fake_build(beside, passed=True)
    assert model_lib.choose_precision("auto", ZEN4, locate=lambda p: tmp_path / f"model-{p}") == "bfloat16"


def test_asking_for_a_variant_that_is_not_built_says_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setattr(model_lib, "variant_path", lambda precision: tmp_path / "nothing")
    with pytest.raises(model_lib.ModelNotBuiltError, match="veil model build --precision bfloat16"):
        model_lib.load_model(precision="bfloat16")


def test_the_gate_passes_identical_vectors_and_refuses_a_drifted_model():
    rng = np.random.default_rng(0)
    table: dict[str, np.ndarray] = {}

    def reference(texts):
        return np.stack([table.setdefault(t, rng.standard_normal(16)) for t in texts])

    same = fidelity.check(reference, reference)
    assert same["passed"] and same["min"] == pytest.approx(1.0) and "PASS" in same["summary"]
    assert same["phrases"]["texts"] == 30 and same["paragraphs"]["texts"] == 24

    def drifted(texts):  # close on average, but one paragraph far off: the minimum catches it
        out = reference(texts).copy()
        if len(texts) == 24:
            out[3] = rng.standard_normal(16)
        return out

    figures = fidelity.check(reference, drifted)
    assert not figures["passed"] and figures["min"] < 0.995 and "FAIL" in figures["summary"]


@pytest.mark.model
def test_the_variant_loads_with_hub_load_and_stays_with_float32(default_model):
    path, figures = rp.build_variant("bfloat16")
    variant = model_lib.HubModel(path)  # hub.load, like any SavedModel
    assert variant.precision == "bfloat16" and default_model.precision == "float32"
    assert variant.version.startswith(default_model.version + "-bf16-") and variant.version != default_model.version
    assert variant.name == default_model.name and variant.dimension == 384
    assert figures["passed"] and figures["mean"] >= 0.999 and figures["min"] >= 0.995
    meta = model_lib.read_metadata(path)
    assert meta["precision"] == "bfloat16" and meta["base_version"] == default_model.version
    texts = ["chest pain", "Анна Кузнецова", *paragraphs(4, seed=3)]
    cos = fidelity.cosines(default_model.embed(texts), variant.embed(texts))
    assert cos.min() > 0.999
    # token vectors come from the same bfloat16 forward pass
    ours, theirs = variant.embed_tokens(texts[-1:])[0], default_model.embed_tokens(texts[-1:])[0]
    assert ours.starts.tolist() == theirs.starts.tolist()
    assert fidelity.cosines(theirs.vectors, ours.vectors).min() > 0.99


@pytest.mark.model
def test_a_variant_that_fails_the_gate_is_not_installed(default_model, tmp_path, monkeypatch):
    target = tmp_path / "minilm-l6-v2" / "refused-bf16"
    target.parent.mkdir()
    monkeypatch.setattr(model_lib, "variant_path", lambda precision: target)
    monkeypatch.setattr(fidelity, "MIN_COSINE", 1.0 + 1e-9)  # nothing but bit-identical vectors would pass
    with pytest.raises(rp.FidelityGateFailed, match="min 0.99"):
        rp.build_variant("bfloat16")
    assert not target.exists() and list(target.parent.iterdir()) == []


@pytest.mark.model
def test_a_server_asked_for_bfloat16_serves_it_under_its_own_version(default_model, tmp_path):
    from services.embedder.launch import start_embedder
    from veil.clients.embedder import EmbedderClient, EmbedderVersionMismatch

    path, _ = rp.build_variant("bfloat16")
    proc, address = start_embedder(env={"VEIL_EMBEDDER_PRECISION": "bfloat16"}, log_path=tmp_path / "server.log")
    try:
        with EmbedderClient(address) as client:
            info = client.info()
            res = client.embed(["chest pain", "Maria Gonzalez"])
            with pytest.raises(EmbedderVersionMismatch):  # a float32 head's pinned version is refused
                client.embed(["fever"], expected_model_version=default_model.version)
    finally:
        proc.stop()
    assert info["model_version"] == path.name == res.model_version
    assert info["precision"] == "bfloat16"
    assert fidelity.cosines(default_model.embed(["chest pain", "Maria Gonzalez"]), res.vectors).min() > 0.999
    assert "(bfloat16" in (tmp_path / "server.log").read_text()
