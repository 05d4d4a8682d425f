# A task definition and an ECS service per Veil service. The image's CMD is the start
# command (veil/services.py), so the container definitions set none; configuration is
# environment variables (locals.tf) and secrets come from Secrets Manager at task start.

locals {
  # Fargate accepts only some cpu/memory pairs: at least 2 GiB per vCPU.
  task_memory = {
    for k, s in local.services :
    k => var.launch_type == "FARGATE" && !s.gpu ? max(s.sizing.memory, s.sizing.cpu * 2) : s.sizing.memory
  }

  containers = {
    for k, s in local.services : k => {
      name      = k
      image     = "${aws_ecr_repository.service[s.service].repository_url}:${var.image_tag}${s.image_suffix}"
      essential = true

      portMappings = concat(
        [{ name = k, containerPort = s.port, protocol = "tcp" }],
        s.metrics_port == s.port ? [] : [{ name = "${k}-metrics", containerPort = s.metrics_port, protocol = "tcp" }],
      )

      environment = [
        for name, value in merge(s.environment, { VEIL_HOME = "/var/lib/veil", VEIL_LOG_LEVEL = "INFO" }) :
        { name = name, value = value }
      ]
      # Values never appear here or in the state: ECS resolves the ARNs when a task starts.
      secrets = [for name, arn in s.secrets : { name = name, valueFrom = arn }]

      # Liveness only: ECS replaces a task whose probe fails. Readiness is the ALB's and
      # Cloud Map's business (alb.tf), so a dependency outage does not kill healthy tasks.
      healthCheck = {
        command     = s.health
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = s.start_period
      }

      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.service[k].name
          awslogs-region        = var.region
          awslogs-stream-prefix = k
          # A slow log pipeline must not block request handling.
          mode            = "non-blocking"
          max-buffer-size = "4m"
        }
      }

      user                   = "10001:10001"
      readonlyRootFilesystem = true
      # Above the services' own grace periods (VEIL_EMBEDDER_GRACE_S, gunicorn's graceful timeout).
      stopTimeout = 30
      mountPoints = concat(
        [
          { sourceVolume = "state", containerPath = "/var/lib/veil", readOnly = false },
          { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
        ],
        s.shared_volume ? [{ sourceVolume = "shared", containerPath = local.shared_mount, readOnly = false }] : [],
      )
      linuxParameters = {
        initProcessEnabled = true
        capabilities       = { drop = ["ALL"] }
      }
      ulimits              = [{ name = "nofile", softLimit = 65536, hardLimit = 65536 }]
      resourceRequirements = s.gpu ? [{ type = "GPU", value = "1" }] : null
    }
  }
}

resource "aws_ecs_task_definition" "service" {
  for_each = local.services

  family                   = "${local.prefix}-${each.key}"
  network_mode             = "awsvpc"
  requires_compatibilities = var.launch_type == "FARGATE" && !each.value.gpu ? ["FARGATE"] : ["EC2"]
  cpu                      = tostring(each.value.sizing.cpu)
  memory                   = tostring(local.task_memory[each.key])
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task[each.key].arn
  container_definitions    = jsonencode([local.containers[each.key]])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # Scratch for VEIL_HOME and /tmp: the root file system is read-only. On EC2 a task-scoped
  # Docker volume, which Docker fills from the image's folder with its owner (the non-root
  # user must write there). Fargate's bind mounts are filled from the image's folder too
  # (platform 1.4+); check the owner on a first Fargate deployment (deployment/README.md).
  dynamic "volume" {
    for_each = ["state", "tmp"]

    content {
      name = volume.value

      dynamic "docker_volume_configuration" {
        for_each = var.launch_type == "EC2" || each.value.gpu ? ["task"] : []

        content {
          scope  = docker_volume_configuration.value
          driver = "local"
        }
      }
    }
  }

  dynamic "volume" {
    for_each = each.value.shared_volume ? ["shared"] : []

    content {
      name = volume.value

      efs_volume_configuration {
        file_system_id     = aws_efs_file_system.shared.id
        transit_encryption = "ENABLED"

        authorization_config {
          access_point_id = aws_efs_access_point.shared.id
          iam             = "ENABLED"
        }
      }
    }
  }
}

resource "aws_ecs_service" "service" {
  for_each = local.services

  name            = each.key
  cluster         = aws_ecs_cluster.this.id
  task_definition = aws_ecs_task_definition.service[each.key].arn
  desired_count   = each.value.sizing.desired_count

  # Rolling deployment: new tasks start (room for them is kept, cluster.tf) before old ones
  # stop; a deployment whose tasks do not become healthy is rolled back automatically.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  health_check_grace_period_seconds = contains(keys(local.http_public), each.key) ? each.value.start_period : null
  enable_ecs_managed_tags           = true
  propagate_tags                    = "SERVICE"

  capacity_provider_strategy {
    capacity_provider = each.value.gpu ? aws_ecs_capacity_provider.gpu[0].name : (var.launch_type == "FARGATE" ? "FARGATE" : aws_ecs_capacity_provider.cpu.name)
    weight            = 1
  }

  dynamic "ordered_placement_strategy" {
    for_each = var.launch_type == "EC2" || each.value.gpu ? ["attribute:ecs.availability-zone", "instanceId"] : []

    content {
      type  = "spread"
      field = ordered_placement_strategy.value
    }
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.service[each.key].id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = contains(keys(local.http_public), each.key) ? [each.key] : []

    content {
      target_group_arn = aws_lb_target_group.service[load_balancer.value].arn
      container_name   = load_balancer.value
      container_port   = each.value.port
    }
  }

  service_registries {
    registry_arn = aws_service_discovery_service.service[each.key].arn
  }

  lifecycle {
    # Autoscaling owns the running count after the first apply.
    ignore_changes = [desired_count]
  }

  depends_on = [
    aws_lb_listener.https,
    aws_iam_role_policy.execution_secrets,
    aws_ecs_cluster_capacity_providers.this,
    aws_efs_mount_target.shared,
  ]
}
