"""A reference from one resource to another must resolve to the stack's own resource.

The rules judge what the stack declares. A service that runs a task definition, or a task that runs as a
role, may name one made outside the stack, which no rule has read. A reference passes when its value, once
known, is one of the stack's own resources of the right type (one of the outputs that name it: an ARN, id
or name), or a value the board approved by hand. While preview does not know the value, a dependency on
such a resource suffices, and the reference is judged again at update, where a dependency alone can be a
decoy (another value computed from the stack's resource). An unknown value with no such dependency is
left unchecked, and said so.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

from pulumi_policy import StackValidationArgs

from review_board.framework import Resource
from review_board.stack_findings import StackFindings
from review_board.wire import is_unknown, plain

# (top-level input the engine records dependencies under, where in it, value, the types it must name)
Reference = tuple[str, str, Any, tuple[str, ...]]


def judge_references(
    args: StackValidationArgs,
    findings: StackFindings,
    references: Callable[[Resource], Iterator[Reference]],
    named_by: Mapping[str, tuple[str, ...]],
    outside: Callable[[Resource, str, Any, tuple[str, ...]], str],
    approved: Collection[str] = (),
) -> None:
    """Every reference of the stack's resources judged; `outside` words the violation of one that is no
    resource of the stack (types in `named_by`, by those outputs) and not `approved`."""
    own = [
        Resource(r.resource_type, r.name, r.urn, plain(r.props))
        for r in args.resources
        if r.resource_type in named_by
    ]
    by_urn = {r.urn: r for r in own}
    for policy_resource in args.resources:
        resource = Resource(
            policy_resource.resource_type,
            policy_resource.name,
            policy_resource.urn,
            plain(policy_resource.props),
        )
        dependencies = policy_resource.property_dependencies or {}
        for key, where, value, kinds in references(resource):
            if value is None:
                continue
            if is_unknown(value) or (isinstance(value, Mapping) and any(map(is_unknown, value.values()))):
                if not any(
                    d.urn in by_urn and by_urn[d.urn].type in kinds for d in dependencies.get(key, [])
                ):
                    findings.unchecked.append(f"{resource.label} {where}")
                continue
            if value in approved or any(
                r.type in kinds and value in [r.props.get(output) for output in named_by[r.type]] for r in own
            ):
                continue
            findings.violation(resource, outside(resource, where, value, kinds))
