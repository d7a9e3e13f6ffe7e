"""VPC flow logs: every packet decision in a VPC the stack creates, for the audit trail.

To CloudWatch Logs (a log group encrypted with the environment's KMS key, kept `logRetentionDays`, written
by a role only VPC Flow Logs of this account can assume and only into that group), or to the audit bucket
under `flow-logs/`, delivered by the log delivery service the bucket policy names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components import iam_documents
from components.settings import FlowLogsSettings

FLOW_LOGS_SERVICE = "vpc-flow-logs.amazonaws.com"


@dataclass(frozen=True)
class FlowLogsArgs:
    settings: FlowLogsSettings
    environment: str
    account_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    retention_days: int
    audit_bucket_arn: pulumi.Input[str] | None = None  # required when settings.destination is s3
    tags: Mapping[str, str] = field(default_factory=dict)


def flow_log_group_name(environment: str) -> str:
    return f"/vpc/{environment}/flow-logs"


class FlowLogs(pulumi.ComponentResource):
    """One flow log on `vpc_id`, capturing `trafficType`, to the configured destination."""

    def __init__(
        self,
        name: str,
        vpc_id: pulumi.Input[str],
        args: FlowLogsArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("container-platform:index:FlowLogs", name, None, opts)
        settings, tags = args.settings, dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        if settings.destination == "s3":
            if args.audit_bucket_arn is None:
                raise ValueError("flow logs to s3 need the audit bucket")
            destination = dict(
                log_destination_type="s3",
                log_destination=pulumi.Output.concat(
                    args.audit_bucket_arn, "/", iam_documents.FLOW_LOGS_PREFIX
                ),
            )
        else:
            group = aws.cloudwatch.LogGroup(
                f"{name}-flow-logs",
                name=flow_log_group_name(args.environment),
                retention_in_days=args.retention_days,
                kms_key_id=args.kms_key_arn,
                tags=tags,
                opts=child,
            )
            role = aws.iam.Role(
                f"{name}-flow-logs",
                description=f"VPC Flow Logs writes {name}'s flow records into its own log group",
                assume_role_policy=pulumi.Output.from_input(args.account_id).apply(
                    lambda account: iam_documents.service_trust_policy(FLOW_LOGS_SERVICE, account)
                ),
                tags=tags,
                opts=child,
            )
            aws.iam.RolePolicy(
                f"{name}-flow-logs",
                role=role.id,
                policy=group.arn.apply(iam_documents.flow_log_role_policy),
                opts=child,
            )
            destination = dict(
                log_destination_type="cloud-watch-logs", log_destination=group.arn, iam_role_arn=role.arn
            )
        self.flow_log = aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=vpc_id,
            traffic_type=settings.traffic_type,
            max_aggregation_interval=settings.max_aggregation_interval,
            tags={**tags, "Name": f"{name}-flow-log"},
            opts=child,
            **destination,
        )
        self.register_outputs({"flowLogId": self.flow_log.id})
