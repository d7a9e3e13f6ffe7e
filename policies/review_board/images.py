"""Question 1, the base image: every image a task runs or a Dockerfile builds FROM is approved.

References are parsed with docker-image-py (the distribution project's grammar), through the shared
`image_references` package. Task images must come from an approved registry and repository and, where
required, be pinned by digest. Every `FROM` of every stage must be an approved upstream pinned by digest or
an approved internal image, the image a Dockerfile builds names a non-root USER, and an image is pushed to
the repository named after it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from image_references.reference_grammar import ImageReferenceError, Reference, parse_image_reference
from review_board.container_hardening import is_root_user
from review_board.containers import TASK_DEFINITION, containers
from review_board.dockerfiles import (
    BUILD_READERS,
    DOCKER_BUILD_IMAGE,
    IMAGE,
    PROJECT_ROOT,
    REMOTE_IMAGE,
    REMOTE_LOCATION,
    TAG,
    Dockerfile,
    Line,
    build_settings,
    read_dockerfile,
)
from review_board.framework import Finding, Resource, Unchecked, Violation, for_each, resource_policy
from review_board.wire import as_list, is_unknown

STRING_LIST: dict[str, Any] = {"type": "array", "items": {"type": "string"}, "default": []}
APPROVED_INTERNAL: dict[str, Mapping[str, Any]] = {
    "approvedRegistries": {**STRING_LIST, "description": "Registry hosts images may come from."},
    "approvedRepositories": {**STRING_LIST, "description": "Repository names images may come from."},
}


DOCKER_HUB = "docker.io"


def docker_name(reference: Reference) -> tuple[str, str, bool]:
    """(registry, repository, written without a registry) as Docker resolves a name (distribution's
    ParseNormalizedNamed): a first component that is no host (no '.', ':' or 'localhost') is Docker Hub's,
    index.docker.io is docker.io, and a one-part Docker Hub name is under library/."""
    first, _, rest = str(reference["name"]).partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, repository, bare = first, rest, False
    else:
        registry, repository, bare = DOCKER_HUB, str(reference["name"]), True
    registry = DOCKER_HUB if registry == "index.docker.io" else registry
    if registry == DOCKER_HUB and "/" not in repository:
        repository = f"library/{repository}"
    return registry, repository, bare


def _internal_problem(reference: Reference, config: Mapping[str, Any]) -> str | None:
    """Why a reference is not an approved internal image, or None when it is."""
    registry, repository, bare = docker_name(reference)
    approved_repositories = config["approvedRepositories"]
    if registry not in config["approvedRegistries"]:
        if bare:
            return f"a bare Docker Hub name ({registry}/{repository}, a registry not approved)"
        return f"registry {registry!r} is not approved (approved: {config['approvedRegistries']})"
    familiar = repository.removeprefix("library/") if registry == DOCKER_HUB else repository
    if repository not in approved_repositories and familiar not in approved_repositories:
        return f"repository {repository!r} is not approved (approved: {approved_repositories})"
    return None


def parse_reference(text: str) -> Reference | str:
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
    reference = parse_reference(str(image))
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
        allowed = parse_reference(entry)
        if (
            isinstance(allowed, Reference)
            and docker_name(allowed)[:2] == docker_name(reference)[:2]
            and allowed["digest"] is not None
            and allowed["digest"] == reference["digest"]
        ):
            return True
    return False


def dockerfile_of(resource: Resource, config: Mapping[str, Any], *, report: bool) -> Iterator[Any]:
    """The parsed Dockerfile of a build resource, or the Finding that stops the check.

    `report`: whether an unreadable Dockerfile is this rule's violation (approved-base-images reports it
    once; the other Dockerfile rules then stay silent on it).
    """
    build = build_settings(resource.type, resource.props)
    if build is None:
        return
    if is_unknown(build.inline) or (build.inline is None and is_unknown(build.dockerfile)):
        yield Unchecked("the Dockerfile's location or text")
        return
    try:
        yield read_dockerfile(build, config["projectRoot"])
    except OSError as error:
        if report:
            yield Violation(
                f"{resource.label}: cannot read its Dockerfile {str(build.dockerfile)!r} ({error}), so the "
                "images it builds from cannot be verified. Fix: point the dockerfile input at it (relative "
                "to the project) or set this policy's projectRoot."
            )
    except ValueError as error:
        if report:
            yield Violation(f"{resource.label}: its Dockerfile does not parse ({error}). Fix the file.")


def _context_problems(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    """Build contexts other than local folders: `docker-image://` images must be approved, URLs are not."""
    build = build_settings(resource.type, resource.props)
    for name, location in build.extra_contexts if build else ():
        if is_unknown(location):
            yield Unchecked(f"build context {name}")
        elif location is None:
            continue
        elif str(location).startswith("docker-image://"):
            image = str(location).removeprefix("docker-image://")
            yield from _base_problem(f"{resource.label} build context {name!r}", image, "context", config)
        elif REMOTE_LOCATION.match(str(location)):
            yield Violation(
                f"{resource.label} builds from the remote context {name!r} = {location!r}, content no review "
                "has seen. Fix: build from a folder of this repository."
            )


def _base_images(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if resource.type == TAG:
        yield from _pulled(resource, "sourceImage", config)
        return
    if resource.type == REMOTE_IMAGE and not resource.props.get("build"):
        yield from _pulled(resource, "name", config)
        return
    yield from _context_problems(resource, config)
    build = build_settings(resource.type, resource.props)
    named = set(build.named) if build else set()
    for parsed in dockerfile_of(resource, config, report=True):
        if isinstance(parsed, Violation | Unchecked):
            yield parsed
            continue
        stages: set[str] = set()
        for line in parsed.froms:
            replaced = line.stage in named or _familiar(line.value) in named  # judged as a context
            if line.value is None or (
                line.value.lower() not in stages and line.value != "scratch" and not replaced
            ):
                yield from _line_problem(resource, parsed, line, config)
            if line.stage:
                stages.add(line.stage)
        for line in parsed.pulls:
            if line.source == "# syntax" or _familiar(line.value) not in named:
                yield from _line_problem(resource, parsed, line, config)
        for line in parsed.circular:
            yield Violation(
                f"{resource.label} {parsed.path} line {line.line} ({line.original!r}) takes content from "
                f"{line.value!r}, a stage that depends on the stage copying, so BuildKit refuses the build "
                "(circular dependency). Fix: copy from an earlier, independent stage."
            )


def _familiar(image: str | None) -> str | None:
    """An image name as BuildKit matches it to a named build context (dockerui NamedContext): Docker Hub's
    familiar form (`alpine`, `user/app`), the tag and digest kept, a `:latest` tag dropped."""
    reference = parse_reference(image) if image is not None else None
    if not isinstance(reference, Reference):
        return image
    name = str(reference["name"])
    domain, _, path = name.partition("/")
    if domain in ("docker.io", "index.docker.io") and path:
        name = path
    if name.startswith("library/") and name.count("/") == 1:
        name = name.removeprefix("library/")
    familiar = name + (f":{reference['tag']}" if reference["tag"] else "")
    familiar += f"@{reference['digest']}" if reference["digest"] else ""
    return familiar.removesuffix(":latest")


def _pulled(resource: Resource, key: str, config: Mapping[str, Any]) -> Iterator[Finding]:
    image = resource.props.get(key)
    if is_unknown(image):
        yield Unchecked(key)
    elif image is not None:
        yield from _base_problem(f"{resource.label} {key}", str(image), "pulls", config)


def _line_problem(
    resource: Resource, parsed: Dockerfile, line: Line, config: Mapping[str, Any]
) -> Iterator[Finding]:
    where = f"{parsed.path} line {line.line} ({line.original!r})"
    if line.value is None:
        yield Unchecked(f"{where}: build arg {line.unresolved_arg} is not known yet")
    else:
        yield from _base_problem(f"{resource.label} {where}", line.value, line.source, config)


def _base_problem(where: str, image: str, source: str, config: Mapping[str, Any]) -> Iterator[Finding]:
    """`where` names the resource, Dockerfile and line; violations start with it."""
    reference = parse_reference(image)
    if isinstance(reference, str):
        yield Violation(f"{where}: {source} {image!r} is {reference}. Fix: use an approved image, by digest.")
        return
    if _upstream_approved(reference, config["approvedUpstreams"]):
        return
    problem = _internal_problem(reference, config)
    if problem:
        yield Violation(
            f"{where}: {source} {image!r} is neither an approved upstream pinned by digest "
            f"(approved: {config['approvedUpstreams']}) nor an approved internal image ({problem}). "
            "Fix: build from the platform's base or runtime image by digest, or have the upstream approved."
        )
    elif not reference["digest"]:
        yield Violation(
            f"{where}: {source} {image!r} is not pinned by digest. "
            "Fix: pass the parent's repo digest as the build arg."
        )


def _no_remote_add(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for parsed in dockerfile_of(resource, config, report=False):
        if isinstance(parsed, Violation | Unchecked):
            yield parsed
            continue
        for line in parsed.remote_adds:
            where = f"{parsed.path} line {line.line} ({line.original!r})"
            if line.value is None:
                yield Unchecked(f"{where}: build arg {line.unresolved_arg} is not known yet")
            else:
                yield Violation(
                    f"{resource.label} {where} ADDs {line.value!r} from the network: content that no review "
                    "approved and that can change after review. Fix: put the file in the build context (or "
                    "an approved image) and COPY it."
                )


def _runs_as_non_root(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    build = build_settings(resource.type, resource.props)
    target = build.target if build else None
    for parsed in dockerfile_of(resource, config, report=False):
        if isinstance(parsed, Violation | Unchecked):
            yield parsed
            continue
        if is_unknown(target):
            yield Unchecked("the build target")
            continue
        index = parsed.stage_index(target)
        if index is None:
            continue  # no stage, or a target the file lacks: Docker refuses to build it
        user, origin = parsed.user_of(index)
        subject = f"{resource.label} {parsed.path}"
        if user is not None and user.value is None:
            yield Unchecked(f"{subject} line {user.line}: build arg {user.unresolved_arg} is not known yet")
        elif user is not None and is_root_user(user.value or ""):
            yield Violation(
                f"{subject} line {user.line} ({user.original!r}) leaves the image running as root "
                f"(USER {user.value!r}). Fix: end the stage with USER <non-root uid>:<gid>, e.g. 10001:10001."
            )
        elif user is None and origin.value is None:
            yield Unchecked(
                f"{subject} line {origin.line}: build arg {origin.unresolved_arg} is not known yet"
            )
        elif user is None:
            yield Violation(
                f"{subject} sets no USER for the image it builds, so it runs as whatever {origin.value!r} "
                "sets (root for scratch and most upstream images). Fix: end the stage with USER <non-root "
                "uid>:<gid>, e.g. 10001:10001."
            )


def pushed_names(resource: Resource) -> list[tuple[str, Any]]:
    """(input, reference) of every name a build resource pushes or tags: imageName, tags, targetImage."""
    props = resource.props
    if resource.type == TAG:
        return [("targetImage", props.get("targetImage"))]
    if resource.type == DOCKER_BUILD_IMAGE:
        tags = props.get("tags")
        return [("tags", tags)] if is_unknown(tags) else [("tags", tag) for tag in as_list(tags)]
    if resource.type == IMAGE:
        return [("imageName", props.get("imageName"))]
    return []


def _pushed_to_approved_repository(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for key, image_name in pushed_names(resource):
        if is_unknown(image_name):
            yield Unchecked(key)
            continue
        if image_name is None:
            continue  # a required input: the provider rejects the resource itself
        reference = parse_reference(str(image_name))
        subject = f"{resource.label} pushes {image_name!r} ({key})"
        if isinstance(reference, str):
            yield Violation(f"{subject}, {reference}. Fix: use <registry>/<repository>:<tag>.")
            continue
        problem = _internal_problem(reference, config)
        if problem:
            yield Violation(
                f"{subject}: {problem}. Fix: push to the ECR repository the image's component created "
                "(<repositoryPrefix>/<image name>), which the board approved by name."
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
        description="Every image a build pulls (FROM, COPY --from, RUN --mount, # syntax) is approved",
        types=[*BUILD_READERS, TAG],
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
        description="An image is pushed only to an approved repository, the one named after it",
        types=[IMAGE, DOCKER_BUILD_IMAGE, TAG],
        check=_pushed_to_approved_repository,
        config=APPROVED_INTERNAL,
    ),
    resource_policy(
        name="dockerfile-user-not-root",
        question="1",
        description="The image a Dockerfile builds names its USER, and it is not root",
        types=BUILD_READERS,
        check=_runs_as_non_root,
        config=PROJECT_ROOT,
    ),
    resource_policy(
        name="dockerfile-no-remote-add",
        question="1",
        description="No Dockerfile ADDs content from a URL",
        types=BUILD_READERS,
        check=_no_remote_add,
        config=PROJECT_ROOT,
    ),
]
