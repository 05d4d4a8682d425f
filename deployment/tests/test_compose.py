"""deployment/compose.yaml is a valid Compose file that starts the stack in health order.

It uses the shared start commands and holds no secrets.
"""

from __future__ import annotations

import copy
import json
import re

import jsonschema
import pytest

from veil.services import SERVICES

SCHEMA_PATH = "schemas/compose-spec.json"
_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$")
_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?P<op>:?[-?])?(?P<arg>[^}]*)\}")
_SECRET_WORDS = re.compile(r"PASSWORD|SECRET|API_KEYS|TOKEN|DATABASE_URL")


@pytest.fixture(scope="module")
def validator():
    from veil.paths import REPO_ROOT

    schema = json.loads((REPO_ROOT / "deployment" / SCHEMA_PATH).read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_the_compose_file_is_valid_against_the_compose_specification(validator, compose):
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_the_schema_rejects_what_compose_would_reject(validator, compose):
    """The check has teeth: a misspelt key or a wrong condition is an error."""
    broken = copy.deepcopy(compose)
    broken["services"]["gateway"]["helthcheck"] = broken["services"]["gateway"].pop("healthcheck")
    assert list(validator.iter_errors(broken))
    broken = copy.deepcopy(compose)
    broken["services"]["gateway"]["depends_on"]["classifier"]["condition"] = "healthy"
    assert list(validator.iter_errors(broken))


def test_every_veil_service_and_postgresql_is_in_the_stack(compose):
    assert set(SERVICES) | {"postgres"} <= set(compose["services"])


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_runs_the_shared_start_command_from_its_image_target(compose, name):
    service = compose["services"][name]
    assert service["command"] == list(SERVICES[name].argv)
    target = service["build"]["target"]
    assert target == name or (name == "embedder" and target.startswith("${VEIL_EMBEDDER_TARGET:-embedder}"))
    assert service["build"]["context"] == ".." and service["build"]["dockerfile"] == "deployment/Dockerfile"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_has_a_health_check_that_runs_the_shared_probe(compose, name):
    check = compose["services"][name]["healthcheck"]
    assert check["test"][0] == "CMD"
    assert check["test"][1:len(SERVICES[name].health_argv) + 1] == list(SERVICES[name].health_argv)
    for key in ("interval", "timeout", "start_period"):
        assert _DURATION.match(check[key]), (name, key, check[key])


def test_postgresql_has_a_health_check_too(compose):
    assert "pg_isready" in compose["services"]["postgres"]["healthcheck"]["test"]


def _start_order(compose) -> list[str]:
    deps = {name: dict(s.get("depends_on") or {}) for name, s in compose["services"].items()
            if "setup" not in s.get("profiles", [])}
    order: list[str] = []
    while deps:
        ready = sorted(n for n, d in deps.items() if set(d) <= set(order))
        assert ready, f"depends_on has a cycle among {sorted(deps)}"
        order.extend(ready)
        for n in ready:
            deps.pop(n)
    return order


def test_services_start_in_order_of_health(compose):
    services = compose["services"]
    for name, service in services.items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            assert spec == {"condition": "service_healthy"}, (name, dependency)
            assert "healthcheck" in services[dependency], f"{name} waits for {dependency}, which has no health check"
    expected = {"classifier": {"embedder", "postgres"}, "gateway": {"postgres", "classifier", "redactor"}}
    for name, needs in expected.items():
        assert set(services[name]["depends_on"]) == needs
    order = _start_order(compose)
    assert order.index("embedder") < order.index("classifier") < order.index("gateway")
    assert order.index("postgres") < order.index("classifier")


def test_services_find_each_other_by_compose_service_name_and_shared_port(compose):
    env = {name: s.get("environment", {}) for name, s in compose["services"].items()}
    embedder_port = SERVICES["embedder"].default_port
    assert env["classifier"]["VEIL_EMBEDDER_ADDRESS"] == f"embedder:{embedder_port}"
    assert env["gateway"]["VEIL_CLASSIFIER_URL"] == f"http://classifier:{SERVICES['classifier'].default_port}"
    assert env["gateway"]["VEIL_REDACTOR_URL"] == f"http://redactor:{SERVICES['redactor'].default_port}"


def test_only_the_loopback_interface_gets_published_ports(compose):
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"
    assert "ports" not in compose["services"]["postgres"]
    assert "ports" not in compose["services"]["embedder"]


def test_secrets_come_from_the_environment_file_never_from_the_compose_file(compose):
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if not _SECRET_WORDS.search(key):
                continue
            refs = list(_INTERPOLATION.finditer(str(value)))
            assert refs, f"{name}: {key} is written into compose.yaml; interpolate it from deployment/.env"
            for ref in refs:
                if _SECRET_WORDS.search(ref["name"]):
                    # Required (${X:?message}) or empty by default; never a default value.
                    assert ref["op"] in (":?", "?") or ref["arg"] == "", f"{name}: {key} has a default secret"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_the_veil_services_are_hardened(compose, name):
    service = compose["services"][name]
    assert service["read_only"] is True
    assert service["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in service["security_opt"]
    assert "/tmp" in service["tmpfs"]


def test_every_veil_variable_in_the_stack_is_a_declared_setting(compose, declared_settings, missing_settings_modules):
    unknown = []
    for name, service in compose["services"].items():
        for key in (service.get("environment") or {}):
            if key.startswith("VEIL_") and key not in declared_settings:
                if key.split("_")[1].lower() not in missing_settings_modules:
                    unknown.append(f"{name}: {key}")
    assert not unknown, unknown


def test_the_example_environment_file_names_every_variable_the_compose_file_requires(compose):
    from veil.paths import REPO_ROOT

    text = (REPO_ROOT / "deployment" / "compose.yaml").read_text()
    required = {m["name"] for m in _INTERPOLATION.finditer(text) if m["op"] in (":?", "?")}
    example = (REPO_ROOT / "deployment" / "compose.env.example").read_text()
    listed = set(re.findall(r"^([A-Z0-9_]+)=", example, flags=re.M))
    assert required and required <= listed, required - listed
    # The example carries no secret values.
    for line in example.splitlines():
        key, sep, value = line.partition("=")
        if sep and _SECRET_WORDS.search(key):
            assert value == "", f"compose.env.example gives {key} a value"


def test_the_embedder_cache_default_is_the_embedders_own(compose):
    from services.embedder import settings

    value = compose["services"]["embedder"]["environment"]["VEIL_EMBEDDER_CACHE_MAXSIZE"]
    assert value == f"${{VEIL_EMBEDDER_CACHE_MAXSIZE:-{settings.DEFAULT_CACHE_MAXSIZE}}}"


@pytest.mark.parametrize("name", [*sorted(SERVICES), "postgres"])
def test_a_container_that_exits_is_restarted_by_docker(compose, name):
    # What `veil up`'s supervisor does on one machine without Docker (deployment/README.md).
    assert compose["services"][name].get("restart") in ("always", "unless-stopped", "on-failure")
