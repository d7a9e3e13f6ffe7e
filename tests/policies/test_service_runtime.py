"""What a service runs with: EFS in transit and with IAM, EFS at rest, secrets from approved ARNs, and
deployment alarms; then the founding case, eight applications using all of it, clean under prod's config.

Each case names its public source: checkov's fixtures for the EFS checks (CKV_AWS_97 "Encryption in transit
for EFS volumes in ECS task definitions", CKV_AWS_42 "EFS encrypted at rest"), the ECS developer guide's
pages on secrets (`secrets-envvar-secrets-manager.html`, `secrets-envvar-ssm-paramstore.html`,
`private-auth.html`, `firelens` secretOptions) and on deployment alarms (`deployment-alarm-failure.html`),
and Docker's `local` volume driver documentation for NFS volumes.
"""

from __future__ import annotations

import pytest

from container_platform.review.offline_runtime import evaluate_stack
from tests.policies.helpers import UNKNOWN, assert_verdict, container, resource, task_definition
from tests.policies.test_program_stacks import CONFIG_DIR, findings, review_recording
from tests.program.stack_configs import founding_case_config

EFS_RULE = "efs-transit-encryption-and-iam"
AT_REST = "efs-encrypted-at-rest"
SECRETS = "secrets-from-approved-arns"
ALARMS = "deployment-alarms-wired"
SECRET_PREFIX = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:container-platform/"
PARAMETER_PREFIX = "arn:aws:ssm:eu-west-1:123456789012:parameter/container-platform/"
APPROVED = {SECRETS: {"approvedSecretArnPrefixes": [SECRET_PREFIX, PARAMETER_PREFIX]}}
SECRET = f"{SECRET_PREFIX}db-Ab12Cd"


def efs_volume(**configuration):
    return {
        "name": "data",
        "efsVolumeConfiguration": {"fileSystemId": "fs-0123456789abcdef0", **configuration},
    }


def with_volumes(name, *volumes):
    return task_definition(container(), name=name, volumes=list(volumes))


def with_secrets(name, **fields):
    return task_definition(container(**fields), name=name)


def service(name, **props):
    return resource("aws:ecs/service:Service", name, props)


SAFE_EFS = {
    "transitEncryption": "ENABLED",
    "authorizationConfig": {"accessPointId": "fsap-1", "iam": "ENABLED"},
}
ALARMED = {"alarmNames": ["web-5xx", "web-unhealthy"], "enable": True, "rollback": True}

# (policy, resource, fragment of the violation or None for compliant, source)
CASES = [
    (EFS_RULE, with_volumes("efs-tls-iam", efs_volume(**SAFE_EFS)), None, "checkov CKV_AWS_97 passing"),
    (EFS_RULE, with_volumes("tmp-only", {"name": "tmp"}), None, "ECS bind mount, no EFS"),
    (
        EFS_RULE,
        with_volumes("efs-default", efs_volume()),
        "transitEncryption='DISABLED'",
        "checkov CKV_AWS_97 failing: transit_encryption omitted (ECS defaults to DISABLED)",
    ),
    (
        EFS_RULE,
        with_volumes(
            "efs-plain", efs_volume(transitEncryption="DISABLED", authorizationConfig={"iam": "ENABLED"})
        ),
        "transitEncryption='DISABLED'",
        "checkov CKV_AWS_97 failing: transit_encryption DISABLED",
    ),
    (
        EFS_RULE,
        with_volumes("efs-no-iam", efs_volume(transitEncryption="ENABLED")),
        "authorizationConfig.iam='DISABLED'",
        "ECS EFS volumes guide: IAM authorization off unless authorizationConfig.iam ENABLED",
    ),
    (
        EFS_RULE,
        with_volumes(
            "docker-nfs",
            {
                "name": "nfs",
                "dockerVolumeConfiguration": {
                    "driver": "local",
                    "driverOpts": {
                        "type": "nfs4",
                        "device": ":/",
                        "o": "addr=fs-1.efs.eu-west-1.amazonaws.com",
                    },
                },
            },
        ),
        "mounts NFS through a Docker volume",
        "Docker local volume driver docs: type nfs mounts",
    ),
    (
        EFS_RULE,
        with_volumes(
            "docker-local",
            {"name": "scratch", "dockerVolumeConfiguration": {"driver": "local", "scope": "task"}},
        ),
        None,
        "ECS Docker volumes guide: a task-scoped local volume",
    ),
    (
        AT_REST,
        resource("aws:efs/fileSystem:FileSystem", "encrypted", {"encrypted": True}),
        None,
        "checkov CKV_AWS_42 passing",
    ),
    (
        AT_REST,
        resource("aws:efs/fileSystem:FileSystem", "unencrypted", {}),
        "encrypted=None",
        "checkov CKV_AWS_42 failing",
    ),
    (
        SECRETS,
        with_secrets("sm-json-key", secrets=[{"name": "DB_PASSWORD", "valueFrom": f"{SECRET}:password::"}]),
        None,
        "secrets-envvar-secrets-manager.html: a JSON key of a secret",
    ),
    (
        SECRETS,
        with_secrets("ssm-arn", secrets=[{"name": "TOKEN", "valueFrom": f"{PARAMETER_PREFIX}api-token"}]),
        None,
        "secrets-envvar-ssm-paramstore.html: a parameter by ARN",
    ),
    (
        SECRETS,
        with_secrets("ssm-name", secrets=[{"name": "TOKEN", "valueFrom": "api-token"}]),
        "not an ARN",
        "secrets-envvar-ssm-paramstore.html: a same-region parameter by name",
    ),
    (
        SECRETS,
        with_secrets(
            "other-account",
            secrets=[{"name": "DB", "valueFrom": SECRET.replace("123456789012", "999999999999")}],
        ),
        "outside the approved prefixes",
        "secrets-envvar-secrets-manager.html: a cross-account secret ARN",
    ),
    (
        SECRETS,
        with_secrets(
            "sibling-prefix",
            secrets=[
                {
                    "name": "DB",
                    "valueFrom": SECRET.replace("container-platform/", "container-platform-legacy/"),
                }
            ],
        ),
        "outside the approved prefixes",
        "a name sharing the approved prefix's letters but not its path",
    ),
    (
        SECRETS,
        with_secrets(
            "log-secret",
            logConfiguration={
                "logDriver": "awsfirelens",
                "secretOptions": [
                    {"name": "apikey", "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/splunk"}
                ],
            },
        ),
        "log secret 'apikey'",
        "ECS secrets in log configuration: secretOptions",
    ),
    (
        SECRETS,
        with_secrets(
            "registry-login",
            repositoryCredentials={
                "credentialsParameter": SECRET.replace("container-platform/db", "dockerhub")
            },
        ),
        "repositoryCredentials",
        "private-auth.html: registry credentials from Secrets Manager",
    ),
    (
        SECRETS,
        with_secrets("unknown-arn", secrets=[{"name": "DB", "valueFrom": UNKNOWN}]),
        None,
        "preview: a secret ARN output of another resource (reported unchecked, not a verdict)",
    ),
    (ALARMS, service("alarmed", alarms=ALARMED), None, "deployment-alarm-failure.html: alarms with rollback"),
    (ALARMS, service("silent"), "alarms=None", "deployment-alarm-failure.html: no alarms configured"),
    (
        ALARMS,
        service("no-rollback", alarms={**ALARMED, "rollback": False}),
        "not rolled back",
        "deployment-alarm-failure.html: alarms that only fail the deployment",
    ),
    (
        ALARMS,
        service("no-names", alarms={**ALARMED, "alarmNames": []}),
        "not rolled back",
        "an alarms block naming no alarm",
    ),
    (
        ALARMS,
        service("code-deploy", deploymentController={"type": "CODE_DEPLOY"}),
        "whose rollback the pack cannot see",
        "ECS deployment types: CodeDeploy blue/green keeps its alarms outside the service",
    ),
]


@pytest.mark.parametrize(
    ("policy", "res", "expected", "source"),
    CASES,
    ids=[f"{'violating' if e else 'compliant'}: {p} {r.name}" for p, r, e, _ in CASES],
)
def test_service_runtime(pack, policy, res, expected, source):
    pack.configure(APPROVED)
    assert_verdict(pack, res, policy, expected)


def test_an_unknown_secret_arn_is_reported_unchecked(pack):
    pack.configure(APPROVED)
    res = with_secrets("pending", secrets=[{"name": "DB", "valueFrom": UNKNOWN}])
    assert pack.unchecked(res, SECRETS)


def test_without_approved_prefixes_every_secret_is_refused(pack):
    res = with_secrets("unapproved", secrets=[{"name": "DB", "valueFrom": SECRET}])
    assert_verdict(pack, res, SECRETS, "(none configured)")


@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
def test_the_founding_case_passes_prods_policy_config(preview):
    recording = evaluate_stack("founding", config=founding_case_config(), preview=preview)
    assert findings(review_recording(recording, CONFIG_DIR / "prod.json")) == set()
