"""Question 3: IAM documents grant only what a workload needs, and roles trust only named services."""

from __future__ import annotations

import json

import pytest

from tests.policies.helpers import assert_verdict, resource

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
POLICY = "aws:iam/policy:Policy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
REPO_ARN = "arn:aws:ecr:eu-west-1:123456789012:repository/container-platform/hello-world"
LOGS_ARN = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/hello-world:*"
TASKS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions, resources="*", **extra):
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


EXECUTION = doc(
    allow("ecr:GetAuthorizationToken"),
    allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], REPO_ARN),
    allow(["logs:CreateLogStream", "logs:PutLogEvents"], LOGS_ARN),
)


def role_policy(name, document, as_string=True):
    return resource(
        ROLE_POLICY, name, {"role": "web", "policy": json.dumps(document) if as_string else document}
    )


def role(name, *, trust=TASKS_TRUST, inline=(), managed=()):
    return resource(
        ROLE,
        name,
        {
            "assumeRolePolicy": json.dumps(trust),
            "inlinePolicies": [{"name": n, "policy": json.dumps(d)} for n, d in inline],
            "managedPolicyArns": list(managed),
        },
    )


CASES = [
    # (policy, resource, expected fragment or None)
    ("iam-no-wildcard-actions", role_policy("execution", EXECUTION), None),
    ("iam-no-wildcard-actions", role_policy("star", doc(allow("*"))), "wildcard action(s) ['*']"),
    ("iam-no-wildcard-actions", role_policy("svc", doc(allow("s3:*", "arn:aws:s3:::b/*"))), "['s3:*']"),
    (
        "iam-no-wildcard-actions",
        role("inline", inline=[("admin", doc(allow("ec2:*")))]),
        "inline policy 'admin'",
    ),
    (
        "iam-no-wildcard-actions",
        role_policy("deny-star", doc({"Effect": "Deny", "Action": "*", "Resource": "*"})),
        None,
    ),
    (
        "iam-no-not-action-allow",
        role_policy("not-action", doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})),
        "NotAction ['iam:*']",
    ),
    (
        "iam-no-not-action-allow",
        role_policy(
            "not-resource",
            doc({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::x/*"}),
        ),
        "NotResource",
    ),
    ("iam-no-not-action-allow", role_policy("execution", EXECUTION), None),
    ("iam-resources-scoped", role_policy("execution", EXECUTION), None),
    (
        "iam-resources-scoped",
        role_policy("logs-star", doc(allow(["logs:PutLogEvents"]))),
        "logs:PutLogEvents",
    ),
    ("iam-resources-scoped", role_policy("star-star", doc(allow("*"))), "Action '*' on Resource '*'"),
    ("iam-resources-scoped", role_policy("ecr-star", doc(allow("ecr:*"))), "ecr:BatchGetImage"),
    (
        "iam-resources-scoped",
        resource(POLICY, "object-doc", {"policy": doc(allow("s3:GetObject"))}),
        "s3:GetObject",
    ),
    ("iam-no-privilege-escalation", role_policy("execution", EXECUTION), None),
    (
        "iam-no-privilege-escalation",
        role_policy("passrole", doc(allow("iam:PassRole"))),
        "iam:PassRole on Resource",
    ),
    (
        "iam-no-privilege-escalation",
        role_policy("scoped-passrole", doc(allow("iam:PassRole", "arn:aws:iam::123456789012:role/web-task"))),
        None,
    ),
    (
        "iam-no-privilege-escalation",
        role_policy("put-policy", doc(allow("iam:PutRolePolicy", "arn:aws:iam::123456789012:role/web-task"))),
        "iam:putrolepolicy",
    ),
    ("iam-no-privilege-escalation", role_policy("star-star", doc(allow("*"))), "includes iam:PassRole"),
    (
        "iam-no-privilege-escalation",
        role_policy(
            "lambda-combo", doc(allow(["lambda:CreateFunction", "lambda:InvokeFunction", "iam:PassRole"]))
        ),
        "PassExistingRoleToNewLambdaThenInvoke",
    ),
    ("iam-no-credential-exposure", role_policy("execution", EXECUTION), None),
    (
        "iam-no-credential-exposure",
        role_policy("secrets", doc(allow("secretsmanager:GetSecretValue"))),
        "secretsmanager:getsecretvalue",
    ),
    (
        "iam-no-credential-exposure",
        role_policy(
            "scoped-secret",
            doc(
                allow(
                    "secretsmanager:GetSecretValue",
                    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-AbCdEf",
                )
            ),
        ),
        None,
    ),
    ("iam-no-credential-exposure", role_policy("star-star", doc(allow("*"))), "every action that returns"),
    (
        "iam-no-broad-managed-policies",
        role("managed-admin", managed=["arn:aws:iam::aws:policy/AdministratorAccess"]),
        "AdministratorAccess",
    ),
    (
        "iam-no-broad-managed-policies",
        resource(
            ATTACHMENT, "s3-full", {"role": "web", "policyArn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"}
        ),
        "AmazonS3FullAccess",
    ),
    (
        "iam-no-broad-managed-policies",
        resource(
            ATTACHMENT,
            "ecs-exec",
            {
                "role": "web",
                "policyArn": "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
            },
        ),
        None,
    ),
    (
        "iam-no-broad-managed-policies",
        role("own-admin", managed=["arn:aws:iam::123456789012:policy/AdministratorAccess"]),
        None,
    ),
    ("iam-trust-named-services", role("tasks"), None),
    (
        "iam-trust-named-services",
        role("anyone", trust=doc({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"})),
        "any principal",
    ),
    (
        "iam-trust-named-services",
        role(
            "aws-star", trust=doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})
        ),
        "trusts {'AWS': '*'}",
    ),
    (
        "iam-trust-named-services",
        role(
            "cross-account",
            trust=doc(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                    "Action": "sts:AssumeRole",
                }
            ),
        ),
        "999999999999",
    ),
    (
        "iam-trust-named-services",
        role(
            "lambda",
            trust=doc(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": ["lambda.amazonaws.com"]},
                    "Action": "sts:AssumeRole",
                }
            ),
        ),
        "['lambda.amazonaws.com']",
    ),
]


@pytest.mark.parametrize(
    ("policy", "res", "expected"),
    CASES,
    ids=[f"{'violating' if e else 'compliant'}: {p} {r.name}" for p, r, e in CASES],
)
def test_iam_documents_grant_least_privilege(pack, policy, res, expected):
    assert_verdict(pack, res, policy, expected)


def test_documents_given_as_objects_are_read_like_strings(pack):
    assert_verdict(
        pack, role_policy("object", doc(allow("*")), as_string=False), "iam-no-wildcard-actions", "['*']"
    )


def test_invalid_json_document_is_a_violation(pack):
    broken = resource(ROLE_POLICY, "broken", {"role": "web", "policy": "{not json"})
    assert_verdict(pack, broken, "iam-no-wildcard-actions", "not valid JSON")


def test_unscoped_exemptions_are_configurable(pack):
    pack.configure({"iam-resources-scoped": {"allowedUnscopedActions": ["logs:PutLogEvents"]}})
    assert (
        pack.violations(role_policy("logs-star", doc(allow("logs:PutLogEvents"))), "iam-resources-scoped")
        == []
    )
