"""`image-pushed-to-own-repository`: an image is pushed to the ECR repository its own component created.

The brief: "the repository name must match the image name", and nobody pushes over another image. What
makes that true is not a folder name but where the push goes: a repository of this stack, created under
the same component as the image (the image chain creates one repository per image). A push into a
repository another component (or another stack) owns is how one application overwrites another's images.
Judged once the stack is known (AnalyzeStack), where parents and repository URLs are visible.
"""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from review_board.dockerfiles import DOCKER_BUILD_IMAGE, IMAGE, TAG
from review_board.framework import QUESTIONS, Resource
from review_board.images import parse_reference, pushed_names
from review_board.waivers import LEDGER, WAIVERS_SCHEMA, unwaived
from review_board.wire import is_unknown, plain

NAME = "image-pushed-to-own-repository"
REPOSITORY = "aws:ecr/repository:Repository"
PUSHING_TYPES = (IMAGE, DOCKER_BUILD_IMAGE, TAG)


def _ancestors(resource: PolicyResource) -> set[str]:
    urns: set[str] = set()
    parent = resource.parent
    while parent is not None and parent.urn not in urns:
        urns.add(parent.urn)
        parent = parent.parent
    return urns


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    config = args.get_config()
    LEDGER.take_policies({NAME})  # uses left by an earlier AnalyzeStack are not this run's
    repositories: dict[str, PolicyResource] = {}
    unchecked: list[str] = []
    unknown_urls = False
    for candidate in args.resources:
        if candidate.resource_type == REPOSITORY:
            url = plain(candidate.props).get("repositoryUrl")
            if is_unknown(url):
                unknown_urls = True
            elif isinstance(url, str):
                repositories[url] = candidate
    for pushing in args.resources:
        if pushing.resource_type not in PUSHING_TYPES:
            continue
        resource = Resource(pushing.resource_type, pushing.name, pushing.urn, plain(pushing.props))
        messages = []
        for key, image_name in pushed_names(resource):
            reference = None if is_unknown(image_name) else parse_reference(str(image_name or ""))
            if reference is None:
                unchecked.append(f"{resource.label} {key}")
                continue
            if isinstance(reference, str):
                continue  # image-repository-matches-name reports a name that does not parse
            registry, repository = reference.split_hostname()
            url = f"{registry}/{repository}"
            owner = repositories.get(url)
            component = pushing.parent.urn if pushing.parent is not None else None
            if owner is None and unknown_urls:
                unchecked.append(f"{resource.label} {key}: repository URLs are not known yet")
            elif owner is None:
                messages.append(
                    f"{resource.label} pushes {image_name!r} ({key}) to {url}, which no ECR repository of "
                    "this stack creates. Fix: push to the repository the image's component creates for it."
                )
            elif component is not None and component not in _ancestors(owner):
                messages.append(
                    f"{resource.label} pushes {image_name!r} ({key}) to repository {owner.name!r}, which "
                    "another component created, so it can overwrite that component's images. Fix: push to "
                    "the repository created for this image."
                )
        for message in unwaived(NAME, resource.name, resource.urn, messages, config.get("waivers", [])):
            report_violation(message, resource.urn)
    if unchecked:
        args.not_applicable(f"not checked until the value is known: {'; '.join(unchecked)}")


def image_pushed_to_own_repository_policy() -> StackValidationPolicy:
    return StackValidationPolicy(
        name=NAME,
        description=f"An image is pushed to the repository its component created ({QUESTIONS['1']})",
        validate=_validate,
        config_schema=PolicyConfigSchema(properties={"waivers": WAIVERS_SCHEMA}),
        severity=Severity.HIGH,
        tags=["question-1"],
    )
