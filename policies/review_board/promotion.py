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

from review_board.dockerfiles import BUILD_READERS
from review_board.framework import QUESTIONS, Resource
from review_board.stack_findings import StackFindings
from review_board.waivers import WAIVERS_SCHEMA

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
    findings = StackFindings(NAME)
    for policy_resource in args.resources:
        if policy_resource.resource_type in BUILD_READERS:
            resource = Resource(policy_resource.resource_type, policy_resource.name, policy_resource.urn, {})
            findings.violation(
                resource,
                f"{resource.label} builds an image inside a promoted stack, which must deploy only images "
                "promoted by digest. Fix: set images.source to 'pinned' or 'stackReference' "
                "in the stack config.",
            )
    for resource, name, image in findings.task_images(args):
        if image not in promoted:
            findings.violation(
                resource,
                f"{resource.label} container {name!r} runs {image!r}, which was "
                f"not promoted to this stack (promotedImages: {sorted(promoted) or 'none'}). "
                "Fix: promote it (python -m container_platform promote) or deploy one that was.",
            )
    findings.report(config, args, report_violation)


def prod_images_promoted_policy() -> StackValidationPolicy:
    return StackValidationPolicy(
        name=NAME,
        description=f"A promoted stack builds no image and runs only promoted digests ({QUESTIONS['1']})",
        validate=_validate,
        config_schema=PolicyConfigSchema(properties=CONFIG),
        severity=Severity.HIGH,
        tags=["question-1"],
    )
