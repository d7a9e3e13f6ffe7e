"""Every task definition the program produces is a valid ECS RegisterTaskDefinition request according to
the service model botocore ships, checked by botocore's own validator."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from container_platform.review.offline_runtime import RecordedResource, StackRecording
from tests.program.recorded import TASK_DEFINITION, inputs

# Provider inputs that RegisterTaskDefinition takes under the same name and shape.
SAME_SHAPE = (
    "family",
    "networkMode",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "executionRoleArn",
    "taskRoleArn",
    "runtimePlatform",
    "volumes",
    "pidMode",
    "ipcMode",
    "placementConstraints",
)
INPUT_SHAPE = (
    botocore.session.get_session()
    .get_service_model("ecs")
    .operation_model("RegisterTaskDefinition")
    .input_shape
)


def register_task_definition_request(task: RecordedResource) -> dict[str, Any]:
    """The API request the provider makes: JSON container definitions decoded, tags as key/value records."""
    provider = inputs(task)
    request = {key: provider[key] for key in SAME_SHAPE if key in provider}
    request["containerDefinitions"] = json.loads(provider["containerDefinitions"])
    request["tags"] = [
        {"key": key, "value": value} for key, value in sorted(provider.get("tags", {}).items())
    ]
    return request


def validation_errors(request: dict[str, Any]) -> str:
    report = ParamValidator().validate(request, INPUT_SHAPE)
    return report.generate_report() if report.has_errors() else ""


@pytest.mark.parametrize("stack", ["dev", "prod", "forty", "founding"])
def test_task_definitions_are_valid_register_task_definition_requests(stack: str, request):
    recording: StackRecording = request.getfixturevalue(stack)
    tasks = recording.of_type(TASK_DEFINITION)
    assert tasks
    for task in tasks:
        assert validation_errors(register_task_definition_request(task)) == "", task.name


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"privileged": "false"}, "Invalid type for parameter containerDefinitions[0].privileged"),
        ({"readOnlyRootFs": True}, 'Unknown parameter in containerDefinitions[0]: "readOnlyRootFs"'),
        (
            {"portMappings": [{"containerPort": "8080"}]},
            "containerDefinitions[0].portMappings[0].containerPort",
        ),
    ],
)
def test_the_validator_rejects_a_malformed_container_definition(
    change: dict, complaint: str, dev: StackRecording
):
    request = register_task_definition_request(dev.of_type(TASK_DEFINITION)[0])
    request["containerDefinitions"][0].update(change)
    assert complaint in validation_errors(request)
