"""Image references pinned by digest: the one place the project parses `<registry>/<repository>@sha256:<hex>`.

Promotion moves immutable images, so a reference is only accepted when it names a registry, a repository
and a sha256 digest, and no tag: a tag can be moved to other bytes after review, a digest cannot. Parsing
follows the grammar of the distribution project (docker-image-py), not a home-made regular expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from image_references.reference_grammar import ImageReferenceError, parse_image_reference

DIGEST_ALGORITHM = "sha256"
EXPECTED_FORM = "<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex>"
# A registry host (255) and a repository path (255, distribution's limit) and a digest fit well within this.
MAX_REFERENCE_LENGTH = 600
_ECHOED_CHARS = 60
_ECR_REGISTRY = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$"
)


def ecr_registry(account: str, region: str) -> str:
    """The host of an account's private ECR registry in a region: the form `_ECR_REGISTRY` parses."""
    return f"{account}.dkr.ecr.{region}.amazonaws.com"


class DigestReferenceError(ValueError):
    """A reference that cannot be deployed as an immutable image; the message says why and what to use."""


@dataclass(frozen=True)
class DigestReference:
    """An image named by registry, repository and content digest."""

    registry: str
    repository: str
    digest: str

    def __str__(self) -> str:
        return f"{self.registry}/{self.repository}@{self.digest}"

    @property
    def image_name(self) -> str:
        """The repository's last segment; the project names repositories after the images they hold."""
        return self.repository.rsplit("/", 1)[-1]

    @property
    def ecr_account(self) -> str | None:
        match = _ECR_REGISTRY.match(self.registry)
        return match["account"] if match else None

    @property
    def ecr_region(self) -> str | None:
        match = _ECR_REGISTRY.match(self.registry)
        return match["region"] if match else None


def parse_digest_reference(text: object, *, setting: str = "image reference") -> DigestReference:
    """Parse `text` or raise DigestReferenceError naming `setting`, the bad value and the expected form."""
    if not isinstance(text, str):
        raise DigestReferenceError(
            f"{setting}: expected a digest reference string ({EXPECTED_FORM}), got {type(text).__name__} "
            f"{repr(text)[:_ECHOED_CHARS]}"
        )
    if len(text) > MAX_REFERENCE_LENGTH:
        raise DigestReferenceError(
            f"{setting}: {text[:_ECHOED_CHARS]!r}... is {len(text)} characters, longer than any image "
            f"reference (at most {MAX_REFERENCE_LENGTH}); expected {EXPECTED_FORM}"
        )
    try:
        parsed = parse_image_reference(text)
    except ImageReferenceError as error:
        raise DigestReferenceError(
            f"{setting}: {text!r} is not a valid image reference ({error}); expected {EXPECTED_FORM}"
        ) from error
    if parsed["tag"]:
        raise DigestReferenceError(
            f"{setting}: {text!r} names the tag {parsed['tag']!r}; tags can be moved to other images after "
            f"review, so only digests are accepted: use {EXPECTED_FORM} (the repo digest the build pushed)"
        )
    if not parsed["digest"]:
        raise DigestReferenceError(
            f"{setting}: {text!r} has no digest; use {EXPECTED_FORM} (the repo digest the build pushed)"
        )
    algorithm = parsed["digest"].split(":", 1)[0]
    if algorithm != DIGEST_ALGORITHM:
        raise DigestReferenceError(
            f"{setting}: {text!r} uses the digest algorithm {algorithm!r}; registries address images by "
            f"{DIGEST_ALGORITHM}: use {EXPECTED_FORM}"
        )
    registry = parsed.domain()
    if not registry or (not re.search(r"[.:]", registry) and registry != "localhost"):
        raise DigestReferenceError(
            f"{setting}: {text!r} names no registry, so it would resolve to Docker Hub; "
            f"use {EXPECTED_FORM}"
        )
    return DigestReference(registry=registry, repository=parsed.path(), digest=parsed["digest"])
