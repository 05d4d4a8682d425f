"""The generated embedder stubs, built on first import when a checkout does not have them yet."""

from veil import protobuild

try:
    protobuild.ensure()
except RuntimeError:
    # Installed images ship prebuilt stubs without grpcio-tools; the import below decides.
    pass

from veil.embedder.v1 import embedder_pb2 as pb2  # noqa: E402
from veil.embedder.v1 import embedder_pb2_grpc as pb2_grpc  # noqa: E402

__all__ = ["pb2", "pb2_grpc"]
