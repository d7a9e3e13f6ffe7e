"""Services run the stack's task definitions and scaling groups its launch templates: a definition made
outside the stack never reaches the image, port and confinement rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.policies.helpers import UNKNOWN, assert_stack_verdict, depending_on, resource, task_definition

POLICY = "runs-stack-definitions"
SERVICE = "aws:ecs/service:Service"
GROUP = "aws:autoscaling/group:Group"
TEMPLATE = resource("aws:ec2/launchTemplate:LaunchTemplate", "hosts", {"id": "lt-0aaa", "name": "hosts-1"})
TASK = task_definition()
TASK_ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web-task:3"
KNOWN_TASK = replace(TASK, properties={**TASK.properties, "arn": TASK_ARN})
OUTSIDE_ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition/registered-by-hand:1"


def service(name, task_definition_ref):
    return resource(SERVICE, name, {"cluster": "c", "taskDefinition": task_definition_ref})


def group(name, **props):
    return resource(GROUP, name, {"minSize": 1.0, "maxSize": 1.0, **props})


CASES = [
    (
        "the program's service: the task definition's arn, a dependency on it (components/web_service.py)",
        [TASK, depending_on(service("web", UNKNOWN), taskDefinition=TASK)],
        None,
    ),
    ("the stack's task definition by its ARN once known", [KNOWN_TASK, service("web", TASK_ARN)], None),
    (
        "red team: a task definition registered outside the stack (aws ecs register-task-definition)",
        [TASK, service("web", OUTSIDE_ARN)],
        "registered-by-hand",
    ),
    (
        "red team: the stack's family name runs the family's latest revision, which anyone may register",
        [KNOWN_TASK, service("web", "web-task")],
        "'web-task'",
    ),
    (
        "red team: a decoy dependency on the stack's task definition, another ARN as the value",
        [KNOWN_TASK, depending_on(service("web", OUTSIDE_ARN), taskDefinition=KNOWN_TASK)],
        "registered-by-hand",
    ),
    (
        "the program's capacity: the stack's launch template by id (components/cluster.py)",
        [TEMPLATE, group("ecs", launchTemplate={"id": "lt-0aaa", "version": "$Latest"})],
        None,
    ),
    (
        "the stack's launch template by dependency in preview",
        [
            TEMPLATE,
            depending_on(
                group("ecs", launchTemplate={"id": UNKNOWN, "version": "$Latest"}), launchTemplate=TEMPLATE
            ),
        ],
        None,
    ),
    (
        "red team: a launch template made outside the stack, whose user data no rule reads",
        [TEMPLATE, group("ecs", launchTemplate={"id": "lt-0123456789abcdef0", "version": "$Latest"})],
        "lt-0123456789abcdef0",
    ),
    (
        "red team: an outside template among a mixed instances policy's overrides (AWS Auto Scaling guide)",
        [
            TEMPLATE,
            group(
                "mixed",
                mixedInstancesPolicy={
                    "launchTemplate": {
                        "launchTemplateSpecification": {"launchTemplateId": "lt-0aaa"},
                        "overrides": [
                            {"instanceType": "m5.large"},
                            {
                                "instanceType": "m6g.large",
                                "launchTemplateSpecification": {"launchTemplateName": "arm"},
                            },
                        ],
                    }
                },
            ),
        ],
        "overrides[1]",
    ),
    (
        "red team: a launch configuration by name that the stack does not create",
        [group("legacy", launchConfiguration="hand-made-lc")],
        "hand-made-lc",
    ),
]


@pytest.mark.parametrize(("source", "resources", "expected"), CASES, ids=[c[0] for c in CASES])
def test_runs_only_stack_definitions(pack, source, resources, expected):
    assert source
    assert_stack_verdict(pack, resources, POLICY, expected)


def test_an_unknown_reference_without_a_dependency_is_unchecked(pack):
    analysis = pack.process.analyze_stack_resources([TASK, service("web", UNKNOWN)])
    assert not [d for d in analysis.diagnostics if d.policy_name == POLICY]
    reasons = [n.reason for n in analysis.not_applicable if n.policy_name == POLICY]
    assert any("taskDefinition" in r for r in reasons), reasons
