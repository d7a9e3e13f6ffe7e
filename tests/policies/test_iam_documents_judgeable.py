"""Documents IAM would reject, or too big for any AWS policy: a violation saying they cannot be judged.

Never a crash, never a pass, mandatory under prod's config. Sources: AWS IAM User Guide, "Grammar of the
IAM JSON policy language" and the element pages (Effect is "Allow" or "Deny"; Action, Resource and
Principal hold strings; identity-based policies have no Principal), and IAM's quotas (reference_iam-quotas:
no managed or inline policy is anywhere near 1,000 statements).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.policies.helpers import assert_verdict, resource
from tests.policies.iam_cases import ACCOUNT, ROLE, allow, doc, role_policy

GRAMMAR = "AWS IAM User Guide, reference_policies_grammar"
BAD_IDENTITY = [
    (GRAMMAR, "not-json", "{not json", "not valid JSON"),
    (GRAMMAR, "a-list", json.dumps([allow("s3:GetObject")]), "not a JSON object"),
    (GRAMMAR, "no-statement", json.dumps({"Version": "2012-10-17"}), "no Statement"),
    (GRAMMAR, "statement-string", json.dumps({"Statement": "allow everything"}), "not an object"),
    (GRAMMAR, "statement-not-a-statement", json.dumps({"Statement": {"Allow": "*"}}), "does not know"),
    (GRAMMAR, "no-effect", json.dumps(doc({"Action": "s3:GetObject", "Resource": "*"})), "Effect None"),
    (
        GRAMMAR,
        "lower-case-effect",
        json.dumps(doc({**allow("s3:GetObject"), "Effect": "allow"})),
        "Effect 'allow'",
    ),
    (GRAMMAR, "number-action", json.dumps(doc(allow(42))), "holds 42"),
    (GRAMMAR, "null-resource", json.dumps(doc(allow("s3:GetObject", None))), "holds None"),
    (GRAMMAR, "empty-action", json.dumps(doc(allow([]))), "is empty"),
    (
        GRAMMAR,
        "no-action",
        json.dumps(doc({"Effect": "Allow", "Resource": "*"})),
        "neither Action nor NotAction",
    ),
    (
        GRAMMAR,
        "both-actions",
        json.dumps(doc({**allow("s3:GetObject"), "NotAction": "iam:*"})),
        "both Action",
    ),
    (
        GRAMMAR,
        "no-resource",
        json.dumps(doc({"Effect": "Allow", "Action": "s3:GetObject"})),
        "neither Resource",
    ),
    (
        GRAMMAR,
        "misspelt-element",
        json.dumps(doc({**allow("s3:GetObject"), "Actions": "iam:*"})),
        "'Actions'",
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_principal: not in identity-based policies",
        "principal-in-identity",
        json.dumps(doc({**allow("s3:GetObject"), "Principal": "*"})),
        "identity-based policies may not have",
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_condition_operators",
        "condition-object",
        json.dumps(doc(allow("s3:GetObject", Condition={"StringEquals": {"aws:SourceVpce": {"a": 1}}}))),
        "not a string, number or boolean",
    ),
    (
        GRAMMAR,
        "bad-version",
        json.dumps({"Version": "2020-01-01", "Statement": [allow("s3:GetObject")]}),
        "Version",
    ),
    (
        "AWS IAM User Guide, reference_iam-quotas",
        "ten-thousand",
        json.dumps(doc(*[allow("s3:GetObject", f"arn:aws:s3:::b/{i}") for i in range(10_000)])),
        "10000 statements",
    ),
    (
        GRAMMAR + ": Statement is a list of statements (AWS reads one object, the review board does not)",
        "statement-object",
        json.dumps({"Version": "2012-10-17", "Statement": allow("s3:GetObject", "arn:aws:s3:::b/x")}),
        "Statement is one object",
    ),
    (GRAMMAR, "statement-null", json.dumps({"Statement": None}), "Statement is None"),
    (GRAMMAR, "statement-number", json.dumps({"Statement": 7}), "Statement is 7"),
    (GRAMMAR, "null-statement", json.dumps(doc(None)), "statement 1 is None"),
    (GRAMMAR, "null-effect", json.dumps(doc({**allow("s3:GetObject"), "Effect": None})), "Effect None"),
    (GRAMMAR, "number-effect", json.dumps(doc({**allow("s3:GetObject"), "Effect": 1})), "Effect 1"),
    (GRAMMAR, "null-action", json.dumps(doc(allow(None))), "holds None"),
    (GRAMMAR, "bool-action", json.dumps(doc(allow(True))), "holds True"),
    (GRAMMAR, "number-in-list", json.dumps(doc(allow(["s3:GetObject", 3]))), "holds 3"),
    (GRAMMAR, "object-action", json.dumps(doc(allow({"s3": "GetObject"}))), "holds {'s3': 'GetObject'}"),
    (GRAMMAR, "number-resource", json.dumps(doc(allow("s3:GetObject", [1.5]))), "holds 1.5"),
    (GRAMMAR, "empty-string-action", json.dumps(doc(allow(""))), "holds ''"),
    (GRAMMAR, "number-sid", json.dumps(doc({**allow("s3:GetObject"), "Sid": 12})), "Sid 12"),
    (
        GRAMMAR,
        "number-version",
        json.dumps({"Version": 2012, "Statement": [allow("s3:GetObject")]}),
        "Version 2012",
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_condition",
        "null-condition",
        json.dumps(doc(allow("s3:GetObject", Condition={"Bool": {"aws:SecureTransport": None}}))),
        "holds None",
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_condition",
        "condition-list",
        json.dumps(doc(allow("s3:GetObject", Condition=["aws:SecureTransport"]))),
        "where IAM wants an object of operators",
    ),
    (
        "AWS IAM User Guide, reference_iam-quotas (10,240 characters of inline policy per role)",
        "many-not-actions",
        json.dumps(
            doc(*[{"Effect": "Allow", "NotAction": f"s3:Get{i}*", "Resource": "*"} for i in range(101)])
        ),
        "more than 100 different NotAction lists",
    ),
    (
        "RFC 8259 section 4 (duplicate names: behaviour unpredictable); red team: the board reads the last "
        "Resource, IAM may read the first",
        "repeated-resource",
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", '
        f'"Resource": "*", "Resource": "arn:aws:iam::{ACCOUNT}:role/web"}}]}}',
        "repeats the key 'Resource'",
    ),
    (
        "RFC 8259 section 4; red team: an Allow that reads as a Deny to a last-wins reader",
        "repeated-effect",
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*", '
        '"Effect": "Deny"}]}',
        "repeats the key 'Effect'",
    ),
    (
        "RFC 8259 section 4; red team: a second Statement list hides the first",
        "repeated-statement",
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}], '
        '"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/k"}]}',
        "repeats the key 'Statement'",
    ),
    (GRAMMAR, "nested-too-deep", '{"Statement": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested deeper"),
]


@pytest.mark.parametrize(
    ("name", "policy", "expected"),
    [
        pytest.param(name, policy, expected, id=f"{name} ({source[:40]})")
        for source, name, policy, expected in BAD_IDENTITY
    ],
)
def test_a_document_iam_would_reject_cannot_be_judged(pack, name, policy, expected):
    res = role_policy(name, policy)
    for rule in ("iam-no-wildcard-actions", "iam-resources-scoped", "iam-no-privilege-escalation"):
        assert_verdict(pack, res, rule, "cannot be judged")
    assert_verdict(pack, res, "iam-resources-scoped", expected)


@pytest.mark.parametrize(
    ("res", "policy"),
    [
        pytest.param(
            resource(
                ROLE, "bad-trust", {"assumeRolePolicy": json.dumps({"Statement": [{"Effect": "Allow"}]})}
            ),
            "iam-trust-named-services",
            id="trust policy without Action or Principal",
        ),
        pytest.param(
            resource(ROLE, "bad-inline", {"inlinePolicies": [{"name": "x", "policy": "[1, 2"}]}),
            "iam-no-wildcard-actions",
            id="role inline policy that is not JSON",
        ),
        pytest.param(
            resource("aws:kms/key:Key", "bad-key", {"policy": json.dumps(doc(allow("kms:*")))}),
            "iam-resource-policies-trusted",
            id="key policy statement without Principal",
        ),
        pytest.param(
            resource(
                "aws:s3/bucketPolicy:BucketPolicy",
                "bad-principal",
                {"policy": json.dumps(doc({**allow("s3:GetObject"), "Principal": {"Account": ACCOUNT}}))},
            ),
            "iam-resource-policies-trusted",
            id="bucket policy with an unknown principal type",
        ),
        pytest.param(
            resource("aws:lambda/permission:Permission", "bad-permission", {"action": 7, "principal": "*"}),
            "iam-resource-policies-trusted",
            id="lambda permission whose action is a number",
        ),
    ],
)
def test_every_carrier_reports_an_unjudgeable_document(pack, res, policy):
    assert_verdict(pack, res, policy, "cannot be judged")


def test_an_unjudgeable_document_blocks_under_prod_config(pack):
    prod = json.loads((Path(__file__).resolve().parents[2] / "policies" / "config" / "prod.json").read_text())
    pack.configure(prod)
    found = [
        d
        for d in pack.analyze(role_policy("broken", "{not json")).diagnostics
        if "cannot be judged" in d.message
    ]
    assert found and all(d.enforcement_level == "mandatory" for d in found)


def test_a_role_policy_at_the_statement_limit_is_still_judged(pack):
    many = role_policy(
        "thousand", json.dumps(doc(*[allow("s3:GetObject", f"arn:aws:s3:::b/{i}") for i in range(1000)]))
    )
    assert pack.violations(many, "iam-resources-scoped") == []


def test_a_statement_object_is_refused_and_what_it_grants_still_judged(pack):
    """The issue's "Statement as an object": AWS would read it as one statement, so the board refuses the
    spelling (mandatory in prod) and still reports the escalation inside it."""
    prod = json.loads((Path(__file__).resolve().parents[2] / "policies" / "config" / "prod.json").read_text())
    pack.configure(prod)
    res = role_policy("object-passrole", json.dumps({"Statement": allow("iam:PassRole", "*")}))
    found = pack.analyze(res).diagnostics
    refused = [d for d in found if "cannot be judged" in d.message and "Statement is one object" in d.message]
    assert refused and all(d.enforcement_level == "mandatory" for d in refused), [d.message for d in found]
    escalation = [d.message for d in found if d.policy_name == "iam-no-privilege-escalation"]
    assert any("iam:PassRole on every resource" in m for m in escalation), escalation


@pytest.mark.parametrize(
    ("res", "policy"),
    [
        pytest.param(
            resource(
                ROLE,
                "object-trust",
                {
                    "assumeRolePolicy": json.dumps(
                        {
                            "Statement": {
                                "Effect": "Allow",
                                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        }
                    )
                },
            ),
            "iam-trust-named-services",
            id="trust policy whose Statement is an object",
        ),
        pytest.param(
            resource(
                "aws:s3/bucketPolicy:BucketPolicy",
                "object-bucket-policy",
                {
                    "policy": json.dumps(
                        {
                            "Statement": {
                                "Effect": "Allow",
                                "Principal": "*",
                                "Action": "s3:GetObject",
                                "Resource": "arn:aws:s3:::b/*",
                            }
                        }
                    )
                },
            ),
            "iam-resource-policies-trusted",
            id="bucket policy whose Statement is an object",
        ),
    ],
)
def test_every_carrier_refuses_a_statement_object(pack, res, policy):
    assert_verdict(pack, res, policy, "Statement is one object")
