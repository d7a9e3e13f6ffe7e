"""The stack policy `load-balancer-groups-proven`: a group open to CIDRs as the load balancer's really is one.

`ingress-allowed-ports` lets CIDR traffic (on the public ports) into the security groups and rules made
inside a load-balancer component, because it judges one resource at a time and the component is all it can
see. Any program can name a component that type. So this policy checks the stack's structure: every group
such a rule opens to CIDRs must be a security group of one of the stack's load balancers, and attached to
nothing else (a service, instance, launch template or interface would then take the CIDR traffic itself;
only AWS resources attach groups: a component's outputs naming one attach nothing).
A group is named by a dependency on it or by its id once known; one preview cannot name is checked at update.
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

from review_board.framework import QUESTIONS, Resource, Unchecked, config_with_defaults, parent_types
from review_board.ports import INGRESS_READERS, INGRESS_RULE, LOAD_BALANCER_COMPONENTS, SECURITY_GROUP
from review_board.ports import SECURITY_GROUP_RULE as GROUP_RULE
from review_board.stack_findings import StackFindings
from review_board.waivers import WAIVERS_SCHEMA
from review_board.wire import is_unknown, plain

NAME = "load-balancer-groups-proven"
LOAD_BALANCERS = frozenset({"aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"})
# Rules name the group they change (securityGroupId) and other groups as sources: they attach nothing.
RULES = frozenset({GROUP_RULE, INGRESS_RULE, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"})
NOT_ATTACHING = RULES | {SECURITY_GROUP}  # a group names itself and its own rules' groups
PROPERTIES = {"loadBalancerComponents": LOAD_BALANCER_COMPONENTS, "waivers": WAIVERS_SCHEMA}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _attaches_groups(key: str) -> bool:
    """Inputs through which a resource takes security groups (`securityGroups`, `vpcSecurityGroupIds`,
    `networkConfiguration.securityGroups`, `networkInterfaces[].securityGroups`, `vpcConfig`...)."""
    lowered = key.lower()
    return "securitygroup" in lowered or lowered in ("networkconfiguration", "networkinterfaces", "vpcconfig")


class _Groups:
    """The stack's security groups, and which of them an input names."""

    def __init__(self, args: StackValidationArgs, inputs: dict[str, dict[str, Any]]) -> None:
        self.urns = {r.urn for r in args.resources if r.resource_type == SECURITY_GROUP}
        ids = {urn: inputs[urn].get("id") for urn in self.urns}
        self.by_id = {group_id: urn for urn, group_id in ids.items() if isinstance(group_id, str)}

    def named(self, policy_resource: Any, key: str, value: Any) -> set[str]:
        dependencies = (policy_resource.property_dependencies or {}).get(key, [])
        found = {d.urn for d in dependencies if d.urn in self.urns}
        found |= {self.by_id[text] for text in _strings(value) if text in self.by_id}
        return found


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    config = config_with_defaults(PROPERTIES, args.get_config())
    components = set(config["loadBalancerComponents"])
    findings = StackFindings(NAME)
    inputs = {r.urn: plain(r.props) for r in args.resources}
    groups = _Groups(args, inputs)
    of_load_balancers: set[str] = set()
    attached: dict[str, str] = {}  # group URN -> the label of another resource that takes it
    for r in args.resources:
        props = inputs[r.urn]
        if r.resource_type in LOAD_BALANCERS:
            of_load_balancers |= groups.named(r, "securityGroups", props.get("securityGroups"))
        elif r.resource_type.startswith("aws:") and r.resource_type not in NOT_ATTACHING:
            for key, value in props.items():
                if _attaches_groups(key):
                    for urn in groups.named(r, key, value):
                        attached.setdefault(urn, Resource(r.resource_type, r.name, r.urn, props).label)
    for r in args.resources:
        if r.resource_type not in INGRESS_READERS or not set(parent_types(r.urn)) & components:
            continue
        resource = Resource(r.resource_type, r.name, r.urn, inputs[r.urn])
        ingress = INGRESS_READERS[r.resource_type](resource.props)
        if not any(i.cidrs for i in ingress if not isinstance(i, Unchecked)):
            continue
        if r.resource_type == SECURITY_GROUP:
            targets = {r.urn}
        else:
            value = resource.props.get("securityGroupId")
            targets = groups.named(r, "securityGroupId", value)
            if not targets:
                if is_unknown(value):
                    findings.unchecked.append(f"{resource.label} securityGroupId")
                else:
                    findings.violation(
                        resource,
                        f"{resource.label} opens security group {value!r}, made outside the stack, to CIDRs "
                        "as the load balancer's. Fix: open only the stack's load balancer group to CIDRs.",
                    )
                continue
        for urn in sorted(targets):
            if urn not in of_load_balancers:
                findings.violation(
                    resource,
                    f"{resource.label} opens group {urn.rsplit('::', 1)[-1]!r} to CIDRs as the load "
                    "balancer's, but no load balancer of this stack lists that group. Fix: open to CIDRs "
                    "only the group the load balancer's securityGroups names; reach other groups from it by "
                    "security group.",
                )
            elif urn in attached:
                findings.violation(
                    resource,
                    f"{resource.label} opens the load balancer's group {urn.rsplit('::', 1)[-1]!r} to CIDRs, "
                    f"and {attached[urn]} takes that group too, so it is reachable from those CIDRs itself. "
                    "Fix: give it a group of its own that admits the load balancer's group only.",
                )
    findings.report(config, args, report_violation)


def load_balancer_groups_proven_policy() -> StackValidationPolicy:
    return StackValidationPolicy(
        name=NAME,
        description=(
            "A group opened to CIDRs as the load balancer's is one of the stack's load balancers' groups, "
            f"attached to nothing else ({QUESTIONS['2']})"
        ),
        validate=_validate,
        config_schema=PolicyConfigSchema(properties=PROPERTIES),
        severity=Severity.HIGH,
        tags=["question-2"],
    )
