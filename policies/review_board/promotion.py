"""The stack policy `prod-images-promoted`: a promoted stack runs only images promotion recorded.

Where it is enabled (prod), the stack builds no image, and every container of every task definition runs
a digest reference listed in `promotedImages`, the list `python -m container_platform promote` writes.
"""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from review_board.containers import TASK_DEFINITION, containers
from review_board.dockerfiles import BUILD_READERS
from review_board.framework import QUESTIONS, Resource, Unchecked, Violation
from review_board.waivers import LEDGER, WAIVERS_SCHEMA, unwaived
from review_board.wire import is_unknown, plain

NAME = "prod-images-promoted"
CONFIG = {
    "promotedImages": {
        "type": "array",
        "items": {"type": "string", "pattern": "^[^@]+@sha256:[0-9a-f]{64}$"},
        "default": [],
        "description": "Digest references promoted to this stack (written by the promote command).",
    },
    "waivers": WAIVERS_SCHEMA,
}


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    config = args.get_config()
    promoted = set(config.get("promotedImages", []))
    LEDGER.take_policies({NAME})  # uses left by an earlier AnalyzeStack are not this run's
    found: dict[str, tuple[Resource, list[str]]] = {}
    unchecked: list[str] = []

    def violation(resource: Resource, message: str) -> None:
        found.setdefault(resource.urn, (resource, []))[1].append(message)

    for policy_resource in args.resources:
        resource = Resource(policy_resource.resource_type, policy_resource.name, policy_resource.urn, {})
        if resource.type in BUILD_READERS:
            violation(
                resource,
                f"{resource.label} builds an image inside a promoted stack, which must deploy only images "
                "promoted by digest. Fix: set images.source to 'pinned' or 'stackReference' "
                "in the stack config.",
            )
        if resource.type != TASK_DEFINITION:
            continue
        resource = Resource(resource.type, resource.name, resource.urn, plain(policy_resource.props))
        for container in containers(resource):
            if isinstance(container, Unchecked):
                unchecked.append(f"{resource.label} {container.what}")
                continue
            if isinstance(container, Violation):
                violation(resource, container.message)
                continue
            image = container.get("image")
            if is_unknown(image):
                unchecked.append(f"{resource.label} image of container {container.get('name', '?')!r}")
            elif image not in promoted:
                violation(
                    resource,
                    f"{resource.label} container {container.get('name', '?')!r} runs {image!r}, which was "
                    f"not promoted to this stack (promotedImages: {sorted(promoted) or 'none'}). "
                    "Fix: promote it (python -m container_platform promote) or deploy one that was.",
                )
    for urn, (resource, messages) in found.items():
        for message in unwaived(NAME, resource.name, urn, messages, config.get("waivers", [])):
            report_violation(message, urn)
    if unchecked:
        args.not_applicable(f"not checked until the value is known: {'; '.join(unchecked)}")


def prod_images_promoted_policy() -> StackValidationPolicy:
    return StackValidationPolicy(
        name=NAME,
        description=f"A promoted stack builds no image and runs only promoted digests ({QUESTIONS['1']})",
        validate=_validate,
        config_schema=PolicyConfigSchema(properties=CONFIG),
        severity=Severity.HIGH,
        tags=["question-1"],
    )
