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
from review_board.framework import QUESTIONS, Resource, config_with_defaults
from review_board.iam_carriers import ROLE
from review_board.network_exposure import INSTANCE, LAUNCH_TEMPLATE
from review_board.stack_findings import StackFindings
from review_board.waivers import WAIVERS_SCHEMA
from review_board.wire import as_list, is_unknown, plain

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

Reference = tuple[str, str, Any, str]  # (top-level input, where, value, the type it must name)


def _role_references(resource: Resource) -> Iterator[Reference]:
    """Each input of `resource` that names the role (or instance profile) it runs as."""
    props = resource.props
    if resource.type == TASK_DEFINITION:
        for key in ("taskRoleArn", "executionRoleArn"):
            yield key, key, props.get(key), ROLE
    elif resource.type in (INSTANCE_PROFILE, FUNCTION):
        yield "role", "role", props.get("role"), ROLE
    elif resource.type == FLOW_LOG:
        for key in ("iamRoleArn", "deliverCrossAccountRole"):
            yield key, key, props.get(key), ROLE
    elif resource.type == INSTANCE:
        yield "iamInstanceProfile", "iamInstanceProfile", props.get("iamInstanceProfile"), INSTANCE_PROFILE
    elif resource.type == LAUNCH_TEMPLATE:
        profile = props.get("iamInstanceProfile")
        if is_unknown(profile) or profile is None:
            yield "iamInstanceProfile", "iamInstanceProfile", profile, INSTANCE_PROFILE
        else:
            for key in ("arn", "name"):
                where = f"iamInstanceProfile.{key}"
                yield "iamInstanceProfile", where, profile.get(key), INSTANCE_PROFILE
    elif resource.type == SERVICE:
        yield "iamRole", "iamRole", props.get("iamRole"), ROLE
        balancers = props.get("loadBalancers")
        if is_unknown(balancers):
            yield "loadBalancers", "loadBalancers", balancers, ROLE
            return
        for index, balancer in enumerate(as_list(balancers)):
            where = f"loadBalancers[{index}].advancedConfiguration.roleArn"
            if is_unknown(balancer):
                yield "loadBalancers", f"loadBalancers[{index}]", balancer, ROLE
                continue
            advanced = (balancer or {}).get("advancedConfiguration")
            value = advanced if is_unknown(advanced) else (advanced or {}).get("roleArn")
            yield "loadBalancers", where, value, ROLE


REFERRERS = frozenset(
    {TASK_DEFINITION, INSTANCE_PROFILE, FUNCTION, FLOW_LOG, INSTANCE, LAUNCH_TEMPLATE, SERVICE}
)


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    config = config_with_defaults(PROPERTIES, args.get_config())
    approved = set(config["approvedRoleArns"])
    findings = StackFindings(NAME)
    own: dict[str, Resource] = {
        r.urn: Resource(r.resource_type, r.name, r.urn, plain(r.props))
        for r in args.resources
        if r.resource_type in NAMED_BY
    }
    for policy_resource in args.resources:
        if policy_resource.resource_type not in REFERRERS:
            continue
        resource = Resource(
            policy_resource.resource_type,
            policy_resource.name,
            policy_resource.urn,
            plain(policy_resource.props),
        )
        dependencies = policy_resource.property_dependencies or {}
        for key, where, value, kind in _role_references(resource):
            if value is None:
                continue
            if is_unknown(value) or (isinstance(value, Mapping) and any(map(is_unknown, value.values()))):
                if not any(d.urn in own and own[d.urn].type == kind for d in dependencies.get(key, [])):
                    findings.unchecked.append(f"{resource.label} {where}")
                continue
            if value in approved or any(
                r.type == kind and value in [r.props.get(output) for output in NAMED_BY[kind]]
                for r in own.values()
            ):
                continue
            what = "role" if kind == ROLE else "instance profile"
            findings.violation(
                resource,
                f"{resource.label} {where} is {value!r}, which is no {what} of this stack, so what it runs "
                f"may do whatever that {what} allows and no IAM rule of this pack has read it. Fix: pass the "
                f"stack's own {what} (its arn or name output), defined in this program; a role the board "
                f"has reviewed outside the stack goes in `{NAME}.approvedRoleArns` of the stack's policy "
                "config.",
            )
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
