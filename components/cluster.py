"""The environment's ECS cluster: Container Insights, Fargate and Fargate Spot, and optional EC2 capacity:
the default `EC2` pool (ec2Capacity) and named pools (capacityProviders), each its own instance type and
architecture (x86_64 or arm64, with the matching ECS-optimized AMI), Auto Scaling group and provider.

EC2 container instances come from the ECS-optimized AMI (read from AWS's public SSM parameter), require
IMDSv2 with a hop limit of 1 so containers cannot reach the instance's credentials, run in the private
subnets, and are scaled by a capacity provider that also protects instances still running tasks.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components import iam_documents
from components.https_egress import EndpointAccess, https_egress_rules
from components.settings import FARGATE_PROVIDERS, ClusterSettings, Ec2CapacitySettings


@dataclass(frozen=True)
class ClusterArgs:
    settings: ClusterSettings
    vpc_id: pulumi.Input[str]
    private_subnet_ids: Sequence[pulumi.Input[str]]
    tags: Mapping[str, str] = field(default_factory=dict)
    endpoints: EndpointAccess | None = None  # the VPC's endpoints, which the instances' ECR calls reach
    http_tokens: str = "required"
    http_put_response_hop_limit: int = 1
    block_task_metadata_access: bool = True
    encrypt_root_volume: bool = True


def container_instance_user_data(cluster_name: str, block_task_metadata_access: bool) -> str:
    """The ECS agent's config: join this cluster; keep awsvpc tasks off the instance metadata service."""
    lines = ["#!/bin/bash", f"echo ECS_CLUSTER={cluster_name} >> /etc/ecs/ecs.config"]
    if block_task_metadata_access:
        lines.append("echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config")
    return base64.b64encode(("\n".join(lines) + "\n").encode()).decode()


@dataclass(frozen=True)
class _InstanceIdentity:
    profile_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]


class Cluster(pulumi.ComponentResource):
    """`name`, `arn`, `ec2_capacity_provider` (its name) when EC2 capacity is configured,
    `named_capacity_providers` (config name -> provider name) for the cluster's own EC2 pools, and
    `capacity_providers`, the association a service must wait for before it names a provider."""

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:index:Cluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.cluster = aws.ecs.Cluster(
            name,
            settings=[
                aws.ecs.ClusterSettingArgs(name="containerInsights", value=args.settings.container_insights)
            ],
            tags=dict(args.tags),
            opts=child,
        )
        self.name = self.cluster.name
        self.arn = self.cluster.arn
        self.ec2_capacity_provider: pulumi.Output[str] | None = None
        self.named_capacity_providers: dict[str, pulumi.Output[str]] = {}
        providers: list[pulumi.Input[str]] = list(FARGATE_PROVIDERS)
        pools = {
            **({"EC2": args.settings.ec2_capacity} if args.settings.ec2_capacity is not None else {}),
            **args.settings.capacity_providers,
        }
        if pools:
            identity = self._instance_identity(name, args)
        for pool, capacity in pools.items():
            provider = self._ec2_capacity(
                name if pool == "EC2" else f"{name}-{pool}", args, capacity, identity
            )
            providers.append(provider)
            if pool == "EC2":
                self.ec2_capacity_provider = provider
            else:
                self.named_capacity_providers[pool] = provider
        if args.settings.awsvpc_trunking:
            # An account setting, per region: container instances launched afterwards get a trunk ENI.
            aws.ecs.AccountSettingDefault(
                f"{name}-awsvpc-trunking", name="awsvpcTrunking", value="enabled", opts=child
            )
        self.capacity_providers = aws.ecs.ClusterCapacityProviders(
            name,
            cluster_name=self.cluster.name,
            capacity_providers=providers,
            default_capacity_provider_strategies=[
                aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(
                    capacity_provider="FARGATE", weight=1
                )
            ],
            opts=child,
        )
        self.register_outputs(
            {"name": self.name, "arn": self.arn, "ec2CapacityProvider": self.ec2_capacity_provider}
        )

    def _instance_identity(self, name: str, args: ClusterArgs) -> _InstanceIdentity:
        """The container instances' role, profile and security group, shared by every EC2 pool."""
        tags = dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-instance",
            description="ECS container instances: the ECS agent's calls to its own cluster, nothing else",
            assume_role_policy=iam_documents.ec2_trust_policy(),
            tags=tags,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-instance-agent",
            role=role.id,
            policy=self.cluster.arn.apply(iam_documents.instance_role_policy),
            opts=child,
        )
        profile = aws.iam.InstanceProfile(f"{name}-instance", role=role.name, tags=tags, opts=child)
        security_group = aws.ec2.SecurityGroup(
            f"{name}-instances",
            description="ECS container instances: no inbound; HTTPS out to AWS APIs",
            vpc_id=args.vpc_id,
            tags=tags,
            opts=child,
        )
        https_egress_rules(
            f"{name}-instances-https-out",
            security_group.id,
            "ECS, ECR and CloudWatch APIs",
            args.endpoints,
            tags,
            child,
        )
        return _InstanceIdentity(profile.arn, security_group.id)

    def _ec2_capacity(
        self, name: str, args: ClusterArgs, capacity: Ec2CapacitySettings, identity: _InstanceIdentity
    ) -> pulumi.Output[str]:
        """One pool: a launch template of its instance type and AMI, its Auto Scaling group and provider."""
        tags = dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        ami = aws.ssm.get_parameter_output(
            name=capacity.image_parameter, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        template = aws.ec2.LaunchTemplate(
            f"{name}-instances",
            image_id=ami.value,
            instance_type=capacity.instance_type,
            iam_instance_profile=aws.ec2.LaunchTemplateIamInstanceProfileArgs(arn=identity.profile_arn),
            vpc_security_group_ids=[identity.security_group_id],
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens=args.http_tokens,
                http_put_response_hop_limit=args.http_put_response_hop_limit,
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name="/dev/xvda",
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=capacity.root_volume_gib,
                        volume_type="gp3",
                        encrypted="true" if args.encrypt_root_volume else "false",
                        delete_on_termination="true",
                    ),
                )
            ],
            monitoring=aws.ec2.LaunchTemplateMonitoringArgs(enabled=True),
            user_data=self.cluster.name.apply(
                lambda cluster: container_instance_user_data(cluster, args.block_task_metadata_access)
            ),
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=tags)
                for kind in ("instance", "volume", "network-interface")
            ],
            tags=tags,
            opts=child,
        )
        group = aws.autoscaling.Group(
            f"{name}-instances",
            min_size=capacity.min_size,
            max_size=capacity.max_size,
            vpc_zone_identifiers=list(args.private_subnet_ids),
            launch_template=aws.autoscaling.GroupLaunchTemplateArgs(id=template.id, version="$Latest"),
            protect_from_scale_in=True,
            health_check_type="EC2",
            tags=[
                aws.autoscaling.GroupTagArgs(key="AmazonECSManaged", value="true", propagate_at_launch=True),
                *(
                    aws.autoscaling.GroupTagArgs(key=k, value=v, propagate_at_launch=True)
                    for k, v in tags.items()
                ),
            ],
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["desiredCapacity"]),
        )
        provider = aws.ecs.CapacityProvider(
            f"{name}-ec2",
            auto_scaling_group_provider=aws.ecs.CapacityProviderAutoScalingGroupProviderArgs(
                auto_scaling_group_arn=group.arn,
                managed_termination_protection="ENABLED",
                managed_draining="ENABLED",
                managed_scaling=aws.ecs.CapacityProviderAutoScalingGroupProviderManagedScalingArgs(
                    status="ENABLED",
                    target_capacity=capacity.target_capacity,
                ),
            ),
            tags=tags,
            opts=child,
        )
        return provider.name
