"""Each stack evaluated once per session under the SDK's mock runtime; tests read the recordings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from container_platform.offline_runtime import StackRecording, evaluate_stack

FIXTURES = Path(__file__).parent / "fixtures"


def stack_config(stack: str) -> dict[str, Any]:
    """The `config:` section of Pulumi.<stack>.yaml, as evaluate_stack takes it."""
    path = Path(__file__).resolve().parents[2] / f"Pulumi.{stack}.yaml"
    return yaml.safe_load(path.read_text())["config"]


def forty_services_config() -> dict[str, Any]:
    """40 services over 8 applications: the users' target size, for tests and the review benchmark."""
    return yaml.safe_load((FIXTURES / "forty_services.yaml").read_text())["config"]


@pytest.fixture(scope="session")
def dev() -> StackRecording:
    return evaluate_stack("dev")


@pytest.fixture(scope="session")
def prod() -> StackRecording:
    return evaluate_stack("prod")


@pytest.fixture(scope="session")
def dev_preview() -> StackRecording:
    return evaluate_stack("dev", preview=True)


@pytest.fixture(scope="session")
def forty() -> StackRecording:
    return evaluate_stack("scale", config=forty_services_config())
