"""The program `pulumi up` runs must not depend on the CLI's tooling: only the neutral `image_references`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAM_FILES = [ROOT / "__main__.py", *sorted((ROOT / "components").glob("*.py"))]
NEUTRAL_FILES = sorted((ROOT / "image_references").glob("*.py"))


def imported_packages(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", PROGRAM_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_program_never_imports_the_cli_package(path):
    assert "container_platform" not in imported_packages(path)


@pytest.mark.parametrize("path", NEUTRAL_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_shared_image_references_import_none_of_their_users(path):
    assert not imported_packages(path) & {"container_platform", "components", "review_board", "pulumi"}
