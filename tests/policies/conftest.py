"""One real policy pack process per test session, driven over gRPC as the Pulumi engine drives it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from container_platform.analyzer_client import PolicyPackProcess
from tests.policies.helpers import PACK_DIR, PROJECT, TEST_CONFIG, Pack


@pytest.fixture(scope="session")
def pack_process() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(PACK_DIR, project=PROJECT, stack="test", dry_run=False) as process:
        yield process


@pytest.fixture
def pack(pack_process: PolicyPackProcess) -> Iterator[Pack]:
    """The shared process with every policy mandatory and test approvals, reset after each test."""
    pack_process.configure(TEST_CONFIG, source="test defaults")
    yield Pack(pack_process)
    pack_process.configure(TEST_CONFIG, source="test defaults")
