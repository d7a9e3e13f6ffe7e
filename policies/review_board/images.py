"""Question 1, the base image: every image a task runs or a Dockerfile builds FROM is approved.

References are parsed with docker-image-py (the distribution project's grammar), through the shared
`image_references` package. Task images must come from an approved registry and repository and, where
required, be pinned by digest. Every `FROM` of every stage must be an approved upstream pinned by digest or
an approved internal image, and an image is pushed to the repository named after it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath
from typing import Any

from image_references.reference_grammar import ImageReferenceError, Reference, parse_image_reference
from review_board.containers import TASK_DEFINITION, containers
from review_board.dockerfiles import IMAGE, PROJECT_ROOT, build_settings, locate, parse
from review_board.framework import Finding, Resource, Unchecked, Violation, for_each, resource_policy
from review_board.wire import is_unknown

STRING_LIST: dict[str, Any] = {"type": "array", "items": {"type": "string"}, "default": []}
APPROVED_INTERNAL: dict[str, Mapping[str, Any]] = {
    "approvedRegistries": {**STRING_LIST, "description": "Registry hosts images may come from."},
    "approvedRepositories": {**STRING_LIST, "description": "Repository names images may come from."},
}


def _internal_problem(reference: Reference, config: Mapping[str, Any]) -> str | None:
    """Why a reference is not an approved internal image, or None when it is."""
    registry, repository = reference.split_hostname()
    if registry is None:
        return "a bare Docker Hub name"
    if registry not in config["approvedRegistries"]:
        return f"registry {registry!r} is not approved (approved: {config['approvedRegistries']})"
    if repository not in config["approvedRepositories"]:
        return f"repository {repository!r} is not approved (approved: {config['approvedRepositories']})"
    return None


def _parse(text: str) -> Reference | str:
    try:
        return parse_image_reference(text)
    except ImageReferenceError as error:
        return f"not a valid image reference ({error})"


@for_each(containers)
def _task_images(
    resource: Resource, container: dict[str, Any], config: Mapping[str, Any]
) -> Iterator[Finding]:
    name, image = container.get("name", "?"), container.get("image")
    if is_unknown(image):
        yield Unchecked(f"image of container {name!r}")
        return
    reference = _parse(str(image))
    subject = f"{resource.label} container {name!r} runs image {image!r}"
    if isinstance(reference, str):
        yield Violation(f"{subject}: {reference}. Fix: use <registry>/<repo>@sha256:<digest>.")
        return
    problem = _internal_problem(reference, config)
    if problem:
        yield Violation(
            f"{subject}: {problem}. Fix: run an image pushed by the platform's automation to an approved "
            "ECR repository, or have the registry and repository approved in this policy's config."
        )
    if config["requireDigest"] and not reference["digest"]:
        tag = reference["tag"] or "latest (implied)"
        yield Violation(
            f"{subject}, tag {tag!r} not pinned by digest; a tag can move to other bytes after review. "
            "Fix: reference the image as <repository>@sha256:<digest> (the stack output imageDigests)."
        )


def _upstream_approved(reference: Reference, approved: list[str]) -> bool:
    for entry in approved:
        allowed = _parse(entry)
        if (
            isinstance(allowed, Reference)
            and allowed["name"] == reference["name"]
            and allowed["digest"] is not None
            and allowed["digest"] == reference["digest"]
        ):
            return True
    return False


def _dockerfile(resource: Resource, config: Mapping[str, Any]) -> Iterator[Any]:
    """The parsed Dockerfile of a docker Image, or the Finding that stops the check."""
    _, path, args = build_settings(resource.props)
    if is_unknown(path):
        yield Unchecked("build.dockerfile")
        return
    location = locate(str(path), config["projectRoot"])
    try:
        yield parse(location, args)
    except OSError as error:
        yield Violation(
            f"{resource.label}: cannot read its Dockerfile {str(path)!r} at {location} ({error}), so its "
            "base images cannot be verified. Fix: point build.dockerfile at it (relative to the project) "
            "or set this policy's projectRoot."
        )
    except ValueError as error:
        yield Violation(f"{resource.label}: Dockerfile {str(path)!r} does not parse ({error}). Fix the file.")


def _base_images(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    _, path, _ = build_settings(resource.props)
    for parsed in _dockerfile(resource, config):
        if isinstance(parsed, Violation | Unchecked):
            yield parsed
            continue
        stages: set[str] = set()
        for line in parsed.froms:
            where = f"{path} line {line.line} ({line.original!r})"
            if line.value is None:
                yield Unchecked(f"{where}: build arg {line.unresolved_arg} is not known yet")
            elif line.value.lower() in stages or line.value == "scratch":
                pass
            else:
                yield from _base_problem(f"{resource.label} {where}", line.value, config)
            if line.stage:
                stages.add(line.stage)


def _base_problem(where: str, image: str, config: Mapping[str, Any]) -> Iterator[Finding]:
    """`where` names the resource, Dockerfile and line; violations start with it."""
    reference = _parse(image)
    if isinstance(reference, str):
        yield Violation(f"{where}: FROM {image!r} is {reference}. Fix: FROM an approved image, by digest.")
        return
    if _upstream_approved(reference, config["approvedUpstreams"]):
        return
    problem = _internal_problem(reference, config)
    if problem:
        yield Violation(
            f"{where}: FROM {image!r} is neither an approved upstream pinned by digest "
            f"(approved: {config['approvedUpstreams']}) nor an approved internal image ({problem}). "
            "Fix: build FROM the platform's base or runtime image by digest, or have the upstream approved."
        )
    elif not reference["digest"]:
        yield Violation(
            f"{where}: FROM {image!r} is not pinned by digest. "
            "Fix: pass the parent's repo digest as the build arg."
        )


def _pushed_to_own_repository(resource: Resource, _config: Mapping[str, Any]) -> Iterator[Finding]:
    context, _, _ = build_settings(resource.props)
    image_name = resource.props.get("imageName")
    if is_unknown(image_name) or is_unknown(context):
        yield Unchecked("imageName and build.context")
        return
    if image_name is None:
        return  # a required input: the provider rejects the resource itself
    reference = _parse(str(image_name))
    if isinstance(reference, str):
        yield Violation(
            f"{resource.label} pushes {image_name!r}, {reference}. Fix: use <registry>/<repo>:<tag>."
        )
        return
    _, repository = reference.split_hostname()
    expected = PurePosixPath(str(context)).name
    if repository.rsplit("/", 1)[-1] != expected:
        yield Violation(
            f"{resource.label} builds {context!r} but pushes it to repository {repository!r}; the repository "
            f"name must match the image name {expected!r}. Fix: push to <repositoryPrefix>/{expected}."
        )


POLICIES = [
    resource_policy(
        name="approved-container-images",
        question="1",
        description="Every container image of a task is from an approved registry and repository, by digest",
        types=[TASK_DEFINITION],
        check=_task_images,
        config={**APPROVED_INTERNAL, "requireDigest": {"type": "boolean", "default": True}},
    ),
    resource_policy(
        name="approved-base-images",
        question="1",
        description="Each FROM of each Dockerfile stage is an approved upstream by digest or approved image",
        types=[IMAGE],
        check=_base_images,
        config={
            **APPROVED_INTERNAL,
            **PROJECT_ROOT,
            "approvedUpstreams": {
                **STRING_LIST,
                "description": "Upstream base images allowed in FROM, each <name>@sha256:<digest>.",
            },
        },
    ),
    resource_policy(
        name="image-repository-matches-name",
        question="1",
        description="An image is pushed to the repository named after it",
        types=[IMAGE],
        check=_pushed_to_own_repository,
    ),
]
