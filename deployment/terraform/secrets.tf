# Secrets live in Secrets Manager, never in variables, state or task definitions. Terraform
# creates the empty secrets (names, encryption, access); operators put the values out of band:
#
#   aws secretsmanager put-secret-value --secret-id <output secret_arns["api-keys"]> \
#       --secret-string 'team-a:KEY1,team-b:KEY2'
#   aws secretsmanager put-secret-value --secret-id <output secret_arns["database-url"]> \
#       --secret-string 'postgresql://veil:PASSWORD@db.example.internal:5432/veil'
#
# ECS reads them when a task starts (task definitions' `secrets`), so a rotated value reaches
# the services with the next deployment (`aws ecs update-service --force-new-deployment`).

locals {
  secrets = {
    "api-keys"     = "Caller keys, per team: team:key pairs, comma-separated (VEIL_API_KEYS, VEIL_CLASSIFIER_API_KEYS)"
    "database-url" = "postgresql://user:password@host:5432/db of the job and inference stores (VEIL_DATABASE_URL)"
    # The gateway's key to the internal classifier, twice: as the classifier lists it and as the gateway sends it.
    "classifier-service-keys" = "gateway:KEY, the gateway's key as the classifier knows it (VEIL_CLASSIFIER_SERVICE_KEYS)"
    "classifier-key"          = "KEY, the same key as the gateway sends it to the classifier (VEIL_CLASSIFIER_KEY)"
    "classifier-admin-keys"   = "Model administration (versions, rollback): name:key pairs (VEIL_CLASSIFIER_ADMIN_KEYS)"
  }
}

resource "aws_secretsmanager_secret" "this" {
  for_each = local.secrets

  name                    = "${var.name}/${var.environment}/${each.key}"
  description             = each.value
  kms_key_id              = aws_kms_key.veil.arn
  recovery_window_in_days = 30
  # checkov:skip=CKV2_AWS_57: Veil cannot rotate these itself: API keys are handed to calling teams and the database password belongs to the database's owner; rotate them by their runbook, then force a new deployment
}
