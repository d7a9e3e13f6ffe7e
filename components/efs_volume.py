"""A shared EFS file system for the services that mount it: created here, or the security team's by id.

A created file system is encrypted at rest with the stack's key, backed up, and has a policy that refuses
clients without TLS; with a policy in place EFS admits only callers whose IAM identity allows them, so each
task's role (ClientMount/ClientWrite through its own access point) is the only way in. Its mount targets
sit in the private subnets behind a security group that takes NFS only from the tasks of the services
that mount it (each service adds its own rule). An existing file system keeps its own policy and mount
targets; the stack opens the given mount target security group to the mounting services the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components import iam_documents
from components.settings import FileSystemSettings

NFS_PORT = 2049


@dataclass(frozen=True)
class SharedFileSystemArgs:
    settings: FileSystemSettings
    vpc_id: pulumi.Input[str]
    private_subnet_ids: Sequence[pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    partition: pulumi.Input[str]
    region: str
    account_id: pulumi.Input[str]
    tags: Mapping[str, str] = field(default_factory=dict)
    encrypted: bool = True
    backups: bool = True
    throughput_mode: str = "elastic"


class SharedFileSystem(pulumi.ComponentResource):
    """`id`, `arn` and `security_group_id` (the mount targets' group) of one file system."""

    def __init__(
        self, name: str, args: SharedFileSystemArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-platform:index:SharedFileSystem", name, None, opts)
        settings = args.settings
        self.id: pulumi.Output[str]
        self.security_group_id: pulumi.Output[str]
        if settings.file_system_id is not None and settings.mount_target_security_group_id is not None:
            self.id = pulumi.Output.from_input(settings.file_system_id)
            self.security_group_id = pulumi.Output.from_input(settings.mount_target_security_group_id)
        else:
            self._create(name, args)
        self.arn = pulumi.Output.format(
            "arn:{0}:elasticfilesystem:{1}:{2}:file-system/{3}",
            args.partition,
            args.region,
            args.account_id,
            self.id,
        )
        self.register_outputs({"id": self.id, "arn": self.arn, "securityGroupId": self.security_group_id})

    def _create(self, name: str, args: SharedFileSystemArgs) -> None:
        tags = dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        file_system = aws.efs.FileSystem(
            name,
            encrypted=args.encrypted,
            kms_key_id=args.kms_key_arn,
            performance_mode="generalPurpose",
            throughput_mode=args.throughput_mode,
            tags={**tags, "Name": name},
            opts=child,
        )
        aws.efs.FileSystemPolicy(
            name,
            file_system_id=file_system.id,
            policy=file_system.arn.apply(iam_documents.efs_file_system_policy),
            opts=child,
        )
        if args.backups:
            aws.efs.BackupPolicy(
                name,
                file_system_id=file_system.id,
                backup_policy=aws.efs.BackupPolicyBackupPolicyArgs(status="ENABLED"),
                opts=child,
            )
        group = aws.ec2.SecurityGroup(
            f"{name}-mount-targets",
            description=f"{name} file system mount targets: NFS from the tasks that mount it only",
            vpc_id=args.vpc_id,
            tags=tags,
            opts=child,
        )
        for index, subnet in enumerate(args.private_subnet_ids):
            aws.efs.MountTarget(
                f"{name}-{index}",
                file_system_id=file_system.id,
                subnet_id=subnet,
                security_groups=[group.id],
                opts=child,
            )
        self.id = file_system.id
        self.security_group_id = group.id
