# Veil on AWS ECS: providers and the Terraform version. See deployment/README.md for how to
# plan, apply and roll back.

terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
  }

  # State holds resource attributes: keep it in an encrypted, versioned remote backend, e.g.
  #   terraform init -backend-config="bucket=..." -backend-config="key=veil/terraform.tfstate" \
  #                  -backend-config="region=..." -backend-config="encrypt=true"
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}
