"""Reading a stack recording the way the tests ask about it: by resource type, with JSON inputs decoded."""

from __future__ import annotations

import json
from typing import Any

from container_platform.review.offline_runtime import RecordedResource, StackRecording, plain

ECR_REPOSITORY = "aws:ecr/repository:Repository"
ECR_LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
DOCKER_IMAGE = "docker:index/image:Image"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LISTENER = "aws:lb/listener:Listener"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
KMS_KEY = "aws:kms/key:Key"


def inputs(resource: RecordedResource) -> dict[str, Any]:
    return plain(resource.inputs)


def json_input(resource: RecordedResource, key: str) -> Any:
    value = inputs(resource)[key]
    return json.loads(value) if isinstance(value, str) else value


def container_definitions(recording: StackRecording) -> list[dict[str, Any]]:
    return [
        d for task in recording.of_type(TASK_DEFINITION) for d in json_input(task, "containerDefinitions")
    ]


def outputs_of(recording: StackRecording, urn: str) -> dict[str, Any]:
    return next(r.outputs for r in recording.resources if r.urn == urn)


def is_custom_resource(resource: RecordedResource) -> bool:
    """A cloud resource the program asked for (not the stack, a component, or a default provider)."""
    return resource.custom and not resource.type.startswith("pulumi:")
