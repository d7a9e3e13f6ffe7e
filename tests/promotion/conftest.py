"""A throwaway copy of a project (stack files, policy configs) for each test: tests never touch the repo's;
and a local ECR (moto_ecr.py) for the tests that talk to AWS."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto_ecr import REGION
from promotion_helpers import FIXTURE_PROJECT


@pytest.fixture(autouse=True)
def git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The person the promotion record names, independent of the machine's git config."""
    git_config = tmp_path / "gitconfig"
    git_config.write_text("[user]\n\tname = Rita Release\n\temail = rita@bank.example\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(git_config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, directory)
    return directory


@pytest.fixture
def ecr(local_aws: str) -> Any:
    """An ECR client on the emptied local server (tests/conftest.py sets the environment)."""
    return boto3.client("ecr", region_name=REGION)
