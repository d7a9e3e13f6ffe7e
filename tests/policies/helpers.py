"""Building analyzer requests and reading the pack's answers, for the policy tests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from container_platform.analyzer_client import Analysis, AnalyzedResource, PolicyPackProcess

ROOT = Path(__file__).resolve().parents[2]
PACK_DIR = ROOT / "policies"
PROJECT = "container-platform"


def resource(
    type_token: str, name: str, properties: Mapping[str, Any], stack: str = "test"
) -> AnalyzedResource:
    return AnalyzedResource(
        urn=f"urn:pulumi:{stack}::{PROJECT}::{type_token}::{name}",
        type=type_token,
        name=name,
        properties=properties,
    )


class Pack:
    """The shared pack process plus the config it currently runs with."""

    def __init__(self, process: PolicyPackProcess) -> None:
        self.process = process

    def configure(self, config: Mapping[str, Any]) -> None:
        self.process.configure(config, source="test config")

    def analyze(self, res: AnalyzedResource) -> Analysis:
        return self.process.analyze_resource(res)

    def violations(self, res: AnalyzedResource, policy: str) -> list[str]:
        return [d.message for d in self.analyze(res).diagnostics if d.policy_name == policy]

    def unchecked(self, res: AnalyzedResource, policy: str) -> list[str]:
        return [n.reason for n in self.analyze(res).not_applicable if n.policy_name == policy]
