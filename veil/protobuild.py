"""Generates the Python gRPC stubs from proto/ with grpcio-tools; the stubs are never committed."""

import logging
import subprocess
import sys
from pathlib import Path

from veil.paths import REPO_ROOT

PROTO_DIR = REPO_ROOT / "proto"
_log = logging.getLogger(__name__)


def proto_files() -> list[Path]:
    return sorted(PROTO_DIR.rglob("*.proto"))


def _outputs(proto: Path, out_dir: Path) -> list[Path]:
    stem = out_dir / proto.relative_to(PROTO_DIR).with_suffix("")
    return [stem.with_name(stem.name + suffix) for suffix in ("_pb2.py", "_pb2_grpc.py", "_pb2.pyi")]


def is_stale(out_dir: Path = REPO_ROOT) -> bool:
    """True when a stub is missing or older than its .proto."""
    for proto in proto_files():
        for out in _outputs(proto, out_dir):
            if not out.exists() or out.stat().st_mtime < proto.stat().st_mtime:
                return True
    return False


def build(out_dir: Path = REPO_ROOT) -> list[Path]:
    """Runs protoc for every .proto; the generated modules mirror the proto package path."""
    try:
        import grpc_tools
    except ImportError as exc:  # pragma: no cover - only without the build requirements
        raise RuntimeError(
            "grpcio-tools is not installed; install deployment/requirements/build.txt"
        ) from exc
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    protos = [str(p) for p in proto_files()]
    args = [
        f"-I{PROTO_DIR}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *protos,
    ]
    # In a child process: protoc run in-process where protobuf's runtime is already loaded
    # (any process that imported the stubs) can crash the whole interpreter.
    done = subprocess.run([sys.executable, "-m", "grpc_tools.protoc", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"protoc failed for {protos}: {done.stderr.strip()}")
    written = [out for p in proto_files() for out in _outputs(p, out_dir)]
    _log.info("generated %d stub files", len(written))
    return written


def ensure() -> None:
    """Builds the stubs if they are missing or stale (a fresh clone, an edited .proto)."""
    if is_stale():
        build()


if __name__ == "__main__":
    for path in build():
        print(path.relative_to(REPO_ROOT))
    sys.exit(0)
