"""Each stack evaluated once per session under the SDK's mock runtime; tests read the recordings."""

from __future__ import annotations

import pytest

from container_platform.review.offline_runtime import StackRecording, evaluate_stack
from tests.program.stack_configs import forty_services_config, founding_case_config


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


@pytest.fixture(scope="session")
def founding() -> StackRecording:
    return evaluate_stack("founding", config=founding_case_config())
