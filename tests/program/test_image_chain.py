"""The image chain: hardened repositories, builds FROM the parent's digest, and the non-building sources."""

from __future__ import annotations

import hashlib
import json

import pytest

from components.image_specs import (
    BASE,
    JAVA_RUNTIME,
    application_image,
    context_digest,
    lineage_build_args,
)
from components.promoted_tag import PROMOTED_TAG_PREFIX, promoted_tag
from components.source_revision import source_revision
from container_platform.review.mock_cloud import CloudIdentity
from container_platform.review.mock_invokes import ecr_authorization_token
from container_platform.review.offline_runtime import ProgramError, StackRecording, evaluate_stack, plain
from tests.program.recorded import (
    DOCKER_IMAGE,
    ECR_LIFECYCLE,
    ECR_REPOSITORY,
    KMS_KEY,
    inputs,
    json_input,
    outputs_of,
)
from tests.program.stack_configs import stack_config

SPECS = {spec.name: spec for spec in (BASE, JAVA_RUNTIME, application_image("hello-world"))}


def test_repositories_are_named_after_their_images(dev: StackRecording):
    names = {inputs(r)["name"] for r in dev.of_type(ECR_REPOSITORY)}
    assert names == {f"container-platform/{name}" for name in SPECS}


def test_repositories_are_immutable_scanned_and_kms_encrypted(dev: StackRecording):
    (key,) = dev.of_type(KMS_KEY)
    key_arn = outputs_of(dev, key.urn)["arn"]
    for repository in dev.of_type(ECR_REPOSITORY):
        settings = inputs(repository)
        assert settings["imageTagMutability"] == "IMMUTABLE"
        assert settings["imageScanningConfiguration"] == {"scanOnPush": True}
        assert settings["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": key_arn}]


def test_lifecycle_expires_untagged_and_keeps_the_last_releases(dev: StackRecording):
    policies = dev.of_type(ECR_LIFECYCLE)
    assert len(policies) == 3
    for policy in policies:
        _, untagged, releases = json_input(policy, "policy")["rules"]
        assert untagged["selection"] == {
            "tagStatus": "untagged",
            "countType": "sinceImagePushed",
            "countUnit": "days",
            "countNumber": 7,
        }
        assert releases["selection"] == {
            "tagStatus": "tagged",
            "tagPatternList": ["*"],
            "countType": "imageCountMoreThan",
            "countNumber": 30,
        }
        assert untagged["rulePriority"] < releases["rulePriority"]
        assert {untagged["action"]["type"], releases["action"]["type"]} == {"expire"}


def test_lifecycle_never_expires_an_image_promote_tagged(dev: StackRecording):
    """ECR lets no lower-priority rule expire an image matching a higher-priority rule's tags, so the rule
    for promoted images must come first, match every tag promote writes, and count more than will exist."""
    tag = promoted_tag("prod", "sha256:" + "ab" * 32)
    for policy in dev.of_type(ECR_LIFECYCLE):
        rules = json_input(policy, "policy")["rules"]
        priorities = [rule["rulePriority"] for rule in rules]
        assert len(set(priorities)) == len(priorities)
        first = min(rules, key=lambda rule: rule["rulePriority"])
        assert first["selection"] == {
            "tagStatus": "tagged",
            "tagPrefixList": [PROMOTED_TAG_PREFIX],
            "countType": "imageCountMoreThan",
            "countNumber": 9999,
        }
        assert all(tag.startswith(prefix) for prefix in first["selection"]["tagPrefixList"])
        assert first["action"] == {"type": "expire"}


def test_each_image_is_built_from_its_parents_repo_digest(dev: StackRecording):
    images = {r.name: r for r in dev.of_type(DOCKER_IMAGE)}
    upstream = stack_config("dev")["container-platform:images"]["upstream"]
    base_args = inputs(images["base"])["build"]["args"]
    assert base_args == lineage_build_args(SPECS["base"], upstream, upstream, base_args["REVISION"])
    for name in ("java-runtime", "hello-world"):
        spec = SPECS[name]
        parent_digest = outputs_of(dev, images[spec.parent].urn)["repoDigest"]
        args = inputs(images[name])["build"]["args"]
        assert args == lineage_build_args(spec, parent_digest, upstream, args["REVISION"])
        assert args["REVISION"] == source_revision(spec.context_path())
        assert "@sha256:" in parent_digest
        assert images[spec.parent].urn in images[name].dependencies


def test_the_lineage_output_records_each_images_parent_digest_and_the_upstream(dev: StackRecording):
    images = {r.name: r for r in dev.of_type(DOCKER_IMAGE)}
    upstream = stack_config("dev")["container-platform:images"]["upstream"]
    lineage = dev.outputs["imageLineage"]
    assert set(lineage) == set(images)
    for name, image in images.items():
        spec = SPECS[name]
        parent = upstream if spec.parent is None else outputs_of(dev, images[spec.parent].urn)["repoDigest"]
        assert lineage[name] == {
            "reference": outputs_of(dev, image.urn)["repoDigest"],
            "parent": parent,
            "upstream": upstream,
            "sourceRevision": inputs(image)["build"]["args"]["REVISION"],
        }


def test_preview_knows_each_images_upstream_and_revision_before_any_digest(dev_preview: StackRecording):
    upstream = stack_config("dev")["container-platform:images"]["upstream"]
    for image in dev_preview.of_type(DOCKER_IMAGE):
        args = image.inputs["build"]["args"]
        assert plain(args["CHAIN_UPSTREAM"]) == upstream
        assert plain(args["REVISION"]) == source_revision(SPECS[image.name].context_path())


def test_builds_use_the_spec_contexts_for_linux_amd64(dev: StackRecording):
    for image in dev.of_type(DOCKER_IMAGE):
        build = inputs(image)["build"]
        spec = SPECS[image.name]
        assert (build["context"], build["dockerfile"], build["platform"]) == (
            spec.context,
            spec.dockerfile,
            "linux/amd64",
        )


def test_tags_change_with_the_context_and_the_parent_digest(dev: StackRecording):
    images = {r.name: r for r in dev.of_type(DOCKER_IMAGE)}
    for name, image in images.items():
        spec = SPECS[name]
        parent = inputs(image)["build"]["args"][spec.parent_arg]
        revision = inputs(image)["build"]["args"]["REVISION"]
        tag = inputs(image)["imageName"].rsplit(":", 1)[1]
        inputs_digest = hashlib.sha256(f"{context_digest(spec)}\0{revision}".encode()).hexdigest()
        assert tag == f"{inputs_digest[:16]}-{parent.rsplit(':', 1)[1][:16]}"


def test_registry_credentials_come_from_the_ecr_token_as_a_secret(dev: StackRecording):
    token = ecr_authorization_token(CloudIdentity(account="123456789012", region="eu-west-1"), {})
    for image in dev.of_type(DOCKER_IMAGE):
        registry = image.inputs["registry"]
        assert registry["username"] == token["userName"]
        assert registry["server"] == "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
        assert "4dabf18193072939515e22adb298388d" in registry["password"], "password must travel as a secret"
        assert plain(registry["password"]) == token["password"]


def _stack_reference_config() -> dict:
    config = stack_config("prod")
    config["container-platform:images"] = {
        "source": "stackReference",
        "stackReference": "bank/container-platform/dev",
    }
    return config


def test_stack_reference_source_deploys_the_source_stacks_digests(dev: StackRecording):
    recording = evaluate_stack(
        "prod",
        config=_stack_reference_config(),
        stack_references={"bank/container-platform/dev": dev.outputs},
    )
    assert recording.outputs["imageDigests"] == dev.outputs["imageDigests"]
    assert not [r for r in recording.resources if r.type.startswith("docker:")]
    assert not recording.of_type(ECR_REPOSITORY)


REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
TAGGED = f"{REGISTRY}/container-platform/hello-world:latest"


@pytest.mark.parametrize(
    ("hello_world", "message"),
    [
        (None, "imageDigests.hello-world is missing"),
        (TAGGED, "names the tag 'latest'"),
        (f"ghcr.io/bank/hello-world@sha256:{'0' * 64}", "is not in ECR"),
        (f"{REGISTRY}/other/hello-world@sha256:{'0' * 64}", "the repository must match the image name"),
    ],
)
def test_stack_reference_refuses_missing_or_tagged_images(
    hello_world: str | None, message: str, dev: StackRecording
):
    digests = {name: ref for name, ref in dev.outputs["imageDigests"].items() if name != "hello-world"}
    if hello_world is not None:
        digests["hello-world"] = hello_world
    with pytest.raises(ProgramError, match=message):
        evaluate_stack(
            "prod",
            config=_stack_reference_config(),
            stack_references={"bank/container-platform/dev": {"imageDigests": digests}},
        )


def test_kms_key_rotates_and_lets_logs_use_it_only_for_own_log_groups(prod: StackRecording):
    (key,) = prod.of_type(KMS_KEY)
    assert inputs(key)["enableKeyRotation"] is True
    statements = {s["Sid"]: s for s in json.loads(inputs(key)["policy"])["Statement"]}
    logs = statements["CloudWatchLogsEncryptsOwnLogGroups"]
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] == (
        "arn:aws:logs:eu-west-1:123456789012:log-group:*"
    )
