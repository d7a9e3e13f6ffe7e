"""The audit-trail rules: flow logs, ALB access logs / deletion protection / header dropping, endpoint
policies and KMS rotation, each as a table of violating and compliant inputs with its public source."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from container_platform.review.analyzer_client import AnalyzedResource
from tests.policies.helpers import UNKNOWN, assert_verdict, resource

CHECKOV = "bridgecrewio/checkov tests/terraform/checks/resource/aws/"
ALB = "aws:lb/loadBalancer:LoadBalancer"
LEGACY_ALB = "aws:alb/loadBalancer:LoadBalancer"
KEY = "aws:kms/key:Key"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
ENDPOINT_POLICY = "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy"
LOGS = {"bucket": "audit-bucket", "enabled": True, "prefix": "alb"}


def alb(name, type_token=ALB, **props):
    return resource(type_token, name, {"loadBalancerType": "application", **props})


# (policy, resource, expected message part or None for compliant, source)
LOAD_BALANCER_CASES = [
    ("alb-drop-invalid-headers", alb("enabled", dropInvalidHeaderFields=True), None,
     CHECKOV + "example_ALBDropHttpHeaders/main.tf aws_lb.enabled"),
    ("alb-drop-invalid-headers", alb("alb-enabled", LEGACY_ALB, dropInvalidHeaderFields=True), None,
     CHECKOV + "example_ALBDropHttpHeaders/main.tf aws_alb.enabled"),
    ("alb-drop-invalid-headers", alb("default"), "dropInvalidHeaderFields=None",
     CHECKOV + "example_ALBDropHttpHeaders/main.tf aws_lb.default"),
    ("alb-drop-invalid-headers", alb("disabled", LEGACY_ALB, dropInvalidHeaderFields=False),
     "dropInvalidHeaderFields=False", CHECKOV + "example_ALBDropHttpHeaders/main.tf aws_alb.disabled"),
    ("alb-drop-invalid-headers", alb("network", loadBalancerType="network"), None,
     CHECKOV + "example_ALBDropHttpHeaders/main.tf aws_lb.network (not an ALB: unknown there, not judged)"),
    ("alb-drop-invalid-headers", alb("gateway", loadBalancerType="gateway"), None,
     CHECKOV + "example_ALBDropHttpHeaders/main.tf aws_lb.gateway"),
    ("alb-drop-invalid-headers", resource(ALB, "untyped", {}), "dropInvalidHeaderFields=None",
     "provider docs: load_balancer_type defaults to application"),
    ("alb-access-logs", alb("enabled", LEGACY_ALB, accessLogs={"bucket": "b", "enabled": True}), None,
     CHECKOV + "example_ELBv2AccessLogs/main.tf aws_alb.enabled"),
    ("alb-access-logs", alb("default", LEGACY_ALB), "accessLogs={}",
     CHECKOV + "example_ELBv2AccessLogs/main.tf aws_alb.default"),
    ("alb-access-logs", alb("only_bucket", accessLogs={"bucket": "b"}), "accessLogs=",
     CHECKOV + "example_ELBv2AccessLogs/main.tf aws_alb.only_bucket (enabled defaults to false)"),
    ("alb-access-logs", alb("disabled", accessLogs={"bucket": "b", "enabled": False}), "accessLogs=",
     CHECKOV + "example_ELBv2AccessLogs/main.tf aws_alb.disabled"),
    ("alb-access-logs", alb("no-bucket", accessLogs={"bucket": "", "enabled": True}), "accessLogs=",
     "AWS ELB docs, enable-access-logging.html: access logs need the S3 bucket to write to"),
    ("alb-access-logs", alb("gateway", loadBalancerType="gateway"), None,
     CHECKOV + "example_ELBv2AccessLogs/main.tf aws_lb.gateway"),
    ("alb-deletion-protection", alb("enabled", enableDeletionProtection=True), None,
     CHECKOV + "example_LBDeletionProtection/main.tf aws_lb.enabled"),
    ("alb-deletion-protection", alb("default", LEGACY_ALB), "enableDeletionProtection=None",
     CHECKOV + "example_LBDeletionProtection/main.tf aws_alb.default"),
    ("alb-deletion-protection", alb("disabled", enableDeletionProtection=False),
     "enableDeletionProtection=False", CHECKOV + "example_LBDeletionProtection/main.tf aws_lb.disabled"),
]  # fmt: skip

KEY_CASES = [
    (resource(KEY, "pass1", {"enableKeyRotation": True}), None,
     CHECKOV + "example_KMSRotation/main.tf pass1"),
    (resource(KEY, "pass2", {"customerMasterKeySpec": "SYMMETRIC_DEFAULT", "enableKeyRotation": True}), None,
     CHECKOV + "example_KMSRotation/main.tf pass2"),
    (resource(KEY, "unknown1", {"customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"}), None,
     CHECKOV + "example_KMSRotation/main.tf unknown1 (asymmetric keys cannot rotate)"),
    (resource(KEY, "hmac", {"customerMasterKeySpec": "HMAC_256", "keyUsage": "GENERATE_VERIFY_MAC"}), None,
     "AWS KMS docs, rotate-keys.html: automatic rotation is for symmetric encryption keys only, not HMAC"),
    (resource(KEY, "fail1", {}), "enableKeyRotation=None", CHECKOV + "example_KMSRotation/main.tf fail1"),
    (resource(KEY, "fail2", {"enableKeyRotation": False}), "enableKeyRotation=False",
     CHECKOV + "example_KMSRotation/main.tf fail2"),
    (resource(KEY, "fail3", {"customerMasterKeySpec": "SYMMETRIC_DEFAULT", "enableKeyRotation": False}),
     "enableKeyRotation=False", CHECKOV + "example_KMSRotation/main.tf fail3"),
    (resource(KEY, "fail4", {"customerMasterKeySpec": "SYMMETRIC_DEFAULT"}), "enableKeyRotation=None",
     CHECKOV + "example_KMSRotation/main.tf fail4"),
]  # fmt: skip


@pytest.mark.parametrize(("policy", "res", "expected", "source"), LOAD_BALANCER_CASES)
def test_load_balancer_rules(pack, policy, res, expected, source):
    assert_verdict(pack, res, policy, expected)


@pytest.mark.parametrize(("res", "expected", "source"), KEY_CASES)
def test_kms_keys_rotate(pack, res, expected, source):
    assert_verdict(pack, res, "kms-key-rotation", expected)


def test_an_unknown_load_balancer_setting_is_unchecked_not_passed(pack):
    res = alb("preview", dropInvalidHeaderFields=UNKNOWN)
    assert pack.violations(res, "alb-drop-invalid-headers") == []
    assert pack.unchecked(res, "alb-drop-invalid-headers")


# Stack policies: resources with the property dependencies the engine sends.


def linked(res: AnalyzedResource, key: str, target: AnalyzedResource) -> AnalyzedResource:
    return replace(res, property_dependencies={key: [target.urn]}, dependencies=[target.urn])


def stack_findings(pack, resources, policy):
    analysis = pack.process.analyze_stack_resources(resources)
    found = [d for d in analysis.diagnostics if d.policy_name == policy]
    unchecked = [n.reason for n in analysis.not_applicable if n.policy_name == policy]
    return found, unchecked


OK_VPC = resource(VPC, "ok_vpc", {"cidrBlock": "10.0.0.0/16"})
NOT_OK_VPC = resource(VPC, "not_ok_vpc", {"cidrBlock": "10.0.0.0/16"})
EXAMPLE_FLOW_LOG = linked(
    resource(FLOW_LOG, "example", {"iamRoleArn": "arn", "logDestination": "log", "trafficType": "ALL",
                                   "vpcId": UNKNOWN}),
    "vpcId",
    OK_VPC,
)  # fmt: skip


def test_flow_logs_as_checkovs_graph_fixture_expects(pack):
    """checkov tests/terraform/graph/checks/resources/VPCHasFlowLog: ok_vpc passes, not_ok_vpc fails."""
    found, unchecked = stack_findings(pack, [OK_VPC, NOT_OK_VPC, EXAMPLE_FLOW_LOG], "vpc-flow-logs")
    assert [d.urn for d in found] == [NOT_OK_VPC.urn] and unchecked == []
    assert "has no flow log" in found[0].message and "Fix" in found[0].message
    assert found[0].enforcement_level == "mandatory"


def test_a_flow_log_found_by_the_vpc_id_once_known(pack):
    vpc = resource(VPC, "known", {"id": "vpc-0abc", "cidrBlock": "10.0.0.0/16"})
    log = resource(FLOW_LOG, "by-id", {"vpcId": "vpc-0abc", "trafficType": "ALL"})
    assert stack_findings(pack, [vpc, log], "vpc-flow-logs") == ([], [])


def test_a_flow_log_on_a_subnet_does_not_cover_the_vpc(pack):
    """AWS VPC docs (flow-logs.html): a flow log on a subnet captures that subnet's interfaces only."""
    subnet_log = resource(FLOW_LOG, "subnet-only", {"subnetId": "subnet-0abc", "trafficType": "ALL"})
    found, _ = stack_findings(pack, [OK_VPC, subnet_log], "vpc-flow-logs")
    assert [d.urn for d in found] == [OK_VPC.urn]


def test_a_flow_log_whose_vpc_is_unknown_leaves_the_vpc_unchecked(pack):
    log = resource(FLOW_LOG, "unlinked", {"vpcId": UNKNOWN, "trafficType": "ALL"})
    found, unchecked = stack_findings(pack, [NOT_OK_VPC, log], "vpc-flow-logs")
    assert found == [] and any("not_ok_vpc" in reason for reason in unchecked)


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, resources, **extra):
    return {"Effect": "Allow", "Principal": "*", "Action": actions, "Resource": resources, **extra}


def endpoint(name, service, kind="Interface", **props):
    return resource(
        ENDPOINT,
        name,
        {"vpcId": "vpc-0abc", "serviceName": f"com.amazonaws.eu-west-1.{service}", "vpcEndpointType": kind,
         **props},
    )  # fmt: skip


REPO = "arn:aws:ecr:eu-west-1:123456789012:repository/container-platform/hello-world"
ECR_DOCS = "AWS ECR docs, vpc-endpoints.html (endpoint policies for Amazon ECR)"
PRIVATELINK = "AWS PrivateLink docs, vpc-endpoints-access.html (the default endpoint policy)"
ENDPOINT_CASES = [
    (endpoint("scoped", "ecr.api", policy=policy(
        allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], [REPO]),
        allow("ecr:GetAuthorizationToken", "*"))), None, ECR_DOCS + ": pull from named repositories"),
    (endpoint("layers", "s3", "Gateway", policy=policy(
        allow(["s3:GetObject"], ["arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*"]))), None,
     ECR_DOCS + ": the S3 gateway endpoint policy for image layers"),
    (endpoint("default", "ecr.dkr"), "has no endpoint policy", PRIVATELINK + ": no policy = full access"),
    (endpoint("full", "ecr.dkr", policy=policy(allow("*", "*"))), "Action '*' on Resource '*'",
     PRIVATELINK + ": the default policy written out"),
    (endpoint("service-wide", "ecr.api", policy=policy(allow("ecr:*", [REPO]))), "wildcard action",
     "AWS IAM docs, reference_policies_elements_action.html: ecr:* is every ECR action"),
    (endpoint("any-bucket", "s3", "Gateway", policy=policy(allow("s3:GetObject", "*"))), "on Resource '*'",
     "AWS S3 docs, privatelink-interface-endpoints.html: restrict the endpoint to the buckets you use"),
    (endpoint("any-bucket-pattern", "s3", "Gateway",
              policy=policy(allow("s3:GetObject", "arn:aws:s3:::*/*"))),
     "every resource of that kind", "AWS S3 docs: arn:aws:s3:::*/* names every object of every bucket"),
    (endpoint("any-account", "ecr.api", policy=policy(
        allow("ecr:PutImage", "arn:aws:ecr:eu-west-1:*:repository/container-platform/*"))),
     "every resource of that kind",
     "AWS data perimeter guidance: another account's repository is an exfiltration path"),
    (endpoint("every-repository", "ecr.api", policy=policy(
        allow("ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:123456789012:repository/*"))),
     "every resource of that kind", ECR_DOCS + ": name the repositories, not every one of the account"),
    (endpoint("not-json", "logs", policy="{not json"), "not valid JSON",
     "AWS PrivateLink docs: an endpoint policy is a JSON policy document"),
    (endpoint("not-action", "logs", policy=policy(
        {"Effect": "Allow", "Principal": "*", "NotAction": "logs:DeleteLogGroup", "Resource": "*"})),
     "NotAction", "AWS IAM docs, reference_policies_elements_notaction.html: Allow with NotAction"),
    (endpoint("gwlb", "vpce-svc-0abc", "GatewayLoadBalancer"), None,
     "AWS PrivateLink docs: Gateway Load Balancer endpoints do not support endpoint policies"),
]  # fmt: skip


@pytest.mark.parametrize(("res", "expected", "source"), ENDPOINT_CASES)
def test_endpoint_policies(pack, res, expected, source):
    found, _ = stack_findings(pack, [res], "vpc-endpoint-policies")
    if expected is None:
        assert found == []
        return
    assert found and all(d.urn == res.urn for d in found)
    assert any(expected in d.message and repr(res.name) in d.message and "Fix" in d.message for d in found)


def test_a_separate_endpoint_policy_counts_and_is_judged(pack):
    bare = endpoint("with-policy-resource", "logs")
    scoped = linked(
        resource(ENDPOINT_POLICY, "scoped", {"vpcEndpointId": UNKNOWN, "policy": policy(
            allow(["logs:PutLogEvents"], ["arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/dev/app:*"]))}),
        "vpcEndpointId", bare,
    )  # fmt: skip
    assert stack_findings(pack, [bare, scoped], "vpc-endpoint-policies") == ([], [])
    wide = linked(
        resource(ENDPOINT_POLICY, "wide", {"vpcEndpointId": UNKNOWN, "policy": policy(allow("*", "*"))}),
        "vpcEndpointId",
        bare,
    )
    found, _ = stack_findings(pack, [bare, wide], "vpc-endpoint-policies")
    assert {d.urn for d in found} == {wide.urn}


def test_an_unknown_endpoint_policy_is_unchecked(pack):
    found, unchecked = stack_findings(
        pack, [endpoint("preview", "ecr.api", policy=UNKNOWN)], "vpc-endpoint-policies"
    )
    assert found == [] and unchecked


def test_a_live_waiver_waives_a_vpc_without_flow_logs_and_is_reported(pack):
    waiver = {
        "resources": [NOT_OK_VPC.name],
        "reason": "a lab VPC torn down nightly; the security team accepted no flow logs until 2999",
        "expires": "2999-12-31",
        "approvedBy": "security team",
    }
    pack.configure({"vpc-flow-logs": {"waivers": [waiver]}})
    analysis = pack.process.analyze_stack_resources([NOT_OK_VPC])
    found = {d.policy_name: d for d in analysis.diagnostics}
    assert "vpc-flow-logs" not in found
    assert (
        found["stack-waivers-used"].urn == NOT_OK_VPC.urn
        and "vpc-flow-logs" in found["stack-waivers-used"].message
    )
