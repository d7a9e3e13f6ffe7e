"""--tag-ecr against a local ECR (moto in server mode, see moto_ecr.py): promote tags exactly the digests it
pins, `promoted-<to>-<12 hex>`, so the source stack's lifecycle keeps them; and writes nothing when it cannot.

moto adds a tag to an existing image when PutImage receives that image's manifest unchanged, as ECR does;
given any other manifest it would store a new image under a new digest, which the tests below would see.
Where moto differs from ECR (so these tests cannot prove those parts): it ignores BatchGetImage's
acceptedMediaTypes (it returns the stored manifest whatever is accepted, as ECR does when the stored type is
among those accepted); it raises ImageAlreadyExistsException where ECR raises ImageTagAlreadyExistsException
(a tag already on another image), and the code treats both alike; with IAM enforced it answers a denied call
with HTTP 403 and code "403" where ECR says AccessDeniedException, and the code takes any 403 as denied.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto_ecr import ACCOUNT, REGION, moto_api, push_image, tags_by_digest
from promotion_helpers import IMAGES, PREFIX, REGISTRY, run_promote, write_outputs

from components.promoted_tag import promoted_tag
from container_platform.promotion.record import read_log

TARGET_FILES = ("Pulumi.prod.yaml", "policies/config/prod.json")


def digest_of(reference: str) -> str:
    return reference.rsplit("@", 1)[1]


def expected_tag(reference: str, stack: str = "prod") -> str:
    digest = digest_of(reference)
    tag = f"promoted-{stack}-{digest.removeprefix('sha256:')[:12]}"
    assert promoted_tag(stack, digest) == tag  # the tag the lifecycle rule's prefix keeps
    return tag


def file_bytes(project: Path) -> dict[str, bytes]:
    return {name: (project / name).read_bytes() for name in TARGET_FILES}


@pytest.fixture
def dev_build(ecr: Any) -> dict[str, str]:
    """What dev pushed: an older release and the one being promoted, in every repository of the chain."""
    for image in IMAGES:
        push_image(ecr, image, f"{image}-v1")
    return {image: push_image(ecr, image, f"{image}-v2") for image in IMAGES}


def promote(project: Path, digests: dict[str, str], *extra: str, to_stack: str = "prod") -> int:
    outputs = write_outputs(project, digests)
    return run_promote(project, "--outputs", str(outputs), *extra, to_stack=to_stack)


def test_tag_ecr_adds_exactly_the_promoted_tag_to_exactly_the_promoted_digest(
    ecr, dev_build, project: Path, capsys
):
    before = {image: tags_by_digest(ecr, image) for image in IMAGES}

    assert promote(project, dev_build, "--tag-ecr") == 0

    out = capsys.readouterr().out
    for image, reference in dev_build.items():
        tag = expected_tag(reference)
        promoted = digest_of(reference)
        after = tags_by_digest(ecr, image)
        assert set(after) == set(before[image])  # no image added: the tag went on the pushed manifest
        assert after[promoted] == sorted([f"{image}-v2", tag])
        assert {digest: tags for digest, tags in after.items() if digest != promoted} == {
            digest: tags for digest, tags in before[image].items() if digest != promoted
        }
        assert out.count(f"promote: tagged {image} {reference} as {tag}\n") == 1
    [record] = read_log(project, "prod")
    assert {change.image: change.new for change in record.changes} == dev_build
    assert record.tagged_in_ecr and "from stack dev, tagged in ECR, not verified:" in record.comment_block()
    assert "tagged in ECR, not verified:" in (project / "Pulumi.prod.yaml").read_text()


def test_promoting_the_same_digests_again_succeeds_and_adds_nothing(ecr, dev_build, project: Path, capsys):
    assert promote(project, dev_build, "--tag-ecr") == 0
    tagged_once = {image: tags_by_digest(ecr, image) for image in IMAGES}
    capsys.readouterr()

    assert promote(project, dev_build, "--tag-ecr") == 0

    out = capsys.readouterr().out
    assert {image: tags_by_digest(ecr, image) for image in IMAGES} == tagged_once
    for image, reference in dev_build.items():
        assert f"promote: {image} {reference} is already tagged {expected_tag(reference)}\n" in out
    assert "already pins every digest dev published; no change" in out


def test_promoting_to_a_second_stack_adds_that_stacks_tag_beside_the_first(ecr, dev_build, project: Path):
    assert promote(project, dev_build, "--tag-ecr") == 0
    assert promote(project, dev_build, "--tag-ecr", to_stack="qa") == 0

    for image, reference in dev_build.items():
        assert tags_by_digest(ecr, image)[digest_of(reference)] == sorted(
            [f"{image}-v2", expected_tag(reference, "prod"), expected_tag(reference, "qa")]
        )


def test_a_digest_missing_from_ecr_refuses_before_anything_is_tagged_or_written(
    ecr, dev_build, project: Path, capsys
):
    missing = f"{REGISTRY}/{PREFIX}/hello-world@sha256:{'0' * 64}"
    digests = {**dev_build, "hello-world": missing}
    before_files = file_bytes(project)
    before_tags = {image: tags_by_digest(ecr, image) for image in IMAGES}

    assert promote(project, digests, "--tag-ecr") == 1

    out = capsys.readouterr().out
    assert "promote: refused to promote dev -> prod:" in out
    assert (
        f"  - hello-world: sha256:{'0' * 64} does not exist in ECR repository {PREFIX}/hello-world "
        f"(account {ACCOUNT}), so --tag-ecr cannot tag it promoted-prod-000000000000; promote only digests "
        "the source stack pushed and still holds\n"
    ) in out
    assert file_bytes(project) == before_files
    assert read_log(project, "prod") == []
    # base and java-runtime exist, yet are not tagged: every image is looked up before any is tagged.
    assert {image: tags_by_digest(ecr, image) for image in IMAGES} == before_tags
    assert "promote: tagged" not in out


def test_without_tag_ecr_nothing_is_tagged(ecr, dev_build, project: Path, capsys):
    before = {image: tags_by_digest(ecr, image) for image in IMAGES}

    assert promote(project, dev_build) == 0

    assert {image: tags_by_digest(ecr, image) for image in IMAGES} == before
    assert "tagged" not in capsys.readouterr().out
    [record] = read_log(project, "prod")
    assert not record.tagged_in_ecr


def test_a_dry_run_looks_every_image_up_and_tags_nothing(ecr, dev_build, project: Path, capsys):
    before_files = file_bytes(project)
    before_tags = {image: tags_by_digest(ecr, image) for image in IMAGES}

    assert promote(project, dev_build, "--tag-ecr", "--dry-run") == 0

    out = capsys.readouterr().out
    for image, reference in dev_build.items():
        assert f"promote: would tag {image} {reference} as {expected_tag(reference)}\n" in out
    assert {image: tags_by_digest(ecr, image) for image in IMAGES} == before_tags
    assert file_bytes(project) == before_files


def test_a_tag_already_naming_another_image_is_refused(ecr, dev_build, project: Path, capsys):
    """Tags are immutable: if the promoted tag named another digest, promote must not call that success.
    (A 12-hex clash is not going to happen by chance; it is forced here with the older release.)"""
    older = next(digest for digest in tags_by_digest(ecr, "base") if digest != digest_of(dev_build["base"]))
    manifest = ecr.batch_get_image(repositoryName=f"{PREFIX}/base", imageIds=[{"imageDigest": older}])
    ecr.put_image(
        repositoryName=f"{PREFIX}/base",
        imageManifest=manifest["images"][0]["imageManifest"],
        imageTag=expected_tag(dev_build["base"]),
    )
    before_files = file_bytes(project)

    assert promote(project, dev_build, "--tag-ecr") == 1

    out = capsys.readouterr().out
    assert (
        f"base: the tag {expected_tag(dev_build['base'])} in ECR repository {PREFIX}/base already names "
        f"{older}, not {digest_of(dev_build['base'])}, and the repository's tags are immutable"
    ) in out
    assert file_bytes(project) == before_files


@pytest.fixture
def enforced_iam(ecr: Any, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Make the code under test run as a user holding only the given ECR actions, with IAM enforced."""

    def run_as(actions: list[str]) -> None:
        iam = boto3.client("iam", region_name=REGION)
        iam.create_user(UserName="promoter")
        iam.put_user_policy(
            UserName="promoter",
            PolicyName="promotion",
            PolicyDocument=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
            }),
        )
        key = iam.create_access_key(UserName="promoter")["AccessKey"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        monkeypatch.delenv("AWS_SESSION_TOKEN")
        # boto3's default session keeps the credentials it first resolved; start a fresh one, as a new
        # promote process would.
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
        moto_api(moto_endpoint, "reset-auth", b"0")  # from now on every call is checked against IAM

    try:
        yield run_as
    finally:
        moto_api(moto_endpoint, "reset-auth", b"inf")


@pytest.mark.parametrize(
    ("allowed", "missing"),
    [(["ecr:BatchGetImage"], "ecr:PutImage"), (["ecr:PutImage"], "ecr:BatchGetImage")],
    ids=["no PutImage", "no BatchGetImage"],
)
def test_denied_access_names_the_missing_action_and_writes_nothing(
    ecr, dev_build, project: Path, capsys, enforced_iam, moto_endpoint, allowed, missing
):
    outputs = write_outputs(project, dev_build)
    before_files = file_bytes(project)
    before_tags = {image: tags_by_digest(ecr, image) for image in IMAGES}
    enforced_iam(allowed)

    assert run_promote(project, "--outputs", str(outputs), "--tag-ecr") == 1

    moto_api(moto_endpoint, "reset-auth", b"inf")
    out = capsys.readouterr().out
    for image in IMAGES:
        where = f"ECR repository {PREFIX}/{image} (account {ACCOUNT}, {REGION})"
        assert f"  - {image}: {missing} on {where} failed (" in out
        assert (
            "--tag-ecr needs AWS credentials allowed to call ecr:BatchGetImage and ecr:PutImage on the "
            f"source stack's repositories: allow {missing} on {PREFIX}/{image} to the credentials promote "
            "runs with"
        ) in out
    assert f"is not authorized to perform: {missing}" in out
    assert file_bytes(project) == before_files
    assert read_log(project, "prod") == []
    assert {image: tags_by_digest(ecr, image) for image in IMAGES} == before_tags
