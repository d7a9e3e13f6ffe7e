"""The stack policy `runs-stack-definitions`: what a service or scaling group runs is declared in the stack.

Every container rule judges the stack's task definitions, and the user-data and public-IP rules its launch
templates. A service may instead name a task definition registered outside the stack (an ARN, a family),
and an Auto Scaling group a launch template or configuration made elsewhere: what they run then reaches
no rule at all. Each such reference must resolve to a resource of the stack: by a dependency on it, or by
its ARN, id or name once known (a family name or an ARN without revision runs the family's latest revision,
which anyone may register outside the stack). A reference preview cannot resolve is checked at update.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from review_board.containers import TASK_DEFINITION
from review_board.framework import QUESTIONS, Resource
from review_board.network_exposure import LAUNCH_CONFIGURATION, LAUNCH_TEMPLATE
from review_board.stack_findings import StackFindings
from review_board.stack_references import judge_references
from review_board.waivers import WAIVERS_SCHEMA
from review_board.wire import as_list, is_unknown

NAME = "runs-stack-definitions"
SERVICE = "aws:ecs/service:Service"
TASK_SET = "aws:ecs/taskSet:TaskSet"
SCALING_GROUP = "aws:autoscaling/group:Group"
# The outputs by which a reference can name a definition once it exists.
NAMED_BY = {
    TASK_DEFINITION: ("arn",),
    LAUNCH_TEMPLATE: ("id", "name", "arn"),
    LAUNCH_CONFIGURATION: ("id", "name", "arn"),
}


def _first(spec: Mapping[str, Any], *keys: str) -> Any:
    """The first of `keys` that is set (AWS takes one of them), unknown values included."""
    return next((spec[key] for key in keys if spec.get(key) is not None), None)


def _references(resource: Resource) -> Iterator[tuple[str, str, Any, tuple[str, ...]]]:
    """(top-level input, where, value, definition types it must name) for each reference to a definition."""
    props = resource.props
    if resource.type not in (SERVICE, TASK_SET, SCALING_GROUP):
        return
    if resource.type in (SERVICE, TASK_SET):
        yield "taskDefinition", "taskDefinition", props.get("taskDefinition"), (TASK_DEFINITION,)
        return
    template = props.get("launchTemplate")
    if is_unknown(template):
        yield "launchTemplate", "launchTemplate", template, (LAUNCH_TEMPLATE,)
    elif template:
        yield (
            "launchTemplate",
            "launchTemplate",
            _first(template, "id", "name"),
            (LAUNCH_TEMPLATE,),
        )
    if props.get("launchConfiguration") is not None:
        where = "launchConfiguration"
        yield where, where, props.get("launchConfiguration"), (LAUNCH_CONFIGURATION,)
    mixed = props.get("mixedInstancesPolicy")
    if is_unknown(mixed):
        yield "mixedInstancesPolicy", "mixedInstancesPolicy", mixed, (LAUNCH_TEMPLATE,)
        return
    spec = ((mixed or {}).get("launchTemplate") or {}) if mixed else {}
    if is_unknown(spec):
        yield "mixedInstancesPolicy", "mixedInstancesPolicy.launchTemplate", spec, (LAUNCH_TEMPLATE,)
        return
    specifications = [("launchTemplateSpecification", spec.get("launchTemplateSpecification"))]
    overrides = spec.get("overrides")
    if is_unknown(overrides):
        yield (
            "mixedInstancesPolicy",
            "mixedInstancesPolicy.launchTemplate.overrides",
            overrides,
            (LAUNCH_TEMPLATE,),
        )
        return
    for index, override in enumerate(as_list(overrides)):
        item = override if is_unknown(override) else (override or {}).get("launchTemplateSpecification")
        specifications.append((f"overrides[{index}].launchTemplateSpecification", item))
    for where, item in specifications:
        if item is None:
            continue
        value = item if is_unknown(item) else _first(item, "launchTemplateId", "launchTemplateName")
        yield (
            "mixedInstancesPolicy",
            f"mixedInstancesPolicy.launchTemplate.{where}",
            value,
            (LAUNCH_TEMPLATE,),
        )


def _outside(resource: Resource, where: str, value: Any, kinds: tuple[str, ...]) -> str:
    return (
        f"{resource.label} {where} is {value!r}, which no {' or '.join(kinds)} of this stack is, "
        "so what it runs was never shown to this pack's image, port and confinement rules. "
        "Fix: pass the stack's own resource (its arn or id output), defined in this program."
    )


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    findings = StackFindings(NAME)
    judge_references(args, findings, _references, NAMED_BY, _outside)
    findings.report(args.get_config(), args, report_violation)


def runs_stack_definitions_policy() -> StackValidationPolicy:
    return StackValidationPolicy(
        name=NAME,
        description=(
            "Services run the stack's task definitions and scaling groups its launch templates "
            f"({QUESTIONS['1']})"
        ),
        validate=_validate,
        config_schema=PolicyConfigSchema(properties={"waivers": WAIVERS_SCHEMA}),
        severity=Severity.HIGH,
        tags=["question-1"],
    )
