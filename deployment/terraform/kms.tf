# One customer-managed key for Veil's data at rest: secrets, log groups, ECR images, EFS
# (model registry, spool), the alarm topic. Logs and SNS are allowed to use it by the policy.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

resource "aws_kms_key" "veil" {
  description             = "${local.prefix}: secrets, logs, images, model registry"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "veil" {
  name          = "alias/${local.prefix}"
  target_key_id = aws_kms_key.veil.key_id
}

data "aws_iam_policy_document" "kms" {
  # checkov:skip=CKV_AWS_109: a key policy's resource is always "*" (the key itself); the account root statement is AWS's default and lets IAM policies grant use
  # checkov:skip=CKV_AWS_111: same: in a key policy "*" means this key only
  # checkov:skip=CKV_AWS_356: same: in a key policy "*" means this key only
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${var.region}:${data.aws_caller_identity.current.account_id}:log-group:/${var.name}/*"]
    }
  }

  statement {
    sid       = "AlarmNotifications"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "sns.amazonaws.com"]
    }
  }
}
