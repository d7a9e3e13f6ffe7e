"""The environment's customer-managed KMS key: ECR repositories and CloudWatch log groups encrypt with it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components import iam_documents


@dataclass(frozen=True)
class EncryptionKeyArgs:
    partition: pulumi.Input[str]
    region: str
    account_id: pulumi.Input[str]
    tags: Mapping[str, str] = field(default_factory=dict)
    enable_key_rotation: bool = True
    deletion_window_in_days: int = 30


class EncryptionKey(pulumi.ComponentResource):
    """A rotating key whose policy lets CloudWatch Logs use it only for this account's log groups."""

    def __init__(
        self, name: str, args: EncryptionKeyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-platform:index:EncryptionKey", name, None, opts)
        policy = pulumi.Output.all(args.partition, args.account_id).apply(
            lambda values: iam_documents.kms_key_policy(values[0], args.region, values[1])
        )
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"container-platform {name}: ECR images and container logs",
            enable_key_rotation=args.enable_key_rotation,
            deletion_window_in_days=args.deletion_window_in_days,
            policy=policy,
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = self.key.arn
        self.register_outputs({"arn": self.arn})
