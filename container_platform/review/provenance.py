"""What a review page was made from: commit, uncommitted changes, stack file and policy config, time.

A reviewer signs off on a page, not on a repository: these let anyone tell whether the page is stale (the
files' hashes no longer match) or was made from work nobody committed.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

NOT_IN_GIT = "(not a git checkout)"


@dataclass(frozen=True)
class Provenance:
    commit: str
    dirty: bool | None  # None: not in git, so nobody can tell
    stack_file: str
    stack_file_sha256: str
    policy_config: str
    policy_config_sha256: str
    reviewed_at: str  # UTC, ISO 8601 to the second


def sha256_of(path: Path) -> str:
    """The file's SHA-256, or `(missing)`: a page for a file that is gone says so."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "(missing)"


def _git(project_dir: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(project_dir), *args], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _shown(path: Path, project_dir: Path) -> str:
    return str(path.relative_to(project_dir)) if path.is_relative_to(project_dir) else str(path)


def provenance(project_dir: Path, stack_file: Path, policy_config: Path) -> Provenance:
    commit = _git(project_dir, "rev-parse", "HEAD")
    status = _git(project_dir, "status", "--porcelain") if commit else None
    return Provenance(
        commit=commit or NOT_IN_GIT,
        dirty=None if status is None else bool(status),
        stack_file=_shown(stack_file, project_dir),
        stack_file_sha256=sha256_of(stack_file),
        policy_config=_shown(policy_config, project_dir),
        policy_config_sha256=sha256_of(policy_config),
        reviewed_at=datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    )
