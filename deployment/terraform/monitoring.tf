# Logs and alarms. Every service logs JSON lines to its own log group (encrypted with Veil's
# key; request text is never logged). Alarms go to one SNS topic: subscribe the on-call
# rotation to the `alarm_topic_arn` output.

resource "aws_cloudwatch_log_group" "service" {
  for_each = local.services

  name              = "/${var.name}/${var.environment}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.veil.arn
}

resource "aws_sns_topic" "alarms" {
  name              = "${local.prefix}-alarms"
  kms_master_key_id = aws_kms_key.veil.arn
}

locals {
  alarm_actions = [aws_sns_topic.alarms.arn]
}

# --- every service: CPU and memory near the task's limit, fewer tasks running than the floor

resource "aws_cloudwatch_metric_alarm" "cpu_high" {
  for_each = local.services

  alarm_name          = "${local.prefix}-${each.key}-cpu-high"
  alarm_description   = "${each.key}: CPU above 85% for 10 minutes although autoscaling targets ${each.value.sizing.cpu_target}%: max_count reached or instances missing."
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  dimensions          = { ClusterName = aws_ecs_cluster.this.name, ServiceName = aws_ecs_service.service[each.key].name }
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 10
  threshold           = 85
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "memory_high" {
  for_each = local.services

  alarm_name          = "${local.prefix}-${each.key}-memory-high"
  alarm_description   = "${each.key}: memory above 90% of the task's limit; the next step is the OOM killer. Raise the service's memory (variables.tf)."
  namespace           = "AWS/ECS"
  metric_name         = "MemoryUtilization"
  dimensions          = { ClusterName = aws_ecs_cluster.this.name, ServiceName = aws_ecs_service.service[each.key].name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  threshold           = 90
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "tasks_low" {
  for_each = local.services

  alarm_name          = "${local.prefix}-${each.key}-tasks-low"
  alarm_description   = "${each.key}: fewer running tasks than min_count (${each.value.sizing.min_count}) for 5 minutes: tasks crash or cannot be placed."
  namespace           = "ECS/ContainerInsights"
  metric_name         = "RunningTaskCount"
  dimensions          = { ClusterName = aws_ecs_cluster.this.name, ServiceName = aws_ecs_service.service[each.key].name }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 5
  threshold           = each.value.sizing.min_count
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# --- services behind the ALB: errors, latency, unhealthy targets

resource "aws_cloudwatch_metric_alarm" "target_5xx" {
  for_each = local.http_public

  alarm_name          = "${local.prefix}-${each.key}-5xx"
  alarm_description   = "${each.key}: more than 1% of requests answered 5xx for 5 minutes (503 = embedder unavailable, see its alarms)."
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 5
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    expression  = "IF(requests > 0, 100 * FILL(errors, 0) / requests, 0)"
    label       = "5xx %"
    return_data = true
  }

  metric_query {
    id = "errors"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      dimensions  = { LoadBalancer = aws_lb.this.arn_suffix, TargetGroup = aws_lb_target_group.service[each.key].arn_suffix }
      stat        = "Sum"
      period      = 60
    }
  }

  metric_query {
    id = "requests"

    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      dimensions  = { LoadBalancer = aws_lb.this.arn_suffix, TargetGroup = aws_lb_target_group.service[each.key].arn_suffix }
      stat        = "Sum"
      period      = 60
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "latency_p95" {
  for_each = local.http_public

  alarm_name          = "${local.prefix}-${each.key}-latency-p95"
  alarm_description   = "${each.key}: p95 response time above ${var.latency_p95_alarm_seconds[each.key]} s for 10 minutes (see latency_p95_alarm_seconds; loadtests/README.md)."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  dimensions          = { LoadBalancer = aws_lb.this.arn_suffix, TargetGroup = aws_lb_target_group.service[each.key].arn_suffix }
  extended_statistic  = "p95"
  period              = 60
  evaluation_periods  = 10
  threshold           = var.latency_p95_alarm_seconds[each.key]
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_targets" {
  for_each = local.http_public

  alarm_name          = "${local.prefix}-${each.key}-unhealthy-targets"
  alarm_description   = "${each.key}: tasks failing /readyz for 5 minutes (model not loaded, or a dependency down)."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = { LoadBalancer = aws_lb.this.arn_suffix, TargetGroup = aws_lb_target_group.service[each.key].arn_suffix }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "alb_5xx" {
  alarm_name          = "${local.prefix}-alb-5xx"
  alarm_description   = "The ALB itself answers 5xx (no healthy target, or targets closing connections): more than 10 in a minute, 3 minutes running."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_ELB_5XX_Count"
  dimensions          = { LoadBalancer = aws_lb.this.arn_suffix }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 3
  threshold           = 10
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}
