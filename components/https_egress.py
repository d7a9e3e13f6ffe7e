"""The one outbound rule tasks and container instances need: HTTPS to the AWS APIs (ECR, ECS, CloudWatch).

Both the cluster's instances and every service's tasks take it; one definition keeps the posture a
reviewer reads identical in both places.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

HTTPS_ANYWHERE = "0.0.0.0/0"


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
