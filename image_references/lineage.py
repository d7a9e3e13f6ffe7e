"""Image lineage: what each image of the chain was built FROM, down to the upstream at its root.

The lineage travels in one shape wherever it goes: the dev stack's `imageLineage` output, the
`images.lineage` of a promoted stack file, the `promoted-lineage` policy config and the promotion record.
Each image name maps to {reference, parent, upstream, sourceRevision}: the image's own digest reference,
its parent's (the upstream itself for the root of the chain), the upstream at the root, and the source
revision it was built from. Every reference is pinned by digest: a tag names whatever was pushed last, not
what was built. The program, the CLI and the policy pack all read it here, so they refuse the same things.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from image_references.reference_grammar import ImageReferenceError, parse_image_reference

LINEAGE_OUTPUT = "imageLineage"
REFERENCE = "reference"
PARENT = "parent"
UPSTREAM = "upstream"
SOURCE_REVISION = "sourceRevision"
FIELDS = (REFERENCE, PARENT, UPSTREAM, SOURCE_REVISION)
PINNED_FORM = "<registry>/<repository>[:<tag>]@sha256:<64 hex>"


class LineageError(ValueError):
    """Lineage that cannot be trusted; one reason per line, each naming the image and the field."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("\n".join(reasons))
        self.reasons = list(reasons)


@dataclass(frozen=True)
class PinnedReference:
    """A reference that names its bytes: a digest, with an informative tag at most."""

    name: str  # registry/repository as the distribution grammar normalises it
    tag: str | None
    digest: str

    def __str__(self) -> str:
        return f"{self.name}{':' + self.tag if self.tag else ''}@{self.digest}"

    @property
    def identity(self) -> str:
        """What the registry serves for it: the name and the digest; a tag beside a digest is ignored."""
        return f"{self.name}@{self.digest}"

    @property
    def repository(self) -> str:
        """The name without its registry host."""
        return self.name.split("/", 1)[1] if "/" in self.name else self.name


def parse_pinned(text: object, *, setting: str) -> PinnedReference:
    """`text` as a reference pinned by digest, or LineageError naming `setting` (a tag alone is refused)."""
    if not isinstance(text, str):
        raise LineageError(
            [f"{setting}: expected a reference pinned by digest ({PINNED_FORM}), got {text!r}"]
        )
    try:
        parsed = parse_image_reference(text)
    except ImageReferenceError as error:
        raise LineageError(
            [f"{setting}: {text!r} is not an image reference ({error}); use {PINNED_FORM}"]
        ) from None
    if not parsed["digest"]:
        given = f"the tag {parsed['tag']!r}" if parsed["tag"] else "no digest"
        raise LineageError(
            [
                f"{setting}: {text!r} is given by {given}; a tag can be moved to other bytes, so lineage "
                f"names digests only: use {PINNED_FORM}"
            ]
        )
    if not parsed["digest"].startswith("sha256:"):
        raise LineageError([f"{setting}: {text!r} is not a sha256 digest; use {PINNED_FORM}"])
    return PinnedReference(str(parsed["name"]), parsed["tag"], str(parsed["digest"]))


@dataclass(frozen=True)
class ImageLineage:
    """One image's recorded lineage."""

    image: str
    reference: PinnedReference
    parent: PinnedReference
    upstream: PinnedReference
    source_revision: str

    def to_json(self) -> dict[str, str]:
        return {
            REFERENCE: str(self.reference),
            PARENT: str(self.parent),
            UPSTREAM: str(self.upstream),
            SOURCE_REVISION: self.source_revision,
        }


def parse_lineage(value: object, *, where: str) -> dict[str, ImageLineage]:
    """Image name -> lineage, or LineageError listing every problem, each as `<where>.<image>.<field>`."""
    if not isinstance(value, Mapping):
        raise LineageError(
            [f"{where}: expected a map of image name -> {{{', '.join(FIELDS)}}}, got {type(value).__name__}"]
        )
    parsed: dict[str, ImageLineage] = {}
    reasons: list[str] = []
    for image, entry in value.items():
        try:
            parsed[str(image)] = _parse_entry(str(image), entry, f"{where}.{image}")
        except LineageError as error:
            reasons.extend(error.reasons)
    if reasons:
        raise LineageError(reasons)
    return parsed


def _parse_entry(image: str, entry: object, where: str) -> ImageLineage:
    if not isinstance(entry, Mapping):
        raise LineageError([f"{where}: expected a map with {', '.join(FIELDS)}, got {entry!r}"])
    reasons = [
        f"{where}.{key}: unknown field; allowed: {', '.join(FIELDS)}" for key in entry if key not in FIELDS
    ]
    reasons += [f"{where}.{key}: missing" for key in FIELDS if key not in entry]
    references: dict[str, PinnedReference] = {}
    for key in (REFERENCE, PARENT, UPSTREAM):
        if key in entry:
            try:
                references[key] = parse_pinned(entry[key], setting=f"{where}.{key}")
            except LineageError as error:
                reasons.extend(error.reasons)
    revision = entry.get(SOURCE_REVISION)
    if SOURCE_REVISION in entry and (not isinstance(revision, str) or not revision.strip()):
        reasons.append(
            f"{where}.{SOURCE_REVISION}: expected the source revision as a non-empty string, got {revision!r}"
        )
    own = references.get(REFERENCE)
    if own is not None and own.repository.rsplit("/", 1)[-1] != image:
        reasons.append(
            f"{where}.{REFERENCE}: {own} is a digest of repository {own.repository!r}, not of image "
            f"{image!r}; each image lives in the repository named after it (<repositoryPrefix>/{image})"
        )
    if reasons:
        raise LineageError(reasons)
    return ImageLineage(image, references[REFERENCE], references[PARENT], references[UPSTREAM], str(revision))


def ancestry(image: str, lineage: Mapping[str, ImageLineage], *, where: str) -> list[ImageLineage]:
    """`image`, its parent, ... down to the root built FROM the upstream, or LineageError saying where the
    recorded chain breaks: a parent that is neither a recorded image nor the upstream, a cycle, or links that
    disagree on the upstream at the root."""
    by_identity = {entry.reference.identity: entry for entry in lineage.values()}
    start = lineage[image]
    chain = [start]
    while True:
        current = chain[-1]
        if current.upstream.identity != start.upstream.identity:
            raise LineageError(
                [
                    f"{where}.{current.image}.{UPSTREAM}: {current.upstream} differs from the upstream "
                    f"{start.upstream} that {start.image!r} records; one chain has one upstream at its root"
                ]
            )
        parent = by_identity.get(current.parent.identity)
        if parent is None:
            break
        if parent in chain:
            loop = " -> ".join(entry.image for entry in [*chain[chain.index(parent) :], parent])
            raise LineageError(
                [
                    f"{where}.{current.image}.{PARENT}: {current.parent} leads back to {parent.image!r}, "
                    f"so the lineage is a cycle ({loop}) and never reaches an upstream"
                ]
            )
        chain.append(parent)
    root = chain[-1]
    if root.parent.identity != root.upstream.identity:
        raise LineageError(
            [
                f"{where}.{root.image}.{PARENT}: {root.parent} is neither a recorded image of the chain "
                f"nor its upstream {root.upstream}; record the image it was built FROM"
            ]
        )
    return chain


def approved_upstream(upstream: PinnedReference, approved: Sequence[str]) -> bool:
    """Whether `approved` lists this upstream by name and digest (a tag beside the digest is informative)."""
    for entry in approved:
        try:
            allowed = parse_pinned(entry, setting="approvedUpstreams")
        except LineageError:
            continue
        if allowed.identity == upstream.identity:
            return True
    return False
