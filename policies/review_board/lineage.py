"""The stack policy `promoted-lineage`: every promoted image runs on an approved upstream, as recorded.

A promoted stack builds nothing, so no Dockerfile tells what its images were built FROM; the evidence is
the lineage promotion recorded (`lineage`, written by `python -m container_platform promote` beside
`promotedImages`). For every image a task runs, the recorded chain is walked from the image down to its
root (image_references/lineage.py, the code promotion checks with): a digest with no recorded lineage, a
chain that breaks, loops or disagrees on its upstream, or an upstream not in `approvedUpstreams` is a
violation. Nothing is inferred from today's Dockerfiles.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from image_references.lineage import LineageError, ancestry, approved_upstream, parse_lineage, parse_pinned
from review_board.framework import QUESTIONS
from review_board.stack_findings import StackFindings
from review_board.waivers import WAIVERS_SCHEMA

NAME = "promoted-lineage"
WHERE = f"{NAME}.lineage"
FIX = "Fix: promote the image again (python -m container_platform promote), which records its lineage"
CONFIG = {
    "approvedUpstreams": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Upstream base images a promoted chain may be rooted in, each <name>@sha256:<digest>.",
    },
    "lineage": {
        "type": "object",
        "default": {},
        "description": "Image name -> {reference, parent, upstream, sourceRevision}, written by promote.",
    },
    "waivers": WAIVERS_SCHEMA,
}


def _problems(image: str, config: dict[str, Any]) -> list[str]:
    """Why the recorded lineage of `image` does not show an approved upstream; empty when it does."""
    try:
        lineage = parse_lineage(config.get("lineage", {}), where=WHERE)
        running = parse_pinned(image, setting="image")
    except LineageError as error:
        return [f"{reason}. {FIX}" for reason in error.reasons]
    recorded = next((e for e in lineage.values() if e.reference.identity == running.identity), None)
    if recorded is None:
        return [
            f"runs {image!r}, whose lineage was never recorded ({WHERE} has no entry for it), so nothing "
            f"says which upstream it was built FROM. {FIX}."
        ]
    try:
        chain = ancestry(recorded.image, lineage, where=WHERE)
    except LineageError as error:
        return [f"runs {image!r}: {reason}. {FIX}." for reason in error.reasons]
    upstream = chain[-1].upstream
    if approved_upstream(upstream, config.get("approvedUpstreams", [])):
        return []
    path = " -> ".join(entry.image for entry in chain)
    return [
        f"runs {image!r}, built {path} FROM the upstream {str(upstream)!r}, which is not approved "
        f"(approvedUpstreams: {config.get('approvedUpstreams') or 'none'}). Fix: rebuild the chain FROM an "
        "approved upstream (images.upstream of the stack that builds it) and promote it, or have the "
        "upstream approved in this policy's config."
    ]


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    config = args.get_config()
    findings = StackFindings(NAME)
    for resource, name, image in findings.task_images(args):
        for problem in _problems(image, config):
            findings.violation(resource, f"{resource.label} container {name!r} {problem}")
    findings.report(config, args, report_violation)


def promoted_lineage_policy() -> StackValidationPolicy:
    return StackValidationPolicy(
        name=NAME,
        description=f"Each promoted image's recorded lineage ends in an approved upstream ({QUESTIONS['1']})",
        validate=_validate,
        config_schema=PolicyConfigSchema(properties=CONFIG),
        severity=Severity.HIGH,
        tags=["question-1"],
    )
