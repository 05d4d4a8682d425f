# Shared state of the HTTP services on EFS: the classifier model registry (every classifier
# task sees the same active version, so a rollback through one task is seen by all) and the
# inference spool (records spooled while the database was down survive a task's replacement).
# Mounted through one access point as uid/gid 10001, the images' `veil` user, over TLS.

resource "aws_efs_file_system" "shared" {
  creation_token   = "${local.prefix}-shared"
  encrypted        = true
  kms_key_id       = aws_kms_key.veil.arn
  performance_mode = "generalPurpose"
  throughput_mode  = "elastic"

  lifecycle_policy {
    transition_to_ia = "AFTER_30_DAYS"
  }

  tags = {
    Name = "${local.prefix}-shared"
  }
}

resource "aws_efs_backup_policy" "shared" {
  file_system_id = aws_efs_file_system.shared.id

  backup_policy {
    status = "ENABLED"
  }
}

resource "aws_efs_mount_target" "shared" {
  for_each = toset(var.private_subnet_ids)

  file_system_id  = aws_efs_file_system.shared.id
  subnet_id       = each.value
  security_groups = [aws_security_group.efs.id]
}

resource "aws_efs_access_point" "shared" {
  file_system_id = aws_efs_file_system.shared.id

  posix_user {
    uid = 10001
    gid = 10001
  }

  root_directory {
    path = "/veil"

    creation_info {
      owner_uid   = 10001
      owner_gid   = 10001
      permissions = "0750"
    }
  }
}

data "aws_iam_policy_document" "efs" {
  statement {
    sid     = "DenyUnencryptedTransport"
    effect  = "Deny"
    actions = ["*"]
    resources = [aws_efs_file_system.shared.arn]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "VeilTasksOnly"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [aws_efs_file_system.shared.arn]

    principals {
      type        = "AWS"
      identifiers = [for k, s in local.services : aws_iam_role.task[k].arn if s.shared_volume]
    }

    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [aws_efs_access_point.shared.arn]
    }
  }
}

resource "aws_efs_file_system_policy" "shared" {
  file_system_id = aws_efs_file_system.shared.id
  policy         = data.aws_iam_policy_document.efs.json
}
