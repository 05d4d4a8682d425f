# The ECS cluster and its capacity: an EC2 capacity provider on ECS-optimised instances
# (default), Fargate as an option (var.launch_type), and a GPU capacity provider for the
# embedder when var.embedder_gpu is set.

resource "aws_ecs_cluster" "this" {
  name = local.prefix

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name = aws_ecs_cluster.this.name

  capacity_providers = concat(
    ["FARGATE"],
    [aws_ecs_capacity_provider.cpu.name],
    [for cp in aws_ecs_capacity_provider.gpu : cp.name],
  )

  default_capacity_provider_strategy {
    capacity_provider = var.launch_type == "FARGATE" ? "FARGATE" : aws_ecs_capacity_provider.cpu.name
    weight            = 1
    base              = 0
  }
}

# ------------------------------------------------------------------------ sizing the cluster
# Room for every desired task plus one extra task of each service, in CPU and in memory, so a
# scale-out step or a rolling deployment (maximum_percent = 200 starts the new task before
# the old one stops) is placed at once instead of waiting minutes for a new instance. Managed
# scaling adds instances beyond this when autoscaling asks for more tasks.

data "aws_ec2_instance_type" "cpu" {
  instance_type = var.instance_type
}

locals {
  instance_cpu_units = data.aws_ec2_instance_type.cpu.default_vcpus * 1024
  # Whole MiB the tasks may reserve on one instance.
  instance_memory_mib = floor(data.aws_ec2_instance_type.cpu.memory_size * var.instance_memory_usable_fraction)

  cluster_cpu_needed    = sum([for k, s in local.cpu_placed : s.sizing.cpu * (s.sizing.desired_count + 1)])
  cluster_memory_needed = sum([for k, s in local.cpu_placed : s.sizing.memory * (s.sizing.desired_count + 1)])

  cpu_instances_needed = max(
    var.asg_min_size,
    ceil(local.cluster_cpu_needed / local.instance_cpu_units),
    ceil(local.cluster_memory_needed / local.instance_memory_mib),
  )
}

# --------------------------------------------------------------------- CPU container instances

data "aws_ssm_parameter" "ecs_ami" {
  name = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
}

resource "aws_launch_template" "cpu" {
  name_prefix   = "${local.prefix}-cpu-"
  image_id      = data.aws_ssm_parameter.ecs_ami.value
  instance_type = var.instance_type

  iam_instance_profile {
    arn = aws_iam_instance_profile.instance.arn
  }

  vpc_security_group_ids = [aws_security_group.instances.id]

  # IMDSv2 only, one hop: containers cannot read the instance's credentials.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  monitoring {
    enabled = true
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size = 60
      volume_type = "gp3"
      # The AWS-managed EBS key: a customer key would also have to be granted to the Auto
      # Scaling service-linked role, or instances fail to launch. The volumes hold no PHI.
      encrypted = true
    }
  }

  user_data = base64encode(<<-EOT
    #!/bin/bash
    cat >> /etc/ecs/ecs.config <<CONFIG
    ECS_CLUSTER=${local.prefix}
    ECS_AWSVPC_BLOCK_IMDS=true
    ECS_ENABLE_CONTAINER_METADATA=true
    ECS_CONTAINER_STOP_TIMEOUT=30s
    CONFIG
  EOT
  )
}

resource "aws_autoscaling_group" "cpu" {
  name_prefix         = "${local.prefix}-cpu-"
  vpc_zone_identifier = var.private_subnet_ids
  # No instances at all when everything runs on Fargate.
  min_size = var.launch_type == "EC2" ? local.cpu_instances_needed : 0
  max_size = var.launch_type == "EC2" ? max(var.asg_max_size, local.cpu_instances_needed) : 0
  # Managed termination protection: ECS decides which instances are empty enough to stop.
  protect_from_scale_in = true

  launch_template {
    id      = aws_launch_template.cpu.id
    version = aws_launch_template.cpu.latest_version
  }

  instance_refresh {
    strategy = "Rolling"
  }

  tag {
    key                 = "AmazonECSManaged"
    value               = "true"
    propagate_at_launch = true
  }

  tag {
    key                 = "Name"
    value               = "${local.prefix}-cpu"
    propagate_at_launch = true
  }

  lifecycle {
    ignore_changes = [desired_capacity]
  }
}

resource "aws_ecs_capacity_provider" "cpu" {
  name = "${local.prefix}-cpu"

  auto_scaling_group_provider {
    auto_scaling_group_arn         = aws_autoscaling_group.cpu.arn
    managed_termination_protection = "ENABLED"
    managed_draining               = "ENABLED"

    managed_scaling {
      status                    = "ENABLED"
      target_capacity           = 100
      minimum_scaling_step_size = 1
      maximum_scaling_step_size = 4
    }
  }
}

# --------------------------------------------------------------------- GPU container instances

data "aws_ssm_parameter" "ecs_gpu_ami" {
  count = var.embedder_gpu ? 1 : 0
  name  = "/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id"
}

resource "aws_launch_template" "gpu" {
  count = var.embedder_gpu ? 1 : 0

  name_prefix   = "${local.prefix}-gpu-"
  image_id      = data.aws_ssm_parameter.ecs_gpu_ami[0].value
  instance_type = var.gpu_instance_type

  iam_instance_profile {
    arn = aws_iam_instance_profile.instance.arn
  }

  vpc_security_group_ids = [aws_security_group.instances.id]

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  monitoring {
    enabled = true
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size = 100
      volume_type = "gp3"
      # The AWS-managed EBS key: a customer key would also have to be granted to the Auto
      # Scaling service-linked role, or instances fail to launch. The volumes hold no PHI.
      encrypted = true
    }
  }

  user_data = base64encode(<<-EOT
    #!/bin/bash
    cat >> /etc/ecs/ecs.config <<CONFIG
    ECS_CLUSTER=${local.prefix}
    ECS_ENABLE_GPU_SUPPORT=true
    ECS_AWSVPC_BLOCK_IMDS=true
    ECS_CONTAINER_STOP_TIMEOUT=30s
    CONFIG
  EOT
  )
}

resource "aws_autoscaling_group" "gpu" {
  count = var.embedder_gpu ? 1 : 0

  name_prefix           = "${local.prefix}-gpu-"
  vpc_zone_identifier   = var.private_subnet_ids
  min_size              = var.embedder.desired_count + 1
  max_size              = var.embedder.max_count + 1
  protect_from_scale_in = true

  launch_template {
    id      = aws_launch_template.gpu[0].id
    version = aws_launch_template.gpu[0].latest_version
  }

  tag {
    key                 = "AmazonECSManaged"
    value               = "true"
    propagate_at_launch = true
  }

  tag {
    key                 = "Name"
    value               = "${local.prefix}-gpu"
    propagate_at_launch = true
  }

  lifecycle {
    ignore_changes = [desired_capacity]
  }
}

resource "aws_ecs_capacity_provider" "gpu" {
  count = var.embedder_gpu ? 1 : 0

  name = "${local.prefix}-gpu"

  auto_scaling_group_provider {
    auto_scaling_group_arn         = aws_autoscaling_group.gpu[0].arn
    managed_termination_protection = "ENABLED"
    managed_draining               = "ENABLED"

    managed_scaling {
      status          = "ENABLED"
      target_capacity = 100
    }
  }
}
