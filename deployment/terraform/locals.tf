# The ECS services in one table: which Veil service each runs (its image, port, start command
# and health probe, as veil/services.py and deployment/Dockerfile have them), its sizing,
# configuration and secrets. Every per-service resource (log group, task definition, ECS
# service, security group, alarms, scaling) is made with for_each over it.
#
# The classifier runs as two ECS services from the same image and registry, as DESIGN.md
# allows ("one service per head or group them"): `classifier` behind the ALB for the calling
# teams, which checks their keys (and admin keys for rollbacks), and `classifier-internal` for
# the gateway's batch predictions (only the gateway's security group reaches it), which checks
# the gateway's service key; the gateway names the team it calls for (X-Veil-Caller).

locals {
  prefix = "${var.name}-${var.environment}"

  tags = merge(var.tags, {
    application = "veil"
    environment = var.environment
    managed-by  = "terraform"
  })

  discovery = var.service_discovery_namespace

  # How a service reaches another. The embedder address is a gRPC target: the client's `dns`
  # resolver gets every A record Cloud Map holds for the name, and the round_robin policy
  # spreads calls over all of them (deployment/README.md, "Service discovery").
  embedder_address = "dns:///embedder.${local.discovery}:50051"
  classifier_url   = "http://classifier-internal.${local.discovery}:8081"
  redactor_url     = "http://redactor.${local.discovery}:8082"

  # Shared state on EFS: the model registry (heads; the active-version switch that rollback
  # flips is seen by every task) and the inference spool (survives task replacement).
  shared_mount = "/mnt/veil"

  services = {
    embedder = {
      service       = "embedder"
      image_suffix  = var.embedder_gpu ? "-gpu" : ""
      port          = 50051
      metrics_port  = 9464
      protocol      = "grpc"
      sizing        = var.embedder
      public_paths  = []
      shared_volume = false
      gpu           = var.embedder_gpu
      health        = ["CMD", "python", "-m", "veil.healthcheck", "embedder"]
      start_period  = 120
      environment = {
        VEIL_EMBEDDER_HOST             = "0.0.0.0"
        VEIL_EMBEDDER_PORT             = "50051"
        VEIL_EMBEDDER_METRICS_PORT     = "9464"
        VEIL_EMBEDDER_MAX_BATCH_SIZE   = tostring(var.embedder.max_batch_size)
        VEIL_EMBEDDER_CACHE_MAXSIZE    = tostring(var.embedder.cache_maxsize)
        VEIL_EMBEDDER_INTRA_OP_THREADS = tostring(var.embedder.intra_op_threads)
        # Below ECS's stopTimeout (stop_timeout in services.tf), so in-flight calls finish.
        VEIL_EMBEDDER_GRACE_S = "20"
      }
      secrets = {}
    }

    classifier = {
      service       = "classifier"
      image_suffix  = ""
      port          = 8081
      metrics_port  = 8081
      protocol      = "http"
      sizing        = var.classifier
      public_paths  = ["/v1/models", "/v1/models/*"]
      shared_volume = true
      gpu           = false
      health        = ["CMD", "python", "-m", "veil.healthcheck", "classifier"]
      start_period  = 90
      environment = {
        VEIL_CLASSIFIER_HOST     = "0.0.0.0"
        VEIL_CLASSIFIER_PORT     = "8081"
        VEIL_CLASSIFIER_WORKERS  = tostring(var.classifier.workers)
        VEIL_CLASSIFIER_THREADS  = tostring(var.classifier.threads)
        VEIL_CLASSIFIER_MODELS   = var.classifier_models
        VEIL_EMBEDDER_ADDRESS    = local.embedder_address
        VEIL_MODEL_REGISTRY      = "${local.shared_mount}/registry"
        VEIL_INFERENCE_SPOOL_DIR = "${local.shared_mount}/spool/classifier"
        # Above the ALB's idle timeout (60 s), or the ALB sees 502s on reused connections.
        VEIL_CLASSIFIER_KEEPALIVE = "75"
      }
      # The ALB sends callers straight to the classifier for /v1/models*, so it checks keys.
      secrets = {
        VEIL_DATABASE_URL          = aws_secretsmanager_secret.this["database-url"].arn
        VEIL_CLASSIFIER_API_KEYS   = aws_secretsmanager_secret.this["api-keys"].arn
        VEIL_CLASSIFIER_ADMIN_KEYS = aws_secretsmanager_secret.this["classifier-admin-keys"].arn
      }
    }

    "classifier-internal" = {
      service       = "classifier"
      image_suffix  = ""
      port          = 8081
      metrics_port  = 8081
      protocol      = "http"
      sizing        = var.classifier_internal
      public_paths  = []
      shared_volume = true
      gpu           = false
      health        = ["CMD", "python", "-m", "veil.healthcheck", "classifier"]
      start_period  = 90
      environment = {
        VEIL_CLASSIFIER_HOST     = "0.0.0.0"
        VEIL_CLASSIFIER_PORT     = "8081"
        VEIL_CLASSIFIER_WORKERS  = tostring(var.classifier_internal.workers)
        VEIL_CLASSIFIER_THREADS  = tostring(var.classifier_internal.threads)
        VEIL_CLASSIFIER_MODELS   = var.classifier_internal_models
        VEIL_EMBEDDER_ADDRESS    = local.embedder_address
        VEIL_MODEL_REGISTRY      = "${local.shared_mount}/registry"
        VEIL_INFERENCE_SPOOL_DIR = "${local.shared_mount}/spool/classifier-internal"
      }
      # Only the gateway's service key: the gateway has authenticated the team already.
      secrets = {
        VEIL_DATABASE_URL            = aws_secretsmanager_secret.this["database-url"].arn
        VEIL_CLASSIFIER_SERVICE_KEYS = aws_secretsmanager_secret.this["classifier-service-keys"].arn
      }
    }

    redactor = {
      service       = "redactor"
      image_suffix  = ""
      port          = 8082
      metrics_port  = 8082
      protocol      = "http"
      sizing        = var.redactor
      public_paths  = []
      shared_volume = false
      gpu           = false
      health        = ["CMD", "python", "-m", "veil.healthcheck", "redactor"]
      start_period  = 30
      environment = {
        VEIL_REDACTOR_HOST    = "0.0.0.0"
        VEIL_REDACTOR_PORT    = "8082"
        VEIL_REDACTOR_WORKERS = tostring(var.redactor.workers)
        VEIL_REDACTOR_THREADS = tostring(var.redactor.threads)
      }
      secrets = {}
    }

    gateway = {
      service       = "gateway"
      image_suffix  = ""
      port          = 8080
      metrics_port  = 8080
      protocol      = "http"
      sizing        = var.gateway
      public_paths  = ["/*"]
      shared_volume = true
      gpu           = false
      health        = ["CMD", "python", "-m", "veil.healthcheck", "gateway"]
      start_period  = 30
      environment = {
        VEIL_GATEWAY_HOST           = "0.0.0.0"
        VEIL_GATEWAY_PORT           = "8080"
        VEIL_GATEWAY_WORKERS        = tostring(var.gateway.workers)
        VEIL_GATEWAY_THREADS        = tostring(var.gateway.threads)
        VEIL_GATEWAY_WORKER_THREADS = tostring(var.gateway.job_threads)
        VEIL_CLASSIFIER_URL         = local.classifier_url
        VEIL_REDACTOR_URL           = local.redactor_url
        VEIL_MODEL_REGISTRY         = "${local.shared_mount}/registry"
      }
      secrets = {
        VEIL_DATABASE_URL   = aws_secretsmanager_secret.this["database-url"].arn
        VEIL_API_KEYS       = aws_secretsmanager_secret.this["api-keys"].arn
        VEIL_CLASSIFIER_KEY = aws_secretsmanager_secret.this["classifier-key"].arn
      }
    }
  }

  # The Veil services the deployments run (one image repository each).
  images = toset([for k, s in local.services : s.service])

  # Services behind the ALB: gateway is the default route, classifier takes /v1/models*.
  http_public = { for k, s in local.services : k => s if length(s.public_paths) > 0 }

  # The services placed on the CPU instances (the GPU embedder has its own).
  cpu_placed = { for k, s in local.services : k => s if !s.gpu }
}
