"""The stack policy `runs-as-stack-roles`: what the stack runs, it runs as roles the stack defines.

Question 3's rules judge the documents of the stack's own roles. A task definition, instance profile,
launch template, service or flow log may instead name a role made outside the stack
(`arn:aws:iam::<account>:role/OrganizationAccountAccessRole`): its permissions then reach no rule, and the
workload may do whatever that role may. Each such reference must resolve to a role (or an instance profile)
of the stack: by its ARN, name or id once known, or, while preview does not know the value, by a dependency
on it (checked again at update, where a dependency alone can be a decoy). A role the board has reviewed
outside the stack may be named in `approvedRoleArns`; nothing else passes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from review_board.containers import TASK_DEFINITION
from review_board.framework import QUESTIONS, Resource, config_with_defaults
from review_board.iam_carriers import ROLE
from review_board.network_exposure import INSTANCE, LAUNCH_TEMPLATE
from review_board.stack_findings import StackFindings
from review_board.stack_references import Reference, judge_references
from review_board.waivers import WAIVERS_SCHEMA
from review_board.wire import as_list, is_unknown

NAME = "runs-as-stack-roles"
INSTANCE_PROFILE = "aws:iam/instanceProfile:InstanceProfile"
SERVICE = "aws:ecs/service:Service"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
FUNCTION = "aws:lambda/function:Function"
# The outputs by which a reference can name a role or an instance profile once it exists.
NAMED_BY = {ROLE: ("arn", "name", "id"), INSTANCE_PROFILE: ("arn", "name", "id")}
CONFIG = {
    "approvedRoleArns": {
        "type": "array",
        "items": {"type": "string", "pattern": r"^arn:aws[a-z-]*:iam::\d{12}:role/"},
        "default": [],
        "description": "Roles made outside the stack that the board has reviewed and lets workloads run as.",
    },
}
PROPERTIES = {**CONFIG, "waivers": WAIVERS_SCHEMA}


def _role_references(resource: Resource) -> Iterator[Reference]:
    """Each input of `resource` that names the role (or instance profile) it runs as."""
    props = resource.props
    if resource.type == TASK_DEFINITION:
        for key in ("taskRoleArn", "executionRoleArn"):
            yield key, key, props.get(key), (ROLE,)
    elif resource.type in (INSTANCE_PROFILE, FUNCTION):
        yield "role", "role", props.get("role"), (ROLE,)
    elif resource.type == FLOW_LOG:
        for key in ("iamRoleArn", "deliverCrossAccountRole"):
            yield key, key, props.get(key), (ROLE,)
    elif resource.type == INSTANCE:
        yield "iamInstanceProfile", "iamInstanceProfile", props.get("iamInstanceProfile"), (INSTANCE_PROFILE,)
    elif resource.type == LAUNCH_TEMPLATE:
        profile = props.get("iamInstanceProfile")
        if is_unknown(profile) or profile is None:
            yield "iamInstanceProfile", "iamInstanceProfile", profile, (INSTANCE_PROFILE,)
        else:
            for key in ("arn", "name"):
                where = f"iamInstanceProfile.{key}"
                yield "iamInstanceProfile", where, profile.get(key), (INSTANCE_PROFILE,)
    elif resource.type == SERVICE:
        yield "iamRole", "iamRole", props.get("iamRole"), (ROLE,)
        balancers = props.get("loadBalancers")
        if is_unknown(balancers):
            yield "loadBalancers", "loadBalancers", balancers, (ROLE,)
            return
        for index, balancer in enumerate(as_list(balancers)):
            where = f"loadBalancers[{index}].advancedConfiguration.roleArn"
            if is_unknown(balancer):
                yield "loadBalancers", f"loadBalancers[{index}]", balancer, (ROLE,)
                continue
            advanced = (balancer or {}).get("advancedConfiguration")
            value = advanced if is_unknown(advanced) else (advanced or {}).get("roleArn")
            yield "loadBalancers", where, value, (ROLE,)


def _outside(resource: Resource, where: str, value: Any, kinds: tuple[str, ...]) -> str:
    what = "role" if kinds == (ROLE,) else "instance profile"
    return (
        f"{resource.label} {where} is {value!r}, which is no {what} of this stack, so what it runs "
        f"may do whatever that {what} allows and no IAM rule of this pack has read it. Fix: pass the "
        f"stack's own {what} (its arn or name output), defined in this program; a role the board "
        f"has reviewed outside the stack goes in `{NAME}.approvedRoleArns` of the stack's policy "
        "config."
    )


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    config = config_with_defaults(PROPERTIES, args.get_config())
    findings = StackFindings(NAME)
    judge_references(args, findings, _role_references, NAMED_BY, _outside, set(config["approvedRoleArns"]))
    findings.report(config, args, report_violation)


def runs_as_stack_roles_policy() -> StackValidationPolicy:
    return StackValidationPolicy(
        name=NAME,
        description=(
            "Tasks, instances, services and flow logs run as roles the stack defines (" + QUESTIONS["3"] + ")"
        ),
        validate=_validate,
        config_schema=PolicyConfigSchema(properties=PROPERTIES),
        severity=Severity.HIGH,
        tags=["question-3"],
    )
