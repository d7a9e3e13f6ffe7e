"""Question 3, AWS-managed policies: attached only when the review board approved them by name.

AWS publishes more than a thousand managed policies and adds to them; their documents are not in the
stack, and AWS may widen them later. An allowlist keeps up with that catalogue, a denylist cannot. A
customer-managed policy attached by ARN is no better: an attachment names an ARN, not a document, and the
ARN may be any policy of the account, written by hand (the review board approves none of the types that
define one, aws:iam/policy among them). Only an ARN approved as written passes; what a role needs of its
own goes in an inline policy, judged where it is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from review_board.framework import Finding, Resource, Unchecked, Violation
from review_board.iam_carriers import ROLE
from review_board.wire import as_list, is_unknown

AWS_MANAGED = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(?:.*/)?(?P<name>[^/]+)$")
APPROVED = {
    "approvedManagedPolicies": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Managed policies that may be attached: AWS-managed ones by name or ARN, "
        "customer-managed ones by ARN (no globs).",
    }
}


def _arns(resource: Resource) -> Any:
    if resource.type == ROLE:
        return resource.props.get("managedPolicyArns")
    if "policyArns" in resource.props:
        return resource.props.get("policyArns")
    return resource.props.get("policyArn")


def approved_managed_policies(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    arns = _arns(resource)
    if is_unknown(arns):
        yield Unchecked("the managed policy ARNs")
        return
    approved = set(config["approvedManagedPolicies"])
    for arn in as_list(arns):
        if is_unknown(arn):
            yield Unchecked("a managed policy ARN")
            continue
        if not isinstance(arn, str):
            yield Violation(
                f"{resource.label} attaches the managed policy {arn!r}, which is not an ARN, so it cannot be "
                "judged. Fix: give the policy's ARN."
            )
            continue
        if arn in approved:
            continue
        match = AWS_MANAGED.match(arn)
        if match and match.group("name") not in approved:
            yield Violation(
                f"{resource.label} attaches the AWS-managed policy {arn!r}, which is not in "
                "approvedManagedPolicies. Fix: write a policy with only the needed actions on the needed "
                f"ARNs, or have the review board approve {match.group('name')!r}."
            )
        elif not match:
            yield Violation(
                f"{resource.label} attaches the managed policy {arn!r} by ARN: its document is not in this "
                "resource, so what it grants cannot be judged. Fix: put the statements the role needs in an "
                "inline policy (inlinePolicies or a RolePolicy), or have the review board approve this ARN "
                "in approvedManagedPolicies."
            )
