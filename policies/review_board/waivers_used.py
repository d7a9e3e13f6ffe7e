"""The `waivers-used` policy: reports every waiver that suppressed a violation, so none goes unseen."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from review_board.waivers import LEDGER

NAME = "waivers-used"


def _validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for use in LEDGER.take(args.urn):
        waived = "; ".join(use.waived)
        report_violation(
            f"waiver used: policy {use.policy!r} on {args.resource_type.rsplit(':', 1)[-1]} {args.name!r} "
            f"({use.waiver.describe()}). Waived finding: {waived}",
            None,
        )


def waivers_used_policy() -> ResourceValidationPolicy:
    """Must be the pack's last policy: it reports what the policies before it waived for this resource."""
    return ResourceValidationPolicy(
        name=NAME,
        description="Reports every policy waiver in use, with its reason and expiry (waivers)",
        validate=_validate,
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.LOW,
        tags=["waivers"],
    )
