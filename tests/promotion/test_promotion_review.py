"""End to end, offline: dev's outputs -> promote -> Pulumi.prod.yaml -> the offline review of prod.

The real program and the real policy pack run; only the prod stack file and prod policy config are copies
(in a temporary project that links to the program), so the repository's own files are never changed.
"""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

import pytest
from promotion_helpers import run_promote, write_outputs
from ruamel.yaml import YAML

from container_platform.digest_reference import parse_digest_reference
from container_platform.review_run import ReviewSettings, StackReview, review_stack

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


def fresh_digests(project: Path) -> dict[str, str]:
    """What a new dev build would publish: prod's images under the same repositories, new digests."""
    pinned = YAML(typ="safe").load((project / "Pulumi.prod.yaml").read_text())["config"][
        "container-platform:images"
    ]["pinned"]
    published = {}
    for index, (name, text) in enumerate(pinned.items()):
        reference = parse_digest_reference(text)
        published[name] = f"{reference.registry}/{reference.repository}@sha256:{f'{index + 10:x}' * 64}"
    return published


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
def test_promoted_digests_pass_the_offline_review_of_prod(prod_project):
    published = fresh_digests(prod_project)

    assert run_promote(prod_project, "--outputs", str(write_outputs(prod_project, published))) == 0
    review = review_prod(prod_project)

    for path in ("Pulumi.prod.yaml", "policies/config/prod.json"):
        changed = changed_lines((ROOT / path).read_text(), (prod_project / path).read_text())
        assert len(changed) == 2 * len(published), changed
        assert all("@sha256:" in line for line in changed), changed
    assert review.recording.outputs["imageDigests"] == published
    assert container_images(review) == {published["hello-world"]}
    assert [f"{d.policy_name}: {d.message}" for d in review.violations] == []


@pytest.mark.slow
def test_a_digest_pinned_by_hand_after_promotion_fails_the_review_of_prod(prod_project):
    published = fresh_digests(prod_project)
    assert run_promote(prod_project, "--outputs", str(write_outputs(prod_project, published))) == 0
    stack_file = prod_project / "Pulumi.prod.yaml"
    by_hand = published["hello-world"].rsplit("@", 1)[0] + "@sha256:" + "e" * 64
    stack_file.write_text(stack_file.read_text().replace(published["hello-world"], by_hand))

    review = review_prod(prod_project)

    blocked = [d for d in review.mandatory_violations if d.policy_name == "prod-images-promoted"]
    assert blocked, [f"{d.policy_name}: {d.message}" for d in review.diagnostics]
    assert all(by_hand in d.message for d in blocked)
