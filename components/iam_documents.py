"""Every IAM and KMS policy document the program attaches, built here and nowhere else.

Documents are plain JSON built from plain strings, so tests (and cloudsplaining) read exactly what AWS
receives. Actions that AWS only grants on `*` are listed once, in STAR_RESOURCE_ACTIONS, with the reason;
a document builder cannot put any other action on `*`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from image_references.digest_reference import parse_digest_reference

# Actions with no resource-level permissions: AWS accepts them only with Resource "*".
STAR_RESOURCE_ACTIONS: Mapping[str, str] = {
    "ecr:GetAuthorizationToken": "returns a registry login token; ECR defines no resource type for it, and "
    "the token alone grants nothing: pulls are still limited to the repositories named beside it",
    "ecs:DiscoverPollEndpoint": "the ECS agent asks where to poll; the action has no resource type, and it "
    "reveals only the regional endpoint",
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


def statement(sid: str, actions: Iterable[str], resources: Iterable[str]) -> dict[str, Any]:
    """One Allow statement; `*` is accepted only for the documented STAR_RESOURCE_ACTIONS."""
    actions, resources = sorted(actions), sorted(resources)
    if "*" in resources:
        unjustified = [action for action in actions if action not in STAR_RESOURCE_ACTIONS]
        if unjustified or resources != ["*"]:
            raise ValueError(f"statement {sid}: {unjustified or resources} may not be granted on '*'")
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}


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


def execution_role_policy(repository_arns: Sequence[str], log_group_arn_: str) -> str:
    """Pull the task's own images and write its own log group: all ECS needs to start the task."""
    return document(
        statement("PullOwnImages", ECR_PULL_ACTIONS, repository_arns),
        statement("RegistryLogin", ["ecr:GetAuthorizationToken"], ["*"]),
        statement("WriteOwnLogs", LOG_WRITE_ACTIONS, [f"{log_group_arn_}:log-stream:*"]),
    )


def task_role_policy(grants: Sequence[tuple[Sequence[str], Sequence[str]]]) -> str:
    """Exactly the (actions, resource ARNs) pairs the stack config grants the application."""
    return document(
        *(
            statement(f"Grant{index}", actions, resources)
            for index, (actions, resources) in enumerate(grants, start=1)
        )
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
