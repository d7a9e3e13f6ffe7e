"""One real chain per test session: engine, authenticated registry, upstream, built and pushed links.

Which upstream: the Debian stand-in by default (quay.io cannot be reached here), the real digest-pinned
CentOS Stream with CONTAINER_PLATFORM_UPSTREAM=pinned (a machine that can pull it). Without a Docker engine
the tests skip and say how to install one, except under CI=true, where they fail: CI must prove the images.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from typing import NoReturn

import docker
import pytest

from container_platform.local_images.chain_build import (
    BuiltImage,
    build_chain,
    forget_pushed,
    pin_upstream,
    resolve_upstream,
)
from container_platform.local_images.engine import DockerUnavailableError, docker_engine, repository_cache_dir
from container_platform.local_images.registry import LocalRegistry, local_registry


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and the image chain cannot be built for real: {reason}", pytrace=False)
    pytest.skip(f"no usable Docker engine: {reason}")


@pytest.fixture(scope="session")
def chain_environment() -> Iterator[tuple[docker.DockerClient, LocalRegistry, str]]:
    with ExitStack() as stack:
        try:
            client = stack.enter_context(docker_engine())
            registry = stack.enter_context(local_registry())
            upstream = pin_upstream(client, registry, resolve_upstream(client, repository_cache_dir()))
        except DockerUnavailableError as error:
            reason = str(error)
        else:
            yield client, registry, upstream
            return
    _unavailable(reason)


@pytest.fixture(scope="session")
def docker_client(chain_environment: tuple[docker.DockerClient, LocalRegistry, str]) -> docker.DockerClient:
    return chain_environment[0]


@pytest.fixture(scope="session")
def registry(chain_environment: tuple[docker.DockerClient, LocalRegistry, str]) -> LocalRegistry:
    return chain_environment[1]


@pytest.fixture(scope="session")
def upstream(chain_environment: tuple[docker.DockerClient, LocalRegistry, str]) -> str:
    return chain_environment[2]


@pytest.fixture(scope="session")
def chain(
    docker_client: docker.DockerClient, registry: LocalRegistry, upstream: str
) -> Iterator[dict[str, BuiltImage]]:
    built = build_chain(docker_client, registry, upstream)
    yield built
    forget_pushed(docker_client, built)
