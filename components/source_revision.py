"""The source revision an image is built from: the last commit that changed its build context.

The revision is recorded in the image's labels and in the stack's lineage output. The commit that last
touched the context, not HEAD, keeps an image's bytes (labels included) the same across commits that leave
the context alone, so nothing is rebuilt for an unrelated change; uncommitted changes say `-dirty`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

UNKNOWN_REVISION = "unknown"
DIRTY_SUFFIX = "-dirty"


def source_revision(context: Path) -> str:
    """`<commit>`, `<commit>-dirty`, or `unknown` when the context is not in a git checkout."""
    git = shutil.which("git")
    if git is None:
        return UNKNOWN_REVISION
    last = _git(git, context, "log", "-1", "--format=%H", "--", ".")
    if not last:
        return UNKNOWN_REVISION
    dirty = _git(git, context, "status", "--porcelain", "--", ".")
    return f"{last}{DIRTY_SUFFIX}" if dirty else last


def _git(git: str, context: Path, *args: str) -> str:
    result = subprocess.run(
        [git, "-C", str(context), *args], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 else ""
