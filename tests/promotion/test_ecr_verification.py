"""--verify-ecr against a real local AWS API (moto in server mode, see moto_ecr.py), and the lineage labels
against a real local registry's /v2/ API (labelled_images.py), which moto does not serve.

Scan results are seeded through moto's documented API (`/moto-api/static/ecr/scan-finding-results`); a
real ECR computes them with its scanner, and the code reads them through the same `DescribeImageScanFindings`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from labelled_images import access, push_labelled
from moto_ecr import ACCOUNT, REGION, push_image, seed_scan
from promotion_helpers import (
    APPROVED_UPSTREAM,
    IMAGES,
    PREFIX,
    REGISTRY,
    REVISION,
    UNAPPROVED_UPSTREAM,
    chain_lineage,
    run_promote,
    write_outputs,
)

from components.image_specs import lineage_labels, spec_named
from container_platform.local_images.engine import DockerUnavailableError
from container_platform.local_images.registry import LocalRegistry, local_registry
from container_platform.promotion.command import PromotionRefused, promote
from container_platform.promotion.ecr_verification import verify_in_ecr
from container_platform.promotion.record import read_log
from image_references.digest_reference import parse_digest_reference


def verify(reference: str, block_at: str = "CRITICAL") -> list[str]:
    return verify_in_ecr({"hello-world": parse_digest_reference(reference)}, block_at=block_at)


def test_an_existing_digest_with_a_clean_scan_passes(ecr, moto_endpoint):
    reference = push_image(ecr, "hello-world", "v1")
    seed_scan(moto_endpoint, reference, {})

    assert verify(reference) == []


def test_a_digest_that_does_not_exist_is_refused(ecr):
    real = push_image(ecr, "hello-world", "v1")
    missing = real.rsplit("@", 1)[0] + "@sha256:" + "0" * 64

    [refusal] = verify(missing)

    assert refusal == (
        f"hello-world: sha256:{'0' * 64} does not exist in ECR repository container-platform/hello-world "
        f"(account {ACCOUNT}); promote only digests the source stack pushed"
    )


def test_a_repository_that_does_not_exist_is_refused(ecr):
    [refusal] = verify(f"{REGISTRY}/{PREFIX}/hello-world@sha256:{'0' * 64}")

    assert refusal == (
        f"hello-world: ECR repository container-platform/hello-world does not exist in account {ACCOUNT} "
        f"({REGION})"
    )


def test_a_digest_with_critical_findings_is_refused(ecr, moto_endpoint):
    reference = push_image(ecr, "hello-world", "v1")
    seed_scan(moto_endpoint, reference, {"CRITICAL": 2, "HIGH": 5, "LOW": 1})

    [refusal] = verify(reference)

    assert refusal == (
        f"hello-world: the scan of {reference} found 2 CRITICAL finding(s), and promotion blocks at CRITICAL "
        "and above; rebuild on a patched base and promote the new digest"
    )


def test_the_blocking_severity_is_configurable(ecr, moto_endpoint):
    reference = push_image(ecr, "hello-world", "v1")
    seed_scan(moto_endpoint, reference, {"HIGH": 1, "MEDIUM": 3})

    assert verify(reference, block_at="CRITICAL") == []
    [refusal] = verify(reference, block_at="MEDIUM")
    assert "found 1 HIGH, 3 MEDIUM finding(s), and promotion blocks at MEDIUM and above" in refusal


def test_an_image_never_scanned_is_refused(ecr):
    reference = push_image(ecr, "hello-world", "v1", scanned=False)

    [refusal] = verify(reference)

    assert refusal.startswith(f"hello-world: {reference} has never been scanned; enable scan on push")


def test_a_scan_still_running_is_refused(ecr, moto_endpoint):
    reference = push_image(ecr, "hello-world", "v1")
    seed_scan(moto_endpoint, reference, {}, status=("IN_PROGRESS", "Scanning."))

    [refusal] = verify(reference)

    assert "is IN_PROGRESS (Scanning.); wait for it to complete" in refusal


def test_a_registry_that_is_not_ecr_cannot_be_verified(ecr):
    [refusal] = verify(f"registry.example:5000/{PREFIX}/hello-world@sha256:{'0' * 64}")

    assert "is not in an ECR registry" in refusal


@pytest.fixture(scope="module")
def registry() -> Iterator[LocalRegistry]:
    """Distribution's registry on loopback, the /v2/ API that serves the image configs."""
    try:
        with local_registry() as running:
            yield running
    except DockerUnavailableError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and no registry can be started: {error}", pytrace=False)
        pytest.skip(f"the label check needs a real registry: {error}")


def push_chain(ecr, moto_endpoint, registry, upstream: str = APPROVED_UPSTREAM) -> dict[str, str]:
    """The chain built FROM `upstream`: each image labelled with its lineage in the registry, the same
    manifest (so the same digest) in moto's ECR, scanned clean."""
    digests: dict[str, str] = {}
    for image in IMAGES:
        parent = upstream if image == "base" else digests[str(spec_named(image).parent)]
        labels = lineage_labels(spec_named(image), parent, upstream, REVISION)
        manifest = push_labelled(registry, f"{PREFIX}/{image}", labels)
        digests[image] = push_image(ecr, image, f"{image}-labelled", manifest=manifest)
        seed_scan(moto_endpoint, digests[image], {"LOW": 1})
    return digests


def promote_verified(project: Path, outputs: Path, registry: LocalRegistry):
    return promote(
        from_stack="dev",
        to_stack="prod",
        project_dir=project,
        outputs_file=outputs,
        verify_ecr=True,
        registry_access=lambda reference: access(registry),
    )


def test_promote_with_verify_ecr_records_the_verification(ecr, moto_endpoint, registry, project: Path):
    digests = push_chain(ecr, moto_endpoint, registry)

    promote_verified(project, write_outputs(project, digests), registry)

    [record] = read_log(project, "prod")
    assert record.verified_with_ecr
    assert {change.image: change.new for change in record.changes} == digests
    assert record.lineage == chain_lineage(digests)


def test_verify_ecr_refuses_outputs_whose_lineage_the_image_labels_contradict(
    ecr, moto_endpoint, registry, project: Path
):
    """Outputs edited to claim the approved upstream for a chain built FROM another: the labels tell."""
    digests = push_chain(ecr, moto_endpoint, registry, upstream=UNAPPROVED_UPSTREAM)
    before = (project / "Pulumi.prod.yaml").read_text()

    with pytest.raises(PromotionRefused) as refused:
        promote_verified(project, write_outputs(project, digests), registry)

    for image in IMAGES:
        assert any(
            reason.startswith(f"{image}: label com.github.container-platform.chain.upstream of ")
            and f"is {UNAPPROVED_UPSTREAM!r} in the registry" in reason
            and f"imageLineage.{image}.upstream says {APPROVED_UPSTREAM!r}" in reason
            for reason in refused.value.reasons
        ), refused.value.reasons
    assert any("label org.opencontainers.image.base.digest of" in r for r in refused.value.reasons)
    assert (project / "Pulumi.prod.yaml").read_text() == before
    assert read_log(project, "prod") == []


def test_verify_ecr_refuses_an_image_the_registry_does_not_serve(ecr, moto_endpoint, registry, project: Path):
    digests = {image: push_image(ecr, image, f"{image}-unlabelled") for image in IMAGES}
    for reference in digests.values():
        seed_scan(moto_endpoint, reference, {})

    with pytest.raises(PromotionRefused) as refused:
        promote_verified(project, write_outputs(project, digests), registry)

    assert all("cannot read the labels of" in reason and "404" in reason for reason in refused.value.reasons)


def test_promote_with_verify_ecr_writes_nothing_when_ecr_refuses(ecr, moto_endpoint, project: Path, capsys):
    digests = {image: push_image(ecr, image, f"{image}-v2") for image in IMAGES}
    for image, reference in digests.items():
        seed_scan(moto_endpoint, reference, {"CRITICAL": 1} if image == "base" else {})
    before = (project / "Pulumi.prod.yaml").read_text()

    assert run_promote(project, "--outputs", str(write_outputs(project, digests)), "--verify-ecr") == 1

    out = capsys.readouterr().out
    assert "refused to promote dev -> prod" in out and "base: the scan of" in out and "1 CRITICAL" in out
    assert (project / "Pulumi.prod.yaml").read_text() == before
    assert read_log(project, "prod") == []
