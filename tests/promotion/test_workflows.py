"""The GitHub Actions workflows cannot run here; they are validated against schemastore's workflow schema
(vendored by check-jsonschema, so offline) and checked for the steps the promotion process relies on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def load(name: str) -> dict:
    # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads it as the trigger list.
    document = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    document["on"] = document.pop(True)
    return document


def commands(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_each_workflow_is_valid_for_github(path):
    result = validate(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    steps:\n      - run: make test\n")

    result = validate(broken)

    assert result.returncode == 1
    assert "runs-on" in result.stdout


def test_pull_requests_preview_every_stack_with_its_policy_config():
    workflow = load("review.yml")
    preview = workflow["jobs"]["preview"]

    assert "pull_request" in workflow["on"]
    stacks = preview["strategy"]["matrix"]["stack"]
    assert sorted(stacks) == sorted(path.name.split(".")[1] for path in ROOT.glob("Pulumi.*.yaml"))
    assert all((ROOT / "policies" / "config" / f"{stack}.json").is_file() for stack in stacks)
    run = commands(preview)
    assert "pulumi preview" in run
    assert "--policy-pack policies" in run
    assert '--policy-pack-config "policies/config/${{ matrix.stack }}.json"' in run
    assert "make test" in commands(workflow["jobs"]["test"])


def test_promotion_runs_only_after_the_target_environment_approves_it():
    workflow = load("promote.yml")
    job = workflow["jobs"]["promote"]

    assert set(workflow["on"]) == {"workflow_dispatch"}
    assert job["environment"] == "${{ inputs.to }}"
    run = commands(job)
    assert "pulumi stack output --json" in run
    assert "python -m container_platform promote" in run
    assert "--outputs source-outputs.json" in run
    assert "--verify-ecr" in run
    assert "--tag-ecr" in run
    assert "gh pr create" in run
