"""Which stack setting produced a resource the program made, so a violation on it names what the author edits.

The pack judges resources (`redirect={'protocol': ...}`); the author edits `Pulumi.<stack>.yaml`
(`container-platform:loadBalancer.protocol`). For the rules a stack setting can violate, FIXES names the
setting behind the resource (found through the component that made it) and the value to set.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from container_platform.review.analyzer_client import Diagnostic
from container_platform.review.offline_runtime import RecordedResource, StackRecording

WEB_SERVICE = "container-platform:index:WebService"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
LISTENER = "aws:lb/listener:Listener"


@dataclass(frozen=True)
class SettingFix:
    key: str  # `container-platform:services[0].containerPort`
    value: str  # what to set it to

    def sentence(self, stack: str) -> str:
        return f"In Pulumi.{stack}.yaml set `{self.key}` to {self.value}."


def _service(recording: StackRecording, resource: RecordedResource) -> tuple[int, Mapping[str, Any]] | None:
    """The `services[i]` entry whose WebService component made `resource`."""
    by_urn = recording.by_urn()
    parent = by_urn.get(resource.parent or "")
    if parent is None or parent.type != WEB_SERVICE:
        return None
    try:
        services = json.loads(recording.config.get(f"{recording.project}:services") or "[]")
    except json.JSONDecodeError:
        return None
    for index, service in enumerate(services if isinstance(services, list) else []):
        if isinstance(service, Mapping) and service.get("name") == parent.name:
            return index, service
    return None


def _service_key(
    recording: StackRecording, resource: RecordedResource, key: str, value: str
) -> SettingFix | None:
    found = _service(recording, resource)
    if found is None:
        return None
    return SettingFix(f"{recording.project}:services[{found[0]}].{key}", value)


def _pinned_image(recording: StackRecording, resource: RecordedResource) -> SettingFix | None:
    found = _service(recording, resource)
    if found is None:
        return None
    image = found[1].get("image") or found[1].get("name")
    return SettingFix(
        f"{recording.project}:images.pinned.{image}",
        "a digest promoted from the source stack (`python -m container_platform promote`), "
        "not one set by hand",
    )


FIXES: dict[tuple[str, str], Callable[[StackRecording, RecordedResource], SettingFix | None]] = {
    ("container-ports-allowed", TASK_DEFINITION): lambda r, res: _service_key(
        r, res, "containerPort", "8080"
    ),
    ("container-not-root", TASK_DEFINITION): lambda r, res: _service_key(r, res, "user", "`10001:10001`"),
    ("prod-images-promoted", TASK_DEFINITION): _pinned_image,
    ("listener-https-only", LISTENER): lambda r, res: SettingFix(
        f"{r.project}:loadBalancer.protocol",
        "`HTTPS` (with `loadBalancer.certificateArn`, an ACM certificate)",
    ),
}


def setting_fix(diagnostic: Diagnostic, recording: StackRecording) -> SettingFix | None:
    """The stack setting to change for `diagnostic`, when the program made the resource from one."""
    resource = recording.by_urn().get(diagnostic.urn)
    if resource is None:
        return None
    fix = FIXES.get((diagnostic.policy_name, resource.type))
    return fix(recording, resource) if fix else None
