"""Inputs as the engine sends them: unknowns during preview, secrets wrapped, numbers as floats.

No policy may crash on them; each checks what is known, says what it could not check, and blocks at
update once the value is known.
"""

from __future__ import annotations

import json

import pytest

from container_platform.review.analyzer_client import AnalyzedResource
from tests.policies.helpers import UNKNOWN, container, resource, secret, task_definition


def not_crashed(analysis):
    """The SDK turns a policy that tripped over an unknown into this generic advisory message."""
    return [d.message for d in analysis.diagnostics if "can't run policy" in d.message]


ASSUME = "sts:AssumeRole"

PREVIEW_CASES = [
    ("approved-container-images", task_definition(container(image=UNKNOWN)), "image of container 'app'"),
    ("container-not-root", task_definition(containerDefinitions=UNKNOWN), "containerDefinitions"),
    (
        "container-not-privileged",
        task_definition(container(privileged=UNKNOWN)),
        "privileged of container 'app'",
    ),
    (
        "container-read-only-root",
        task_definition(container(readonlyRootFilesystem=UNKNOWN)),
        "readonlyRootFilesystem of container 'app'",
    ),
    (
        "service-circuit-breaker",
        resource(
            "aws:ecs/service:Service",
            "cb",
            {"deploymentCircuitBreaker": {"enable": True, "rollback": UNKNOWN}},
        ),
        "deploymentCircuitBreaker",
    ),
    (
        "listener-https-only",
        resource(
            "aws:lb/listener:Listener",
            "redirect",
            {
                "protocol": "HTTP",
                "port": 80.0,
                "defaultActions": [{"type": "redirect", "redirect": {"protocol": UNKNOWN}}],
            },
        ),
        "defaultActions",
    ),
    (
        "service-circuit-breaker",
        resource("aws:ecs/service:Service", "controller", {"deploymentController": {"type": UNKNOWN}}),
        "deploymentController.type",
    ),
    (
        "ecr-encryption",
        resource(
            "aws:ecr/repository:Repository",
            "kms",
            {"encryptionConfigurations": [{"encryptionType": UNKNOWN}]},
        ),
        "encryptionConfigurations",
    ),
    (
        "container-no-plaintext-secrets",
        task_definition(container(environment=[{"name": UNKNOWN, "value": "x"}])),
        "an environment variable of container 'app'",
    ),
    (
        "task-roles-distinct",
        task_definition(container(), taskRoleArn=UNKNOWN),
        "executionRoleArn and taskRoleArn",
    ),
    (
        "iam-resources-scoped",
        resource("aws:iam/rolePolicy:RolePolicy", "exec", {"role": UNKNOWN, "policy": UNKNOWN}),
        "policy",
    ),
    (
        "iam-trust-named-services",
        resource("aws:iam/role:Role", "r", {"assumeRolePolicy": UNKNOWN}),
        "assumeRolePolicy",
    ),
    *(
        (
            "iam-trust-named-services",
            resource("aws:iam/role:Role", name, {"assumeRolePolicy": {"Statement": [statement]}}),
            unknown,
        )
        for name, statement, unknown in [
            ("principal", {"Effect": "Allow", "Principal": UNKNOWN, "Action": ASSUME}, "the Principal of"),
            ("effect", {"Effect": UNKNOWN, "Principal": "*", "Action": ASSUME}, "the Effect of"),
            (
                "service",
                {"Effect": "Allow", "Principal": {"Service": UNKNOWN}, "Action": ASSUME},
                "the Principal",
            ),
        ]
    ),
    (
        "ingress-allowed-ports",
        resource(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "in",
            {"ipProtocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrIpv4": UNKNOWN},
        ),
        "CIDR sources",
    ),
    (
        "listener-https-only",
        resource("aws:lb/listener:Listener", "l", {"protocol": "HTTPS", "port": 443.0, "sslPolicy": UNKNOWN}),
        "sslPolicy",
    ),
    (
        "service-no-public-ip",
        resource("aws:ecs/service:Service", "s", {"networkConfiguration": UNKNOWN}),
        "networkConfiguration",
    ),
    (
        "launch-template-imdsv2",
        resource("aws:ec2/launchTemplate:LaunchTemplate", "lt", {"metadataOptions": UNKNOWN}),
        "metadataOptions",
    ),
    (
        "log-group-retention",
        resource("aws:cloudwatch/logGroup:LogGroup", "lg", {"retentionInDays": UNKNOWN}),
        "retentionInDays",
    ),
    (
        "ecr-immutable-tags",
        resource("aws:ecr/repository:Repository", "r", {"imageTagMutability": UNKNOWN}),
        "imageTagMutability",
    ),
    (
        "approved-base-images",
        resource(
            "docker:index/image:Image",
            "java-runtime",
            {
                "build": {
                    "context": "images/java-runtime",
                    "dockerfile": "images/java-runtime/Dockerfile",
                    "args": {"BASE_IMAGE": UNKNOWN},
                },
                "imageName": UNKNOWN,
            },
        ),
        "build arg BASE_IMAGE is not known yet",
    ),
    (
        "image-repository-matches-name",
        resource(
            "docker:index/image:Image", "app", {"build": {"context": "images/app"}, "imageName": UNKNOWN}
        ),
        "imageName",
    ),
]


@pytest.mark.parametrize(
    ("policy", "res", "unknown"),
    PREVIEW_CASES,
    ids=[f"{p} {r.name}" for p, r, _ in PREVIEW_CASES],
)
def test_unknown_values_are_named_not_crashed_on(pack, policy, res, unknown):
    analysis = pack.analyze(res)
    assert not_crashed(analysis) == []
    assert [d.message for d in analysis.diagnostics if d.policy_name == policy] == []
    reasons = [n.reason for n in analysis.not_applicable if n.policy_name == policy]
    assert len(reasons) == 1 and unknown in reasons[0] and repr(res.name) in reasons[0], reasons


def test_known_parts_are_still_checked_beside_unknown_ones(pack):
    task = task_definition(container(image=UNKNOWN), container(name="sidecar", image="nginx:latest"))
    analysis = pack.analyze(task)
    flagged = [d.message for d in analysis.diagnostics if d.policy_name == "approved-container-images"]
    assert any("'sidecar'" in m for m in flagged)
    assert any("image of container 'app'" in n.reason for n in analysis.not_applicable)


def test_same_policy_blocks_at_update_once_the_value_is_known(pack):
    preview = task_definition(container(image=UNKNOWN))
    update = task_definition(container(image="nginx:latest"))
    assert pack.violations(preview, "approved-container-images") == []
    assert pack.violations(update, "approved-container-images")


def test_secret_wrapped_inputs_are_judged_by_their_value(pack):
    task = task_definition(container(), containerDefinitions=secret(json.dumps([container(privileged=True)])))
    assert pack.violations(task, "container-not-privileged")
    policy = resource(
        "aws:iam/rolePolicy:RolePolicy",
        "exec",
        {
            "role": "r",
            "policy": secret(
                json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
            ),
        },
    )
    assert pack.violations(policy, "iam-no-wildcard-actions")


def test_container_definitions_as_a_list_and_numbers_as_floats(pack):
    listed = resource(
        "aws:ecs/taskDefinition:TaskDefinition",
        "listed",
        {
            "containerDefinitions": [container(portMappings=[{"containerPort": 22.0}])],
        },
    )
    assert pack.violations(listed, "container-ports-allowed")


def test_unknown_element_inside_a_list_leaves_the_rest_checked(pack):
    group = resource(
        "aws:ec2/securityGroup:SecurityGroup",
        "app-sg",
        {
            "ingress": [
                UNKNOWN,
                {"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": ["0.0.0.0/0"]},
            ]
        },
    )
    analysis = pack.analyze(group)
    assert [d for d in analysis.diagnostics if d.policy_name == "ingress-allowed-ports"]
    assert [n for n in analysis.not_applicable if n.policy_name == "ingress-allowed-ports"]


def test_container_definitions_that_are_not_json_are_a_violation(pack):
    broken = resource("aws:ecs/taskDefinition:TaskDefinition", "broken", {"containerDefinitions": "[{oops"})
    messages = pack.violations(broken, "container-not-root")
    assert len(messages) == 1 and "containerDefinitions is not valid JSON" in messages[0]


def test_inputs_of_an_unexpected_shape_fail_closed_with_a_message(pack):
    odd = resource("aws:ec2/securityGroup:SecurityGroup", "odd", {"ingress": ["not-a-rule"]})
    analysis = pack.analyze(odd)
    flagged = [d for d in analysis.diagnostics if d.policy_name == "ingress-allowed-ports"]
    assert len(flagged) == 1 and "inputs of an unexpected shape" in flagged[0].message
    assert flagged[0].enforcement_level == "mandatory"


UNKNOWN_READ_WITHOUT_ASKING = [
    (
        "ecr-scan-on-push",
        resource("aws:ecr/repository:Repository", "r", {"imageScanningConfiguration": UNKNOWN}),
    ),
    ("service-circuit-breaker", resource("aws:ecs/service:Service", "s", {"deploymentController": UNKNOWN})),
    ("container-no-plaintext-secrets", task_definition(container(environment=UNKNOWN))),
    ("container-not-privileged", task_definition(container(linuxParameters=UNKNOWN))),
    (
        "listener-https-only",
        resource(
            "aws:lb/listener:Listener",
            "l",
            {"protocol": "HTTP", "port": 80.0, "defaultActions": [{"type": "redirect", "redirect": UNKNOWN}]},
        ),
    ),
]


@pytest.mark.parametrize(
    ("policy", "res"), UNKNOWN_READ_WITHOUT_ASKING, ids=[p for p, _ in UNKNOWN_READ_WITHOUT_ASKING]
)
def test_an_unknown_a_rule_tests_or_reads_into_is_unchecked_not_a_violation(pack, policy, res):
    pack.configure({"listener-https-only": {"allowPlainHttp": False}})
    analysis = pack.analyze(res)
    assert [d.message for d in analysis.diagnostics if d.policy_name == policy] == []
    reasons = [n.reason for n in analysis.not_applicable if n.policy_name == policy]
    assert len(reasons) == 1 and repr(res.name) in reasons[0], reasons


def test_findings_before_an_unknown_read_are_still_reported(pack):
    task = task_definition(container(name="side", privileged=True), container(linuxParameters=UNKNOWN))
    analysis = pack.analyze(task)
    flagged = [d.message for d in analysis.diagnostics if d.policy_name == "container-not-privileged"]
    assert len(flagged) == 1 and "'side' is privileged" in flagged[0]
    assert [n for n in analysis.not_applicable if n.policy_name == "container-not-privileged"]


def partly_unknown_policy(*statements: dict) -> AnalyzedResource:
    policy = {"Statement": list(statements)}
    return resource("aws:iam/rolePolicy:RolePolicy", "partly", {"role": "r", "policy": policy})


def test_known_statements_of_a_partly_unknown_iam_document_are_still_judged(pack):
    """An unknown Resource ARN (a bucket not created yet) must not hide a '*' action in preview."""
    policy = partly_unknown_policy(
        {"Effect": "Allow", "Action": ["s3:*"], "Resource": [UNKNOWN]},
        {"Effect": "Allow", "Action": ["iam:PutRolePolicy"], "Resource": "arn:aws:iam::123456789012:role/x"},
        {"Effect": "Allow", "NotAction": [UNKNOWN], "Resource": "*"},
    )
    analysis = pack.analyze(policy)
    flagged = {d.policy_name: d.message for d in analysis.diagnostics}
    assert "'s3:*'" in flagged["iam-no-wildcard-actions"]
    assert "iam:PutRolePolicy" in flagged["iam-no-privilege-escalation"]
    assert "NotAction" in flagged["iam-no-not-action-allow"]
    reasons = {n.policy_name: n.reason for n in analysis.not_applicable}
    assert "an element of the Resource of statement 1 of policy" in reasons["iam-resources-scoped"]


def test_unknown_parts_of_an_iam_document_are_named(pack):
    policy = partly_unknown_policy(
        {"Effect": UNKNOWN, "Action": "*", "Resource": "*"},
        {"Effect": "Allow", "Action": UNKNOWN, "Resource": "*"},
        UNKNOWN,
    )
    analysis = pack.analyze(policy)
    assert [d.message for d in analysis.diagnostics if d.policy_name.startswith("iam-")] == []
    reason = next(n.reason for n in analysis.not_applicable if n.policy_name == "iam-resources-scoped")
    for part in ("the Effect of statement 1", "the Action of statement 2", "statement 3 of policy"):
        assert part in reason, reason


def test_once_known_the_same_document_is_judged_whole(pack):
    known = partly_unknown_policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    preview = partly_unknown_policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": [UNKNOWN]})
    assert pack.violations(preview, "iam-resources-scoped") == []
    assert pack.violations(known, "iam-resources-scoped")


def test_an_unknown_inline_policy_of_a_role_is_named(pack):
    role = resource("aws:iam/role:Role", "inline", {"inlinePolicies": [UNKNOWN]})
    analysis = pack.analyze(role)
    reasons = [n.reason for n in analysis.not_applicable if n.policy_name == "iam-no-wildcard-actions"]
    assert len(reasons) == 1 and "an inline policy" in reasons[0], reasons
