"""Container health probe: `python -m veil.healthcheck <service> [--ready]` exits 0 when the service answers on 127.0.0.1.

HTTP services are asked GET /healthz (alive) or, with --ready, GET /readyz (dependencies
reachable, model loaded). The embedder is asked the standard gRPC health service, which
reports SERVING only once its model is loaded. The port comes from the service's own
setting (VEIL_<SERVICE>_PORT), so the probe follows the container's configuration.
The probe uses only the standard library and grpcio: images carry no curl.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request

from veil import services

DEFAULT_TIMEOUT = 3.0


def port_of(service: services.Service, environ: dict[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    raw = env.get(service.port_env, "")
    return int(raw) if raw.strip() else service.default_port


def check_http(url: str, timeout: float) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback only
            return resp.status == 200, f"{url} answered {resp.status}"
    except urllib.error.HTTPError as exc:
        return False, f"{url} answered {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return False, f"{url} unreachable: {getattr(exc, 'reason', exc)}"


def check_grpc(address: str, timeout: float) -> tuple[bool, str]:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(address) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""),
                                                              timeout=timeout)
        except grpc.RpcError as exc:
            return False, f"{address} health check failed: {exc.code().name}"
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    return reply.status == health_pb2.HealthCheckResponse.SERVING, f"{address} is {status}"


def probe(name: str, ready: bool = False, timeout: float = DEFAULT_TIMEOUT, host: str = "127.0.0.1",
          environ: dict[str, str] | None = None) -> tuple[bool, str]:
    """(healthy, reason) for the named service listening on `host`."""
    service = services.get(name)
    port = port_of(service, environ)
    if service.protocol == services.GRPC:
        return check_grpc(f"{host}:{port}", timeout)
    return check_http(f"http://{host}:{port}/{'readyz' if ready else 'healthz'}", timeout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m veil.healthcheck", description=__doc__.splitlines()[0])
    parser.add_argument("service", choices=sorted(services.SERVICES))
    parser.add_argument("--ready", action="store_true", help="ask /readyz instead of /healthz (HTTP services)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        ok, reason = probe(args.service, ready=args.ready, timeout=args.timeout)
    except ValueError as exc:  # a malformed port variable
        ok, reason = False, f"bad configuration: {exc}"
    # Docker keeps the probe's last output in `docker inspect`: say why it failed.
    print(("healthy: " if ok else "unhealthy: ") + reason, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
