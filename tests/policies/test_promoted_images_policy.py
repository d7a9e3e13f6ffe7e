"""The stack policy `prod-images-promoted`: a promoted stack builds nothing and runs only promoted digests."""

from __future__ import annotations

import pytest

from container_platform.review.analyzer_client import PolicyPackConfigError
from tests.policies.helpers import APP_IMAGE, UNKNOWN, container, resource, task_definition

POLICY = "prod-images-promoted"
BUILT = resource(
    "docker:index/image:Image", "hello-world", {"imageName": "x", "build": {"context": "images/x"}}
)


def stack_verdict(pack, resources, promoted):
    pack.configure({POLICY: {"promotedImages": promoted}})
    return pack.process.analyze_stack_resources(resources)


def test_promoted_digest_passes(pack):
    analysis = stack_verdict(pack, [task_definition(container())], [APP_IMAGE])
    assert [d for d in analysis.diagnostics if d.policy_name == POLICY] == []


def test_unpromoted_digest_is_blocked_on_its_task_definition(pack):
    task = task_definition(container())
    analysis = stack_verdict(pack, [task], [])
    flagged = [d for d in analysis.diagnostics if d.policy_name == POLICY]
    assert len(flagged) == 1 and flagged[0].urn == task.urn and flagged[0].enforcement_level == "mandatory"
    assert APP_IMAGE in flagged[0].message and "promote" in flagged[0].message


def test_building_an_image_in_a_promoted_stack_is_blocked(pack):
    analysis = stack_verdict(pack, [BUILT, task_definition(container())], [APP_IMAGE])
    flagged = [d for d in analysis.diagnostics if d.policy_name == POLICY]
    assert [d.urn for d in flagged] == [BUILT.urn] and "builds an image" in flagged[0].message


def test_unknown_image_is_named_as_unchecked(pack):
    analysis = stack_verdict(pack, [task_definition(container(image=UNKNOWN))], [APP_IMAGE])
    assert [d for d in analysis.diagnostics if d.policy_name == POLICY] == []
    assert any(
        "image of container 'app'" in n.reason for n in analysis.not_applicable if n.policy_name == POLICY
    )


def test_promoted_images_must_be_digest_references(pack):
    with pytest.raises(PolicyPackConfigError, match=r"promotedImages\.0"):
        pack.configure({POLICY: {"promotedImages": ["registry/app:latest"]}})


HOTFIX = "an emergency patch of CVE-2026-1234 built outside the chain, until the next promotion"


def waived_verdict(pack, resources, waived, expires):
    waiver = {"resources": waived, "reason": HOTFIX, "expires": expires, "approvedBy": "change board"}
    pack.configure({POLICY: {"promotedImages": [], "waivers": [waiver]}})
    analysis = pack.process.analyze_stack_resources(resources)
    return {d.policy_name: d for d in analysis.diagnostics}, analysis


def test_live_waiver_waives_the_stack_policy_for_its_resource_and_is_reported(pack):
    task = task_definition(container())
    found, _ = waived_verdict(pack, [task], [task.name], "2999-12-31")
    assert POLICY not in found
    report = found["stack-waivers-used"]
    assert report.enforcement_level == "advisory" and report.urn == task.urn
    assert POLICY in report.message and HOTFIX in report.message and APP_IMAGE in report.message


def test_stack_waiver_covers_only_the_named_resource(pack):
    task, other = task_definition(container()), resource("docker:index/image:Image", "x", {"imageName": "x"})
    _, analysis = waived_verdict(pack, [task, other], [task.urn], "2999-12-31")
    flagged = [d.urn for d in analysis.diagnostics if d.policy_name == POLICY]
    reported = [d.urn for d in analysis.diagnostics if d.policy_name == "stack-waivers-used"]
    assert flagged == [other.urn] and reported == [task.urn]


def test_expired_stack_waiver_stops_waiving_and_says_so(pack):
    task = task_definition(container())
    found, _ = waived_verdict(pack, [task], [task.name], "2020-01-31")
    assert found[POLICY].enforcement_level == "mandatory" and "expired on 2020-01-31" in found[POLICY].message
    assert "stack-waivers-used" not in found


def test_a_waiver_used_once_is_not_reported_again_by_the_next_analysis(pack):
    task = task_definition(container())
    waived_verdict(pack, [task], [task.name], "2999-12-31")
    pack.configure({POLICY: {"promotedImages": [APP_IMAGE]}})
    analysis = pack.process.analyze_stack_resources([task])
    assert [d for d in analysis.diagnostics if d.policy_name == "stack-waivers-used"] == []
