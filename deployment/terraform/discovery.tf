# Service discovery with Cloud Map: a private DNS namespace in the VPC where each service's
# tasks register their IP addresses as A records (multivalue answers, health from ECS).
#
# The embedder is gRPC: its HTTP/2 connections are long-lived, so a connection-level load
# balancer would pin each classifier process to one embedder task. Instead the classifier's
# client dials dns:///embedder.<namespace>:50051 with the round_robin policy: gRPC's DNS
# resolver returns every registered task address, the channel keeps a subchannel to each and
# spreads calls over them, and re-resolves when a connection drops (a task stopped) — see
# deployment/README.md, "Service discovery". The short TTL keeps new tasks visible within
# seconds of a scale-out.

resource "aws_service_discovery_private_dns_namespace" "this" {
  name        = var.service_discovery_namespace
  description = "Veil services (${var.environment})"
  vpc         = var.vpc_id
}

resource "aws_service_discovery_service" "service" {
  for_each = local.services

  name = each.key

  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.this.id
    routing_policy = "MULTIVALUE"

    dns_records {
      type = "A"
      ttl  = 10
    }
  }

  # ECS reports task health (the container health check) to Cloud Map; unhealthy tasks
  # drop out of the answers.
  health_check_custom_config {
    failure_threshold = 1
  }
}
