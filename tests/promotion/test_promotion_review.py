"""End to end, offline: dev's outputs -> promote -> Pulumi.prod.yaml -> the offline review of prod.

The real program and the real policy pack run: dev's outputs are those of the program's own offline
evaluation of dev, saved as `pulumi stack output --json` would print them. Only the prod stack file and
prod policy config are copies (in a temporary project that links to the program), so the repository's own
files are never changed.
"""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

import pytest
from promotion_helpers import run_promote
from ruamel.yaml import YAML

from container_platform.review.offline_runtime import evaluate_stack
from container_platform.review.run import ReviewSettings, StackReview, review_stack

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ("__main__.py", "Pulumi.yaml", "components", "images")


@pytest.fixture
def prod_project(tmp_path: Path) -> Path:
    """The real program and pack beside copies of prod's stack file and policy config."""
    directory = tmp_path / "real-project"
    directory.mkdir()
    for name in PROGRAM:
        (directory / name).symlink_to(ROOT / name)
    shutil.copy(ROOT / "Pulumi.prod.yaml", directory)
    (directory / "policies" / "config").mkdir(parents=True)
    shutil.copy(ROOT / "policies" / "config" / "prod.json", directory / "policies" / "config")
    return directory


@pytest.fixture(scope="module")
def dev_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dev stack's outputs file, from the offline evaluation of the real program's dev stack."""
    outputs = evaluate_stack("dev", project_dir=ROOT).outputs
    path = tmp_path_factory.mktemp("dev") / "dev-outputs.json"
    path.write_text(json.dumps(outputs, indent=2))
    return path


def published_digests(outputs_file: Path) -> dict[str, str]:
    return json.loads(outputs_file.read_text())["imageDigests"]


def pinned(project: Path) -> dict[str, str]:
    document = YAML(typ="safe").load((project / "Pulumi.prod.yaml").read_text())
    return document["config"]["container-platform:images"]["pinned"]


def review_prod(project: Path) -> StackReview:
    return review_stack(
        "prod",
        ReviewSettings(
            project_dir=project,
            mode="update",
            pack_dir=ROOT / "policies",
            policy_config_dir=project / "policies" / "config",
        ),
    )


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.ndiff(before.splitlines(), after.splitlines())
    return [line for line in diff if line.startswith(("- ", "+ ")) and not line[2:].startswith("#")]


def container_images(review: StackReview) -> set[str]:
    images = set()
    for task in review.recording.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        definitions = task.outputs["containerDefinitions"]
        if isinstance(definitions, str):
            definitions = json.loads(definitions)
        images.update(container["image"] for container in definitions)
    return images


@pytest.mark.slow
def test_promoted_digests_pass_the_offline_review_of_prod(prod_project, dev_outputs):
    published = published_digests(dev_outputs)
    assert set(published.values()).isdisjoint(pinned(prod_project).values()), "dev must publish new digests"

    assert run_promote(prod_project, "--outputs", str(dev_outputs)) == 0
    review = review_prod(prod_project)

    for path in ("Pulumi.prod.yaml", "policies/config/prod.json"):
        changed = changed_lines((ROOT / path).read_text(), (prod_project / path).read_text())
        assert len(changed) == 2 * len(published), changed
        assert all("@sha256:" in line for line in changed), changed
    assert review.recording.outputs["imageDigests"] == published
    assert container_images(review) == {published["hello-world"]}
    assert [f"{d.policy_name}: {d.message}" for d in review.violations] == []


@pytest.mark.slow
def test_a_digest_pinned_by_hand_after_promotion_fails_the_review_of_prod(prod_project, dev_outputs):
    published = published_digests(dev_outputs)
    assert run_promote(prod_project, "--outputs", str(dev_outputs)) == 0
    stack_file = prod_project / "Pulumi.prod.yaml"
    by_hand = published["hello-world"].rsplit("@", 1)[0] + "@sha256:" + "e" * 64
    stack_file.write_text(stack_file.read_text().replace(published["hello-world"], by_hand))

    review = review_prod(prod_project)

    blocked = [d for d in review.mandatory_violations if d.policy_name == "prod-images-promoted"]
    assert blocked, [f"{d.policy_name}: {d.message}" for d in review.diagnostics]
    assert all(by_hand in d.message for d in blocked)
