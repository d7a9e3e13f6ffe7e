"""A throwaway project per test (the repository's stack files are never touched), and a local AWS account
(moto) for preflight."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from environment_helpers import copy_project

# The local ECR helpers of the promotion tests (push an image, seed its scan), for the pinned-digest check.
sys.path.insert(0, str(Path(__file__).parents[1] / "promotion"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")
