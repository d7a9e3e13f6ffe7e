"""A machine without a Docker engine: the image tests skip and say how to install one, or fail under CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from components.image_specs import PROJECT_ROOT
from container_platform.local_images.engine import DockerUnavailableError, docker_engine

A_DOCKER_TEST = (
    "tests/images/test_image_chain_docker.py::test_app_image_adds_under_one_megabyte_over_the_runtime"
)
INSTALL_LINE = "apt-get install docker.io docker-registry debootstrap"


def _machine_without_docker(tmp_path: Path) -> dict[str, str]:
    """No engine answers DOCKER_HOST, no dockerd on PATH: a newcomer's machine before `apt-get install`."""
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env["DOCKER_HOST"] = f"unix://{tmp_path}/no-engine.sock"
    env["PATH"] = str(tmp_path)
    return env


def test_no_engine_and_no_dockerd_is_an_error_that_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in _machine_without_docker(tmp_path).items():
        monkeypatch.setenv(key, value)
    with pytest.raises(DockerUnavailableError) as unavailable, docker_engine(cache_dir=tmp_path):
        pass
    assert "dockerd` is not installed" in str(unavailable.value)
    assert INSTALL_LINE in str(unavailable.value)


@pytest.mark.parametrize(
    ("ci", "outcome", "exit_code"),
    [("", "1 skipped", 0), ("true", "1 error", 1)],
    ids=["newcomer-skips-with-install-hint", "ci-fails-instead-of-skipping"],
)
def test_docker_tests_skip_for_a_newcomer_and_fail_under_ci(
    tmp_path: Path, ci: str, outcome: str, exit_code: int
) -> None:
    env = _machine_without_docker(tmp_path)
    if ci:
        env["CI"] = ci
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider", A_DOCKER_TEST],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert (result.returncode, outcome in result.stdout) == (exit_code, True), result.stdout[-3000:]
    assert INSTALL_LINE in result.stdout
