"""What a security reviewer also expects: hardened repositories, containers, roles, logs and instances."""

from __future__ import annotations

import pytest

from tests.policies.helpers import assert_verdict, container, resource, task_definition

REPOSITORY = "aws:ecr/repository:Repository"
HARDENED_REPOSITORY = {
    "imageTagMutability": "IMMUTABLE",
    "imageScanningConfiguration": {"scanOnPush": True},
    "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": "arn:aws:kms:eu-west-1:1:key/k"}],
}


def repository(name, **overrides):
    return resource(REPOSITORY, name, {**HARDENED_REPOSITORY, **overrides})


def log_group(name, **props):
    return resource("aws:cloudwatch/logGroup:LogGroup", name, props)


def launch_template(name, options):
    return resource("aws:ec2/launchTemplate:LaunchTemplate", name, {"metadataOptions": options})


def service(name, **props):
    return resource("aws:ecs/service:Service", name, props)


BREAKER = {"enable": True, "rollback": True}

CASES = [
    ("ecr-scan-on-push", repository("hardened"), None),
    (
        "ecr-scan-on-push",
        repository("unscanned", imageScanningConfiguration={"scanOnPush": False}),
        "scanOnPush=False",
    ),
    ("ecr-immutable-tags", repository("hardened"), None),
    (
        "ecr-immutable-tags",
        repository("mutable", imageTagMutability="MUTABLE"),
        "imageTagMutability='MUTABLE'",
    ),
    ("ecr-encryption", repository("hardened"), None),
    ("ecr-encryption", repository("aes", encryptionConfigurations=[]), "AES256 (default)"),
    # checkov tests/terraform/checks/resource/aws/example_ECRImmutableTags/main.tf
    ("ecr-immutable-tags", repository("enabled", imageTagMutability="IMMUTABLE"), None),
    ("ecr-immutable-tags", resource(REPOSITORY, "default", {}), "imageTagMutability='MUTABLE'"),
    (
        "ecr-immutable-tags",
        repository("disabled", imageTagMutability="MUTABLE"),
        "imageTagMutability='MUTABLE'",
    ),
    # ECR API reference, PutImageTagMutability: IMMUTABLE_WITH_EXCLUSION lets the filtered tags be overwritten
    (
        "ecr-immutable-tags",
        repository("with-exclusion", imageTagMutability="IMMUTABLE_WITH_EXCLUSION"),
        "imageTagMutability='IMMUTABLE_WITH_EXCLUSION'",
    ),
    (
        "ecr-immutable-tags",
        repository("mutable-with-exclusion", imageTagMutability="MUTABLE_WITH_EXCLUSION"),
        "imageTagMutability='MUTABLE_WITH_EXCLUSION'",
    ),
    # ECR API reference, EncryptionConfiguration: KMS_DSSE is two layers of KMS encryption; AES256 is
    # S3-managed keys (the default, as checkov CKV_AWS_136 fails it)
    (
        "ecr-encryption",
        repository("dsse", encryptionConfigurations=[{"encryptionType": "KMS_DSSE"}]),
        None,
    ),
    (
        "ecr-encryption",
        repository("aes-explicit", encryptionConfigurations=[{"encryptionType": "AES256"}]),
        "encrypted with 'AES256'",
    ),
    (
        "ecr-encryption",
        repository("kms-aws-managed", encryptionConfigurations=[{"encryptionType": "KMS"}]),
        None,
    ),
    # checkov CKV_AWS_163 (image scan on push): absent or false fails
    ("ecr-scan-on-push", resource(REPOSITORY, "no-scanning", {}), "scanOnPush=None"),
    ("container-not-privileged", task_definition(container()), None),
    ("container-not-privileged", task_definition(container(privileged=True)), "is privileged"),
    (
        "container-not-privileged",
        task_definition(container(linuxParameters={"capabilities": {"add": ["SYS_ADMIN"]}})),
        "adds Linux capabilities ['SYS_ADMIN']",
    ),
    (
        "container-not-privileged",
        task_definition(container(linuxParameters={"devices": [{"hostPath": "/dev/fuse"}]})),
        "maps host devices",
    ),
    ("container-not-root", task_definition(container()), None),
    ("container-not-root", task_definition(container(user="root")), "runs as user 'root'"),
    ("container-not-root", task_definition(container(user="0:0")), "runs as user '0:0'"),
    (
        "container-not-root",
        task_definition(container(), container(name="sidecar", user=None)),
        "'sidecar' runs as",
    ),
    ("container-read-only-root", task_definition(container()), None),
    (
        "container-read-only-root",
        task_definition(container(readonlyRootFilesystem=False)),
        "readonlyRootFilesystem",
    ),
    (
        "container-no-plaintext-secrets",
        task_definition(
            container(
                environment=[{"name": "PORT", "value": "8080"}],
                secrets=[{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:x"}],
            )
        ),
        None,
    ),
    (
        "container-no-plaintext-secrets",
        task_definition(container(environment=[{"name": "DB_PASSWORD", "value": "hunter2"}])),
        "environment variable 'DB_PASSWORD' (its name)",
    ),
    (
        "container-no-plaintext-secrets",
        task_definition(container(environment=[{"name": "api_key", "value": "k"}])),
        "'api_key'",
    ),
    ("task-roles-distinct", task_definition(container()), None),
    (
        "task-roles-distinct",
        task_definition(container(), taskRoleArn="arn:aws:iam::123456789012:role/web-execution"),
        "as both execution role and task role",
    ),
    ("log-group-retention", log_group("logs", retentionInDays=30.0), None),
    ("log-group-retention", log_group("forever"), "keeps logs forever"),
    ("log-group-retention", log_group("short", retentionInDays=1.0), "keeps logs 1 days"),
    (
        "launch-template-imdsv2",
        launch_template("v2", {"httpTokens": "required", "httpPutResponseHopLimit": 1.0}),
        None,
    ),
    ("launch-template-imdsv2", launch_template("off", {"httpEndpoint": "disabled"}), None),
    (
        "launch-template-imdsv2",
        launch_template("v1", {"httpTokens": "optional", "httpPutResponseHopLimit": 1.0}),
        "httpTokens='optional'",
    ),
    (
        "launch-template-imdsv2",
        launch_template("hops", {"httpTokens": "required", "httpPutResponseHopLimit": 2.0}),
        "httpPutResponseHopLimit=2",
    ),
    ("launch-template-imdsv2", launch_template("unset", {}), "httpTokens=None"),
    ("service-circuit-breaker", service("web", deploymentCircuitBreaker=BREAKER), None),
    ("service-circuit-breaker", service("blue-green", deploymentController={"type": "CODE_DEPLOY"}), None),
    (
        "service-circuit-breaker",
        service("no-rollback", deploymentCircuitBreaker={"enable": True, "rollback": False}),
        "does not roll back",
    ),
    ("service-circuit-breaker", service("none"), "deploymentCircuitBreaker=None"),
]


@pytest.mark.parametrize(
    ("policy", "res", "expected"),
    CASES,
    ids=[f"{'violating' if e else 'compliant'}: {p} {r.name} {i}" for i, (p, r, e) in enumerate(CASES)],
)
def test_reviewer_extras(pack, policy, res, expected):
    assert_verdict(pack, res, policy, expected)


def test_log_retention_minimum_is_configurable(pack):
    pack.configure({"log-group-retention": {"minimumDays": 90}})
    assert_verdict(
        pack, log_group("month", retentionInDays=30.0), "log-group-retention", "less than the required 90"
    )
