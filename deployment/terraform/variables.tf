# Inputs. Secrets are never variables: API keys and the database URL live in Secrets Manager
# (secrets.tf creates the secrets; operators put the values, see deployment/README.md) and
# reach the containers through the task definitions' `secrets`.

# ------------------------------------------------------------------------------ placement

variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Prefix of every resource name (cluster, services, repositories, log groups)."
  type        = string
  default     = "veil"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.name))
    error_message = "name: lower-case letters, digits and dashes, 2-21 characters, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name (prod, staging, ...), used in names and tags."
  type        = string
  default     = "prod"
}

variable "vpc_id" {
  description = "VPC the cluster runs in. Veil does not create networks: it joins the platform VPC."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets, one per availability zone (at least two), for the tasks, the EC2 instances and the EFS mount targets. They need a NAT gateway or VPC endpoints for ECR, Secrets Manager, CloudWatch Logs and EFS."
  type        = list(string)
}

variable "alb_subnet_ids" {
  description = "Subnets of the load balancer (at least two AZs): private subnets for an internal ALB, public ones otherwise."
  type        = list(string)
}

variable "alb_internal" {
  description = "true: the ALB is reachable only inside the VPC (other teams' systems call Veil from there). false puts it on the internet; then also attach a WAF (see alb.tf)."
  type        = bool
  default     = true
}

variable "alb_ingress_cidrs" {
  description = "CIDR blocks allowed to call the ALB on HTTPS (the calling teams' networks)."
  type        = list(string)
  default     = ["10.0.0.0/8"]
}

variable "certificate_arn" {
  description = "ACM certificate for the ALB's HTTPS listener (the name callers use, e.g. veil.internal.example.com)."
  type        = string
}

variable "alb_access_logs_bucket" {
  description = "Existing S3 bucket for the ALB's access logs (the platform's log bucket, with its own retention and encryption)."
  type        = string
}

variable "waf_web_acl_arn" {
  description = "ARN of a WAFv2 web ACL to attach to the ALB; required in practice when alb_internal = false. Empty: none."
  type        = string
  default     = ""
}

variable "service_discovery_namespace" {
  description = "Private DNS namespace (Cloud Map) in which the services find each other, e.g. embedder.<namespace>."
  type        = string
  default     = "veil.internal"
}

# ---------------------------------------------------------------------------- what to run

variable "image_tag" {
  description = "Image tag to deploy (the git commit the images were built from). Tags are immutable in ECR; rolling back a service version is re-applying the previous tag, or pointing the service at the previous task definition revision (see README)."
  type        = string
}

variable "launch_type" {
  description = "EC2 (default: the EC2 capacity provider, sized below) or FARGATE (no instances to manage; no GPU embedder)."
  type        = string
  default     = "EC2"

  validation {
    condition     = contains(["EC2", "FARGATE"], var.launch_type)
    error_message = "launch_type must be EC2 or FARGATE."
  }
}

variable "embedder_gpu" {
  description = "Run the embedder from the embedder GPU image on GPU instances (its own capacity provider). Needs launch_type = EC2."
  type        = bool
  default     = false
}

# ------------------------------------------------------------------------------ instances

variable "instance_type" {
  description = "EC2 instance type of the CPU capacity provider. Compute-optimised: the embedder is CPU bound. The cluster is sized from it (see cluster.tf)."
  type        = string
  default     = "c6i.2xlarge"
}

variable "gpu_instance_type" {
  description = "EC2 instance type for the GPU embedder (one GPU per embedder task)."
  type        = string
  default     = "g4dn.xlarge"
}

variable "asg_min_size" {
  description = "Fewest CPU instances. The cluster never goes below what the desired tasks plus one extra task of each service need (cluster.tf), whatever this says."
  type        = number
  default     = 2
}

variable "asg_max_size" {
  description = "Most CPU instances; bounds the cost of autoscaling. Keep it above what every service's max_count needs."
  type        = number
  default     = 12
}

variable "instance_memory_usable_fraction" {
  description = "Share of an instance's memory that tasks may reserve (the rest: the OS and the ECS agent)."
  type        = number
  default     = 0.9
}

# ------------------------------------------------------------------- per-service sizing
# Defaults from measurement, see deployment/README.md ("What the load tests say"):
# - workers x threads and target_rps of the classifier: `veil loadtest size` (JMeter on the real
#   embedder and classifier, started with the images' commands; loadtests/README.md);
# - memory: `deployment/tools/measure_memory.py` (RSS of each service started as its image
#   starts it, under load) plus a quarter, rounded up to 512 MiB;
# - cpu: whole vCPUs (1024 units): a task gets full cores, and gunicorn workers or TensorFlow
#   threads are set to match.
# The cluster keeps room for one extra task of every service on top of the desired counts, so
# a scale-out or a rolling deploy never waits for an instance. Override single fields, e.g.
# classifier = { max_count = 12 }. Re-measure on the instance type that runs the tasks.

variable "embedder" {
  description = "Embedder sizing (see the block comment above; loadtests/README.md). intra_op_threads should equal cpu/1024. cache_maxsize from `veil cache size`."
  type = object({
    cpu              = optional(number, 4096)
    memory           = optional(number, 2048)
    desired_count    = optional(number, 2)
    min_count        = optional(number, 2)
    max_count        = optional(number, 8)
    cpu_target       = optional(number, 60)
    intra_op_threads = optional(number, 4)
    max_batch_size   = optional(number, 64)
    cache_maxsize    = optional(number, 40000)
  })
  default = {}
}

variable "classifier" {
  description = "Sizing of the public classifier (behind the ALB, /v1/models*) (see the block comment above; loadtests/README.md): gunicorn workers x threads per task, and target_rps, the ALB requests per second per task that autoscaling holds."
  type = object({
    cpu                 = optional(number, 2048)
    memory              = optional(number, 3072)
    desired_count       = optional(number, 2)
    min_count           = optional(number, 2)
    max_count           = optional(number, 8)
    cpu_target          = optional(number, 60)
    target_rps          = optional(number, 48)
    workers             = optional(number, 3)
    threads             = optional(number, 2)
  })
  default = {}
}

variable "classifier_internal" {
  description = "Sizing of classifier-internal, the classifier deployment that serves the gateway's batch predictions (see the block comment above; loadtests/README.md). Documents are bursty: few large requests."
  type = object({
    cpu           = optional(number, 2048)
    memory        = optional(number, 2048)
    desired_count = optional(number, 2)
    min_count     = optional(number, 1)
    max_count     = optional(number, 6)
    cpu_target    = optional(number, 60)
    workers       = optional(number, 2)
    threads       = optional(number, 4)
  })
  default = {}
}

variable "redactor" {
  description = "Redactor sizing (see the block comment above; loadtests/README.md). PDF work is CPU bound: one worker per vCPU."
  type = object({
    cpu           = optional(number, 2048)
    memory        = optional(number, 1024)
    desired_count = optional(number, 2)
    min_count     = optional(number, 2)
    max_count     = optional(number, 6)
    cpu_target    = optional(number, 60)
    workers       = optional(number, 2)
    threads       = optional(number, 2)
  })
  default = {}
}

variable "gateway" {
  description = "Gateway sizing (see the block comment above; loadtests/README.md): API workers x threads, target_rps (ALB requests per second per task that autoscaling holds), and the job worker threads that run de-identification jobs in each task."
  type = object({
    cpu                 = optional(number, 2048)
    memory              = optional(number, 1024)
    desired_count       = optional(number, 2)
    min_count           = optional(number, 2)
    max_count           = optional(number, 6)
    cpu_target          = optional(number, 60)
    target_rps          = optional(number, 20)
    workers             = optional(number, 2)
    threads             = optional(number, 8)
    job_threads         = optional(number, 2)
  })
  default = {}
}

# ---------------------------------------------------------------------------- operations

variable "metrics_scraper_cidrs" {
  description = "CIDR blocks of the Prometheus scrapers allowed to read /metrics (the embedder's metrics port, the HTTP services' ports). Empty: none."
  type        = list(string)
  default     = []
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention. Logs never hold request text (see the root README), so a year for audit is fine."
  type        = number
  default     = 365
}

variable "latency_p95_alarm_seconds" {
  description = "p95 response time (seconds) above which the ALB services alarm. classifier: 2.5x the load tests' p95 objective for one-phrase requests (100 ms, `veil loadtest size`, loadtests/README.md), leaving room for batch requests. gateway: its API only queues jobs, so seconds mean the database is struggling."
  type        = map(number)
  default = {
    classifier = 0.25
    gateway    = 2
  }
}

variable "classifier_models" {
  description = "Models (heads) the public classifier service serves, comma-separated; empty serves every model in the registry."
  type        = string
  default     = ""
}

variable "classifier_internal_models" {
  description = "Models (heads) classifier-internal serves for the gateway, comma-separated (phi-type at least); empty serves every model in the registry."
  type        = string
  default     = "phi-type"
}

variable "tags" {
  description = "Extra tags for every resource (cost centre, owner)."
  type        = map(string)
  default     = {}
}
