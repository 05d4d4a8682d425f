# One image repository per service. Tags are immutable, so a tag names one build forever and
# rolling back to it is exact; images are scanned on push and encrypted with Veil's key.
# The embedder's GPU variant is the same repository with a "-gpu" tag suffix.

resource "aws_ecr_repository" "service" {
  for_each = local.images

  name                 = "${var.name}/${each.value}"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.veil.arn
  }
}

resource "aws_ecr_lifecycle_policy" "service" {
  for_each = aws_ecr_repository.service

  repository = each.value.name
  # Keep enough releases to roll back to; untagged layers go after a week.
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "drop untagged images after 7 days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 7
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "keep the last 50 tagged images (releases to roll back to)"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = 50
        }
        action = { type = "expire" }
      },
    ]
  })
}
