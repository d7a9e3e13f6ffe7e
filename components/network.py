"""The environment's network: a new VPC across availability zones, or the security team's existing one.

Public subnets hold only the load balancer and the NAT gateways; tasks and container instances live in
private subnets and reach AWS APIs through NAT (or, with private egress, through the VPC endpoints of
vpc_endpoints.py). The VPC's default security group is emptied, so nothing can fall back on it, and a new
VPC always has flow logs (flow_logs.py).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.flow_logs import FlowLogs, FlowLogsArgs
from components.settings import ConfigError, NetworkSettings

# Each zone's subnets come from the VPC block split in 16: public ones first, private ones from the ninth.
SUBNET_SPLIT_BITS = 4
PRIVATE_SUBNET_OFFSET = 8


@dataclass(frozen=True)
class NetworkArgs:
    settings: NetworkSettings
    flow_logs: FlowLogsArgs  # a VPC the stack creates always has flow logs; unused for an existing VPC
    zones: Sequence[str] = ()  # available_zones(settings): one per new subnet pair; empty for an existing VPC
    tags: Mapping[str, str] = field(default_factory=dict)
    enable_dns_hostnames: bool = True
    map_public_ip_on_launch: bool = False


def subnet_blocks(cidr_block: str, zones: int) -> tuple[list[str], list[str]]:
    """(public, private) CIDR blocks, one of each per zone, never overlapping."""
    blocks = [
        str(block) for block in ipaddress.ip_network(cidr_block).subnets(prefixlen_diff=SUBNET_SPLIT_BITS)
    ]
    return blocks[:zones], blocks[PRIVATE_SUBNET_OFFSET : PRIVATE_SUBNET_OFFSET + zones]


def available_zones(settings: NetworkSettings) -> tuple[str, ...]:
    """The zones a new VPC spans, asked of the region before any resource is registered, so a region with
    fewer zones than configured is a config error like any other; an existing VPC needs none."""
    if settings.existing:
        return ()
    names = list(aws.get_availability_zones(state="available").names)
    if settings.availability_zones > len(names):
        raise ConfigError(
            f"container-platform:network.availabilityZones = {settings.availability_zones} is not allowed: "
            f"the region offers {len(names)} available zones ({', '.join(names)}); "
            f"configure at most {len(names)}"
        )
    return tuple(names[: settings.availability_zones])


class Network(pulumi.ComponentResource):
    """`vpc_id`, `public_subnet_ids` and `private_subnet_ids`, whichever way the network came to be; for a
    new VPC also `private_route_table_ids` (where the S3 gateway endpoint attaches)."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:index:Network", name, None, opts)
        settings = args.settings
        self.vpc_id: pulumi.Output[str]
        self.public_subnet_ids: list[pulumi.Output[str]]
        self.private_subnet_ids: list[pulumi.Output[str]]
        self.private_route_table_ids: list[pulumi.Output[str]] = []  # per zone; new VPC only
        if settings.existing:
            self.vpc_id = pulumi.Output.from_input(str(settings.vpc_id))
            self.public_subnet_ids = [pulumi.Output.from_input(s) for s in settings.public_subnet_ids]
            self.private_subnet_ids = [pulumi.Output.from_input(s) for s in settings.private_subnet_ids]
        else:
            self._create(name, args)
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "publicSubnetIds": self.public_subnet_ids,
                "privateSubnetIds": self.private_subnet_ids,
            }
        )

    def _create(self, name: str, args: NetworkArgs) -> None:
        settings, tags = args.settings, dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        vpc = aws.ec2.Vpc(
            name,
            cidr_block=settings.cidr_block,
            enable_dns_support=True,
            enable_dns_hostnames=args.enable_dns_hostnames,
            tags={**tags, "Name": name},
            opts=child,
        )
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg", vpc_id=vpc.id, ingress=[], egress=[], tags=tags, opts=child
        )
        FlowLogs(name, vpc.id, args.flow_logs, opts=child)
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags=tags, opts=child)
        public_routes = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
            tags={**tags, "Name": f"{name}-public"},
            opts=child,
        )
        public_blocks, private_blocks = subnet_blocks(settings.cidr_block, len(args.zones))
        public: list[aws.ec2.Subnet] = []
        private: list[aws.ec2.Subnet] = []
        nat_gateways: list[aws.ec2.NatGateway] = []
        for index, zone in enumerate(args.zones):
            public.append(
                aws.ec2.Subnet(
                    f"{name}-public-{index}",
                    vpc_id=vpc.id,
                    cidr_block=public_blocks[index],
                    availability_zone=zone,
                    map_public_ip_on_launch=args.map_public_ip_on_launch,
                    tags={**tags, "Name": f"{name}-public-{index}", "tier": "public"},
                    opts=child,
                )
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{index}",
                subnet_id=public[index].id,
                route_table_id=public_routes.id,
                opts=child,
            )
            private.append(
                aws.ec2.Subnet(
                    f"{name}-private-{index}",
                    vpc_id=vpc.id,
                    cidr_block=private_blocks[index],
                    availability_zone=zone,
                    map_public_ip_on_launch=False,
                    tags={**tags, "Name": f"{name}-private-{index}", "tier": "private"},
                    opts=child,
                )
            )
            if index == 0 or settings.nat_gateways == "perZone":
                address = aws.ec2.Eip(f"{name}-nat-{index}", domain="vpc", tags=tags, opts=child)
                nat_gateways.append(
                    aws.ec2.NatGateway(
                        f"{name}-nat-{index}",
                        allocation_id=address.allocation_id,
                        subnet_id=public[index].id,
                        tags={**tags, "Name": f"{name}-nat-{index}"},
                        opts=pulumi.ResourceOptions(parent=self, depends_on=[gateway]),
                    )
                )
            private_routes = aws.ec2.RouteTable(
                f"{name}-private-{index}",
                vpc_id=vpc.id,
                routes=[
                    aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat_gateways[-1].id)
                ],
                tags={**tags, "Name": f"{name}-private-{index}"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{index}",
                subnet_id=private[index].id,
                route_table_id=private_routes.id,
                opts=child,
            )
            self.private_route_table_ids.append(private_routes.id)
        self.vpc_id = vpc.id
        self.public_subnet_ids = [subnet.id for subnet in public]
        self.private_subnet_ids = [subnet.id for subnet in private]
