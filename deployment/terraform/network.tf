# Security groups: callers reach only the ALB; each service accepts traffic only from the
# services that call it (ALB -> gateway, classifier; gateway -> classifier-internal,
# redactor; both classifiers -> embedder). Egress is HTTPS (AWS APIs: ECR, Secrets Manager, Logs), the
# database and the next hop; nothing else.

data "aws_vpc" "this" {
  id = var.vpc_id
}

locals {
  # Who may call whom: (caller, callee) pairs inside Veil.
  calls = {
    "gateway-classifier-internal"  = { from = "gateway", to = "classifier-internal" }
    "gateway-redactor"             = { from = "gateway", to = "redactor" }
    "classifier-embedder"          = { from = "classifier", to = "embedder" }
    "classifier-internal-embedder" = { from = "classifier-internal", to = "embedder" }
  }

  metrics_rules = {
    for pair in setproduct(keys(local.services), var.metrics_scraper_cidrs) :
    "${pair[0]}-${pair[1]}" => { service = pair[0], cidr = pair[1] }
  }
}

resource "aws_security_group" "alb" {
  name        = "${local.prefix}-alb"
  description = "Veil ALB: HTTPS from the calling teams"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each = toset(var.alb_ingress_cidrs)

  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from callers in ${each.value}"
  cidr_ipv4         = each.value
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "alb_to_service" {
  for_each = local.http_public

  security_group_id            = aws_security_group.alb.id
  description                  = "ALB to ${each.key} tasks"
  referenced_security_group_id = aws_security_group.service[each.key].id
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
}

resource "aws_security_group" "service" {
  # checkov:skip=CKV2_AWS_5: attached to each service's tasks by aws_ecs_service.service (network_configuration); checkov's graph does not follow the for_each key across resources
  for_each = local.services

  name        = "${local.prefix}-${each.key}"
  description = "Veil ${each.key} tasks"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "from_alb" {
  for_each = local.http_public

  security_group_id            = aws_security_group.service[each.key].id
  description                  = "${each.key} from the ALB"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
}

resource "aws_vpc_security_group_ingress_rule" "call" {
  for_each = local.calls

  security_group_id            = aws_security_group.service[each.value.to].id
  description                  = "${each.value.to} from ${each.value.from}"
  referenced_security_group_id = aws_security_group.service[each.value.from].id
  ip_protocol                  = "tcp"
  from_port                    = local.services[each.value.to].port
  to_port                      = local.services[each.value.to].port
}

resource "aws_vpc_security_group_egress_rule" "call" {
  for_each = local.calls

  security_group_id            = aws_security_group.service[each.value.from].id
  description                  = "${each.value.from} to ${each.value.to}"
  referenced_security_group_id = aws_security_group.service[each.value.to].id
  ip_protocol                  = "tcp"
  from_port                    = local.services[each.value.to].port
  to_port                      = local.services[each.value.to].port
}

resource "aws_vpc_security_group_ingress_rule" "metrics" {
  for_each = local.metrics_rules

  security_group_id = aws_security_group.service[each.value.service].id
  description       = "Prometheus scrape of ${each.value.service}"
  cidr_ipv4         = each.value.cidr
  ip_protocol       = "tcp"
  from_port         = local.services[each.value.service].metrics_port
  to_port           = local.services[each.value.service].metrics_port
}

resource "aws_vpc_security_group_egress_rule" "https" {
  for_each = local.services

  security_group_id = aws_security_group.service[each.key].id
  description       = "${each.key} to AWS APIs (ECR, Secrets Manager, CloudWatch Logs) over HTTPS"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "database" {
  for_each = { for k, s in local.services : k => s if contains(keys(s.secrets), "VEIL_DATABASE_URL") }

  security_group_id = aws_security_group.service[each.key].id
  description       = "${each.key} to PostgreSQL in the VPC"
  cidr_ipv4         = data.aws_vpc.this.cidr_block
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
}

resource "aws_vpc_security_group_egress_rule" "efs" {
  for_each = { for k, s in local.services : k => s if s.shared_volume }

  security_group_id            = aws_security_group.service[each.key].id
  description                  = "${each.key} to the shared EFS file system (NFS)"
  referenced_security_group_id = aws_security_group.efs.id
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
}

resource "aws_security_group" "efs" {
  name        = "${local.prefix}-efs"
  description = "Veil shared file system: NFS from the tasks that mount it"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "efs" {
  for_each = { for k, s in local.services : k => s if s.shared_volume }

  security_group_id            = aws_security_group.efs.id
  description                  = "NFS from ${each.key}"
  referenced_security_group_id = aws_security_group.service[each.key].id
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
}

# On EC2, the ECS agent may mount EFS from the instance's network: allow that path too.
resource "aws_vpc_security_group_ingress_rule" "efs_from_instances" {
  security_group_id            = aws_security_group.efs.id
  description                  = "NFS from the container instances (ECS agent mounts)"
  referenced_security_group_id = aws_security_group.instances.id
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
}

resource "aws_vpc_security_group_egress_rule" "instances_efs" {
  security_group_id            = aws_security_group.instances.id
  description                  = "Container instances to the shared EFS file system (NFS)"
  referenced_security_group_id = aws_security_group.efs.id
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
}

resource "aws_security_group" "instances" {
  name        = "${local.prefix}-instances"
  description = "Veil ECS container instances: no inbound; the ECS agent and image pulls over HTTPS"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_egress_rule" "instances_https" {
  security_group_id = aws_security_group.instances.id
  description       = "ECS agent, ECR and SSM over HTTPS"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}
