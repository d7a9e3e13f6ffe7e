"""`waivers-used` and `stack-waivers-used`: report every waiver that suppressed a violation.

Two policies because the engine runs resource policies in Analyze and stack policies in AnalyzeStack, and
a waiver report must be advisory even where the policy it waived is mandatory.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from review_board.applicable_only import READ_BY_OTHERS, TYPES_READ
from review_board.audit_trail import STACK_POLICY_NAMES as AUDIT_TRAIL_STACK_POLICIES
from review_board.lineage import NAME as PROMOTED_LINEAGE
from review_board.listener_rules import NAME as LISTENER_RULES_KEEP_HTTPS
from review_board.load_balancer_groups import NAME as LOAD_BALANCER_GROUPS_PROVEN
from review_board.own_repository import NAME as IMAGE_PUSHED_TO_OWN_REPOSITORY
from review_board.promotion import NAME as PROD_IMAGES_PROMOTED
from review_board.resource_types import NAME as APPROVED_RESOURCE_TYPES
from review_board.stack_definitions import NAME as RUNS_STACK_DEFINITIONS
from review_board.stack_roles import NAME as RUNS_AS_STACK_ROLES
from review_board.waivers import LEDGER, WaiverUse

STACK_POLICIES = {
    PROD_IMAGES_PROMOTED,
    APPROVED_RESOURCE_TYPES,
    IMAGE_PUSHED_TO_OWN_REPOSITORY,
    PROMOTED_LINEAGE,
    RUNS_AS_STACK_ROLES,
    RUNS_STACK_DEFINITIONS,
    LISTENER_RULES_KEEP_HTTPS,
    LOAD_BALANCER_GROUPS_PROVEN,
    *AUDIT_TRAIL_STACK_POLICIES,
}  # the stack policies that take waivers

NAME = "waivers-used"
STACK_NAME = "stack-waivers-used"


def _message(use: WaiverUse, resource_type: str, name: str) -> str:
    return (
        f"waiver used: policy {use.policy!r} on {resource_type.rsplit(':', 1)[-1]} {name!r} "
        f"({use.waiver.describe()}). Waived finding: {'; '.join(use.waived)}"
    )


def _validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for use in LEDGER.take(args.urn):
        report_violation(_message(use, args.resource_type, args.name), None)


def _validate_stack(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    by_urn = {resource.urn: resource for resource in args.resources}
    for urn, use in LEDGER.take_policies(STACK_POLICIES):  # recorded in this call, on these resources
        report_violation(_message(use, by_urn[urn].resource_type, by_urn[urn].name), urn)


def waivers_used_policy() -> ResourceValidationPolicy:
    """Must be the pack's last policy: it reports what the policies before it waived for this resource."""
    TYPES_READ[NAME] = READ_BY_OTHERS  # only a resource some policy read can have had a finding waived
    return ResourceValidationPolicy(
        name=NAME,
        description="Reports every policy waiver in use, with its reason and expiry (waivers)",
        validate=_validate,
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.LOW,
        tags=["waivers"],
    )


def stack_waivers_used_policy() -> StackValidationPolicy:
    """Must come after the stack policies: it reports what they waived in this AnalyzeStack call."""
    return StackValidationPolicy(
        name=STACK_NAME,
        description="Reports every waiver of a stack policy in use, with its reason and expiry (waivers)",
        validate=_validate_stack,
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.LOW,
        tags=["waivers"],
    )
