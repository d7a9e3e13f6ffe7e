"""The one outbound rule tasks and container instances need: HTTPS to the AWS APIs (ECR, ECS, CloudWatch).

Both the cluster's instances and every service's tasks take it; one definition keeps the posture a
reviewer reads identical in both places. Where the VPC has endpoints (network.endpoints), their private DNS
sends these calls to the endpoints, so the endpoints' security group admits each client group by reference
(never by CIDR); with private egress (network.privateEgress) tasks get no rule to the internet at all:
HTTPS only to the endpoints' security group and to S3 through its gateway endpoint's prefix list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

HTTPS_ANYWHERE = "0.0.0.0/0"


@dataclass(frozen=True)
class EndpointAccess:
    """The VPC's endpoints as a client group reaches them; `only`: no HTTPS anywhere else (private egress)."""

    endpoint_security_group_id: pulumi.Input[str]
    s3_prefix_list_id: pulumi.Input[str]
    only: bool = False


def https_egress_rule(
    name: str,
    security_group_id: pulumi.Input[str],
    description: str,
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> aws.vpc.SecurityGroupEgressRule:
    return aws.vpc.SecurityGroupEgressRule(
        name,
        security_group_id=security_group_id,
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        cidr_ipv4=HTTPS_ANYWHERE,
        description=description,
        tags=tags,
        opts=opts,
    )


def https_egress_rules(
    name: str,
    security_group_id: pulumi.Input[str],
    description: str,
    endpoints: EndpointAccess | None,
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> None:
    """HTTPS to anywhere (through NAT), the endpoints admitting the group; with `endpoints.only`, HTTPS
    only to the endpoints and S3's prefix list."""
    if endpoints is not None:
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-to-endpoints",
            security_group_id=endpoints.endpoint_security_group_id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            referenced_security_group_id=security_group_id,
            description=f"HTTPS from {name}: {description}",
            tags=tags,
            opts=opts,
        )
    if endpoints is None or not endpoints.only:
        https_egress_rule(name, security_group_id, description, tags, opts)
        return
    for suffix, destination, what in (
        ("endpoints", {"referenced_security_group_id": endpoints.endpoint_security_group_id},
         f"{description}, through the VPC's interface endpoints"),
        ("s3", {"prefix_list_id": endpoints.s3_prefix_list_id},
         "image layers from S3, through the gateway endpoint"),
    ):  # fmt: skip
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-{suffix}",
            security_group_id=security_group_id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description=what,
            tags=tags,
            opts=opts,
            **destination,
        )
