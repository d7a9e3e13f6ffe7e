"""One application's own subnet set: private subnets the stack carves from its VPC, or existing ids.

Created subnets get one block per zone (settings checked they lie inside the VPC and clear of every other
subnet) and route through their zone's NAT gateway like the platform's private subnets; no public IPs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.settings import ServiceSubnetSettings


@dataclass(frozen=True)
class ServiceSubnetsArgs:
    settings: ServiceSubnetSettings
    vpc_id: pulumi.Input[str]
    zones: Sequence[str]
    private_route_table_ids: Sequence[pulumi.Input[str]]  # one per zone, as the network created them
    tags: Mapping[str, str] = field(default_factory=dict)


class ServiceSubnets(pulumi.ComponentResource):
    """`ids`: the subnets the service's tasks run in."""

    def __init__(
        self, name: str, args: ServiceSubnetsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-platform:index:ServiceSubnets", name, None, opts)
        tags = dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        self.ids: list[pulumi.Output[str]] = [
            pulumi.Output.from_input(subnet) for subnet in args.settings.subnet_ids
        ]
        for index, block in enumerate(args.settings.cidr_blocks):
            subnet = aws.ec2.Subnet(
                f"{name}-{index}",
                vpc_id=args.vpc_id,
                cidr_block=block,
                availability_zone=args.zones[index],
                map_public_ip_on_launch=False,
                tags={**tags, "Name": f"{name}-{index}", "tier": "private"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-{index}",
                subnet_id=subnet.id,
                route_table_id=args.private_route_table_ids[index],
                opts=child,
            )
            self.ids.append(subnet.id)
        self.register_outputs({"ids": self.ids})
