"""`python -m container_platform promote`: what it writes, what it records, and every refusal."""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from promotion_helpers import DEV_DIGESTS, REGISTRY, chain_lineage, reference, write_outputs
from promotion_helpers import run_promote as promote
from ruamel.yaml import YAML

from container_platform.promotion.record import COMMENT_HEADER, read_log


def pinned(project: Path, stack: str = "prod") -> dict[str, str]:
    document = YAML(typ="safe").load((project / f"Pulumi.{stack}.yaml").read_text())
    return document["config"]["container-platform:images"]["pinned"]


def promoted_images(project: Path, stack: str = "prod") -> list[str]:
    document = json.loads((project / "policies" / "config" / f"{stack}.json").read_text())
    return document["prod-images-promoted"]["promotedImages"]


def snapshot(project: Path) -> dict[str, str]:
    return {str(path.relative_to(project)): path.read_text() for path in project.rglob("*") if path.is_file()}


def test_promotion_pins_the_published_digests_and_records_them(project, capsys):
    outputs = write_outputs(project, DEV_DIGESTS)

    assert promote(project, "--outputs", str(outputs)) == 0

    assert pinned(project) == DEV_DIGESTS
    assert promoted_images(project) == list(DEV_DIGESTS.values())
    [record] = read_log(project, "prod")
    assert (record.from_stack, record.to_stack, record.verified_with_ecr) == ("dev", "prod", False)
    assert record.promoted_by == "Rita Release <rita@bank.example>"
    assert {change.image: (change.old, change.new) for change in record.changes} == {
        image: (reference(image, old), DEV_DIGESTS[image])
        for image, old in (("base", "1"), ("java-runtime", "2"), ("hello-world", "3"))
    }
    out = capsys.readouterr().out
    assert "--- a/Pulumi.prod.yaml" in out and "+++ b/policies/config/prod.json" in out
    assert f"-      base: {reference('base', '1')}" in out
    assert f"+      base: {DEV_DIGESTS['base']}" in out


def test_promotion_changes_only_the_pins_and_keeps_comments_and_order(project):
    before = (project / "Pulumi.prod.yaml").read_text()

    assert promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS))) == 0

    after = (project / "Pulumi.prod.yaml").read_text()
    header, body = after.split("# End of promotion record.\n")
    assert header.startswith(COMMENT_HEADER)
    assert "from stack dev, not verified in ECR" in header
    diff = [line for line in difflib.ndiff(before.splitlines(), body.splitlines()) if line[:1] in "+-"]
    removed = [line[2:].split(":", 1)[0].strip() for line in diff if line.startswith("-")]
    assert removed == ["base", "java-runtime", "hello-world"]
    added = [line[2:] for line in diff if line.startswith("+")]
    assert [line.split(":", 1)[0].strip() for line in added[:3]] == ["base", "java-runtime", "hello-world"]
    assert added[3] == "    lineage:" and all(line.startswith("      ") for line in added[4:])
    images = YAML(typ="safe").load(body)["config"]["container-platform:images"]
    assert images["lineage"] == chain_lineage(DEV_DIGESTS), "the lineage is written beside the pins"
    assert "# Prod takes its images from these pins; `promote` rewrites them." in body
    assert "protocol: HTTPS # prod serves HTTPS only" in body


def test_a_second_promotion_replaces_the_comment_block_and_extends_the_log(project):
    assert promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS))) == 0
    newer = {**DEV_DIGESTS, "hello-world": reference("hello-world", "d")}
    assert promote(project, "--outputs", str(write_outputs(project, newer))) == 0

    text = (project / "Pulumi.prod.yaml").read_text()
    assert text.count(COMMENT_HEADER) == 1
    first, second = read_log(project, "prod")
    assert [change.image for change in second.changes] == ["hello-world"]
    assert second.changes[0].old == DEV_DIGESTS["hello-world"]
    assert pinned(project)["hello-world"] == newer["hello-world"]
    assert len(first.changes) == 3


def test_dev_to_qa_to_prod_moves_the_same_digests_down_the_chain(project):
    assert promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS)), to_stack="qa") == 0
    qa_outputs = write_outputs(project, pinned(project, "qa"), name="qa-outputs.json")

    assert promote(project, "--outputs", str(qa_outputs), from_stack="qa") == 0

    assert pinned(project, "qa") == pinned(project, "prod") == DEV_DIGESTS
    assert [record.from_stack for record in read_log(project, "qa")] == ["dev"]
    assert [record.from_stack for record in read_log(project, "prod")] == ["qa"]


def test_dry_run_shows_the_diff_and_writes_nothing(project, capsys):
    outputs = write_outputs(project, DEV_DIGESTS)
    before = snapshot(project)

    assert promote(project, "--outputs", str(outputs), "--dry-run") == 0

    assert snapshot(project) == before
    out = capsys.readouterr().out
    assert f"+      base: {DEV_DIGESTS['base']}" in out
    assert "dry run, nothing written" in out


def test_promoting_digests_the_target_already_pins_changes_nothing(project, capsys):
    current = pinned(project)
    outputs = write_outputs(project, current)
    assert promote(project, "--outputs", str(outputs)) == 0, "records the lineage the fixture lacks"
    capsys.readouterr()
    before = snapshot(project)

    assert promote(project, "--outputs", str(outputs)) == 0

    assert snapshot(project) == before
    assert "no change" in capsys.readouterr().out


def test_a_stack_that_built_its_images_switches_to_pinned(project):
    stack = project / "Pulumi.prod.yaml"
    stack.write_text(stack.read_text().replace("source: pinned", "source: build"))

    assert promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS))) == 0

    document = YAML(typ="safe").load(stack.read_text())
    assert document["config"]["container-platform:images"]["source"] == "pinned"


def test_a_stack_reading_the_source_stack_keeps_its_stack_reference(project):
    stack = project / "Pulumi.prod.yaml"
    stack.write_text(stack.read_text().replace(
        "source: pinned", "source: stackReference\n    stackReference: bank/container-platform/dev"
    ))

    assert promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS))) == 0

    images = YAML(typ="safe").load(stack.read_text())["config"]["container-platform:images"]
    assert images["source"] == "stackReference"
    assert images["pinned"] == DEV_DIGESTS
    assert "lineage" not in images, "the program reads the source stack's own imageLineage"
    assert promoted_images(project) == list(DEV_DIGESTS.values())
    before = snapshot(project)
    assert promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS))) == 0
    assert snapshot(project) == before, "the same digests and lineage again change nothing"


def test_a_chain_published_without_the_app_the_target_runs_is_refused(project, capsys):
    """A new runtime without the app built FROM it would record a lineage prod does not run."""
    outputs = write_outputs(project, {image: DEV_DIGESTS[image] for image in ("base", "java-runtime")})
    before = snapshot(project)

    assert promote(project, "--outputs", str(outputs)) == 1

    out = capsys.readouterr().out
    needs = "Pulumi.prod.yaml needs image 'hello-world' (one of its services runs it), but stack 'dev'"
    assert needs in out
    assert snapshot(project) == before


def test_an_app_only_the_source_stack_runs_is_not_promoted(project, capsys):
    dev_only = reference("payments", "d")
    outputs = write_outputs(project, {**DEV_DIGESTS, "payments": dev_only})

    assert promote(project, "--outputs", str(outputs)) == 0

    assert "not promoting 'payments': no service of stack 'prod' runs it" in capsys.readouterr().out
    assert pinned(project) == DEV_DIGESTS
    assert dev_only not in promoted_images(project)


def test_a_target_service_that_is_invalid_is_refused_before_anything_is_written(project, capsys):
    stack = project / "Pulumi.prod.yaml"
    stack.write_text(stack.read_text().replace("- name: hello-world", "- name: Hello_World", 1))
    outputs = write_outputs(project, DEV_DIGESTS)
    before = snapshot(project)

    assert promote(project, "--outputs", str(outputs)) == 1

    out = capsys.readouterr().out
    assert "`container-platform:services[0]` is invalid (name: String should match pattern" in out
    assert snapshot(project) == before


def test_the_record_names_the_login_when_git_has_no_identity(project, tmp_path, monkeypatch):
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("LOGNAME", "ops-robot")

    assert promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS))) == 0

    [record] = read_log(project, "prod")
    assert record.promoted_by == "ops-robot"


def test_the_record_names_the_login_where_git_is_not_installed(project, tmp_path, monkeypatch):
    outputs = write_outputs(project, DEV_DIGESTS)
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    monkeypatch.setenv("LOGNAME", "ops-robot")

    assert promote(project, "--outputs", str(outputs)) == 0

    [record] = read_log(project, "prod")
    assert record.promoted_by == "ops-robot"


OTHER_ACCOUNT = "210987654321.dkr.ecr.eu-west-1.amazonaws.com"
REFUSED_REFERENCES = [
    pytest.param(
        f"{REGISTRY}/container-platform/hello-world:1.4.2",
        "names the tag '1.4.2'; tags can be moved to other images after review, so only digests are accepted",
        id="tag",
    ),
    pytest.param(
        f"{REGISTRY}/container-platform/hello-world:latest@sha256:{'c' * 64}",
        "names the tag 'latest'",
        id="tag-and-digest",
    ),
    pytest.param(
        f"{REGISTRY}/container-platform/hello-world",
        "has no digest; use <account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex>",
        id="bare-repository",
    ),
    pytest.param(
        f"hello-world@sha256:{'c' * 64}",
        "names no registry, so it would resolve to Docker Hub",
        id="docker-hub-name",
    ),
    pytest.param(
        f"{REGISTRY}/container-platform/hello-world@sha256:{'c' * 12}",
        "is not a valid image reference",
        id="short-digest",
    ),
    pytest.param(
        f"{REGISTRY}/container-platform/hello-world@sha512:{'c' * 128}",
        "uses the digest algorithm 'sha512'",
        id="other-algorithm",
    ),
    pytest.param(
        reference("hello-world", "c", registry=OTHER_ACCOUNT),
        f"registry '{OTHER_ACCOUNT}' is not approved for stack 'prod' (approved in prod.json "
        f"`approved-container-images`.approvedRegistries: ['{REGISTRY}']); push the image to an approved "
        "registry or have the approval added there",
        id="unapproved-registry",
    ),
    pytest.param(
        f"{REGISTRY}/container-platform/hello-world-debug@sha256:{'c' * 64}",
        "is in repository 'container-platform/hello-world-debug', but the repository must be named after the "
        "image: 'container-platform/hello-world'",
        id="repository-not-named-after-image",
    ),
    pytest.param(
        f"{REGISTRY}/sandbox/hello-world@sha256:{'c' * 64}",
        "is in repository 'sandbox/hello-world', but the repository must be named after the image: "
        "'container-platform/hello-world'",
        id="repository-outside-prefix",
    ),
    pytest.param(
        12345,
        "imageDigests.hello-world: expected a digest reference string",
        id="not-a-string",
    ),
]


@pytest.mark.parametrize(("published", "message"), REFUSED_REFERENCES)
def test_refuses_what_prod_must_not_deploy(project, capsys, published, message):
    outputs = write_outputs(project, {**DEV_DIGESTS, "hello-world": published})
    before = snapshot(project)

    assert promote(project, "--outputs", str(outputs)) == 1

    out = capsys.readouterr().out
    assert "promote: refused to promote dev -> prod:" in out
    assert "imageDigests.hello-world" in out
    assert message in out
    assert snapshot(project) == before


def test_refuses_a_repository_the_policy_config_does_not_approve(project, capsys):
    config_path = project / "policies" / "config" / "prod.json"
    config = json.loads(config_path.read_text())
    config["approved-container-images"]["approvedRepositories"].remove("container-platform/hello-world")
    config_path.write_text(json.dumps(config))

    assert promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS))) == 1

    out = capsys.readouterr().out
    assert "repository 'container-platform/hello-world' is not approved for stack 'prod'" in out


def test_lists_every_refusal_at_once(project, capsys):
    tagged = {image: f"{REGISTRY}/container-platform/{image}:v1" for image in DEV_DIGESTS}
    outputs = write_outputs(project, tagged)

    assert promote(project, "--outputs", str(outputs)) == 1

    out = capsys.readouterr().out
    assert all(f"imageDigests.{image}: " in out for image in DEV_DIGESTS)


def test_refuses_to_promote_a_stack_into_itself(project, capsys):
    assert promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS)), from_stack="prod") == 1
    assert "--from and --to are both 'prod'" in capsys.readouterr().out


def test_refuses_when_the_target_reads_another_stack(project, capsys):
    stack = project / "Pulumi.prod.yaml"
    stack.write_text(stack.read_text().replace(
        "source: pinned", "source: stackReference\n    stackReference: bank/container-platform/qa"
    ))

    assert promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS))) == 1

    assert "takes its images from stackReference 'bank/container-platform/qa', not from stack 'dev'" in (
        capsys.readouterr().out
    )


def test_a_missing_stack_file_says_how_to_create_the_stack(project, capsys):
    assert promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS)), to_stack="staging") == 1

    out = capsys.readouterr().out
    assert "Pulumi.staging.yaml does not exist: create the stack first" in out
    assert "`pulumi stack init staging` and `pulumi config cp --stack prod --dest staging`" in out


def test_a_missing_policy_config_says_how_to_create_it(project, capsys):
    (project / "policies" / "config" / "qa.json").unlink()

    assert promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS)), to_stack="qa") == 1

    assert "qa.json does not exist: copy policies/config/prod.json to policies/config/qa.json" in (
        capsys.readouterr().out
    )


def test_outputs_without_image_digests_are_refused(project, capsys):
    outputs = project / "outputs.json"
    outputs.write_text(json.dumps({"url": "http://dev.example"}))

    assert promote(project, "--outputs", str(outputs)) == 1

    assert "has no `imageDigests` output (found: ['url'])" in capsys.readouterr().out


def test_a_missing_outputs_file_says_how_to_write_it(project, capsys):
    assert promote(project, "--outputs", str(project / "nope.json")) == 1

    assert "no such file; write it with `pulumi stack output --json --stack <from>" in capsys.readouterr().out


def test_without_the_pulumi_cli_the_outputs_file_is_required(project, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))

    assert promote(project) == 1

    out = capsys.readouterr().out
    assert "the Pulumi CLI is not on PATH" in out
    assert "pass --outputs FILE holding the JSON of `pulumi stack output --json --stack dev`" in out


def test_the_project_cli_runs_promote(project):
    outputs = write_outputs(project, DEV_DIGESTS)
    result = subprocess.run(
        [sys.executable, "-m", "container_platform", "promote", "--from", "dev", "--to", "prod",
         "--project-dir", str(project), "--outputs", str(outputs), "--dry-run"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert f"+      base: {DEV_DIGESTS['base']}" in result.stdout


def test_promoting_digests_pinned_by_hand_records_them_as_promoted(project):
    stack = project / "Pulumi.prod.yaml"
    stack.write_text(stack.read_text().replace(reference("hello-world", "3"), DEV_DIGESTS["hello-world"]))
    outputs = write_outputs(project, {**pinned(project), "hello-world": DEV_DIGESTS["hello-world"]})

    assert promote(project, "--outputs", str(outputs)) == 0

    assert DEV_DIGESTS["hello-world"] in promoted_images(project)
    [record] = read_log(project, "prod")
    changes = {c.image: (c.old, c.new) for c in record.changes}
    assert changes["hello-world"] == (DEV_DIGESTS["hello-world"], DEV_DIGESTS["hello-world"])
