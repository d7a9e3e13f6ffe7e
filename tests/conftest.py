"""Fixtures more than one room's tests use: one real policy pack process per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from container_platform.review.analyzer_client import PolicyPackProcess
from tests.policies.helpers import PACK_DIR, PROJECT, TEST_CONFIG, Pack


@pytest.fixture(scope="session")
def pack_process() -> Iterator[PolicyPackProcess]:
    """The pack, driven over gRPC as the Pulumi engine drives it (tests/policies and tests/review)."""
    with PolicyPackProcess(PACK_DIR, project=PROJECT, stack="test", dry_run=False) as process:
        yield process


@pytest.fixture
def pack(pack_process: PolicyPackProcess) -> Iterator[Pack]:
    """The shared process with every policy mandatory and test approvals, reset after each test."""
    pack_process.configure(TEST_CONFIG, source="test defaults")
    yield Pack(pack_process)
    pack_process.configure(TEST_CONFIG, source="test defaults")
