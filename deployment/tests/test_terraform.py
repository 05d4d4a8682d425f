"""deployment/terraform parses (python-hcl2) and wires ECS as the design asks.

A service per Veil service, sizing, ALB paths, Cloud Map, ECR, logs, alarms, autoscaling,
secrets.
"""

from __future__ import annotations

import re

import pytest

from veil.services import SERVICES

_SECRETISH = re.compile(r"password|secret|api_?key|token|database_url|credential", re.I)


def test_every_terraform_file_parses(terraform):
    expected = {"versions.tf", "variables.tf", "outputs.tf", "locals.tf", "cluster.tf", "services.tf", "alb.tf",
                "discovery.tf", "ecr.tf", "monitoring.tf", "autoscaling.tf", "secrets.tf", "iam.tf", "kms.tf"}
    assert expected <= set(terraform.files)


def test_every_variable_and_output_is_documented_and_typed(terraform):
    variables, outputs = terraform.blocks("variable"), terraform.blocks("output")
    assert variables and outputs
    for name, body in variables.items():
        assert len(body.get("description", "")) > 20, f"variable {name} needs a description that helps"
        assert "type" in body, f"variable {name} has no type"
    for name, body in outputs.items():
        assert len(body.get("description", "")) > 20, f"output {name} needs a description"
    assert all(b.get("sensitive") is not True for b in outputs.values()), "outputs never carry secret values"


def test_no_secret_is_a_plain_variable(terraform):
    for name, body in terraform.blocks("variable").items():
        assert not _SECRETISH.search(name), f"variable {name} looks like a secret: use Secrets Manager (secrets.tf)"
        assert body.get("sensitive") is not True, f"variable {name} is sensitive: secrets are never variables"
    assert "aws_secretsmanager_secret_version" not in terraform.all_text(), "secret values never go through Terraform"


def test_there_is_a_task_definition_and_an_ecs_service_per_veil_service(terraform):
    services = terraform.blocks("locals")["services"]
    assert {spec["service"] for spec in services.values()} == set(SERVICES)
    # The classifier twice: for the calling teams behind the ALB, and for the gateway.
    assert set(services) == set(SERVICES) | {"classifier-internal"}
    for rtype in ("aws_ecs_task_definition", "aws_ecs_service", "aws_cloudwatch_log_group",
                  "aws_appautoscaling_target", "aws_service_discovery_service", "aws_security_group"):
        blocks = terraform.resources(rtype)
        assert any(b.get("for_each") == "${local.services}" for b in blocks.values()), rtype


@pytest.mark.parametrize("name", [*sorted(SERVICES), "classifier-internal"])
def test_ports_and_health_probes_match_the_shared_service_list(terraform, name):
    spec = terraform.blocks("locals")["services"][name]
    service = SERVICES[spec["service"]]
    assert spec["port"] == service.default_port
    assert spec["health"] == ["CMD", *service.health_argv]
    assert spec["environment"][service.port_env] == str(service.default_port)
    assert spec["protocol"] == service.protocol


def _sizing_defaults(terraform, name) -> dict[str, float]:
    type_expr = terraform.blocks("variable")[name]["type"]
    return {k: float(v) for k, v in re.findall(r"(\w+) = optional\(number, ([\d.]+)\)", type_expr)}


@pytest.mark.parametrize("name", [*sorted(SERVICES), "classifier_internal"])
def test_sizing_gives_whole_vcpus_and_cites_the_load_tests(terraform, name):
    variable = terraform.blocks("variable")[name]
    sizing = _sizing_defaults(terraform, name)
    assert sizing["cpu"] % 1024 == 0, f"{name}: cpu {sizing['cpu']} is not whole vCPUs"
    assert sizing["memory"] >= 512 and sizing["min_count"] <= sizing["desired_count"] <= sizing["max_count"]
    assert "loadtests/README.md" in variable["description"]
    if "workers" in sizing:
        # A worker per vCPU at least: the task's full CPU is used.
        assert sizing["workers"] >= sizing["cpu"] // 1024, name
    if name == "embedder":
        assert sizing["intra_op_threads"] == sizing["cpu"] // 1024


def test_the_cluster_keeps_room_for_one_extra_task_of_each_service(terraform):
    text = terraform.text["cluster.tf"]
    assert "s.sizing.cpu * (s.sizing.desired_count + 1)" in text
    assert "s.sizing.memory * (s.sizing.desired_count + 1)" in text
    asg = terraform.resources("aws_autoscaling_group")["cpu"]
    assert "local.cpu_instances_needed" in asg["min_size"]


def test_the_cluster_has_an_ec2_capacity_provider_and_fargate_as_an_option(terraform):
    providers = terraform.resources("aws_ecs_capacity_provider")
    assert "auto_scaling_group_provider" in providers["cpu"]
    scaling = providers["cpu"]["auto_scaling_group_provider"][0]["managed_scaling"][0]
    assert scaling["status"] == "ENABLED"
    attached = terraform.resources("aws_ecs_cluster_capacity_providers")["this"]["capacity_providers"]
    assert "FARGATE" in attached
    launch_type = terraform.blocks("variable")["launch_type"]
    assert launch_type["default"] == "EC2" and "FARGATE" in str(launch_type["validation"])


def test_the_alb_sends_the_model_api_to_the_classifier_and_everything_else_to_the_gateway(terraform):
    listener = terraform.resources("aws_lb_listener")["https"]
    assert listener["protocol"] == "HTTPS" and "TLS13" in listener["ssl_policy"]
    assert 'aws_lb_target_group.service["gateway"]' in listener["default_action"][0]["target_group_arn"]
    rule = terraform.resources("aws_lb_listener_rule")["classifier"]
    assert 'aws_lb_target_group.service["classifier"]' in rule["action"][0]["target_group_arn"]
    paths = terraform.blocks("locals")["services"]["classifier"]["public_paths"]
    assert paths == ["/v1/models", "/v1/models/*"]
    target_group = terraform.resources("aws_lb_target_group")["service"]
    assert target_group["health_check"][0]["path"] == "/readyz" and target_group["target_type"] == "ip"


def test_the_embedder_is_found_through_cloud_map_with_every_task_address(terraform):
    discovery = terraform.resources("aws_service_discovery_service")["service"]["dns_config"][0]
    assert discovery["routing_policy"] == "MULTIVALUE"
    assert discovery["dns_records"][0]["type"] == "A" and discovery["dns_records"][0]["ttl"] <= 30
    service = terraform.resources("aws_ecs_service")["service"]
    assert "aws_service_discovery_service.service[each.key].arn" in service["service_registries"][0]["registry_arn"]
    locals_ = terraform.blocks("locals")
    assert locals_["embedder_address"].startswith("dns:///embedder.")
    assert locals_["embedder_address"].endswith(f":{SERVICES['embedder'].default_port}")
    assert locals_["services"]["classifier"]["environment"]["VEIL_EMBEDDER_ADDRESS"] == "${local.embedder_address}"


def test_images_come_from_immutable_scanned_ecr_repositories(terraform):
    repo = terraform.resources("aws_ecr_repository")["service"]
    assert repo["image_tag_mutability"] == "IMMUTABLE"
    assert repo["image_scanning_configuration"][0]["scan_on_push"] is True
    containers = terraform.blocks("locals")["containers"]
    assert "aws_ecr_repository.service[s.service].repository_url" in containers and "var.image_tag" in containers
    assert repo["for_each"] == "${local.images}"


def test_logs_go_to_a_log_group_per_service_and_alarms_watch_each_service(terraform):
    container_text = terraform.text["services.tf"]
    assert '"awslogs"' in container_text or "logDriver = \"awslogs\"" in container_text
    assert "aws_cloudwatch_log_group.service[k].name" in container_text
    alarms = terraform.resources("aws_cloudwatch_metric_alarm")
    metrics = {a.get("metric_name") for a in alarms.values()} | {
        q.get("metric", [{}])[0].get("metric_name") for a in alarms.values() for q in a.get("metric_query", [])
        if q.get("metric")}
    assert {"CPUUtilization", "MemoryUtilization", "RunningTaskCount", "HTTPCode_Target_5XX_Count",
            "TargetResponseTime", "UnHealthyHostCount", "HTTPCode_ELB_5XX_Count"} <= metrics
    assert all(a["alarm_actions"] == "${local.alarm_actions}" for a in alarms.values())


def test_autoscaling_tracks_cpu_for_every_service_and_requests_behind_the_alb(terraform):
    policies = terraform.resources("aws_appautoscaling_policy")
    cpu = policies["cpu"]["target_tracking_scaling_policy_configuration"][0]
    assert cpu["predefined_metric_specification"][0]["predefined_metric_type"] == "ECSServiceAverageCPUUtilization"
    assert policies["cpu"]["for_each"] == "${local.services}"
    requests = policies["requests"]["target_tracking_scaling_policy_configuration"][0]
    assert requests["predefined_metric_specification"][0]["predefined_metric_type"] == "ALBRequestCountPerTarget"
    assert policies["requests"]["for_each"] == "${local.http_public}"


def test_secrets_reach_the_tasks_from_secrets_manager_and_never_as_plain_environment(terraform, declared_settings):
    services = terraform.blocks("locals")["services"]
    secret_names = {name for name, s in declared_settings.items() if getattr(s, "secret", False)}
    for name, spec in services.items():
        for key in spec["environment"]:
            assert key not in secret_names, f"{name}: {key} is a secret setting in plain environment"
            assert not _SECRETISH.search(key), f"{name}: {key} looks secret"
        for key, arn in spec["secrets"].items():
            assert arn.startswith("${aws_secretsmanager_secret.this["), (name, key)
    assert set(services["gateway"]["secrets"]) == {"VEIL_DATABASE_URL", "VEIL_API_KEYS", "VEIL_CLASSIFIER_KEY"}
    # Whatever the ALB reaches checks caller keys; classifier-internal is reached by the gateway only.
    assert "VEIL_CLASSIFIER_API_KEYS" in services["classifier"]["secrets"]
    assert "VEIL_CLASSIFIER_API_KEYS" not in services["classifier-internal"]["secrets"]
    # Every classifier refuses calls without a key: the internal one knows the gateway's service key.
    assert "VEIL_CLASSIFIER_SERVICE_KEYS" in services["classifier-internal"]["secrets"]
    assert "VEIL_CLASSIFIER_ADMIN_KEYS" in services["classifier"]["secrets"]
    assert services["gateway"]["environment"]["VEIL_CLASSIFIER_URL"] == "${local.classifier_url}"
    assert terraform.blocks("locals")["classifier_url"].startswith("http://classifier-internal.")


def test_only_the_gateway_reaches_the_internal_classifier(terraform):
    calls = terraform.blocks("locals")["calls"]
    callers = {c["from"] for c in calls.values() if c["to"] == "classifier-internal"}
    assert callers == {"gateway"}
    assert "classifier-internal" not in {k for k, s in terraform.blocks("locals")["services"].items()
                                         if s["public_paths"]}
    containers = terraform.blocks("locals")["containers"]
    assert "valueFrom = arn" in containers
    execution = terraform.resources("aws_iam_policy_document", kind="data")["execution_secrets"]
    assert execution["statement"][0]["actions"] == ["secretsmanager:GetSecretValue"]


def test_deployments_roll_and_roll_back_by_themselves(terraform):
    service = terraform.resources("aws_ecs_service")["service"]
    assert service["deployment_circuit_breaker"][0] == {"enable": True, "rollback": True}
    assert service["deployment_minimum_healthy_percent"] == 100 and service["deployment_maximum_percent"] == 200
    assert service["lifecycle"][0]["ignore_changes"] == ["${desired_count}"] or \
        "desired_count" in str(service["lifecycle"][0]["ignore_changes"])


def test_containers_run_read_only_as_the_images_user_with_no_capabilities(terraform):
    text = terraform.text["services.tf"]
    assert 'user                   = "10001:10001"' in text
    assert "readonlyRootFilesystem = true" in text
    assert 'drop = ["ALL"]' in text


def test_the_readme_documents_every_variable_and_output_as_the_blocks_describe_them(terraform):
    import subprocess
    import sys

    from veil.paths import REPO_ROOT

    readme = (REPO_ROOT / "deployment" / "README.md").read_text()
    missing = [f"{kind} {name}" for kind in ("variable", "output") for name in terraform.blocks(kind)
               if f"| `{name}` |" not in readme]
    assert not missing, f"deployment/README.md's Terraform reference lacks: {missing}"
    check = subprocess.run([sys.executable, "deployment/tools/terraform_docs.py", "--check"], cwd=REPO_ROOT,
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr


def test_the_embedder_defaults_are_the_embedders_own(terraform):
    """The cache size and batch size were chosen by the embedder's own measurements; deployments keep them."""
    from services.embedder import settings

    sizing = _sizing_defaults(terraform, "embedder")
    assert sizing["cache_maxsize"] == settings.DEFAULT_CACHE_MAXSIZE
    assert sizing["max_batch_size"] == settings.DEFAULT_MAX_BATCH_SIZE


def test_ecs_replaces_a_task_that_stops_or_fails_its_health_check(terraform):
    # The ECS service keeps desired_count tasks running (a task that exits is replaced), and the
    # container health check (the shared probe, liveness only) makes ECS replace a hung one.
    service = terraform.resources("aws_ecs_service")["service"]
    assert service["desired_count"] == "${each.value.sizing.desired_count}"
    containers = terraform.blocks("locals")["containers"]
    assert "healthCheck = {command = s.health, interval = 15, timeout = 5, retries = 3" in containers
    for name, spec in terraform.blocks("locals")["services"].items():
        assert spec["health"] == ["CMD", *SERVICES[spec["service"]].health_argv], name
