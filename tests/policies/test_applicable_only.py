"""Each resource is offered only to the policies that read its type, and no answer changes.

The pack's servicer runs in this process, with the pack's own policies and a stack's own config, so every
Analyze answer can be compared with what the SDK's unfiltered loop gives for the same request.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import pulumi_policy.policy as sdk_policy
import pytest
from google.protobuf import json_format
from pulumi_policy import EnforcementLevel

from container_platform.project import PROJECT_ROOT
from container_platform.review.analyzer_client import (
    AnalyzedResource,
    analyze_request,
    analyzer_info,
    configure_request,
    reconcile_config,
)
from container_platform.review.offline_runtime import evaluate_stack
from container_platform.review.run import analyzed

sys.path.insert(0, str(PROJECT_ROOT / "policies"))
from review_board import applicable_only, pack

STACKS = ("dev", "qa", "prod", "registry")


def servicer(stack: str, config: dict[str, Any] | None = None) -> Any:
    """The pack's servicer, by-type dispatch installed, configured as `stack`'s policy config says."""
    assert applicable_only.install()
    analyzer = sdk_policy._PolicyAnalyzerServicer(
        pack.NAME, "0.0.1", pack.policies(), EnforcementLevel.ADVISORY, None, None, None, None, None, None
    )
    info = analyzer_info(analyzer.GetAnalyzerInfo(None, None))
    if config is None:
        config = json.loads((PROJECT_ROOT / "policies" / "config" / f"{stack}.json").read_text())
    analyzer.Configure(configure_request(reconcile_config(info, config, f"{stack}.json")), None)
    return analyzer


def unfiltered(analyzer: Any, request: Any) -> Any:
    """The SDK's own Analyze: every policy, as if by-type dispatch were not installed."""
    return type(analyzer).Analyze.__wrapped__(analyzer, request, None)


def answer(response: Any) -> dict[str, Any]:
    return json_format.MessageToDict(response)


def stack_resources(stack: str) -> Iterator[AnalyzedResource]:
    recording = evaluate_stack(stack)
    registered = recording.by_urn()
    for resource in recording.resources:
        if not resource.external:
            yield analyzed(resource, registered, final_state=False)


@pytest.mark.parametrize("stack", STACKS)
def test_every_resource_of_every_stack_gets_the_same_answer(stack: str) -> None:
    analyzer = servicer(stack)
    resources = list(stack_resources(stack))
    assert resources
    for resource in resources:
        request = analyze_request(resource)
        assert answer(analyzer.Analyze(request, None)) == answer(unfiltered(analyzer, request)), resource.urn


def test_findings_and_waivers_are_the_same_answer() -> None:
    """A resource every kind of rule flags, once waived, still gets the same findings and waiver report."""
    insecure = AnalyzedResource(
        "urn:pulumi:prod::container-platform::aws:ec2/securityGroup:SecurityGroup::open",
        "aws:ec2/securityGroup:SecurityGroup",
        "open",
        {"ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]},
    )
    admin = AnalyzedResource(
        "urn:pulumi:prod::container-platform::aws:iam/rolePolicy:RolePolicy::admin",
        "aws:iam/rolePolicy:RolePolicy",
        "admin",
        {
            "role": "app",
            "policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
        },
    )
    config = json.loads((PROJECT_ROOT / "policies" / "config" / "prod.json").read_text())
    waiver = {
        "resources": ["admin"],
        "reason": "Break-glass role, approved by the board on 2026-11-30",
        "expires": "2999-01-01",
        "approvedBy": "board",
    }
    config["iam-no-wildcard-actions"] = {**config.get("iam-no-wildcard-actions", {}), "waivers": [waiver]}
    analyzer = servicer("prod", config)
    for resource in (insecure, admin):
        request = analyze_request(resource)
        filtered = answer(analyzer.Analyze(request, None))
        assert filtered == answer(unfiltered(analyzer, request))
        assert filtered["diagnostics"], f"{resource.name} must be flagged"
    assert any(
        d["policyName"] == "waivers-used"
        for d in answer(analyzer.Analyze(analyze_request(admin), None))["diagnostics"]
    )


def test_a_type_no_policy_reads_is_offered_none_and_the_others_keep_pack_order() -> None:
    policies = applicable_only.PoliciesByType(pack.policies())
    applicable_only._analyzing.type = "aws:ec2/routeTable:RouteTable"
    try:
        assert list(policies) == []
        applicable_only._analyzing.type = "aws:ecs/taskDefinition:TaskDefinition"
        offered = [policy.name for policy in policies]
    finally:
        applicable_only._analyzing.type = None
    everything = [policy.name for policy in policies]  # outside an Analyze call: the whole list
    assert offered == [name for name in everything if name in offered]
    assert "container-ports-allowed" in offered and offered[-1] == "waivers-used"
    assert len(everything) == len(pack.policies()) > len(offered)


def test_a_policy_that_declared_no_types_is_offered_every_type() -> None:
    undeclared = type("Policy", (), {"name": "made-outside-the-framework"})()
    policies = applicable_only.PoliciesByType([undeclared])
    applicable_only._analyzing.type = "aws:ec2/routeTable:RouteTable"
    try:
        assert list(policies) == [undeclared]
    finally:
        applicable_only._analyzing.type = None
