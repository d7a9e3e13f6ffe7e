"""Building analyzer requests and reading the pack's answers, for the policy tests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from container_platform.review.analyzer_client import Analysis, AnalyzedResource, PolicyPackProcess

ROOT = Path(__file__).resolve().parents[2]
PACK_DIR = ROOT / "policies"
PROJECT = "container-platform"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown sentinel, as inputs carry it
REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
DIGEST = "sha256:" + "ab" * 32
APP_IMAGE = f"{REGISTRY}/container-platform/hello-world@{DIGEST}"
UPSTREAM = "quay.io/centos/centos:stream9@sha256:" + "cd" * 32
APPROVALS = {
    "approvedRegistries": [REGISTRY],
    "approvedRepositories": [
        "container-platform/base",
        "container-platform/java-runtime",
        "container-platform/hello-world",
    ],
}
TEST_CONFIG: dict[str, Any] = {
    "all": "mandatory",
    "waivers-used": "advisory",
    "stack-waivers-used": "advisory",
    "approved-container-images": APPROVALS,
    "approved-base-images": {**APPROVALS, "approvedUpstreams": [UPSTREAM]},
    "image-repository-matches-name": APPROVALS,
}


def secret(value: Any) -> dict[str, Any]:
    """A secret as the engine wraps it on the wire."""
    return {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": value}


def resource(
    type_token: str, name: str, properties: Mapping[str, Any], parent_type: str = ""
) -> AnalyzedResource:
    qualified = f"{parent_type}${type_token}" if parent_type else type_token
    return AnalyzedResource(
        urn=f"urn:pulumi:test::{PROJECT}::{qualified}::{name}",
        type=type_token,
        name=name,
        properties=properties,
    )


def container(**overrides: Any) -> dict[str, Any]:
    """A container definition that passes every container rule; override fields to break one."""
    return {
        "name": "app",
        "image": APP_IMAGE,
        "essential": True,
        "user": "10001:10001",
        "readonlyRootFilesystem": True,
        "privileged": False,
        "portMappings": [{"containerPort": 8080.0, "protocol": "tcp"}],
        **overrides,
    }


def task_definition(*containers: dict[str, Any], name: str = "web-task", **props: Any) -> AnalyzedResource:
    return resource(
        "aws:ecs/taskDefinition:TaskDefinition",
        name,
        {
            "family": name,
            "containerDefinitions": json.dumps(list(containers) or [container()]),
            "executionRoleArn": "arn:aws:iam::123456789012:role/web-execution",
            "taskRoleArn": "arn:aws:iam::123456789012:role/web-task",
            **props,
        },
    )


class Pack:
    """The shared pack process plus the config it currently runs with."""

    def __init__(self, process: PolicyPackProcess) -> None:
        self.process = process

    def configure(self, overrides: Mapping[str, Any]) -> None:
        """TEST_CONFIG with some policies' entries replaced, as one `--policy-pack-config` document."""
        self.process.configure({**TEST_CONFIG, **overrides}, source="test config")

    def analyze(self, res: AnalyzedResource) -> Analysis:
        return self.process.analyze_resource(res)

    def violations(self, res: AnalyzedResource, policy: str) -> list[str]:
        found = [d for d in self.analyze(res).diagnostics if d.policy_name == policy]
        return [d.message for d in found]

    def unchecked(self, res: AnalyzedResource, policy: str) -> list[str]:
        return [n.reason for n in self.analyze(res).not_applicable if n.policy_name == policy]


def assert_verdict(pack: Pack, res: AnalyzedResource, policy: str, expected: str | None) -> None:
    """`expected` None: compliant; else a violation names the resource, contains `expected`, and a fix."""
    messages = pack.violations(res, policy)
    if expected is None:
        assert messages == [], messages
        return
    assert messages, f"{policy} did not flag {res.name}"
    matching = [m for m in messages if expected in m]
    assert matching, f"none of {messages} mentions {expected!r}"
    assert repr(res.name) in matching[0] and "Fix" in matching[0], matching[0]


def assert_stack_verdict(
    pack: Pack, resources: list[AnalyzedResource], policy: str, expected: str | None
) -> None:
    """AnalyzeStack over `resources`: `expected` None, `policy` says nothing; else a violation of it
    contains `expected` and a fix."""
    analysis = pack.process.analyze_stack_resources(resources)
    messages = [d.message for d in analysis.diagnostics if d.policy_name == policy]
    if expected is None:
        assert messages == [], messages
        return
    assert any(expected in m and "Fix" in m for m in messages), messages


def depending_on(res: AnalyzedResource, **targets: AnalyzedResource) -> AnalyzedResource:
    """`res` whose inputs `targets` depend on those resources, as the engine records an Output's source."""
    return replace(
        res,
        property_dependencies={key: [target.urn] for key, target in targets.items()},
        dependencies=[target.urn for target in targets.values()],
    )
