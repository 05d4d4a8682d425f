"""Stubs are generated from proto/ by the build, and regenerated when stale."""

import os

from veil import protobuild


def test_build_generates_importable_stubs_from_the_proto(tmp_path):
    written = protobuild.build(tmp_path)
    names = sorted(p.name for p in written)
    assert names == ["embedder_pb2.py", "embedder_pb2.pyi", "embedder_pb2_grpc.py"]
    assert all(p.exists() for p in written)
    assert (tmp_path / "veil/embedder/v1/embedder_pb2.py").read_text().count("EmbedRequest") > 0


def test_stubs_are_stale_when_missing_or_older_than_the_proto(tmp_path):
    assert protobuild.is_stale(tmp_path)
    written = protobuild.build(tmp_path)
    assert not protobuild.is_stale(tmp_path)
    proto = protobuild.proto_files()[0]
    old = proto.stat().st_mtime - 100
    os.utime(written[0], (old, old))
    assert protobuild.is_stale(tmp_path)


def test_stubs_are_not_committed():
    import subprocess

    tracked = subprocess.run(["git", "ls-files", "veil/embedder"], capture_output=True, text=True,
                             cwd=protobuild.REPO_ROOT).stdout
    assert "_pb2" not in tracked
