"""A group opened to CIDRs as the load balancer's is the stack's load balancer's group, attached to nothing
else: the component type in a URN, which any program can claim, is not proof on its own."""

from __future__ import annotations

from typing import Any

import pytest

from tests.policies.helpers import UNKNOWN, assert_stack_verdict, depending_on, resource

POLICY = "load-balancer-groups-proven"
COMPONENT = "container-platform:index:LoadBalancer"
GROUP = "aws:ec2/securityGroup:SecurityGroup"
RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
BALANCER = "aws:lb/loadBalancer:LoadBalancer"

LB_GROUP = resource(GROUP, "web-lb", {"vpcId": "vpc-1", "id": "sg-0lb"}, COMPONENT)
TASK_GROUP = resource(GROUP, "web-task", {"vpcId": "vpc-1", "id": "sg-0task"})
ALB = resource(BALANCER, "web", {"loadBalancerType": "application", "securityGroups": ["sg-0lb"]}, COMPONENT)


def https_from_anywhere(name: str, group: str, parent: str = COMPONENT) -> Any:
    inputs = {"securityGroupId": group, "ipProtocol": "tcp", "fromPort": 443.0, "toPort": 443.0}
    return resource(RULE, name, {**inputs, "cidrIpv4": "0.0.0.0/0"}, parent)


def service(groups: list[str]) -> Any:
    network = {"subnets": ["subnet-1"], "securityGroups": groups, "assignPublicIp": False}
    return resource("aws:ecs/service:Service", "web", {"cluster": "c", "networkConfiguration": network})


CASES = [
    (
        "the program's load balancer: its group, listed by the ALB, on 443 (components/load_balancer.py)",
        [LB_GROUP, TASK_GROUP, ALB, https_from_anywhere("in-443", "sg-0lb"), service(["sg-0task"])],
        None,
    ),
    (
        "the same in preview: every id unknown, the references by dependency",
        [
            LB_GROUP,
            depending_on(
                resource(BALANCER, "web", {"securityGroups": [UNKNOWN]}, COMPONENT), securityGroups=LB_GROUP
            ),
            depending_on(https_from_anywhere("in-443", UNKNOWN), securityGroupId=LB_GROUP),
        ],
        None,
    ),
    (
        "red team: a group in a component named like the load balancer's, which no load balancer lists",
        [
            LB_GROUP,
            ALB,
            resource(
                GROUP,
                "decoy",
                {
                    "id": "sg-0decoy",
                    "ingress": [
                        {"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrBlocks": ["0.0.0.0/0"]}
                    ],
                },
                COMPONENT,
            ),
        ],
        "no load balancer of this stack lists",
    ),
    (
        "red team: a rule in a load-balancer-named component that opens the tasks' group to CIDRs",
        [LB_GROUP, TASK_GROUP, ALB, https_from_anywhere("sneaky", "sg-0task"), service(["sg-0task"])],
        "'web-task'",
    ),
    (
        "red team: the load balancer's group also given to the service, which then takes the CIDR traffic",
        [LB_GROUP, ALB, https_from_anywhere("in-443", "sg-0lb"), service(["sg-0lb"])],
        "takes that group too",
    ),
    (
        "red team: a rule opening a group made outside the stack, as the load balancer's",
        [LB_GROUP, ALB, https_from_anywhere("elsewhere", "sg-0123456789abcdef0")],
        "made outside the stack",
    ),
]


@pytest.mark.parametrize(("source", "resources", "expected"), CASES, ids=[c[0] for c in CASES])
def test_load_balancer_groups_proven(
    pack: Any, source: str, resources: list[Any], expected: str | None
) -> None:
    assert source
    assert_stack_verdict(pack, resources, POLICY, expected)


def test_a_rule_whose_group_preview_cannot_tell_is_unchecked(pack: Any) -> None:
    analysis = pack.process.analyze_stack_resources([LB_GROUP, ALB, https_from_anywhere("later", UNKNOWN)])
    assert not [d for d in analysis.diagnostics if d.policy_name == POLICY]
    assert any("securityGroupId" in n.reason for n in analysis.not_applicable if n.policy_name == POLICY)


def test_groups_whose_ids_preview_does_not_know_are_named_by_dependency(pack: Any) -> None:
    """In preview a new group's id is the engine's unknown sentinel: reading it must not stop the policy."""
    unknown_group = resource(GROUP, "web-lb", {"vpcId": "vpc-1", "id": UNKNOWN}, COMPONENT)
    resources = [
        unknown_group,
        depending_on(
            resource(BALANCER, "web", {"securityGroups": [UNKNOWN]}, COMPONENT), securityGroups=unknown_group
        ),
        depending_on(https_from_anywhere("in-443", UNKNOWN), securityGroupId=unknown_group),
    ]
    assert_stack_verdict(pack, resources, POLICY, None)
    sneaky = depending_on(https_from_anywhere("sneaky", UNKNOWN), securityGroupId=TASK_GROUP)
    assert_stack_verdict(pack, [*resources, TASK_GROUP, sneaky], POLICY, "'web-task'")
