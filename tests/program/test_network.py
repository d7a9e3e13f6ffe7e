"""The network: a new VPC across zones with private subnets behind NAT, or the security team's own."""

from __future__ import annotations

import pulumi
import pytest

from container_platform.review.offline_runtime import ProgramError, StackRecording, evaluate_stack
from tests.program.recorded import ECS_SERVICE, inputs
from tests.program.stack_configs import stack_config

SUBNET = "aws:ec2/subnet:Subnet"


def test_new_vpc_spreads_public_and_private_subnets_over_two_zones(dev: StackRecording):
    subnets = {r.name: inputs(r) for r in dev.of_type(SUBNET)}
    assert sorted(subnets) == ["dev-private-0", "dev-private-1", "dev-public-0", "dev-public-1"]
    assert {s["availabilityZone"] for s in subnets.values()} == {"eu-west-1a", "eu-west-1b"}
    assert not any(s["mapPublicIpOnLaunch"] for s in subnets.values())
    assert [subnets[f"dev-{tier}-0"]["cidrBlock"] for tier in ("public", "private")] == [
        "10.10.0.0/20",
        "10.10.128.0/20",
    ]


def test_nat_gateways_follow_the_stack_layout(dev: StackRecording, prod: StackRecording):
    assert len(dev.of_type("aws:ec2/natGateway:NatGateway")) == 1
    assert len(prod.of_type("aws:ec2/natGateway:NatGateway")) == 2


def test_default_security_group_is_emptied(dev: StackRecording):
    (default,) = dev.of_type("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert inputs(default)["ingress"] == [] and inputs(default)["egress"] == []


def test_existing_vpc_and_subnets_are_used_as_given():
    config = stack_config("prod")
    config["container-platform:network"] = {
        "vpcId": "vpc-0a1b2c3d4e5f60718",
        "publicSubnetIds": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
        "privateSubnetIds": ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"],
    }
    recording = evaluate_stack("prod", config=config)
    assert not recording.of_type("aws:ec2/vpc:Vpc") and not recording.of_type(SUBNET)
    (service,) = recording.of_type(ECS_SERVICE)
    assert inputs(service)["networkConfiguration"]["subnets"] == [
        "subnet-0bbbbbbbbbbbbbbb1",
        "subnet-0bbbbbbbbbbbbbbb2",
    ]
    (alb,) = recording.of_type("aws:lb/loadBalancer:LoadBalancer")
    assert inputs(alb)["subnets"] == ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]


def test_more_zones_than_the_region_offers_is_a_clear_error_before_any_resource(monkeypatch):
    config = stack_config("dev")
    config["container-platform:network"]["availabilityZones"] = 4
    constructed: list[str] = []
    construct = pulumi.Resource.__init__

    def spy(resource: pulumi.Resource, t: str, name: str, *args, **kwargs) -> None:
        constructed.append(t)
        construct(resource, t, name, *args, **kwargs)

    monkeypatch.setattr(pulumi.Resource, "__init__", spy)
    with pytest.raises(ProgramError, match=r"availabilityZones = 4 is not allowed: the region offers 3"):
        evaluate_stack("dev", config=config)
    assert constructed == ["pulumi:pulumi:Stack"]
