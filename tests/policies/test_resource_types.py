"""Deny by default: a resource of a type the board has not reviewed is a finding, never silence."""

from __future__ import annotations

import sys

import pytest

from container_platform.review.offline_runtime import evaluate_stack
from tests.policies.helpers import PACK_DIR, resource
from tests.program.conftest import forty_services_config

sys.path.insert(0, str(PACK_DIR))
from review_board.resource_types import DEFAULT_APPROVED_TYPES

POLICY = "approved-resource-types"


def stack_violations(pack, *resources):
    found = pack.process.analyze_stack(list(resources))
    return [d for d in found if d.policy_name == POLICY]


@pytest.mark.parametrize(
    ("stack", "config"),
    [("dev", None), ("prod", None), ("scale", "forty")],
    ids=["dev", "prod", "forty-services"],
)
@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
def test_every_type_the_program_registers_is_on_the_default_list(stack, config, preview):
    recording = evaluate_stack(stack, preview=preview, config=forty_services_config() if config else None)
    registered = {r.type for r in recording.resources}
    assert registered - set(DEFAULT_APPROVED_TYPES) == set()


UNREVIEWED = [
    # The types issue 12 found drawing no diagnostic, and a provider the program does not use.
    ("aws:ec2/instance:Instance", "bastion"),
    ("aws:ec2/networkAclRule:NetworkAclRule", "open-ssh"),
    ("aws:elb/loadBalancer:LoadBalancer", "classic"),
    ("aws:ecs/taskSet:TaskSet", "canary"),
    ("aws:ec2/launchConfiguration:LaunchConfiguration", "legacy"),
    ("docker:index/remoteImage:RemoteImage", "pulled"),
    ("docker-build:index:Image", "buildx"),
    ("command:local:Command", "curl-pipe-sh"),
]


@pytest.mark.parametrize(("type_token", "name"), UNREVIEWED, ids=[name for _, name in UNREVIEWED])
def test_a_type_nobody_reviewed_is_a_finding(pack, type_token, name):
    found = stack_violations(pack, resource(type_token, name, {}))
    assert len(found) == 1 and type_token in found[0].message and "Fix" in found[0].message
    assert found[0].urn.endswith(f"::{name}")


def test_a_reviewed_type_draws_nothing(pack):
    assert stack_violations(pack, resource("aws:ecs/taskDefinition:TaskDefinition", "web", {})) == []


def test_the_board_can_approve_a_type_in_config(pack):
    pack.configure({POLICY: {"approvedResourceTypes": [*DEFAULT_APPROVED_TYPES, "aws:ecs/taskSet:TaskSet"]}})
    assert stack_violations(pack, resource("aws:ecs/taskSet:TaskSet", "canary", {})) == []


def test_an_unreviewed_type_is_waivable_and_the_waiver_is_reported(pack):
    waiver = {
        "resources": ["canary"],
        "reason": "reviewed in ARB-123, rules pending",
        "expires": "2999-01-01",
    }
    pack.configure({POLICY: {"waivers": [waiver]}})
    found = pack.process.analyze_stack([resource("aws:ecs/taskSet:TaskSet", "canary", {})])
    assert [d for d in found if d.policy_name == POLICY] == []
    assert [d for d in found if d.policy_name == "stack-waivers-used" and "ARB-123" in d.message]
