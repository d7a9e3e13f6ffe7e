"""VPC endpoints and private egress under the SDK mocks: what is created, who reaches it, and what each
endpoint policy allows, judged by the real pack and not only by string."""

from __future__ import annotations

import copy

from components.iam_documents import ECR_PULL_ACTIONS
from container_platform.review import mock_invokes
from container_platform.review.offline_runtime import StackRecording, evaluate_stack
from container_platform.review.run import analyzed
from tests.program.recorded import EGRESS_RULE, INGRESS_RULE, SECURITY_GROUP, inputs, json_input
from tests.program.stack_configs import stack_config
from tests.program.test_bad_config import nested
from tests.program.test_bad_config import (
    test_malformed_config_fails_with_its_own_message_and_registers_nothing as fails_before_any_resource,
)

ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
ACCOUNT = "123456789012"
PROD_REPOSITORIES = sorted(
    f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/container-platform/{name}"
    for name in ("base", "java-runtime", "hello-world")
)


def endpoints(recording: StackRecording) -> dict[str, dict]:
    """Each endpoint's inputs by its service's short name (ecr.api, s3, ...)."""
    return {inputs(e)["serviceName"].removeprefix("com.amazonaws.eu-west-1."): inputs(e)
            for e in recording.of_type(ENDPOINT)}  # fmt: skip


def rules_of(recording: StackRecording, rule_type: str, group_name: str) -> list[dict]:
    group = recording.named(SECURITY_GROUP, group_name)
    return [
        inputs(r) for r in recording.of_type(rule_type) if inputs(r)["securityGroupId"] == group.outputs["id"]
    ]


def test_prod_has_the_interface_endpoints_it_asks_for_and_the_s3_gateway(prod: StackRecording):
    found = endpoints(prod)
    assert sorted(found) == ["ecr.api", "ecr.dkr", "logs", "s3"]
    subnets = sorted(s.outputs["id"] for s in prod.of_type("aws:ec2/subnet:Subnet") if "private" in s.name)
    group = prod.named(SECURITY_GROUP, "prod-endpoints").outputs["id"]
    for service in ("ecr.api", "ecr.dkr", "logs"):
        assert (
            found[service]["vpcEndpointType"] == "Interface" and found[service]["privateDnsEnabled"] is True
        )
        assert sorted(found[service]["subnetIds"]) == subnets and found[service]["securityGroupIds"] == [
            group
        ]
    tables = sorted(
        t.outputs["id"] for t in prod.of_type("aws:ec2/routeTable:RouteTable") if "private" in t.name
    )
    assert found["s3"]["vpcEndpointType"] == "Gateway" and sorted(found["s3"]["routeTableIds"]) == tables


def test_dev_has_no_endpoints_and_its_tasks_keep_https_through_nat(dev: StackRecording):
    assert not dev.of_type(ENDPOINT)
    assert [r["cidrIpv4"] for r in rules_of(dev, EGRESS_RULE, "hello-world-tasks") if "cidrIpv4" in r] == [
        "0.0.0.0/0"
    ]


def test_with_private_egress_tasks_reach_only_the_endpoints_and_s3(prod: StackRecording):
    endpoint_group = prod.named(SECURITY_GROUP, "prod-endpoints").outputs["id"]
    (s3,) = [e for e in prod.of_type(ENDPOINT) if e.name == "prod-s3"]
    egress = rules_of(prod, EGRESS_RULE, "hello-world-tasks")
    assert not [r for r in egress if "cidrIpv4" in r or "cidrIpv6" in r]
    https = {
        (r.get("referencedSecurityGroupId"), r.get("prefixListId")) for r in egress if r["fromPort"] == 443
    }
    assert https == {(endpoint_group, None), (None, s3.outputs["prefixListId"])}


def test_the_endpoints_admit_tasks_and_container_instances_by_security_group_only(prod: StackRecording):
    ingress = rules_of(prod, INGRESS_RULE, "prod-endpoints")
    sources = {r["referencedSecurityGroupId"] for r in ingress}
    clients = {
        prod.named(SECURITY_GROUP, name).outputs["id"] for name in ("hello-world-tasks", "prod-instances")
    }
    assert sources == clients and all(r["fromPort"] == r["toPort"] == 443 for r in ingress)
    assert not [r for r in ingress if "cidrIpv4" in r or "cidrIpv6" in r]
    # Container instances keep NAT egress: the ECS agent's endpoints are not among the VPC's.
    assert [r.get("cidrIpv4") for r in rules_of(prod, EGRESS_RULE, "prod-instances")] == ["0.0.0.0/0"]


def test_endpoint_policies_name_this_stacks_repositories_and_log_groups(prod: StackRecording):
    found = {e.name: json_input(e, "policy")["Statement"] for e in prod.of_type(ENDPOINT)}
    for name in ("prod-ecr-api", "prod-ecr-dkr"):
        pull, login = found[name]
        assert pull["Action"] == sorted(ECR_PULL_ACTIONS) and pull["Resource"] == PROD_REPOSITORIES
        assert login["Action"] == ["ecr:GetAuthorizationToken"] and login["Resource"] == ["*"]
        assert pull["Condition"] == {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}
    (logs,) = found["prod-logs"]
    assert logs["Resource"] == [
        f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/ecs/prod/hello-world:log-stream:*"
    ]
    (layers,) = found["prod-s3"]
    assert layers["Action"] == ["s3:GetObject"]
    assert layers["Resource"] == ["arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*"]


def test_every_optional_endpoint_is_scoped_and_the_pack_approves_each(pack):
    config = copy.deepcopy(stack_config("prod"))
    every = ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "sts"]
    config["container-platform:network"]["endpoints"] = every
    recording = evaluate_stack("prod", config=config)
    found = {e.name: json_input(e, "policy")["Statement"] for e in recording.of_type(ENDPOINT)}
    assert found["prod-secretsmanager"][0]["Resource"] == [
        f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:prod/*"
    ]
    assert found["prod-ssm"][0]["Resource"] == [f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/prod/*"]
    assert found["prod-sts"][0]["Resource"] == [f"arn:aws:iam::{ACCOUNT}:role/prod-*"]
    registered = recording.by_urn()
    analysis = pack.process.analyze_stack_resources(
        [analyzed(r, registered, final_state=True) for r in recording.resources]
    )
    assert [d for d in analysis.diagnostics if d.policy_name == "vpc-endpoint-policies"] == []
    assert [n for n in analysis.not_applicable if n.policy_name == "vpc-endpoint-policies"] == []


def test_the_pack_flags_the_programs_endpoints_once_their_policy_is_full_access(pack, prod: StackRecording):
    registered = prod.by_urn()
    resources = []
    for r in prod.resources:
        state = analyzed(r, registered, final_state=True)
        if r.type == ENDPOINT and r.name == "prod-ecr-api":
            state = type(state)(**{**state.__dict__, "properties": {**state.properties, "policy": None}})
        resources.append(state)
    flagged = [d for d in pack.process.analyze_stack_resources(resources).diagnostics
               if d.policy_name == "vpc-endpoint-policies"]  # fmt: skip
    assert [d.urn.rsplit("::", 1)[-1] for d in flagged] == ["prod-ecr-api"]


def test_an_endpoint_service_the_region_lacks_stops_the_program_before_any_resource(monkeypatch):
    monkeypatch.setitem(
        mock_invokes.ENDPOINT_SERVICES, "Interface", mock_invokes.ENDPOINT_SERVICES["Interface"] - {"sts"}
    )
    fails_before_any_resource(
        "dev",
        nested("container-platform:network", endpoints=["ecr.api", "sts"]),
        ["container-platform:network.endpoints[1] = 'sts' is not allowed", "region eu-west-1 offers no",
         "com.amazonaws.eu-west-1.sts"],
        monkeypatch,
    )  # fmt: skip


def test_in_a_first_preview_of_dev_the_endpoint_policies_are_unchecked_not_passed(pack):
    config = copy.deepcopy(stack_config("dev"))
    config["container-platform:network"]["endpoints"] = ["ecr.api", "ecr.dkr", "logs"]
    recording = evaluate_stack("dev", preview=True, config=config)  # the digests of the builds are unknown
    registered = recording.by_urn()
    analysis = pack.process.analyze_stack_resources(
        [analyzed(r, registered, final_state=True) for r in recording.resources]
    )
    assert [n for n in analysis.not_applicable if n.policy_name == "vpc-endpoint-policies"]
