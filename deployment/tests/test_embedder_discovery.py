"""The classifier reaches the embedder replicas as Terraform wires them: a dns:/// name, spread by client-side round_robin.

In ECS, Cloud Map answers `embedder.<namespace>` with one A record per task and the classifier
gets VEIL_EMBEDDER_ADDRESS=dns:///embedder.<namespace>:50051. Here two real gRPC servers on
127.0.0.1 and 127.0.0.2 (same port) stand for two embedder tasks, and the `ipv4:` target
hands the client both addresses exactly as the DNS resolver would. The servers answer Info
with their own name; they stand in for replicas, which is not what these tests are about:
the subject is the real EmbedderClient's addressing and balancing.
"""

from __future__ import annotations

import collections
from concurrent import futures

import grpc
import pytest

from veil.stubs import pb2

_INFO = "/veil.embedder.v1.Embedder/Info"


class _Replica:
    def __init__(self, name: str, host: str, port: int):
        self.name = name
        self.calls = 0
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        handler = grpc.method_handlers_generic_handler("veil.embedder.v1.Embedder", {
            "Info": grpc.unary_unary_rpc_method_handler(
                self._info, request_deserializer=pb2.InfoRequest.FromString,
                response_serializer=pb2.InfoResponse.SerializeToString),
        })
        self.server.add_generic_rpc_handlers((handler,))
        self.port = self.server.add_insecure_port(f"{host}:{port}")
        if not self.port:
            raise OSError(f"cannot bind {host}:{port}")
        self.server.start()

    def _info(self, request, context):
        self.calls += 1
        return pb2.InfoResponse(model_name=self.name, model_version="v", dimension=4)


@pytest.fixture()
def two_replicas():
    first = _Replica("a", "127.0.0.1", 0)
    try:
        second = _Replica("b", "127.0.0.2", first.port)
    except OSError as exc:
        first.server.stop(0)
        pytest.fail(f"127.0.0.2 is not usable on this machine's loopback: {exc}")
    try:
        yield first, second
    finally:
        first.server.stop(0)
        second.server.stop(0)


def test_when_the_name_resolves_to_two_replicas_then_the_client_calls_both(two_replicas):
    from veil.clients.embedder import EmbedderClient

    first, second = two_replicas
    client = EmbedderClient(f"ipv4:127.0.0.1:{first.port},127.0.0.2:{first.port}", timeout=5)
    try:
        answered = collections.Counter(client.info()["model_name"] for _ in range(40))
    finally:
        client.close()
    assert first.calls > 0 and second.calls > 0, (
        f"every call went to one replica ({dict(answered)}): the client's channel needs the round_robin "
        "load-balancing policy (channel option grpc.lb_policy_name=round_robin), or one classifier "
        "process talks to one embedder task only")


def test_when_the_address_is_a_dns_target_then_the_client_resolves_and_calls_it(two_replicas):
    from veil.clients.embedder import EmbedderClient

    first, _ = two_replicas
    client = EmbedderClient(f"dns:///localhost:{first.port}", timeout=5)
    try:
        assert client.info()["model_name"] in ("a", "b")
    finally:
        client.close()
