"""The docs stand alone: every link and every path they name resolves inside the repository."""

from __future__ import annotations

import re
import subprocess

from container_platform.project import PROJECT_ROOT

LINK = re.compile(r"\]\(([^)#\s]+)")
# A relative path that climbs out of the document's folder, written as a link or in prose.
CLIMBING = re.compile(r"(?<![\w/.])((?:\.\./)+[\w./-]+)")


def documents() -> list[str]:
    listed = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "ls-files", "*.md"], capture_output=True, text=True, check=True
    )
    return [line for line in listed.stdout.splitlines() if line]


def test_no_document_points_outside_the_repository():
    outside = []
    for name in documents():
        path = PROJECT_ROOT / name
        text = path.read_text()
        targets = {m.group(1) for m in LINK.finditer(text)} | {m.group(1) for m in CLIMBING.finditer(text)}
        for target in targets:
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            resolved = (path.parent / target).resolve()
            if not resolved.is_relative_to(PROJECT_ROOT.resolve()) or not resolved.exists():
                outside.append(f"{name}: {target}")
    assert documents() and outside == []
