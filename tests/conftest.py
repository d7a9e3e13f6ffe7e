"""Fixtures more than one room's tests use: one real policy pack process per test session, and a local AWS
API server (moto) per test module."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

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


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A local AWS API server (moto in server mode on loopback) for the tests of one module; the code under
    test reaches it through `AWS_ENDPOINT_URL`, as it would reach AWS."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def local_aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The emptied local server, and the environment the code under test reads to reach it (eu-west-1)."""
    reset = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(reset).close()
    for name, value in {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto_endpoint
