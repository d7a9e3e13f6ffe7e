"""Every IAM and KMS policy document the program attaches, built here and nowhere else.

Documents are plain JSON built from plain strings, so tests (and cloudsplaining) read exactly what AWS
receives. Actions that AWS only grants on `*` are listed once, in STAR_RESOURCE_ACTIONS, with the reason;
a document builder cannot put any other action on `*`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from image_references.digest_reference import parse_digest_reference

# Actions with no resource-level permissions: AWS accepts them only with Resource "*".
STAR_RESOURCE_ACTIONS: Mapping[str, str] = {
    "ecr:GetAuthorizationToken": "returns a registry login token; ECR defines no resource type for it, and "
    "the token alone grants nothing: pulls are still limited to the repositories named beside it",
    "ecs:DiscoverPollEndpoint": "the ECS agent asks where to poll; the action has no resource type, and it "
    "reveals only the regional endpoint",
    "elasticloadbalancing:DescribeListeners": "ECS reads the listeners of a blue/green service; ELB's "
    "Describe actions have no resource type and return configuration only, never traffic or credentials",
    "elasticloadbalancing:DescribeRules": "ECS reads the listener rules it switches in a blue/green "
    "deployment (no resource type; configuration only)",
    "elasticloadbalancing:DescribeTargetGroups": "ECS reads the blue and green target groups (no resource "
    "type; configuration only)",
    "elasticloadbalancing:DescribeTargetHealth": "ECS waits for the green tasks' health (no resource type; "
    "health states only)",
}
ECR_PULL_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
LOG_WRITE_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
# What the ECS container agent calls, scoped to its own cluster (cluster-level actions) and the cluster's
# container instances (polling and telemetry). The agent pulls images and writes logs with each task's
# execution role, so the instance role carries no ECR or CloudWatch Logs permission.
ECS_AGENT_CLUSTER_ACTIONS = (
    "ecs:DeregisterContainerInstance",
    "ecs:RegisterContainerInstance",
    "ecs:SubmitAttachmentStateChanges",
    "ecs:SubmitContainerStateChange",
    "ecs:SubmitTaskStateChange",
)
ECS_AGENT_INSTANCE_ACTIONS = ("ecs:Poll", "ecs:StartTelemetrySession", "ecs:UpdateContainerInstancesState")


def statement(
    sid: str,
    actions: Iterable[str],
    resources: Iterable[str],
    condition: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """One Allow statement; `*` is accepted only for the documented STAR_RESOURCE_ACTIONS."""
    actions, resources = sorted(actions), sorted(resources)
    if "*" in resources:
        unjustified = [action for action in actions if action not in STAR_RESOURCE_ACTIONS]
        if unjustified or resources != ["*"]:
            raise ValueError(f"statement {sid}: {unjustified or resources} may not be granted on '*'")
    granted: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        granted["Condition"] = {operator: dict(values) for operator, values in condition.items()}
    return granted


def document(*statements: Mapping[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, sort_keys=True)


def service_trust_policy(service: str, account_id: str) -> str:
    """Only `service` may assume the role, and only on behalf of this account (no confused deputy)."""
    return document(
        {
            "Sid": "AssumedByService",
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }
    )


def ec2_trust_policy() -> str:
    """EC2 instances assume their instance profile's role; EC2 sends no source account to condition on."""
    return document(
        {
            "Sid": "AssumedByEc2",
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )


def repository_arn(reference: str, partition: str = "aws") -> str:
    """The ECR repository an image digest reference lives in: what an execution role may pull from."""
    parsed = parse_digest_reference(reference, setting="image digest reference")
    if parsed.ecr_account is None or parsed.ecr_region is None:
        raise ValueError(f"{reference!r} is not in an ECR registry; its repository has no ARN to grant")
    return f"arn:{partition}:ecr:{parsed.ecr_region}:{parsed.ecr_account}:repository/{parsed.repository}"


def log_group_arn(partition: str, region: str, account_id: str, log_group: str) -> str:
    return f"arn:{partition}:logs:{region}:{account_id}:log-group:{log_group}"


# What ECS calls to hand a task its `secrets`: one action per store, on the named ARNs only.
SECRET_READ_ACTIONS = {"secretsmanager": "secretsmanager:GetSecretValue", "ssm": "ssm:GetParameters"}


@dataclass(frozen=True)
class SecretRead:
    """One secret the execution role reads: its store, ARN, region and (customer managed) KMS key."""

    store: str
    arn: str
    region: str
    kms_key_arn: str | None = None

    @property
    def via_service(self) -> str:
        return f"{self.store}.{self.region}.amazonaws.com"


def execution_role_policy(
    repository_arns: Sequence[str], log_group_arn_: str, secrets: Sequence[SecretRead] = ()
) -> str:
    """Pull the task's own images, write its own log group and read its own secrets: all ECS needs to start
    the task. Each secret's KMS key decrypts only when Secrets Manager or SSM asks for that secret's read."""
    by_store = {
        store: sorted({secret.arn for secret in secrets if secret.store == store})
        for store in SECRET_READ_ACTIONS
    }
    via_services: dict[str, set[str]] = {}
    for secret in secrets:
        if secret.kms_key_arn is not None:
            via_services.setdefault(secret.kms_key_arn, set()).add(secret.via_service)
    return document(
        statement("PullOwnImages", ECR_PULL_ACTIONS, repository_arns),
        statement("RegistryLogin", ["ecr:GetAuthorizationToken"], ["*"]),
        statement("WriteOwnLogs", LOG_WRITE_ACTIONS, [f"{log_group_arn_}:log-stream:*"]),
        *(
            statement(sid, [SECRET_READ_ACTIONS[store]], arns)
            for store, sid in (("secretsmanager", "ReadOwnSecrets"), ("ssm", "ReadOwnParameters"))
            if (arns := by_store[store])
        ),
        *(
            statement(
                f"DecryptOwnSecrets{index}",
                ["kms:Decrypt"],
                [key],
                {"StringEquals": {"kms:ViaService": sorted(via_services[key])}},
            )
            for index, key in enumerate(sorted(via_services), start=1)
        ),
    )


@dataclass(frozen=True)
class EfsMount:
    """A task mounting a file system through one access point, read-only or read-write."""

    file_system_arn: str
    access_point_arn: str
    read_only: bool = False


def efs_client_statement(sid: str, mount: EfsMount) -> dict[str, Any]:
    """Mount (and write, unless read-only) the file system only through its access point."""
    actions = ["elasticfilesystem:ClientMount"]
    if not mount.read_only:
        actions.append("elasticfilesystem:ClientWrite")
    return statement(
        sid,
        actions,
        [mount.file_system_arn],
        {"StringEquals": {"elasticfilesystem:AccessPointArn": mount.access_point_arn}},
    )


def efs_file_system_policy(file_system_arn: str) -> str:
    """Refuse every client that does not use TLS. Once a file system has a policy, EFS no longer lets any
    client that reaches a mount target in; only identity policies (the task role's) grant access."""
    return document(
        {
            "Sid": "DenyWithoutTls",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "*",
            "Resource": file_system_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )


BLUE_GREEN_READ_ACTIONS = (
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
)


def blue_green_role_policy(target_group_arns: Sequence[str], listener_rule_arns: Sequence[str]) -> str:
    """ECS switching one service between its blue and green target groups: register tasks in those two
    groups and shift the weights of that service's production and test rules; nothing else."""
    return document(
        statement("ReadLoadBalancing", BLUE_GREEN_READ_ACTIONS, ["*"]),
        statement(
            "RegisterOwnTargets",
            ["elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterTargets"],
            target_group_arns,
        ),
        statement("ShiftOwnRules", ["elasticloadbalancing:ModifyRule"], listener_rule_arns),
    )


def task_role_policy(
    grants: Sequence[tuple[Sequence[str], Sequence[str]]], mounts: Sequence[EfsMount] = ()
) -> str:
    """Exactly the (actions, resource ARNs) pairs the stack config grants the application, and its EFS
    mounts through their access points."""
    return document(
        *(
            statement(f"Grant{index}", actions, resources)
            for index, (actions, resources) in enumerate(grants, start=1)
        ),
        *(
            efs_client_statement(f"MountOwnVolume{index}", mount)
            for index, mount in enumerate(mounts, start=1)
        ),
    )


def instance_role_policy(cluster_arn: str) -> str:
    """The ECS agent on a container instance: register with, poll and report to its own cluster only."""
    prefix, cluster_name = cluster_arn.rsplit(":cluster/", 1)
    instances = f"{prefix}:container-instance/{cluster_name}/*"
    return document(
        statement("DiscoverEndpoint", ["ecs:DiscoverPollEndpoint"], ["*"]),
        statement("OwnCluster", ECS_AGENT_CLUSTER_ACTIONS, [cluster_arn]),
        statement("OwnInstances", ECS_AGENT_INSTANCE_ACTIONS, [instances]),
    )


def kms_key_policy(partition: str, region: str, account_id: str) -> str:
    """The account administers the key (as AWS's default policy does); CloudWatch Logs may use it only for
    this account's log groups in this region. ECR uses the key through grants the account creates."""
    root = f"arn:{partition}:iam::{account_id}:root"
    log_groups = f"arn:{partition}:logs:{region}:{account_id}:log-group:*"
    return document(
        {
            "Sid": "AccountAdministersKey",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "CloudWatchLogsEncryptsOwnLogGroups",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": [
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
            ],
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}},
        },
    )


# Resource policies of the audit trail, the VPC endpoints and the central registry. Each names its principal:
# the policy is attached to a bucket, an endpoint or a repository, not to a role.

ECR_PUSH_ACTIONS = (
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
)
# What `promote --verify-ecr --tag-ecr` calls: read the image and its scan, and add the promoted tag.
ECR_PROMOTE_ACTIONS = (
    "ecr:BatchGetImage",
    "ecr:DescribeImageScanFindings",
    "ecr:DescribeImages",
    "ecr:PutImage",
)
FLOW_LOG_ACTIONS = ("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents")
ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"
LOG_DELIVERY_SERVICE = "delivery.logs.amazonaws.com"
ACCESS_LOGS_PREFIX = "alb"
FLOW_LOGS_PREFIX = "flow-logs"


def _granted(
    sid: str, principal: Any, actions: Iterable[str], resources: Iterable[str], **condition: Any
) -> dict:
    """An Allow statement (same `*` discipline as `statement`) for `principal`, under `condition`."""
    granted = {**statement(sid, actions, resources), "Principal": principal}
    if condition:
        granted["Condition"] = condition
    return granted


def account_root(partition: str, account_id: str) -> str:
    return f"arn:{partition}:iam::{account_id}:root"


def repository_policy(
    partition: str, pull_accounts: Sequence[str], push_role_arn: str, promote_role_arn: str | None
) -> str:
    """The central registry's repository policy: environments' accounts pull and nothing else; the build
    identity alone pushes; promotion may only read and tag; and nobody, whatever their own IAM policies
    allow, pushes as another identity or deletes an image (a delete would free an immutable tag)."""
    writers = [push_role_arn, *([promote_role_arn] if promote_role_arn else [])]
    statements = [
        {
            "Sid": "EnvironmentsPullOnly",
            "Effect": "Allow",
            "Principal": {"AWS": sorted(account_root(partition, account) for account in pull_accounts)},
            "Action": sorted(ECR_PULL_ACTIONS),
        },
        {
            "Sid": "BuildIdentityPushes",
            "Effect": "Allow",
            "Principal": {"AWS": push_role_arn},
            "Action": sorted({*ECR_PULL_ACTIONS, *ECR_PUSH_ACTIONS}),
        },
    ]
    if promote_role_arn:
        statements.append(
            {
                "Sid": "PromotionReadsAndTags",
                "Effect": "Allow",
                "Principal": {"AWS": promote_role_arn},
                "Action": sorted(ECR_PROMOTE_ACTIONS),
            }
        )
    statements += [
        {
            "Sid": "NobodyElseWrites",
            "Effect": "Deny",
            "Principal": "*",
            "Action": sorted(ECR_PUSH_ACTIONS),
            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": writers}},
        },
        {"Sid": "NobodyDeletes", "Effect": "Deny", "Principal": "*", "Action": "ecr:BatchDeleteImage"},
    ]
    return document(*statements)


def ecr_layer_bucket_arn(partition: str, region: str) -> str:
    """The S3 bucket ECR serves image layers from, as AWS documents it for S3 gateway endpoint policies."""
    return f"arn:{partition}:s3:::prod-{region}-starport-layer-bucket"


def endpoint_policy(
    service: str,
    *,
    partition: str,
    region: str,
    account_id: str,
    environment: str,
    repository_arns: Sequence[str],
    log_group_arns: Sequence[str],
) -> str:
    """What principals of this account may do through the endpoint of `service`: only this stack's
    repositories, log groups, secrets (`<environment>/…`), parameters (`/<environment>/…`) and roles
    (`<environment>-…`)."""
    if service == "s3":
        # ECR hands the client presigned layer URLs: the request is not the task's, so no principal condition.
        return document(
            _granted(
                "EcrImageLayers", "*", ["s3:GetObject"], [f"{ecr_layer_bucket_arn(partition, region)}/*"]
            )
        )
    own_account = {"StringEquals": {"aws:PrincipalAccount": account_id}}
    if service in ("ecr.api", "ecr.dkr"):
        grants = [
            _granted("PullOwnRepositories", "*", ECR_PULL_ACTIONS, repository_arns, **own_account),
            _granted("RegistryLogin", "*", ["ecr:GetAuthorizationToken"], ["*"], **own_account),
        ]
    elif service == "logs":
        streams = [f"{group}:log-stream:*" for group in log_group_arns]
        grants = [_granted("WriteOwnLogGroups", "*", LOG_WRITE_ACTIONS, streams, **own_account)]
    elif service == "secretsmanager":
        secrets = [f"arn:{partition}:secretsmanager:{region}:{account_id}:secret:{environment}/*"]
        grants = [_granted("ReadOwnSecrets", "*", ["secretsmanager:GetSecretValue"], secrets, **own_account)]
    elif service == "ssm":
        parameters = [f"arn:{partition}:ssm:{region}:{account_id}:parameter/{environment}/*"]
        actions = ["ssm:GetParameter", "ssm:GetParameters"]
        grants = [_granted("ReadOwnParameters", "*", actions, parameters, **own_account)]
    elif service == "sts":
        roles = [f"arn:{partition}:iam::{account_id}:role/{environment}-*"]
        grants = [_granted("AssumeOwnRoles", "*", ["sts:AssumeRole", "sts:TagSession"], roles, **own_account)]
    else:
        raise ValueError(f"no endpoint policy is defined for service {service!r}")
    return document(*grants)


def flow_log_role_policy(log_group_arn_: str) -> str:
    """VPC Flow Logs writes the VPC's records into its own log group and nowhere else."""
    return document(statement("WriteFlowLogs", FLOW_LOG_ACTIONS, [log_group_arn_, f"{log_group_arn_}:*"]))


def audit_bucket_policy(
    *,
    partition: str,
    region: str,
    account_id: str,
    bucket_arn: str,
    elb_principal: Mapping[str, str] | None,
    flow_logs: bool,
) -> str:
    """Only ELB log delivery writes access logs (given `elb_principal`) and, with flow logs to S3, only the
    log delivery service writes those, each under this account's prefix; nothing arrives without TLS."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ]
    if elb_principal is not None:
        statements.append(
            _granted(
                "ElbWritesAccessLogs",
                dict(elb_principal),
                ["s3:PutObject"],
                [f"{bucket_arn}/{ACCESS_LOGS_PREFIX}/AWSLogs/{account_id}/*"],
            )
        )
    if flow_logs:
        source = {
            "StringEquals": {"aws:SourceAccount": account_id},
            "ArnLike": {"aws:SourceArn": f"arn:{partition}:logs:{region}:{account_id}:*"},
        }
        statements += [
            _granted(
                "LogDeliveryWritesFlowLogs",
                {"Service": LOG_DELIVERY_SERVICE},
                ["s3:PutObject"],
                [f"{bucket_arn}/{FLOW_LOGS_PREFIX}/AWSLogs/{account_id}/*"],
                StringEquals={**source["StringEquals"], "s3:x-amz-acl": "bucket-owner-full-control"},
                ArnLike=source["ArnLike"],
            ),
            _granted(
                "LogDeliveryChecksBucket",
                {"Service": LOG_DELIVERY_SERVICE},
                ["s3:GetBucketAcl", "s3:ListBucket"],
                [bucket_arn],
                **source,
            ),
        ]
    return document(*statements)
