# The application load balancer: HTTPS only, routing by path. /v1/models and /v1/models/*
# (the classifier's API: list, predict, rollback) go to the classifier; everything else
# (/v1/deidentify, /v1/jobs/*, /v1/classify, ...) goes to the gateway. Targets are task IPs
# (awsvpc), kept in rotation only while GET /readyz answers 200: a task whose model is not
# loaded or whose dependency is down gets no traffic but is not killed for it (the container
# health check, which ECS acts on, probes liveness only).

resource "aws_lb" "this" {
  name                       = local.prefix
  internal                   = var.alb_internal
  load_balancer_type         = "application"
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.alb_subnet_ids
  drop_invalid_header_fields = true
  enable_deletion_protection = true
  # Below the services' keep-alive (VEIL_*_KEEPALIVE = 75 s), so the ALB closes idle
  # connections first and never reuses one the target just closed (502).
  idle_timeout = 60

  access_logs {
    bucket  = var.alb_access_logs_bucket
    prefix  = local.prefix
    enabled = true
  }
}

resource "aws_wafv2_web_acl_association" "this" {
  count = var.waf_web_acl_arn == "" ? 0 : 1

  resource_arn = aws_lb.this.arn
  web_acl_arn  = var.waf_web_acl_arn
}

resource "aws_lb_target_group" "service" {
  # checkov:skip=CKV_AWS_378: TLS ends at the ALB (TLS 1.2+ policy); ALB-to-task traffic stays in the private subnets, allowed only between the ALB's and the service's security groups. End-to-end TLS would need a certificate in every task: see deployment/README.md, "Security"
  for_each = local.http_public

  name                 = "${local.prefix}-${each.key}"
  port                 = each.value.port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    path                = "/readyz"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.service["gateway"].arn
  }
}

resource "aws_lb_listener_rule" "classifier" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 10

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.service["classifier"].arn
  }

  condition {
    path_pattern {
      values = local.services.classifier.public_paths
    }
  }
}
