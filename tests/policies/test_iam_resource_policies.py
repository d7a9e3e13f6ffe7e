"""Question 3 over resource-based policies, grants and cross-account settings: who they let in.

Sources: the AWS documentation pages named in each case (ECR repository-policy-examples, KMS key-policy-
default and key-policy-modifying-external-accounts, S3 example-bucket-policies, SNS and SQS access
examples, Secrets Manager auth-and-access_resource-policies, Lambda access-control-resource-based, the
IAM condition keys reference), and the program's own KMS key policy (components/iam_documents.py).
"""

from __future__ import annotations

import pytest

from components.iam_documents import efs_file_system_policy, kms_key_policy
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
TRAILS = f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"


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
        "red team: aws:PrincipalOrgID of an organisation nobody trusted (the attacker's own) admits it",
        carrying(
            BUCKET_POLICY,
            "stranger-org",
            doc(grant("*", "s3:GetObject", f"{BUCKET}/*", **org(value="o-zz9yy8xx7w"))),
        ),
        "anyone",
    ),
    (
        "red team: aws:PrincipalOrgPaths below an organisation nobody trusted",
        carrying(
            BUCKET_POLICY,
            "stranger-org-path",
            doc(
                grant(
                    "*",
                    "s3:GetObject",
                    f"{BUCKET}/*",
                    **org(
                        condition="ForAnyValue:StringLike",
                        key="aws:PrincipalOrgPaths",
                        value="o-zz9yy8xx7w/r-ab12/*",
                    ),
                )
            ),
        ),
        "anyone",
    ),
    (
        "red team: aws:SourceVpce of a VPC endpoint nobody trusted (any account can create one)",
        carrying(
            BUCKET_POLICY,
            "stranger-vpce",
            doc(grant("*", "s3:GetObject", f"{BUCKET}/*", **org(key="aws:SourceVpce", value="vpce-0badc0d"))),
        ),
        "anyone",
    ),
    (
        "AWS KMS Developer Guide, conditions-kms-via-service: kms:ViaService alone lets any account's "
        "principals use the key through the service (AWS pairs it with kms:CallerAccount)",
        carrying(
            KEY,
            "via-service-only",
            doc(
                grant(
                    {"AWS": "*"},
                    "kms:Decrypt",
                    "*",
                    **org(key="kms:ViaService", value="secretsmanager.eu-west-1.amazonaws.com"),
                )
            ),
        ),
        "anyone",
    ),
    (
        "AWS IAM User Guide, reference_policies_condition-single-vs-multi-valued: a ForAnyValue Deny does "
        "not apply when the key is absent (a principal of an account in no organisation)",
        carrying(
            BUCKET_POLICY,
            "deny-for-any-value",
            doc(
                grant("*", "s3:GetObject", f"{BUCKET}/*"),
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [BUCKET, f"{BUCKET}/*"],
                    **org(condition="ForAnyValue:StringNotEquals"),
                },
            ),
        ),
        "anyone",
    ),
    (
        "AWS EFS User Guide, access-control-block-public-access: Principal '*' mounts as root, no condition",
        carrying(
            "aws:efs/fileSystemPolicy:FileSystemPolicy",
            "efs-anyone",
            doc(
                grant(
                    {"AWS": "*"},
                    [
                        "elasticfilesystem:ClientMount",
                        "elasticfilesystem:ClientWrite",
                        "elasticfilesystem:ClientRootAccess",
                    ],
                    "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-1",
                )
            ),
            fileSystemId="fs-1",
        ),
        "anyone",
    ),
    (
        "components/iam_documents.py efs_file_system_policy: a Deny of clients without TLS lets nobody in",
        resource(
            "aws:efs/fileSystemPolicy:FileSystemPolicy",
            "program-efs",
            {
                "fileSystemId": "fs-1",
                "policy": efs_file_system_policy(
                    "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-1"
                ),
            },
        ),
        None,
    ),
    (
        "AWS S3 User Guide, acl-overview (canned ACL public-read); checkov CKV_AWS_20: anyone reads",
        resource("aws:s3/bucket:Bucket", "canned-public", {"bucket": "b", "acl": "public-read"}),
        "anyone ('*') s3:ListBucket, s3:GetObject",
    ),
    (
        "AWS S3 User Guide, acl-overview: a grant to the AuthenticatedUsers group is any AWS account",
        resource(
            "aws:s3/bucketV2:BucketV2",
            "grant-authenticated",
            {
                "bucket": "b",
                "grants": [
                    {
                        "type": "Group",
                        "uri": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
                        "permissions": ["WRITE"],
                    }
                ],
            },
        ),
        "anyone ('*') s3:PutObject",
    ),
    (
        "AWS S3 User Guide, acl-overview: the log-delivery-write ACL lets S3's log delivery group write",
        resource("aws:s3/bucket:Bucket", "canned-log-delivery", {"bucket": "b", "acl": "log-delivery-write"}),
        None,
    ),
    (
        "AWS S3 User Guide, acl-overview: the private canned ACL, the default",
        resource("aws:s3/bucket:Bucket", "canned-private", {"bucket": "b", "acl": "private"}),
        None,
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
        "red team: a Lambda permission for '*' with the principalOrgId of an organisation nobody trusted",
        resource(
            "aws:lambda/permission:Permission",
            "stranger-org-invokes",
            {
                "action": "lambda:InvokeFunction",
                "function": "f",
                "principal": "*",
                "principalOrgId": "o-zz9yy8xx7w",
            },
        ),
        "anyone ('*')",
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
    *(
        (
            f"AWS ECR User Guide, pull-through-cache; red team: the other account's registry as {host}",
            resource(
                "aws:ecr/pullThroughCacheRule:PullThroughCacheRule",
                f"cache-other-{name}",
                {"ecrRepositoryPrefix": "mirror", "upstreamRegistryUrl": f"{OTHER}{host}"},
            ),
            f"pulls images through from account {OTHER}",
        )
        for name, host in (
            ("fips", ".dkr.ecr-fips.us-east-1.amazonaws.com"),
            ("dual-stack", ".dkr-ecr.eu-west-1.on.aws"),
            ("capitals", ".DKR.ECR.EU-WEST-1.AMAZONAWS.COM"),
        )
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
    (
        "checkov CKV_AWS_33 fixture (example_KMSKeyWildcardPrincipal) fail_0: {'AWS': '*'} after the root",
        carrying(
            KEY, "kms-fail-0", doc(grant({"AWS": ROOT}, "kms:*", "*"), grant({"AWS": "*"}, "kms:*", "*"))
        ),
        "anyone ('*')",
    ),
    (
        "checkov CKV_AWS_33 fixture fail_4: '*' in the AWS list beside the root",
        carrying(KEY, "kms-fail-4", doc(grant({"AWS": [ROOT, "*"]}, "kms:*", "*"))),
        "anyone ('*')",
    ),
    (
        "checkov CKV_AWS_33 fixture pass_1: a Deny for everyone lets nobody in",
        carrying(
            KEY,
            "kms-deny",
            doc({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}),
        ),
        None,
    ),
    (
        "checkov CKV_AWS_33 fixture pass_4: '*' restricted by kms:CallerAccount of the account",
        carrying(
            KEY,
            "kms-caller-account",
            doc(
                grant(
                    {"AWS": ROOT}, "kms:*", "*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}
                ),
                grant({"AWS": "*"}, "kms:*", "*", Condition={"StringEquals": {"kms:CallerAccount": ACCOUNT}}),
            ),
        ),
        None,
    ),
    (
        f"{KMS_DEFAULT}: the account as a bare 12-digit ID, as IAM accepts it",
        carrying(KEY, "kms-account-id", doc(grant({"AWS": ACCOUNT}, "kms:*", "*"))),
        None,
    ),
    (
        f"{KMS_DEFAULT}: a bare 12-digit ID of another account",
        carrying(KEY, "kms-other-id", doc(grant({"AWS": OTHER}, "kms:Decrypt", "*"))),
        OTHER,
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_principal: a wildcard account is any account",
        carrying(KEY, "kms-any-root", doc(grant({"AWS": "arn:aws:iam::*:root"}, "kms:*", "*"))),
        "anyone ('arn:aws:iam::*:root')",
    ),
    (
        "AWS CloudTrail User Guide, create-kms-key-policy-for-cloudtrail: the service, by encryption context",
        carrying(
            KEY,
            "kms-cloudtrail",
            doc(
                grant(
                    {"Service": "cloudtrail.amazonaws.com"},
                    "kms:GenerateDataKey*",
                    "*",
                    Condition={"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": TRAILS}},
                )
            ),
        ),
        None,
    ),
    (
        "checkov CKV_AWS_169 fixture (example_SNSTopicPolicyAnyPrincipal) sns_pass_condition",
        carrying(
            "aws:sns/topicPolicy:TopicPolicy",
            "sns-source-account",
            doc(
                grant(
                    {"AWS": [f"arn:aws:iam::{ACCOUNT}:role/sns", "*"]},
                    ["SNS:Subscribe", "SNS:Publish"],
                    "t",
                    Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                )
            ),
            arn="t",
        ),
        None,
    ),
    (
        "checkov CKV_AWS_169 fixture sns_tp3: a role name in any account",
        carrying(
            "aws:sns/topicPolicy:TopicPolicy",
            "sns-any-account-role",
            doc(grant({"AWS": "arn:aws:iam::*:role/sns"}, "SNS:Publish", "t")),
            arn="t",
        ),
        "anyone ('arn:aws:iam::*:role/sns')",
    ),
    (
        "checkov CKV_AWS_169 fixture sns_tp1: Principal '*' with Deny",
        carrying(
            "aws:sns/topicPolicy:TopicPolicy",
            "sns-deny",
            doc(
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": ["SNS:Publish", "SNS:Subscribe"],
                    "Resource": "t",
                }
            ),
            arn="t",
        ),
        None,
    ),
    (
        "checkov CKV_AWS_385 fixture (example_SNSCrossAccountAccess) fail0: a role of another account",
        carrying(
            "aws:sns/topicPolicy:TopicPolicy",
            "sns-other-role",
            doc(grant({"AWS": [f"arn:aws:iam::{OTHER}:role/sns"]}, ["SNS:Publish", "SNS:Subscribe"], "t")),
            arn="t",
        ),
        f"arn:aws:iam::{OTHER}:role/sns",
    ),
    (
        "AWS S3 User Guide, ways-to-add-notification-config-to-bucket: for one bucket and its account",
        carrying(
            "aws:sns/topicPolicy:TopicPolicy",
            "sns-from-s3",
            doc(
                grant(
                    {"Service": "s3.amazonaws.com"},
                    "SNS:Publish",
                    "t",
                    Condition={
                        "ArnLike": {"aws:SourceArn": "arn:aws:s3:::bank-reports"},
                        "StringEquals": {"aws:SourceAccount": ACCOUNT},
                    },
                )
            ),
            arn="t",
        ),
        None,
    ),
    (
        "checkov CKV_AWS_387 fixture (example_SQSOverlyPermissive) pass_w_condition: aws:SourceVpc",
        carrying(
            "aws:sqs/queuePolicy:QueuePolicy",
            "sqs-source-vpc",
            doc(
                grant(
                    "*", "sqs:SendMessage", "q", Condition={"StringEquals": {"aws:SourceVpc": "vpc-12345678"}}
                )
            ),
            queueUrl="q",
        ),
        None,
    ),
    (
        "checkov CKV_AWS_72 (SQSPolicy) / CKV_AWS_387 fixture fail2: anyone, every action",
        carrying("aws:sqs/queuePolicy:QueuePolicy", "sqs-star-star", doc(grant("*", "*", "q")), queueUrl="q"),
        "anyone ('*')",
    ),
    (
        "checkov CKV_AWS_387 fixture pass: a named role of the account",
        carrying(
            "aws:sqs/queuePolicy:QueuePolicy",
            "sqs-own-role",
            doc(grant({"AWS": f"arn:aws:iam::{ACCOUNT}:role/specific-role"}, "sqs:SendMessage", "q")),
            queueUrl="q",
        ),
        None,
    ),
    (
        "AWS SQS Developer Guide, sqs-creating-custom-policies: a Deny with NotPrincipal lets nobody in",
        carrying(
            "aws:sqs/queuePolicy:QueuePolicy",
            "sqs-deny-others",
            doc({"Effect": "Deny", "NotPrincipal": {"AWS": ROOT}, "Action": "sqs:*", "Resource": "q"}),
            queueUrl="q",
        ),
        None,
    ),
    (
        f"{S3_EXAMPLES}: a CloudFront origin access identity (an AWS identity, not an account)",
        carrying(
            BUCKET_POLICY,
            "cloudfront-oai",
            doc(
                grant(
                    {"AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"},
                    "s3:GetObject",
                    f"{BUCKET}/*",
                )
            ),
        ),
        None,
    ),
    (
        "AWS CloudFront Developer Guide, private-content-restricting-access-to-s3 (origin access control)",
        carrying(
            BUCKET_POLICY,
            "cloudfront-oac",
            doc(
                grant(
                    {"Service": "cloudfront.amazonaws.com"},
                    "s3:GetObject",
                    f"{BUCKET}/*",
                    Condition={
                        "StringEquals": {
                            "AWS:SourceArn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/EDFDVBD6EXAMPLE"
                        }
                    },
                )
            ),
        ),
        None,
    ),
    (
        f"{S3_EXAMPLES}: restricting access to specific IP addresses says where, not who",
        carrying(
            BUCKET_POLICY,
            "source-ip",
            doc(
                grant(
                    "*",
                    "s3:GetObject",
                    f"{BUCKET}/*",
                    Condition={"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}},
                )
            ),
        ),
        "anyone ('*')",
    ),
    (
        f"{CONDITION_KEYS}: aws:PrincipalAccount of the account",
        carrying(
            BUCKET_POLICY,
            "principal-account",
            doc(
                grant(
                    {"AWS": "*"},
                    "s3:GetObject",
                    f"{BUCKET}/*",
                    **org(key="aws:PrincipalAccount", value=ACCOUNT),
                )
            ),
        ),
        None,
    ),
    (
        f"{CONDITION_KEYS}: aws:PrincipalArn of the account's roles",
        carrying(
            BUCKET_POLICY,
            "principal-arn",
            doc(
                grant(
                    {"AWS": "*"},
                    "s3:GetObject",
                    f"{BUCKET}/*",
                    Condition={"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/*"}},
                )
            ),
        ),
        None,
    ),
    (
        f"{CONDITION_KEYS}: StringNotEquals in an Allow lets in everyone else",
        carrying(
            BUCKET_POLICY,
            "not-equals-allow",
            doc(grant({"AWS": "*"}, "s3:GetObject", f"{BUCKET}/*", **org(condition="StringNotEquals"))),
        ),
        "anyone",
    ),
    (
        f"{CONDITION_KEYS}: ForAllValues holds when the key is absent (aws:PrincipalOrgID)",
        carrying(
            BUCKET_POLICY,
            "for-all-values",
            doc(grant("*", "s3:GetObject", f"{BUCKET}/*", **org(condition="ForAllValues:StringEquals"))),
        ),
        "anyone",
    ),
    (
        f"{S3_EXAMPLES}: deny requests from outside the account (aws:PrincipalAccount)",
        carrying(
            BUCKET_POLICY,
            "deny-outside-account",
            doc(
                grant("*", "s3:GetObject", f"{BUCKET}/*"),
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [BUCKET, f"{BUCKET}/*"],
                    **org(condition="StringNotEquals", key="aws:PrincipalAccount", value=ACCOUNT),
                },
            ),
        ),
        None,
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_principal: another account's role session",
        carrying(
            BUCKET_POLICY,
            "other-session",
            doc(
                grant(
                    {"AWS": f"arn:aws:sts::{OTHER}:assumed-role/reader/session"},
                    "s3:GetObject",
                    f"{BUCKET}/*",
                )
            ),
        ),
        f"arn:aws:sts::{OTHER}:assumed-role/reader/session",
    ),
    (
        "AWS Secrets Manager User Guide, auth-and-access_resource-policies: {'AWS': '*'} reads the secret",
        carrying(
            "aws:secretsmanager/secretPolicy:SecretPolicy",
            "secret-anyone",
            doc(grant({"AWS": "*"}, "secretsmanager:GetSecretValue", "*")),
            secretArn="s",
        ),
        "anyone ('*')",
    ),
    (
        "checkov CKV_AWS_364 fixture (LambdaServicePermission) ckv_unittest_fail: a service, no source",
        resource(
            "aws:lambda/permission:Permission",
            "service-no-source",
            {"action": "lambda:InvokeFunction", "function": "f", "principal": "apigateway.amazonaws.com"},
        ),
        "any account's 'apigateway.amazonaws.com'",
    ),
    (
        "checkov CKV_AWS_364 fixture ckv_unittest_pass_source_arn: API Gateway, for one API",
        resource(
            "aws:lambda/permission:Permission",
            "service-source-arn",
            {
                "action": "lambda:InvokeFunction",
                "function": "f",
                "principal": "apigateway.amazonaws.com",
                "sourceArn": f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:a1b2c3/*/*/*",
            },
        ),
        None,
    ),
    (
        "checkov CKV_AWS_364 fixture ckv_unittest_pass_source_account: API Gateway, for the account",
        resource(
            "aws:lambda/permission:Permission",
            "service-source-account",
            {
                "action": "lambda:InvokeFunction",
                "function": "f",
                "principal": "apigateway.amazonaws.com",
                "sourceAccount": ACCOUNT,
            },
        ),
        None,
    ),
    (
        "AWS Lambda Developer Guide, access-control-resource-based: S3's bucket ARN names no account",
        resource(
            "aws:lambda/permission:Permission",
            "s3-bucket-only",
            {
                "action": "lambda:InvokeFunction",
                "function": "f",
                "principal": "s3.amazonaws.com",
                "sourceArn": BUCKET,
            },
        ),
        "any account's 's3.amazonaws.com'",
    ),
    (
        "AWS Lambda Developer Guide, urls-auth: a function URL with auth type NONE for '*'",
        resource(
            "aws:lambda/permission:Permission",
            "public-url",
            {
                "action": "lambda:InvokeFunctionUrl",
                "function": "f",
                "principal": "*",
                "functionUrlAuthType": "NONE",
            },
        ),
        "anyone ('*')",
    ),
    (
        "AWS EventBridge User Guide, resource-based-policies-eventbridge: a rule invokes the function",
        resource(
            "aws:lambda/permission:Permission",
            "events-rule",
            {
                "action": "lambda:InvokeFunction",
                "function": "f",
                "principal": "events.amazonaws.com",
                "sourceArn": f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/nightly",
            },
        ),
        None,
    ),
    (
        f"{CONDITION_KEYS}: aws:PrincipalOrgPaths, an organisational unit and below (ForAnyValue:StringLike)",
        carrying(
            BUCKET_POLICY,
            "org-path",
            doc(
                grant(
                    "*",
                    "s3:GetObject",
                    f"{BUCKET}/*",
                    **org(
                        condition="ForAnyValue:StringLike",
                        key="aws:PrincipalOrgPaths",
                        value="o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*",
                    ),
                )
            ),
        ),
        None,
    ),
    (
        f"{CONDITION_KEYS}: aws:PrincipalOrgPaths 'o-*/*' is every organisation's path",
        carrying(
            BUCKET_POLICY,
            "any-org-path",
            doc(
                grant(
                    "*",
                    "s3:GetObject",
                    f"{BUCKET}/*",
                    **org(condition="ForAnyValue:StringLike", key="aws:PrincipalOrgPaths", value="o-*/*"),
                )
            ),
        ),
        "anyone",
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_principal: a wildcard service is no named service",
        carrying(BUCKET_POLICY, "any-service", doc(grant({"Service": "*"}, "s3:PutObject", f"{BUCKET}/*"))),
        "anyone ('*')",
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
        "red team: pull for an organisation nobody trusted (aws:PrincipalOrgID of the attacker's own)",
        carrying(
            REPOSITORY_POLICY,
            "stranger-org-pulls",
            doc(grant("*", PULL, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-zz9yy8xx7w"}})),
            repository="r",
        ),
        "not accounts in trustedAccounts",
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
    (
        "checkov CKV_AWS_32 fixture (example_ECRPolicy) 'fail': Principal '*' pushes and deletes",
        carrying(
            REPOSITORY_POLICY,
            "ckv-public",
            doc(grant("*", [*PULL, "ecr:PutImage", "ecr:DeleteRepository", "ecr:SetRepositoryPolicy"])),
            repository="r",
        ),
        "ecr:PutImage",
    ),
    (
        "AWS IAM User Guide, reference_policies_condition-single-vs-multi-valued: ForAllValues with a "
        "single-valued key holds when it is absent (checkov's pass_conditional is not, as AWS evaluates it)",
        carrying(
            REPOSITORY_POLICY,
            "for-all-org",
            doc(
                grant(
                    "*", PULL, Condition={"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-12345678"}}
                )
            ),
            repository="r",
        ),
        "not accounts in trustedAccounts",
    ),
    (
        "checkov CKV_AWS_32 fixture 'fail_conditional': aws:username restricts no account",
        carrying(
            REPOSITORY_POLICY,
            "username",
            doc(grant("*", PULL, Condition={"StringEquals": {"aws:username": "pull-user-1"}})),
            repository="r",
        ),
        "not accounts in trustedAccounts",
    ),
    (
        f"{ECR_EXAMPLES}: a trusted account as a bare 12-digit ID, pulling",
        carrying(REPOSITORY_POLICY, "prod-id-pulls", doc(grant({"AWS": PROD}, PULL)), repository="r"),
        None,
    ),
]

TRUSTED_CONDITION_VALUES = {
    "trustedOrganizations": ["o-a1b2c3d4e5"],
    "trustedNetworks": ["vpce-1a2b3c4d", "vpc-12345678"],
}
CONFIG = {
    "iam-resource-policies-trusted": {"trustedAccounts": [ACCOUNT], **TRUSTED_CONDITION_VALUES},
    "ecr-cross-account-pull-only": {"trustedAccounts": [PROD], **TRUSTED_CONDITION_VALUES},
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
