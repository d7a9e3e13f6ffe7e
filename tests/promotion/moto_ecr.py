"""A local ECR for the promotion tests: moto in server mode on loopback, reached by endpoint URL.

boto3 is not patched: the code under test builds its own client from the environment, exactly as it does
with real credentials, and `AWS_ENDPOINT_URL` (a standard botocore setting) sends it to the local server.
Repositories are created as the program creates them (IMMUTABLE tags, scan on push, its lifecycle policy).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import urllib.request
from typing import Any

from promotion_helpers import PREFIX

from components.ecr_repository import lifecycle_policy
from image_references.digest_reference import parse_digest_reference

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's default account, the one promotion_helpers.REGISTRY names


def moto_api(endpoint: str, path: str, body: bytes = b"", content_type: str = "text/plain") -> None:
    """POST to moto's own API (reset, seeded results, IAM enforcement)."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/{path}", data=body, headers={"Content-Type": content_type}, method="POST"
    )
    urllib.request.urlopen(request).close()


def push_image(
    ecr: Any, image: str, content: str, *, scanned: bool = True, manifest: str | None = None
) -> str:
    """Create the repository (as the program does) and an image in it tagged `content` (of `manifest`, when
    given: the one a real registry holds); return its digest reference in the client's account's registry."""
    repository = f"{PREFIX}/{image}"
    with contextlib.suppress(ecr.exceptions.RepositoryAlreadyExistsException):
        ecr.create_repository(
            repositoryName=repository,
            imageTagMutability="IMMUTABLE",
            imageScanningConfiguration={"scanOnPush": True},
        )
        ecr.put_lifecycle_policy(repositoryName=repository, lifecyclePolicyText=lifecycle_policy(7, 30))
    blob = {"size": len(content), "digest": "sha256:" + hashlib.sha256(content.encode()).hexdigest()}
    # A manifest a real registry holds is put with its own digest (PutImage's imageDigest), as ECR has it.
    known_digest = {}
    if manifest is not None:
        known_digest = {"imageDigest": "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()}
    manifest = manifest or json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", **blob},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", **blob}],
    })
    pushed = ecr.put_image(
        repositoryName=repository, imageManifest=manifest, imageTag=content, **known_digest
    )
    digest = pushed["image"]["imageId"]["imageDigest"]
    if scanned:
        ecr.start_image_scan(repositoryName=repository, imageId={"imageDigest": digest})
    registry = f"{ecr.describe_registry()['registryId']}.dkr.ecr.{REGION}.amazonaws.com"
    return f"{registry}/{repository}@{digest}"


def seed_scan(
    endpoint: str,
    reference: str,
    severity_counts: dict[str, int],
    status: tuple[str, str] = ("COMPLETE", "The scan was completed successfully."),
) -> None:
    """What ECR's scanner reports for this image (moto's API for scan results)."""
    parsed = parse_digest_reference(reference)
    result = {
        "registryId": parsed.ecr_account,
        "repositoryName": parsed.repository,
        "imageId": {"imageDigest": parsed.digest},
        "imageScanStatus": {"status": status[0], "description": status[1]},
        "imageScanFindings": {"findings": [], "findingSeverityCounts": severity_counts},
    }
    moto_api(
        endpoint,
        "static/ecr/scan-finding-results",
        json.dumps({"results": [result], "region": REGION, "account_id": parsed.ecr_account}).encode(),
        "application/json",
    )


def tags_by_digest(ecr: Any, image: str) -> dict[str, list[str]]:
    """Every image in the repository of `image`: digest -> its tags, as DescribeImages reports them."""
    details = ecr.describe_images(repositoryName=f"{PREFIX}/{image}")["imageDetails"]
    return {detail["imageDigest"]: sorted(detail.get("imageTags", [])) for detail in details}
