# What callers, operators and the CI pipeline need after an apply. Secret values are never
# outputs; only the secrets' ARNs, to put the values in.

output "alb_dns_name" {
  description = "DNS name of the load balancer; point the certificate's name (CNAME or alias) at it. Callers use https://<that name>/v1/..."
  value       = aws_lb.this.dns_name
}

output "cluster_name" {
  description = "ECS cluster name (for `aws ecs update-service --cluster ...`)."
  value       = aws_ecs_cluster.this.name
}

output "service_names" {
  description = "ECS service name of each Veil service."
  value       = { for k, s in aws_ecs_service.service : k => s.name }
}

output "ecr_repository_urls" {
  description = "Image repository of each Veil service (both classifier deployments share one); CI pushes <url>:<git sha> (and <url>:<git sha>-gpu for the GPU embedder)."
  value       = { for k, r in aws_ecr_repository.service : k => r.repository_url }
}

output "task_definition_arns" {
  description = "Current task definition revision of each service. Rolling back a service version = update-service to an earlier revision (deployment/README.md)."
  value       = { for k, t in aws_ecs_task_definition.service : k => t.arn }
}

output "embedder_address" {
  description = "gRPC target of the embedder (Cloud Map DNS, client-side round_robin), as the classifier's VEIL_EMBEDDER_ADDRESS gets it."
  value       = local.embedder_address
}

output "service_discovery_namespace" {
  description = "Private DNS namespace where every service is registered as <service>.<namespace>."
  value       = aws_service_discovery_private_dns_namespace.this.name
}

output "log_group_names" {
  description = "CloudWatch log group of each service."
  value       = { for k, g in aws_cloudwatch_log_group.service : k => g.name }
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies; subscribe the on-call rotation to it."
  value       = aws_sns_topic.alarms.arn
}

output "secret_arns" {
  description = "Secrets Manager secrets to fill before the first deployment (api-keys, database-url); values are put with `aws secretsmanager put-secret-value`, never through Terraform."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.arn }
}

output "shared_file_system_id" {
  description = "EFS file system holding the model registry and the inference spool (mounted at /mnt/veil in the classifier and gateway tasks)."
  value       = aws_efs_file_system.shared.id
}
