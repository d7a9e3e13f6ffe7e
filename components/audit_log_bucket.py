"""The environment's audit bucket: ALB access logs (and VPC flow logs when they go to S3).

Encrypted (SSE-S3: the only encryption ALB access log delivery supports), versioned, every public access
block on, ACLs disabled (bucket owner enforced), objects kept as long as the stack keeps its logs, and a
bucket policy that lets only the ELB log delivery service (and the VPC log delivery service, for flow
logs) write, under this account's prefix, over TLS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components import iam_documents


@dataclass(frozen=True)
class AuditLogBucketArgs:
    partition: pulumi.Input[str]
    region: str
    account_id: pulumi.Input[str]
    retention_days: int
    access_logs: bool = True  # the ALB's access logs are delivered here
    flow_logs: bool = False  # the VPC's flow logs are delivered here
    tags: Mapping[str, str] = field(default_factory=dict)
    sse_algorithm: str = "AES256"
    versioning: str = "Enabled"
    block_public_access: bool = True
    object_ownership: str = "BucketOwnerEnforced"
    force_destroy: bool = False


# The regions AWS opened before August 2022: there ELB delivers access logs as a regional ELB account (the
# provider's aws.elb.get_service_account names it); every later region takes the log delivery service
# principal instead. The set is closed: no new region gets an ELB account.
ELB_ACCOUNT_REGIONS = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1",
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
        "ap-southeast-3", "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1",
        "eu-north-1", "me-south-1", "sa-east-1", "us-gov-west-1", "us-gov-east-1", "cn-north-1",
        "cn-northwest-1",
    }
)  # fmt: skip


def elb_log_principal(region: str, parent: pulumi.Resource) -> pulumi.Output[dict[str, str] | None]:
    """Who delivers ALB access logs in `region`, as AWS's ALB access log documentation says."""
    if region not in ELB_ACCOUNT_REGIONS:
        return pulumi.Output.from_input({"Service": iam_documents.ELB_LOG_DELIVERY_SERVICE})
    account = aws.elb.get_service_account_output(
        region=region, opts=pulumi.InvokeOutputOptions(parent=parent)
    )
    return account.arn.apply(lambda arn: {"AWS": arn})


class AuditLogBucket(pulumi.ComponentResource):
    """`bucket` (its name, for access_logs and flow logs) and `arn`."""

    def __init__(
        self, name: str, args: AuditLogBucketArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-platform:index:AuditLogBucket", name, None, opts)
        tags = dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(
            f"{name}-audit",
            bucket_prefix=f"{name}-audit-",
            force_destroy=args.force_destroy,
            tags=tags,
            opts=child,
        )
        block = aws.s3.BucketPublicAccessBlock(
            f"{name}-audit",
            bucket=bucket.id,
            block_public_acls=args.block_public_access,
            block_public_policy=args.block_public_access,
            ignore_public_acls=args.block_public_access,
            restrict_public_buckets=args.block_public_access,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-audit",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership=args.object_ownership),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-audit",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=(
                        aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                            sse_algorithm=args.sse_algorithm
                        )
                    )
                )
            ],
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{name}-audit",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status=args.versioning
            ),
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-audit",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="keep-logs-as-long-as-the-stack-keeps-logs",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                        days=args.retention_days
                    ),
                    noncurrent_version_expiration=(
                        aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                            noncurrent_days=args.retention_days
                        )
                    ),
                    abort_incomplete_multipart_upload=(
                        aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                            days_after_initiation=7
                        )
                    ),
                )
            ],
            opts=child,
        )
        self.policy = aws.s3.BucketPolicy(
            f"{name}-audit",
            bucket=bucket.id,
            policy=pulumi.Output.all(
                args.partition,
                args.account_id,
                bucket.arn,
                elb_log_principal(args.region, self) if args.access_logs else None,
            ).apply(
                lambda values: iam_documents.audit_bucket_policy(
                    partition=values[0],
                    region=args.region,
                    account_id=values[1],
                    bucket_arn=values[2],
                    elb_principal=values[3],
                    flow_logs=args.flow_logs,
                )
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[block]),
        )
        self.bucket = bucket.bucket
        self.arn = bucket.arn
        self.register_outputs({"bucket": self.bucket, "arn": self.arn})
