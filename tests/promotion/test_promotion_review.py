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

from container_platform.promotion.policy_config_file import PolicyConfigFile
from container_platform.promotion.record import read_log
from container_platform.promotion.stack_config_file import StackFile
from container_platform.review.lineage_facts import chain_lineage
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

    lineage = json.loads(dev_outputs.read_text())["imageLineage"]
    for path in ("Pulumi.prod.yaml", "policies/config/prod.json"):
        changed = changed_lines((ROOT / path).read_text(), (prod_project / path).read_text())
        items = [line[2:].strip().rstrip(",") for line in changed]
        references = [item for item in items if item.startswith('"') and item.endswith('"') and "@" in item]
        keys = {item.split(":", 1)[0].strip('"') for item in items if item not in references}
        assert keys <= {*published, "reference", "parent", "sourceRevision"}, changed
    images = YAML(typ="safe").load((prod_project / "Pulumi.prod.yaml").read_text())["config"][
        "container-platform:images"
    ]
    assert (images["pinned"], images["lineage"]) == (published, lineage)
    policy_config = json.loads((prod_project / "policies/config/prod.json").read_text())
    assert policy_config["promoted-lineage"]["lineage"] == lineage
    assert review.recording.outputs["imageDigests"] == published
    assert review.recording.outputs["imageLineage"] == lineage
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

    for policy in ("prod-images-promoted", "promoted-lineage"):
        blocked = [d for d in review.mandatory_violations if d.policy_name == policy]
        assert blocked, [f"{d.policy_name}: {d.message}" for d in review.diagnostics]
        assert all(by_hand in d.message for d in blocked)


UNAPPROVED_UPSTREAM = (
    "docker.io/library/debian:bookworm@sha256:2c6b3d1c0e3e5d1a7b0f7e3c2d1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a"
)


@pytest.fixture(scope="module")
def unapproved_dev_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dev's outputs when dev was built FROM an upstream prod does not approve (images.upstream)."""
    config = YAML(typ="safe").load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config["container-platform:images"]["upstream"] = UNAPPROVED_UPSTREAM
    outputs = evaluate_stack("dev", project_dir=ROOT, config=config).outputs
    path = tmp_path_factory.mktemp("dev-unapproved") / "dev-outputs.json"
    path.write_text(json.dumps(outputs, indent=2))
    return path


def snapshot(project: Path) -> dict[str, str]:
    return {path: (project / path).read_text() for path in ("Pulumi.prod.yaml", "policies/config/prod.json")}


@pytest.mark.slow
def test_a_chain_built_from_an_unapproved_upstream_is_refused_at_promotion(
    prod_project, unapproved_dev_outputs, capsys
):
    before = snapshot(prod_project)

    assert run_promote(prod_project, "--outputs", str(unapproved_dev_outputs)) == 1

    out = capsys.readouterr().out
    for image in ("base", "java-runtime", "hello-world"):
        assert f"imageLineage.{image}.upstream: {UNAPPROVED_UPSTREAM} is not approved for stack 'prod'" in out
    assert "promoted-lineage.approvedUpstreams" in out
    assert snapshot(prod_project) == before
    assert not (prod_project / "promotions").exists()


@pytest.mark.slow
def test_an_unapproved_chain_written_in_by_hand_is_blocked_at_prods_review(
    prod_project, unapproved_dev_outputs
):
    """Past the refusal, by hand: the pins, the lineage and the promoted list written into both files (with
    the very writers promote uses), no promotion record. Prod's review judges the recorded upstream."""
    outputs = json.loads(unapproved_dev_outputs.read_text())
    digests, lineage = outputs["imageDigests"], outputs["imageLineage"]
    stack_file = StackFile.load(prod_project, "prod")
    stack_file.path.write_text(stack_file.with_pinned(digests, "", lineage))
    policy_config = PolicyConfigFile.load(prod_project, "prod")
    policy_config.path.write_text(policy_config.with_promoted_images(list(digests.values()), lineage))

    review = review_prod(prod_project)

    blocked = [d for d in review.mandatory_violations if d.policy_name == "promoted-lineage"]
    assert len(blocked) == 1, [f"{d.policy_name}: {d.message}" for d in review.diagnostics]
    assert UNAPPROVED_UPSTREAM in blocked[0].message and "not approved" in blocked[0].message
    assert "hello-world -> java-runtime -> base" in blocked[0].message
    assert [d.policy_name for d in review.mandatory_violations] == ["promoted-lineage"]
    [chain] = chain_lineage(review.recording, prod_project, "prod")
    assert chain.upstream == UNAPPROVED_UPSTREAM, "the report names the upstream that was recorded"
    assert {link.evidence for link in chain.links} == {
        "written in Pulumi.prod.yaml; no promotion record names this digest"
    }


@pytest.mark.slow
def test_prods_report_names_the_promotion_that_recorded_the_lineage(prod_project, dev_outputs):
    assert run_promote(prod_project, "--outputs", str(dev_outputs)) == 0
    review = review_prod(prod_project)

    [chain] = chain_lineage(review.recording, prod_project, "prod")
    [record] = read_log(prod_project, "prod")
    lineage = json.loads(dev_outputs.read_text())["imageLineage"]
    assert [link.image for link in chain.links] == ["hello-world", "java-runtime", "base"]
    chain_order = ("hello-world", "java-runtime", "base")
    assert [(link.reference, link.parent) for link in chain.links] == [
        (lineage[name]["reference"], lineage[name]["parent"]) for name in chain_order
    ]
    assert chain.upstream == lineage["base"]["upstream"]
    expected = (
        f"recorded at promotion on {record.promoted_at:%Y-%m-%d %H:%M} UTC from stack 'dev', "
        "not verified in ECR"
    )
    assert {link.evidence for link in chain.links} == {expected}


@pytest.mark.slow
def test_prods_report_shows_where_the_stack_file_and_the_judged_lineage_disagree(prod_project, dev_outputs):
    """The policy judges the policy config's copy; the page shows the stack file's and flags a hand edit."""
    assert run_promote(prod_project, "--outputs", str(dev_outputs)) == 0
    stack_file = prod_project / "Pulumi.prod.yaml"
    revision = json.loads(dev_outputs.read_text())["imageLineage"]["base"]["sourceRevision"]
    text = stack_file.read_text()
    assert text.count(f"sourceRevision: {revision}") >= 1
    stack_file.write_text(text.replace(f"sourceRevision: {revision}", "sourceRevision: edited-by-hand", 1))

    review = review_prod(prod_project)
    chains = chain_lineage(
        review.recording, prod_project, "prod", prod_project / "policies" / "config" / "prod.json"
    )

    disagreeing = [link.image for link in chains[0].links if "DISAGREES" in link.evidence]
    assert len(disagreeing) == 1, [link.evidence for link in chains[0].links]
