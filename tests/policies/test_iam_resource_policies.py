"""Question 3 over resource-based policies, grants and cross-account settings: who they let in.

Sources: the AWS documentation pages named in each case (ECR repository-policy-examples, KMS key-policy-
default and key-policy-modifying-external-accounts, S3 example-bucket-policies, SNS and SQS access
examples, Secrets Manager auth-and-access_resource-policies, Lambda access-control-resource-based, the
IAM condition keys reference), and the program's own KMS key policy (components/iam_documents.py).
"""

from __future__ import annotations

import pytest

from components.iam_documents import kms_key_policy
from tests.policies.helpers import assert_verdict, resource
from tests.policies.iam_cases import ACCOUNT, OTHER, carrying, doc

PROD = "210987654321"  # a trusted account that pulls the images
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
KEY = "aws:kms/key:Key"
PULL = ["ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer"]
BUCKET = "arn:aws:s3:::bank-reports"
ECR_EXAMPLES = "AWS ECR User Guide, repository-policy-examples"
S3_EXAMPLES = "AWS S3 User Guide, example-bucket-policies"
KMS_DEFAULT = "AWS KMS Developer Guide, key-policy-default"
CONDITION_KEYS = "AWS IAM User Guide, reference_policies_condition-keys"


def grant(principal, actions, resources=None, **extra):
    statement = {"Effect": "Allow", "Principal": principal, "Action": actions, **extra}
    return statement if resources is None else {**statement, "Resource": resources}


def org(condition="StringEquals", key="aws:PrincipalOrgID", value="o-a1b2c3d4e5"):
    return {"Condition": {condition: {key: value}}}


TRUSTED_CASES = [
    (
        "components/iam_documents.py kms_key_policy: the account administers the key, as AWS's default does",
        resource(KEY, "program-key", {"policy": kms_key_policy("aws", "eu-west-1", ACCOUNT)}),
        None,
    ),
    (
        f"{KMS_DEFAULT}: the default statement, for an account that is not trusted",
        resource(KEY, "other-root", {"policy": kms_key_policy("aws", "eu-west-1", OTHER)}),
        OTHER,
    ),
    (
        f"{KMS_DEFAULT}: 'Allow access through EBS for all principals in the account'",
        carrying(
            KEY,
            "through-ebs",
            doc(
                grant(
                    {"AWS": "*"},
                    ["kms:Encrypt", "kms:Decrypt"],
                    "*",
                    Condition={
                        "StringEquals": {
                            "kms:CallerAccount": ACCOUNT,
                            "kms:ViaService": "ec2.eu-west-1.amazonaws.com",
                        }
                    },
                )
            ),
        ),
        None,
    ),
    (
        "AWS KMS Developer Guide, key-policy-modifying-external-accounts",
        carrying(
            "aws:kms/keyPolicy:KeyPolicy",
            "external",
            doc(grant({"AWS": f"arn:aws:iam::{OTHER}:root"}, "kms:Decrypt", "*")),
            keyId="k",
        ),
        f"arn:aws:iam::{OTHER}:root",
    ),
    (
        f"{S3_EXAMPLES}: granting read-only permission to a public anonymous user",
        carrying(BUCKET_POLICY, "public-read", doc(grant("*", "s3:GetObject", f"{BUCKET}/*"))),
        "anyone ('*')",
    ),
    (
        f"{S3_EXAMPLES}: {{'AWS': '*'}} is anyone too",
        carrying(BUCKET_POLICY, "aws-star", doc(grant({"AWS": "*"}, "s3:GetObject", f"{BUCKET}/*"))),
        "anyone ('*')",
    ),
    (
        f"{S3_EXAMPLES}: restricting access to principals in your organization (aws:PrincipalOrgID)",
        carrying(BUCKET_POLICY, "org-only", doc(grant("*", "s3:GetObject", f"{BUCKET}/*", **org()))),
        None,
    ),
    (
        f"{S3_EXAMPLES}: restricting access to a specific VPC endpoint (aws:SourceVpce)",
        carrying(
            BUCKET_POLICY,
            "vpce-only",
            doc(
                grant("*", "s3:GetObject", f"{BUCKET}/*", **org(key="aws:SourceVpce", value="vpce-1a2b3c4d"))
            ),
        ),
        None,
    ),
    (
        f"{S3_EXAMPLES}: aws:SecureTransport says how, not who",
        carrying(
            BUCKET_POLICY,
            "tls-only",
            doc(
                grant(
                    "*",
                    "s3:GetObject",
                    f"{BUCKET}/*",
                    **org(condition="Bool", key="aws:SecureTransport", value="true"),
                )
            ),
        ),
        "anyone",
    ),
    (
        f"{CONDITION_KEYS}: ...IfExists holds when the key is absent",
        carrying(
            BUCKET_POLICY,
            "if-exists",
            doc(grant("*", "s3:GetObject", f"{BUCKET}/*", **org(condition="StringEqualsIfExists"))),
        ),
        "anyone",
    ),
    (
        f"{CONDITION_KEYS}: StringLike '*' matches every organisation",
        carrying(
            BUCKET_POLICY,
            "like-star",
            doc(grant("*", "s3:GetObject", f"{BUCKET}/*", **org(condition="StringLike", value="*"))),
        ),
        "anyone",
    ),
    (
        f"{CONDITION_KEYS}: StringLike 'o-*' matches every organisation's ID",
        carrying(
            BUCKET_POLICY,
            "like-any-org",
            doc(grant("*", "s3:GetObject", f"{BUCKET}/*", **org(condition="StringLike", value="o-*"))),
        ),
        "anyone",
    ),
    (
        f"{CONDITION_KEYS}: a service principal is not an account",
        carrying(
            BUCKET_POLICY,
            "log-delivery-service",
            doc(
                grant(
                    {"Service": "logging.s3.amazonaws.com"},
                    "s3:PutObject",
                    f"{BUCKET}/*",
                )
            ),
        ),
        None,
    ),
    (
        f"{CONDITION_KEYS}: aws:SourceAccount of an untrusted account",
        carrying(
            BUCKET_POLICY,
            "other-source",
            doc(grant("*", "s3:PutObject", f"{BUCKET}/*", **org(key="aws:SourceAccount", value=OTHER))),
        ),
        "anyone",
    ),
    (
        "AWS Organizations User Guide, orgs_manage_policies_scps_examples: Deny outside the organisation",
        carrying(
            BUCKET_POLICY,
            "deny-outside-org",
            doc(
                grant("*", "s3:GetObject", f"{BUCKET}/*"),
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [BUCKET, f"{BUCKET}/*"],
                    **org(condition="StringNotEquals"),
                },
            ),
        ),
        None,
    ),
    (
        "AWS IAM User Guide, reference_policies_evaluation-logic: a narrower Deny leaves the rest open",
        carrying(
            BUCKET_POLICY,
            "deny-too-narrow",
            doc(
                grant("*", ["s3:GetObject", "s3:PutObject"], f"{BUCKET}/*"),
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:PutObject",
                    "Resource": f"{BUCKET}/*",
                    **org(condition="StringNotEquals"),
                },
            ),
        ),
        "anyone",
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_notprincipal: Allow with NotPrincipal",
        carrying(
            BUCKET_POLICY,
            "not-principal",
            doc(
                {
                    "Effect": "Allow",
                    "NotPrincipal": {"AWS": ROOT},
                    "Action": "s3:GetObject",
                    "Resource": f"{BUCKET}/*",
                }
            ),
        ),
        "everyone except",
    ),
    (
        "AWS Secrets Manager User Guide, auth-and-access_resource-policies: a role in another account",
        carrying(
            "aws:secretsmanager/secretPolicy:SecretPolicy",
            "other-role",
            doc(grant({"AWS": f"arn:aws:iam::{OTHER}:role/reader"}, "secretsmanager:GetSecretValue", "*")),
            secretArn="s",
        ),
        f"arn:aws:iam::{OTHER}:role/reader",
    ),
    (
        "AWS Secrets Manager User Guide, auth-and-access_resource-policies: a role in the same account",
        carrying(
            "aws:secretsmanager/secret:Secret",
            "own-role",
            doc(grant({"AWS": f"arn:aws:iam::{ACCOUNT}:role/reader"}, "secretsmanager:GetSecretValue", "*")),
        ),
        None,
    ),
    (
        "AWS SNS Developer Guide, sns-access-policy-use-cases: the account that owns the topic publishes",
        carrying(
            "aws:sns/topicPolicy:TopicPolicy",
            "topic-owner",
            doc(grant({"AWS": "*"}, "SNS:Publish", "*", **org(key="AWS:SourceOwner", value=ACCOUNT))),
            arn="t",
        ),
        None,
    ),
    (
        "AWS SQS Developer Guide, sqs-basic-examples-of-sqs-policies: anyone may send",
        carrying(
            "aws:sqs/queuePolicy:QueuePolicy",
            "open-queue",
            doc(grant("*", "sqs:SendMessage", f"arn:aws:sqs:eu-west-1:{ACCOUNT}:jobs")),
            queueUrl="q",
        ),
        "anyone",
    ),
    (
        "AWS SNS Developer Guide, subscribe-sqs-queue-to-sns-topic: the SNS service, for one topic",
        carrying(
            "aws:sqs/queue:Queue",
            "from-sns",
            doc(
                grant(
                    {"Service": "sns.amazonaws.com"},
                    "sqs:SendMessage",
                    "*",
                    Condition={"ArnEquals": {"aws:SourceArn": f"arn:aws:sns:eu-west-1:{ACCOUNT}:events"}},
                )
            ),
        ),
        None,
    ),
    (
        f"{ECR_EXAMPLES}: allow another account to pull, an untrusted one",
        carrying(
            REPOSITORY_POLICY,
            "pull-other",
            doc(grant({"AWS": f"arn:aws:iam::{OTHER}:root"}, PULL)),
            repository="r",
        ),
        OTHER,
    ),
    (
        "AWS ECR User Guide, registry-permissions-examples: replication to another account's registry",
        carrying(
            "aws:ecr/registryPolicy:RegistryPolicy",
            "replicate-in",
            doc(
                grant(
                    {"AWS": f"arn:aws:iam::{OTHER}:root"},
                    ["ecr:CreateRepository", "ecr:ReplicateImage"],
                    f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/*",
                )
            ),
        ),
        OTHER,
    ),
    (
        "AWS Lambda Developer Guide, access-control-resource-based: a function anyone may invoke",
        resource(
            "aws:lambda/permission:Permission",
            "anyone-invokes",
            {"action": "lambda:InvokeFunction", "function": "f", "principal": "*"},
        ),
        "anyone",
    ),
    (
        "AWS Lambda Developer Guide, access-control-resource-based: S3 invokes it for one bucket",
        resource(
            "aws:lambda/permission:Permission",
            "s3-invokes",
            {
                "action": "lambda:InvokeFunction",
                "function": "f",
                "principal": "s3.amazonaws.com",
                "sourceArn": BUCKET,
                "sourceAccount": ACCOUNT,
            },
        ),
        None,
    ),
    (
        "AWS Lambda Developer Guide, permissions-function-cross-account: another account invokes it",
        resource(
            "aws:lambda/permission:Permission",
            "other-invokes",
            {"action": "lambda:InvokeFunction", "function": "f", "principal": OTHER},
        ),
        OTHER,
    ),
    (
        "AWS Lambda Developer Guide, access-control-resource-based: principalOrgId: '*' of the organisation",
        resource(
            "aws:lambda/permission:Permission",
            "org-invokes",
            {
                "action": "lambda:InvokeFunction",
                "function": "f",
                "principal": "*",
                "principalOrgId": "o-a1b2c3d4e5",
            },
        ),
        None,
    ),
    (
        "AWS KMS Developer Guide, grants: a grant to a role in another account",
        resource(
            "aws:kms/grant:Grant",
            "grant-other",
            {"keyId": "k", "granteePrincipal": f"arn:aws:iam::{OTHER}:role/r", "operations": ["Decrypt"]},
        ),
        OTHER,
    ),
    (
        "AWS KMS Developer Guide, grants: a grant to a role of the account",
        resource(
            "aws:kms/grant:Grant",
            "grant-own",
            {"keyId": "k", "granteePrincipal": f"arn:aws:iam::{ACCOUNT}:role/r", "operations": ["Decrypt"]},
        ),
        None,
    ),
    (
        "AWS ECR User Guide, replication: cross-account replication to an untrusted registry",
        resource(
            "aws:ecr/replicationConfiguration:ReplicationConfiguration",
            "replicate-out",
            {
                "replicationConfiguration": {
                    "rules": [{"destinations": [{"region": "eu-west-1", "registryId": OTHER}]}]
                }
            },
        ),
        f"replicates images to account {OTHER}",
    ),
    (
        "AWS ECR User Guide, replication: replication to another region of the account",
        resource(
            "aws:ecr/replicationConfiguration:ReplicationConfiguration",
            "replicate-region",
            {
                "replicationConfiguration": {
                    "rules": [{"destinations": [{"region": "eu-central-1", "registryId": ACCOUNT}]}]
                }
            },
        ),
        None,
    ),
    (
        "AWS ECR User Guide, pull-through-cache: an ECR upstream in another account",
        resource(
            "aws:ecr/pullThroughCacheRule:PullThroughCacheRule",
            "cache-other",
            {
                "ecrRepositoryPrefix": "mirror",
                "upstreamRegistryUrl": f"{OTHER}.dkr.ecr.eu-west-1.amazonaws.com",
            },
        ),
        f"pulls images through from account {OTHER}",
    ),
    (
        "AWS ECR User Guide, pull-through-cache: ECR Public is not an account",
        resource(
            "aws:ecr/pullThroughCacheRule:PullThroughCacheRule",
            "cache-public",
            {"ecrRepositoryPrefix": "ecr-public", "upstreamRegistryUrl": "public.ecr.aws"},
        ),
        None,
    ),
]

PULL_ONLY_CASES = [
    (
        f"{ECR_EXAMPLES}: allow another account to pull images",
        carrying(
            REPOSITORY_POLICY,
            "prod-pulls",
            doc(grant({"AWS": f"arn:aws:iam::{PROD}:root"}, PULL)),
            repository="r",
        ),
        None,
    ),
    (
        f"{ECR_EXAMPLES}: allow another account to push (PutImage, InitiateLayerUpload ...)",
        carrying(
            REPOSITORY_POLICY,
            "prod-pushes",
            doc(
                grant(
                    {"AWS": f"arn:aws:iam::{PROD}:root"},
                    [
                        *PULL,
                        "ecr:PutImage",
                        "ecr:InitiateLayerUpload",
                        "ecr:UploadLayerPart",
                        "ecr:CompleteLayerUpload",
                    ],
                )
            ),
            repository="r",
        ),
        "ecr:PutImage",
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_action: ecr:* covers push and delete",
        carrying(REPOSITORY_POLICY, "prod-all", doc(grant({"AWS": PROD}, "ECR:*")), repository="r"),
        "ecr:BatchDeleteImage",
    ),
    (
        f"{ECR_EXAMPLES}: an account nobody trusted, pulling",
        carrying(
            REPOSITORY_POLICY,
            "stranger-pulls",
            doc(grant({"AWS": f"arn:aws:iam::{OTHER}:root"}, PULL)),
            repository="r",
        ),
        "not accounts in trustedAccounts",
    ),
    (
        "AWS ECR User Guide, repository-policy-examples: pull for the organisation (aws:PrincipalOrgID)",
        carrying(
            REPOSITORY_POLICY,
            "org-pulls",
            doc(grant("*", PULL, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})),
            repository="r",
        ),
        None,
    ),
    (
        f"{ECR_EXAMPLES}: allow public pull (Principal '*', no condition)",
        carrying(REPOSITORY_POLICY, "public-pull", doc(grant("*", PULL)), repository="r"),
        "not accounts in trustedAccounts",
    ),
    (
        f"{ECR_EXAMPLES}: the registry's own account (registryId) is judged by its IAM policies",
        carrying(
            REPOSITORY_POLICY,
            "own-ci",
            doc(grant({"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci"}, [*PULL, "ecr:PutImage"])),
            repository="r",
            registryId=ACCOUNT,
        ),
        None,
    ),
    (
        "AWS Lambda Developer Guide, images-create (ECR permissions for Lambda): a service principal",
        carrying(
            REPOSITORY_POLICY,
            "lambda-pulls",
            doc(
                grant(
                    {"Service": "lambda.amazonaws.com"}, ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
                )
            ),
            repository="r",
        ),
        None,
    ),
    (
        f"{ECR_EXAMPLES}: a Deny statement grants nothing",
        carrying(
            REPOSITORY_POLICY,
            "deny-push",
            doc({"Effect": "Deny", "Principal": "*", "Action": "ecr:PutImage"}),
            repository="r",
        ),
        None,
    ),
]

CONFIG = {
    "iam-resource-policies-trusted": {"trustedAccounts": [ACCOUNT]},
    "ecr-cross-account-pull-only": {"trustedAccounts": [PROD]},
}


def _params(policy, cases):
    return [
        pytest.param(
            policy,
            res,
            expected,
            id=f"{'violating' if expected else 'compliant'}: {res.name} ({source[:40]})",
        )
        for source, res, expected in cases
    ]


@pytest.mark.parametrize(
    ("policy", "res", "expected"),
    [
        *_params("iam-resource-policies-trusted", TRUSTED_CASES),
        *_params("ecr-cross-account-pull-only", PULL_ONLY_CASES),
    ],
)
def test_resource_policies_let_in_only_trusted_accounts(pack, policy, res, expected):
    pack.configure(CONFIG)
    assert_verdict(pack, res, policy, expected)


def test_with_no_trusted_accounts_the_program_key_policy_is_flagged(pack):
    """trustedAccounts defaults to none: a stack names every account it trusts, its own too."""
    key = resource(KEY, "program-key", {"policy": kms_key_policy("aws", "eu-west-1", ACCOUNT)})
    assert_verdict(pack, key, "iam-resource-policies-trusted", ROOT)


def test_unknown_principal_is_unchecked_not_passed(pack):
    pack.configure(CONFIG)
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    policy = carrying(
        BUCKET_POLICY, "unknown-principal", doc(grant({"AWS": unknown}, "s3:GetObject", f"{BUCKET}/*"))
    )
    assert pack.violations(policy, "iam-resource-policies-trusted") == []
    assert any(
        "Principal of statement 1" in r for r in pack.unchecked(policy, "iam-resource-policies-trusted")
    )
