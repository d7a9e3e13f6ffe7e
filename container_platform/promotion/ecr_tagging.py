"""Tag each promoted image in its ECR repository, so the source stack's lifecycle never expires it.

The target stack pulls the exact digests the source stack pushed, from the source stack's repositories,
whose lifecycle expires all but the newest releases. Its first rule keeps every image with a
`promoted-` tag (components/ecr_repository.py), so promote adds `promoted-<to>-<12 hex>` to each image it
pins. ECR adds a tag to an existing image when PutImage receives the image's own manifest, exactly as
BatchGetImage returned it (the same bytes hash to the same digest); the repositories' tags are IMMUTABLE,
which allows a new tag and forbids moving one, hence a tag unique to the digest.

Every image is looked up before any is tagged, so a missing image or a denied BatchGetImage tags nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from components.promoted_tag import promoted_tag
from container_platform.promotion.ecr_clients import EcrClients, not_in_ecr
from image_references.digest_reference import DigestReference

OPTION = "--tag-ecr"
# Everything an image of the chain can be stored as; ECR returns the manifest it stores, unconverted.
ACCEPTED_MEDIA_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
)
# put_image answers these when the tag is already in the repository (real ECR: ImageAlreadyExists for the
# same image, ImageTagAlreadyExists for another one; moto raises the first for both), so the tag is looked
# up before either counts as done.
_TAG_EXISTS = frozenset({"ImageAlreadyExistsException", "ImageTagAlreadyExistsException"})
_ACCESS_DENIED = frozenset({
    "AccessDeniedException", "UnrecognizedClientException", "InvalidClientTokenId",
    "InvalidSignatureException", "ExpiredTokenException",
})


class _Refused(Exception):
    """Why one image cannot be tagged; the message names the image, the action and the fix."""


@dataclass(frozen=True)
class ImageToTag:
    """A promoted image and its manifest, byte for byte as ECR stores it."""

    name: str
    reference: DigestReference
    tag: str
    manifest: str
    media_type: str | None


@dataclass
class TaggingResult:
    """One line per image tagged (or already tagged, or, in a dry run, to tag), and every refusal."""

    lines: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)


def tag_in_ecr(
    images: Mapping[str, DigestReference], *, to_stack: str, dry_run: bool = False
) -> TaggingResult:
    """Add the promoted tag to every image; with `dry_run`, only look each one up.

    Adding a tag an image already has is success, so promoting the same digest again is harmless.
    """
    clients = EcrClients()
    result = TaggingResult()
    found: list[ImageToTag] = []
    for name, reference in images.items():
        problem = not_in_ecr(name, reference, OPTION, "tag")
        if problem is not None:
            result.refusals.append(problem)
            continue
        try:
            tag = promoted_tag(to_stack, reference.digest)
        except ValueError as error:
            result.refusals.append(f"{name}: {error}; {OPTION} cannot tag {reference}")
            continue
        try:
            found.append(_look_up(clients.for_reference(reference), name, reference, tag))
        except _Refused as refusal:
            result.refusals.append(str(refusal))
    if result.refusals:
        return result
    for image in found:
        if dry_run:
            result.lines.append(f"would tag {image.name} {image.reference} as {image.tag}")
            continue
        try:
            result.lines.append(_add_tag(clients.for_reference(image.reference), image))
        except _Refused as refusal:
            result.refusals.append(str(refusal))
    return result


def _batch_get_image(client: Any, reference: DigestReference, image_id: dict[str, str]) -> Any:
    """One image of the reference's repository, by digest or by tag, in any manifest format ECR stores."""
    return client.batch_get_image(
        registryId=reference.ecr_account,
        repositoryName=reference.repository,
        imageIds=[image_id],
        acceptedMediaTypes=list(ACCEPTED_MEDIA_TYPES),
    )


def _look_up(client: Any, name: str, reference: DigestReference, tag: str) -> ImageToTag:
    """The image's stored manifest, or why it cannot be read (missing image or repository, access)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = _batch_get_image(client, reference, {"imageDigest": reference.digest})
    except ClientError as error:
        if error.response["Error"]["Code"] == "RepositoryNotFoundException":
            raise _Refused(
                f"{name}: ECR repository {reference.repository} does not exist in account "
                f"{reference.ecr_account} ({reference.ecr_region}), so {OPTION} cannot tag {reference}"
            ) from error
        raise _call_failed(name, "ecr:BatchGetImage", reference, error) from error
    except BotoCoreError as error:
        raise _call_failed(name, "ecr:BatchGetImage", reference, error) from error
    matching = [
        image for image in response.get("images", [])
        if image.get("imageId", {}).get("imageDigest") == reference.digest
    ]
    if not matching:
        failures = response.get("failures") or [{"failureCode": "ImageNotFound"}]
        code = failures[0].get("failureCode")
        if code == "ImageNotFound":
            raise _Refused(
                f"{name}: {reference.digest} does not exist in ECR repository {reference.repository} "
                f"(account {reference.ecr_account}), so {OPTION} cannot tag it {tag}; promote only digests "
                "the source stack pushed and still holds"
            )
        raise _Refused(
            f"{name}: ecr:BatchGetImage could not return {reference} ({code}: "
            f"{failures[0].get('failureReason', 'no reason given')}), so {OPTION} cannot tag it {tag}"
        )
    stored = matching[0]
    return ImageToTag(
        name=name,
        reference=reference,
        tag=tag,
        manifest=stored["imageManifest"],
        media_type=stored.get("imageManifestMediaType"),
    )


def _add_tag(client: Any, image: ImageToTag) -> str:
    """PutImage of the same manifest with the new tag; the line to print."""
    from botocore.exceptions import BotoCoreError, ClientError

    reference = image.reference
    request: dict[str, Any] = dict(
        registryId=reference.ecr_account,
        repositoryName=reference.repository,
        imageManifest=image.manifest,
        imageDigest=reference.digest,
        imageTag=image.tag,
    )
    if image.media_type:
        request["imageManifestMediaType"] = image.media_type
    try:
        client.put_image(**request)
    except ClientError as error:
        if error.response["Error"]["Code"] in _TAG_EXISTS:
            return _already_tagged(client, image)
        raise _call_failed(image.name, "ecr:PutImage", reference, error) from error
    except BotoCoreError as error:
        raise _call_failed(image.name, "ecr:PutImage", reference, error) from error
    return f"tagged {image.name} {reference} as {image.tag}"


def _already_tagged(client: Any, image: ImageToTag) -> str:
    """Success when the existing tag names this very digest; a refusal when it names another image."""
    from botocore.exceptions import BotoCoreError, ClientError

    reference = image.reference
    try:
        response = _batch_get_image(client, reference, {"imageTag": image.tag})
    except (ClientError, BotoCoreError) as error:
        raise _call_failed(image.name, "ecr:BatchGetImage", reference, error) from error
    digests = {found.get("imageId", {}).get("imageDigest") for found in response.get("images", [])}
    if digests == {reference.digest}:
        return f"{image.name} {reference} is already tagged {image.tag}"
    raise _Refused(
        f"{image.name}: the tag {image.tag} in ECR repository {reference.repository} already names "
        f"{', '.join(sorted(d for d in digests if d)) or 'another image'}, not {reference.digest}, and the "
        "repository's tags are immutable; delete that tag if nothing deploys it, then promote again"
    )


def _call_failed(name: str, action: str, reference: DigestReference, error: Exception) -> _Refused:
    """The refusal for a failed call; an access problem names the two actions --tag-ecr needs."""
    where = f"ECR repository {reference.repository} (account {reference.ecr_account}, {reference.ecr_region})"
    said = " ".join(str(error).split())  # one line, whatever the service's error body looked like
    response = getattr(error, "response", None)  # a ClientError's; BotoCoreError (no credentials) has none
    if response is not None and not _is_access_problem(response):
        return _Refused(
            f"{name}: {action} on {where} failed ({said}), so {OPTION} could not tag {reference}"
        )
    return _Refused(
        f"{name}: {action} on {where} failed ({said}); {OPTION} needs AWS credentials allowed to call "
        f"ecr:BatchGetImage and ecr:PutImage on the source stack's repositories: allow {action} on "
        f"{reference.repository} to the credentials promote runs with, then promote again"
    )


def _is_access_problem(response: Mapping[str, Any]) -> bool:
    """Denied or unauthenticated: ECR's access error codes, or any 401/403 answer."""
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return response.get("Error", {}).get("Code") in _ACCESS_DENIED or status in (401, 403)
