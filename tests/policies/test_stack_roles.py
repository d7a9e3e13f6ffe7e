"""What the stack runs, it runs as roles the stack defines: a role made outside it reaches no IAM rule."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from container_platform.review.analyzer_client import AnalyzedResource
from tests.policies.helpers import UNKNOWN, assert_stack_verdict, depending_on, resource, task_definition

POLICY = "runs-as-stack-roles"
ACCOUNT = "123456789012"
TASK_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/web-task-7f3a"
EXECUTION_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/web-execution-2b9c"
# The role AWS Organizations creates in every member account: administrator access (AWS Organizations guide).
ADMIN_ARN = f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole"


def role(name: str, arn: str) -> AnalyzedResource:
    trust = '{"Version":"2012-10-17","Statement":[]}'
    return resource(
        "aws:iam/role:Role", name, {"assumeRolePolicy": trust, "arn": arn, "name": arn.split("/")[-1]}
    )


TASK_ROLE = role("web-task", TASK_ROLE_ARN)
EXECUTION_ROLE = role("web-execution", EXECUTION_ROLE_ARN)
PROFILE = resource(
    "aws:iam/instanceProfile:InstanceProfile",
    "hosts",
    {"role": "web-task-7f3a", "arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/hosts-1", "name": "hosts-1"},
)


def task(**roles: Any) -> AnalyzedResource:
    return task_definition(**{"taskRoleArn": TASK_ROLE_ARN, "executionRoleArn": EXECUTION_ROLE_ARN, **roles})


def template(profile: dict[str, Any]) -> AnalyzedResource:
    return resource("aws:ec2/launchTemplate:LaunchTemplate", "hosts", {"iamInstanceProfile": profile})


def blue_green_service(role_arn: str) -> AnalyzedResource:
    balancer = {
        "targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/blue/1",
        "containerName": "app",
        "containerPort": 8080.0,
        "advancedConfiguration": {"roleArn": role_arn},
    }
    return resource("aws:ecs/service:Service", "web", {"cluster": "c", "loadBalancers": [balancer]})


CASES = [
    (
        "the program's task definition: its own task and execution roles (components/web_service.py)",
        [TASK_ROLE, EXECUTION_ROLE, task()],
        None,
    ),
    (
        "the program's task definition in preview: unknown ARNs that depend on its own roles",
        [
            TASK_ROLE,
            EXECUTION_ROLE,
            depending_on(
                task(taskRoleArn=UNKNOWN, executionRoleArn=UNKNOWN),
                taskRoleArn=TASK_ROLE,
                executionRoleArn=EXECUTION_ROLE,
            ),
        ],
        None,
    ),
    (
        "red team: the task runs as the account's administrator role, made outside the stack",
        [TASK_ROLE, EXECUTION_ROLE, task(taskRoleArn=ADMIN_ARN)],
        "OrganizationAccountAccessRole",
    ),
    (
        "red team: a decoy dependency on the stack's role, another role's ARN as the value",
        [TASK_ROLE, EXECUTION_ROLE, depending_on(task(taskRoleArn=ADMIN_ARN), taskRoleArn=TASK_ROLE)],
        "taskRoleArn",
    ),
    (
        "red team: the execution role (it pulls images and reads secrets) made outside the stack",
        [TASK_ROLE, task(executionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole")],
        "ecsTaskExecutionRole",
    ),
    (
        "a role the board reviewed outside the stack, named in approvedRoleArns",
        [TASK_ROLE, EXECUTION_ROLE, task(taskRoleArn=ADMIN_ARN)],
        {"approvedRoleArns": [ADMIN_ARN]},
    ),
    (
        "the program's instance profile: its own role by name (components/cluster.py)",
        [TASK_ROLE, PROFILE],
        None,
    ),
    (
        "red team: an instance profile of the stack wrapping the administrator role",
        [
            TASK_ROLE,
            replace(PROFILE, properties={**PROFILE.properties, "role": "OrganizationAccountAccessRole"}),
        ],
        "no role of this stack",
    ),
    (
        "the program's launch template: the stack's instance profile by ARN (components/cluster.py)",
        [TASK_ROLE, PROFILE, template({"arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/hosts-1"})],
        None,
    ),
    (
        "red team: a launch template naming an instance profile made outside the stack",
        [TASK_ROLE, PROFILE, template({"name": "AdminInstanceProfile"})],
        "AdminInstanceProfile",
    ),
    (
        "red team: an instance launched with an outside instance profile (iamInstanceProfile)",
        [resource("aws:ec2/instance:Instance", "bastion", {"iamInstanceProfile": "AdminInstanceProfile"})],
        "AdminInstanceProfile",
    ),
    (
        "the program's blue/green service: traffic shifted by its own role (components/blue_green.py)",
        [TASK_ROLE, blue_green_service(TASK_ROLE_ARN)],
        None,
    ),
    (
        "red team: blue/green traffic shifting with an outside role",
        [TASK_ROLE, blue_green_service(ADMIN_ARN)],
        "loadBalancers[0].advancedConfiguration.roleArn",
    ),
    (
        "red team: a flow log delivering with an outside role",
        [resource("aws:ec2/flowLog:FlowLog", "vpc", {"iamRoleArn": ADMIN_ARN, "vpcId": "vpc-1"})],
        "iamRoleArn",
    ),
]


@pytest.mark.parametrize(("source", "resources", "expected"), CASES, ids=[c[0] for c in CASES])
def test_runs_only_as_stack_roles(pack: Any, source: str, resources: list[Any], expected: Any) -> None:
    assert source
    if isinstance(expected, dict):
        pack.configure({POLICY: expected})
        expected = None
    assert_stack_verdict(pack, resources, POLICY, expected)


def test_an_unknown_role_without_a_dependency_is_unchecked(pack: Any) -> None:
    analysis = pack.process.analyze_stack_resources([EXECUTION_ROLE, task(taskRoleArn=UNKNOWN)])
    assert not [d for d in analysis.diagnostics if d.policy_name == POLICY]
    reasons = [n.reason for n in analysis.not_applicable if n.policy_name == POLICY]
    assert any("taskRoleArn" in r for r in reasons), reasons
