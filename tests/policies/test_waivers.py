"""Waivers: an approved, unexpired exception waives one policy for named resources, and is always reported."""

from __future__ import annotations

import pytest

from tests.policies.helpers import resource

MUTABLE = resource(
    "aws:ecr/repository:Repository",
    "legacy-repo",
    {
        "imageTagMutability": "MUTABLE",
        "imageScanningConfiguration": {"scanOnPush": True},
        "encryptionConfigurations": [{"encryptionType": "KMS"}],
    },
)
REASON = "legacy release tooling re-tags images until ticket SEC-123 is done"


def waive(resources, expires):
    return {
        "ecr-immutable-tags": {
            "waivers": [
                {
                    "resources": resources,
                    "reason": REASON,
                    "expires": expires,
                    "approvedBy": "architecture review board",
                }
            ]
        }
    }


def by_policy(analysis):
    return {d.policy_name: d for d in analysis.diagnostics}


@pytest.mark.parametrize("named", [["legacy-repo"], [MUTABLE.urn]], ids=["by name", "by URN"])
def test_live_waiver_waives_the_violation_and_is_reported(pack, named):
    pack.configure(waive(named, "2999-12-31"))
    found = by_policy(pack.analyze(MUTABLE))
    assert "ecr-immutable-tags" not in found
    report = found["waivers-used"]
    assert report.enforcement_level == "advisory"
    assert (
        "ecr-immutable-tags" in report.message and REASON in report.message and "2999-12-31" in report.message
    )
    assert "imageTagMutability='MUTABLE'" in report.message


def test_expired_waiver_stops_waiving_and_says_so(pack):
    pack.configure(waive(["legacy-repo"], "2020-01-31"))
    found = by_policy(pack.analyze(MUTABLE))
    assert found["ecr-immutable-tags"].enforcement_level == "mandatory"
    assert "expired on 2020-01-31" in found["ecr-immutable-tags"].message
    assert "waivers-used" not in found


def test_waiver_for_another_resource_waives_nothing(pack):
    pack.configure(waive(["other-repo"], "2999-12-31"))
    found = by_policy(pack.analyze(MUTABLE))
    assert "ecr-immutable-tags" in found and "waivers-used" not in found


def test_waiver_covers_only_its_own_policy(pack):
    pack.configure(waive(["legacy-repo"], "2999-12-31"))
    unscanned = resource(
        "aws:ecr/repository:Repository",
        "legacy-repo",
        {
            "imageTagMutability": "MUTABLE",
            "imageScanningConfiguration": {"scanOnPush": False},
            "encryptionConfigurations": [{"encryptionType": "KMS"}],
        },
    )
    found = by_policy(pack.analyze(unscanned))
    assert "ecr-scan-on-push" in found and "ecr-immutable-tags" not in found


def test_compliant_resource_uses_no_waiver(pack):
    pack.configure(waive(["legacy-repo"], "2999-12-31"))
    immutable = resource(
        "aws:ecr/repository:Repository",
        "legacy-repo",
        {
            "imageTagMutability": "IMMUTABLE",
            "imageScanningConfiguration": {"scanOnPush": True},
            "encryptionConfigurations": [{"encryptionType": "KMS"}],
        },
    )
    assert pack.analyze(immutable).diagnostics == ()


def test_every_stack_policy_that_takes_waivers_has_them_reported() -> None:
    """stack-waivers-used reports the waivers of the stack policies it knows; one it does not know would
    waive silently."""
    import sys

    from container_platform.project import PROJECT_ROOT

    sys.path.insert(0, str(PROJECT_ROOT / "policies"))
    from pulumi_policy import StackValidationPolicy
    from review_board import pack, waivers_used

    taking = {
        policy.name
        for policy in pack.policies()
        if isinstance(policy, StackValidationPolicy)
        and "waivers" in ((policy.config_schema.properties or {}) if policy.config_schema else {})
    }
    assert taking, "no stack policy takes waivers?"
    assert taking - {waivers_used.STACK_NAME} <= waivers_used.STACK_POLICIES
