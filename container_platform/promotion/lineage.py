"""The lineage promotion carries: read from the source's `imageLineage`, checked, and judged for approval.

A digest says which bytes run; the lineage says where they came from. Promotion refuses an image whose
lineage is missing, of the wrong shape, not the chain's own (a parent that is not the chain's previous
image, a digest of another repository, a cycle), or whose upstream the target's policy config does not
approve: the same list the `promoted-lineage` policy judges at preview, so promotion refuses what prod's
review would block. With --verify-ecr the labels in each image's config blob must say the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from components.image_specs import (
    BASE_DIGEST_LABEL,
    BASE_NAME_LABEL,
    REVISION_LABEL,
    UPSTREAM_LABEL,
    lineage_labels,
    spec_named,
)
from container_platform.promotion.policy_config_file import LINEAGE_POLICY, PolicyConfigFile
from container_platform.promotion.registry_labels import RegistryAccess, RegistryReadError, image_labels
from image_references.digest_reference import DigestReference
from image_references.lineage import (
    LINEAGE_OUTPUT,
    PARENT,
    REFERENCE,
    SOURCE_REVISION,
    UPSTREAM,
    ImageLineage,
    LineageError,
    ancestry,
    approved_upstream,
    parse_lineage,
)

APPROVED_UPSTREAMS = "approvedUpstreams"
# Which lineage field each label must agree with.
LABEL_FIELDS = {
    BASE_NAME_LABEL: PARENT,
    BASE_DIGEST_LABEL: PARENT,
    UPSTREAM_LABEL: UPSTREAM,
    REVISION_LABEL: SOURCE_REVISION,
}


def approved_upstreams(policy_config: PolicyConfigFile) -> list[str]:
    """The upstreams the target's `promoted-lineage` policy approves (none when it has no such list)."""
    value = policy_config.policy_settings(LINEAGE_POLICY).get(APPROVED_UPSTREAMS, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise LineageError([
            f"{policy_config.path}: `{LINEAGE_POLICY}.{APPROVED_UPSTREAMS}` is {value!r}; it must be a list "
            "of upstream references pinned by digest"
        ])
    return value


def checked_lineage(
    outputs: Mapping[str, Any],
    images: Mapping[str, DigestReference],
    *,
    to_stack: str,
    policy_config: PolicyConfigFile,
) -> dict[str, ImageLineage]:
    """The lineage of every image to promote, or LineageError listing every problem at once."""
    if LINEAGE_OUTPUT not in outputs:
        raise LineageError([
            f"the source outputs have no `{LINEAGE_OUTPUT}`, so nothing records what the images were built "
            f"FROM; deploy the source stack with this version of the program (it exports `{LINEAGE_OUTPUT}`)"
        ])
    lineage = parse_lineage(outputs[LINEAGE_OUTPUT], where=LINEAGE_OUTPUT)
    approved = approved_upstreams(policy_config)
    reasons: list[str] = []
    for name, reference in images.items():
        where = f"{LINEAGE_OUTPUT}.{name}"
        entry = lineage.get(name)
        if entry is None:
            reasons.append(f"{where}: missing; the source stack must publish the lineage of every image it "
                           "publishes a digest for")
            continue
        if entry.reference.identity != str(reference):
            reasons.append(f"{where}.{REFERENCE}: {entry.reference}, but imageDigests.{name} is {reference}; "
                           "the lineage must describe the published digest")
            continue
        problems = _chain_problems(entry, lineage, where)
        if problems:
            reasons.extend(problems)
            continue
        try:
            ancestry(name, lineage, where=LINEAGE_OUTPUT)
        except LineageError as error:
            reasons.extend(error.reasons)
            continue
        if not approved_upstream(entry.upstream, approved):
            reasons.append(
                f"{where}.{UPSTREAM}: {entry.upstream} is not approved for stack {to_stack!r} (approved in "
                f"{policy_config.path.name} `{LINEAGE_POLICY}.{APPROVED_UPSTREAMS}`: {approved or 'none'}); "
                "rebuild the chain FROM an approved upstream (images.upstream of the source stack), or have "
                "this one approved there"
            )
    if reasons:
        raise LineageError(list(dict.fromkeys(reasons)))
    return {name: lineage[name] for name in images}


def _chain_problems(entry: ImageLineage, lineage: Mapping[str, ImageLineage], where: str) -> list[str]:
    """Whether the recorded parent is the chain's previous image, as components/image_specs.py defines it."""
    previous = spec_named(entry.image).parent
    if previous is None:
        return []  # the root: ancestry() already holds its parent to the upstream
    parent = lineage.get(previous)
    if parent is None:
        return [f"{where}.{PARENT}: {entry.parent}, but the chain's previous image {previous!r} has no "
                f"lineage in {LINEAGE_OUTPUT}"]
    if entry.parent.repository != parent.reference.repository:
        return [f"{where}.{PARENT}: {entry.parent} is a digest of repository {entry.parent.repository!r}, "
                f"but {entry.image!r} is built FROM {previous!r} "
                f"(repository {parent.reference.repository!r})"]
    if entry.parent.identity != parent.reference.identity:
        return [f"{where}.{PARENT}: {entry.parent} is not the chain's previous image {previous!r}, which is "
                f"{parent.reference}; promote a chain built in one run"]
    return []


def label_refusals(
    images: Mapping[str, DigestReference],
    lineage: Mapping[str, ImageLineage],
    access_for: Callable[[DigestReference], RegistryAccess],
) -> list[str]:
    """One message per lineage label the image's config blob lacks or contradicts."""
    refusals: list[str] = []
    for name, reference in images.items():
        entry = lineage[name]
        expected = lineage_labels(
            spec_named(name), str(entry.parent), str(entry.upstream), entry.source_revision
        )
        try:
            configs = image_labels(access_for(reference), reference.repository, reference.digest)
        except RegistryReadError as error:
            refusals.append(f"{name}: cannot read the labels of {reference} from its registry ({error}); "
                            "--verify-ecr needs ecr:GetAuthorizationToken, ecr:BatchGetImage and "
                            "ecr:GetDownloadUrlForLayer on it")
            continue
        for labels in configs:
            for label, value in expected.items():
                if labels.get(label) != value:
                    refusals.append(
                        f"{name}: label {label} of {reference} is {labels.get(label)!r} in the registry, "
                        f"but {LINEAGE_OUTPUT}.{name}.{LABEL_FIELDS[label]} says {value!r}; the outputs do "
                        "not describe this image: promote the outputs of the build that pushed it"
                    )
    return refusals
