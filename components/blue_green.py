"""ECS's native blue/green deployments: what the load balancer and the service need for one application.

The load balancer gives a blue/green service a second (green) target group, and a production rule and a
test rule (on the test listener) that forward to both groups by weight, blue 100 and green 0. During a
deployment ECS registers the new tasks in the other group, lets the test listener reach them, shifts the
production rule's weights, waits the bake time and then drains the old tasks; the deployment alarms (5xx
and unhealthy hosts on both groups) and the circuit breaker roll it back by themselves. ECS does this with
an infrastructure role that may touch only that service's two groups and two rules. ECS owns the rules'
weights afterwards, so the program ignores changes to their actions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import iam_documents

BLUE_WEIGHT = 100


@dataclass(frozen=True)
class BlueGreenRouting:
    """The load balancer's side of one blue/green service."""

    alternate_target_group: aws.lb.TargetGroup
    production_rule: aws.lb.ListenerRule
    test_rule: aws.lb.ListenerRule


def weighted_forward(
    blue: aws.lb.TargetGroup, green: aws.lb.TargetGroup
) -> list[aws.lb.ListenerRuleActionArgs]:
    """All traffic to blue, none to green: the state ECS starts from and returns to after each deployment."""
    return [
        aws.lb.ListenerRuleActionArgs(
            type="forward",
            forward=aws.lb.ListenerRuleActionForwardArgs(
                target_groups=[
                    aws.lb.ListenerRuleActionForwardTargetGroupArgs(arn=blue.arn, weight=BLUE_WEIGHT),
                    aws.lb.ListenerRuleActionForwardTargetGroupArgs(arn=green.arn, weight=0),
                ]
            ),
        )
    ]


def infrastructure_role(
    name: str,
    service_name: str,
    account_id: pulumi.Input[str],
    blue: aws.lb.TargetGroup,
    routing: BlueGreenRouting,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> aws.iam.Role:
    """The role ECS assumes to move one service's traffic between its two target groups."""
    child = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(
        f"{name}-blue-green",
        description=f"ECS shifts {service_name} between its blue and green target groups",
        assume_role_policy=pulumi.Output.from_input(account_id).apply(
            lambda account: iam_documents.service_trust_policy("ecs.amazonaws.com", account)
        ),
        tags=dict(tags),
        opts=child,
    )
    aws.iam.RolePolicy(
        f"{name}-blue-green",
        role=role.id,
        policy=pulumi.Output.all(
            blue.arn,
            routing.alternate_target_group.arn,
            routing.production_rule.arn,
            routing.test_rule.arn,
        ).apply(lambda arns: iam_documents.blue_green_role_policy(arns[:2], arns[2:])),
        opts=child,
    )
    return role


def load_balancer_inputs(
    blue: aws.lb.TargetGroup, routing: BlueGreenRouting, role: aws.iam.Role, container: str, port: int
) -> aws.ecs.ServiceLoadBalancerArgs:
    """The service's load balancer block with its blue/green advanced configuration."""
    return aws.ecs.ServiceLoadBalancerArgs(
        target_group_arn=blue.arn,
        container_name=container,
        container_port=port,
        advanced_configuration=aws.ecs.ServiceLoadBalancerAdvancedConfigurationArgs(
            alternate_target_group_arn=routing.alternate_target_group.arn,
            production_listener_rule=routing.production_rule.arn,
            test_listener_rule=routing.test_rule.arn,
            role_arn=role.arn,
        ),
    )


def deployment_configuration(bake_time_minutes: int) -> aws.ecs.ServiceDeploymentConfigurationArgs:
    return aws.ecs.ServiceDeploymentConfigurationArgs(
        strategy="BLUE_GREEN", bake_time_in_minutes=str(bake_time_minutes)
    )
