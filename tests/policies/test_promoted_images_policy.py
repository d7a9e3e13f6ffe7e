"""The stack policy `prod-images-promoted`: a promoted stack builds nothing and runs only promoted digests."""

from __future__ import annotations

import pytest

from container_platform.analyzer_client import PolicyPackConfigError
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
