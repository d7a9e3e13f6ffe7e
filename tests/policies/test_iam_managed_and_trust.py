"""Question 3: AWS-managed policies by allowlist, and who may assume a role.

Sources: AWS IAM User Guide (access_policies_managed-vs-inline: AWS-managed policies are arn:aws:iam::aws:
policy/..., maintained and widened by AWS; id_roles_create_for-service: service trust policies;
confused-deputy: aws:SourceAccount), the ECS Developer Guide (task_execution_IAM_role names
AmazonECSTaskExecutionRolePolicy), and pulumi-aws 7's attachment types.
"""

from __future__ import annotations

import pytest

from tests.policies.helpers import assert_verdict, resource
from tests.policies.iam_cases import ACCOUNT, OTHER, doc, role

EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
MANAGED = "AWS IAM User Guide, access_policies_managed-vs-inline"


def attachment(type_name: str, name: str, **props):
    return resource(f"aws:iam/{type_name[0].lower()}{type_name[1:]}:{type_name}", name, props)


MANAGED_CASES = [
    (MANAGED, role("managed-admin", managed=(ADMIN,)), "AdministratorAccess"),
    (
        MANAGED,
        attachment(
            "RolePolicyAttachment",
            "s3-full",
            role="web",
            policyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess",
        ),
        "AmazonS3FullAccess",
    ),
    (
        "AWS ECS Developer Guide, task_execution_IAM_role: not approved, though AWS documents it",
        attachment("RolePolicyAttachment", "ecs-exec", role="web", policyArn=EXECUTION_POLICY),
        "not in approvedManagedPolicies",
    ),
    (
        MANAGED,
        attachment(
            "UserPolicyAttachment",
            "user-readonly",
            user="u",
            policyArn="arn:aws:iam::aws:policy/ReadOnlyAccess",
        ),
        "ReadOnlyAccess",
    ),
    (
        MANAGED,
        attachment(
            "GroupPolicyAttachment",
            "group-power",
            group="g",
            policyArn="arn:aws:iam::aws:policy/PowerUserAccess",
        ),
        "PowerUserAccess",
    ),
    (
        MANAGED,
        attachment(
            "PolicyAttachment",
            "legacy",
            roles=["web"],
            policyArn="arn:aws-us-gov:iam::aws:policy/IAMFullAccess",
        ),
        "IAMFullAccess",
    ),
    (
        "pulumi-aws 7 iam.RolePolicyAttachmentsExclusive: every ARN it keeps",
        attachment(
            "RolePolicyAttachmentsExclusive",
            "exclusive",
            roleName="web",
            policyArns=[f"arn:aws:iam::{ACCOUNT}:policy/own", ADMIN],
        ),
        "AdministratorAccess",
    ),
    (
        "pulumi-aws 7 iam.UserPolicyAttachmentsExclusive",
        attachment("UserPolicyAttachmentsExclusive", "user-exclusive", userName="u", policyArns=[ADMIN]),
        "AdministratorAccess",
    ),
    (
        "pulumi-aws 7 iam.GroupPolicyAttachmentsExclusive",
        attachment("GroupPolicyAttachmentsExclusive", "group-exclusive", groupName="g", policyArns=[ADMIN]),
        "AdministratorAccess",
    ),
    (
        f"{MANAGED}; red team: a customer-managed ARN names any policy of the account, maybe one written by "
        "hand, whose document the stack does not carry",
        role("own-admin", managed=(f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess",)),
        "cannot be judged",
    ),
    (
        "red team: 'AWS' in capitals is not AWS's account, and not an ARN the board can read",
        role("capital-aws", managed=("arn:aws:iam::AWS:policy/AdministratorAccess",)),
        "cannot be judged",
    ),
]


@pytest.mark.parametrize(
    ("res", "expected"),
    [
        pytest.param(res, expected, id=f"{'violating' if expected else 'compliant'}: {res.name}")
        for _, res, expected in MANAGED_CASES
    ],
)
def test_aws_managed_policies_need_approval(pack, res, expected):
    assert_verdict(pack, res, "iam-approved-managed-policies", expected)


def test_approved_managed_policies_pass_by_name_or_arn(pack):
    pack.configure(
        {"iam-approved-managed-policies": {"approvedManagedPolicies": ["AmazonECSTaskExecutionRolePolicy"]}}
    )
    by_name = attachment("RolePolicyAttachment", "ecs-exec", role="web", policyArn=EXECUTION_POLICY)
    assert pack.violations(by_name, "iam-approved-managed-policies") == []
    pack.configure({"iam-approved-managed-policies": {"approvedManagedPolicies": [EXECUTION_POLICY]}})
    assert pack.violations(by_name, "iam-approved-managed-policies") == []
    own = f"arn:aws:iam::{ACCOUNT}:policy/reviewed-reader"
    pack.configure({"iam-approved-managed-policies": {"approvedManagedPolicies": [own]}})
    assert pack.violations(role("reviewed", managed=(own,)), "iam-approved-managed-policies") == []
    assert_verdict(
        pack, role("admin", managed=(ADMIN,)), "iam-approved-managed-policies", "AdministratorAccess"
    )


def assume(principal, **extra):
    return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra})


TRUST_CASES = [
    ("AWS IAM User Guide, id_roles_create_for-service", role("tasks"), None),
    (
        "AWS IAM User Guide, confused-deputy: the service, on behalf of this account only",
        role(
            "tasks-source",
            trust=assume(
                {"Service": "ecs-tasks.amazonaws.com"},
                Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            ),
        ),
        None,
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_principal: anonymous",
        role("anyone", trust=assume("*")),
        "any principal",
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_principal: {'AWS': '*'}",
        role("aws-star", trust=assume({"AWS": "*"})),
        "any principal",
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_principal: a wildcard account",
        role("aws-any-account", trust=assume({"AWS": "arn:aws:iam::*:root"})),
        "any principal",
    ),
    (
        "AWS IAM User Guide, id_roles_create_for-user: another account",
        role("cross-account", trust=assume({"AWS": f"arn:aws:iam::{OTHER}:root"})),
        OTHER,
    ),
    (
        "AWS IAM User Guide, id_roles_create_for-idp_oidc: a federated principal",
        role(
            "github",
            trust=assume(
                {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"}
            ),
        ),
        "Federated",
    ),
    (
        "AWS IAM User Guide, id_roles_create_for-service: a service the platform does not run",
        role("lambda", trust=assume({"Service": ["lambda.amazonaws.com"]})),
        "['lambda.amazonaws.com']",
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_notprincipal",
        role(
            "not-principal",
            trust=doc(
                {
                    "Effect": "Allow",
                    "NotPrincipal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ),
        ),
        "NotPrincipal",
    ),
    (
        "BishopFox iam-vulnerable tool-testing privesc-permissive-role-trust: the account's root",
        role("own-root", trust=assume({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})),
        f"AWS: arn:aws:iam::{ACCOUNT}:root",
    ),
    (
        "checkov CKV_AWS_61 fixture (example_IAMRoleAllowAssumeFromAccount) fail: a bare account ID",
        role("bare-account", trust=assume({"AWS": OTHER})),
        f"AWS: {OTHER}",
    ),
    (
        "checkov CKV_AWS_61 fixture fail3: a role and an account in one AWS list",
        role("role-and-account", trust=assume({"AWS": [f"arn:aws:iam::{OTHER}:role/role-name", OTHER]})),
        f"AWS: {OTHER}",
    ),
    (
        "checkov CKV_AWS_60 (IAMRoleAllowsPublicAssume): '*' in an AWS list",
        role("star-in-list", trust=assume({"AWS": [f"arn:aws:iam::{ACCOUNT}:root", "*"]})),
        "any principal",
    ),
    (
        "AWS IAM User Guide, id_roles_create_for-service: the Statement given as one object",
        role(
            "trust-object",
            trust={
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                },
            },
        ),
        "Statement is one object",
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_principal: a wildcard service",
        role("any-service", trust=assume({"Service": "*"})),
        "['*']",
    ),
]


@pytest.mark.parametrize(
    ("res", "expected"),
    [
        pytest.param(res, expected, id=f"{'violating' if expected else 'compliant'}: {res.name}")
        for _, res, expected in TRUST_CASES
    ],
)
def test_roles_trust_only_named_services(pack, res, expected):
    assert_verdict(pack, res, "iam-trust-named-services", expected)
