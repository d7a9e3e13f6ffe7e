"""Secrets by value and by name, in environment values, command lines and labels; pointers are not secrets.

Sources: detect-secrets' plugin test fixtures (AWS's documented example key AKIAIOSFODNN7EXAMPLE, basic-auth
URLs, JWTs), checkov's secrets scan (which runs bc-detect-secrets), the AWS ECS guide on passing
secrets through `secrets` with `valueFrom` ARNs, and the Docker images' `*_FILE` convention (postgres).
"""

from __future__ import annotations

import pytest

from tests.policies.helpers import UNKNOWN, assert_verdict, container, task_definition

POLICY = "container-no-plaintext-secrets"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)


def env(*pairs):
    return task_definition(container(environment=[{"name": name, "value": value} for name, value in pairs]))


CASES = [
    (
        "detect-secrets BasicAuthDetector fixtures",
        env(("DATABASE_URL", "postgres://app:hunter2@db.internal:5432/app")),
        "DATABASE_URL",
    ),
    (
        "detect-secrets AWSKeyDetector: AWS's documented example key",
        env(("UPSTREAM_ID", "AKIAIOSFODNN7EXAMPLE")),
        "AWS Access Key",
    ),
    ("detect-secrets JwtTokenDetector", env(("SESSION", JWT)), "JSON Web Token"),
    (
        "detect-secrets Base64HighEntropyString (AWS's documented example secret key)",
        env(("OPAQUE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")),
        "High Entropy",
    ),
    (
        "checkov: secrets in ECS environment, by name",
        env(("DB_PASSWORD", "hunter2")),
        "'DB_PASSWORD' (its name)",
    ),
    (
        "OAuth 2.0 bearer token in a URL query (RFC 6750 2.3)",
        env(("CALLBACK", "https://api.example.com/v1?access_token=abcd1234efgh")),
        "access_token",
    ),
    (
        "AWS ECS guide: a Secrets Manager ARN is where the secret is",
        env(("DB_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf")),
        None,
    ),
    (
        "AWS ECS guide: an SSM parameter ARN",
        env(("API_TOKEN_PARAMETER", "arn:aws:ssm:eu-west-1:123456789012:parameter/app/token")),
        None,
    ),
    (
        "red team: a signing key under a name the patterns missed (JWT libraries' JWT_SIGNING_KEY)",
        env(("JWT_SIGNING_KEY", "mysigningkey")),
        "'JWT_SIGNING_KEY' (its name)",
    ),
    ("red team: a passphrase", env(("GPG_PASSPHRASE", "correct horse")), "'GPG_PASSPHRASE' (its name)"),
    (
        "red team: an Authorization header value (RFC 7617 Basic credentials)",
        env(("UPSTREAM_AUTHORIZATION", "Basic YWRtaW46aHVudGVyMg==")),
        "'UPSTREAM_AUTHORIZATION'",
    ),
    ("red team: an encryption key", env(("ENCRYPTION_KEY", "0123456789abcdef")), "'ENCRYPTION_KEY'"),
    (
        "a setting about a secret, not a secret (OWASP ASVS: password length, token lifetime)",
        env(("PASSWORD_MIN_LENGTH", "12"), ("TOKEN_TTL", "3600"), ("SESSION_TOKEN_EXPIRY", "15m")),
        None,
    ),
    (
        "a secret-named setting whose value is not a number is still a secret",
        env(("DB_PASSWORD_TIMEOUT", "hunter2")),
        "'DB_PASSWORD_TIMEOUT' (its name)",
    ),
    ("a URL without credentials", env(("AUTH_TOKEN_URL", "https://auth.example.com/oauth2/token")), None),
    (
        "postgres image: POSTGRES_PASSWORD_FILE names a file",
        env(("POSTGRES_PASSWORD_FILE", "/run/secrets/db-password")),
        None,
    ),
    ("a ${VAR} reference, resolved at run time", env(("SPRING_DATASOURCE_PASSWORD", "${DB_PASSWORD}")), None),
    (
        "ordinary settings",
        env(("PORT", "8080"), ("LOG_LEVEL", "info"), ("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75")),
        None,
    ),
    ("an image digest is hex, not a secret", env(("IMAGE_DIGEST", "sha256:" + "0f1e2d3c4b5a6978" * 4)), None),
    ("a git commit", env(("GIT_COMMIT", "3f786850e387550fdab836ed7e6dc881de23001b")), None),
    (
        "detect-secrets KeywordDetector in a Java system property",
        task_definition(
            container(command=["java", "-Dspring.datasource.password=S3cr3tP4ss!", "-jar", "app.jar"])
        ),
        "command",
    ),
    (
        "a password flag with its value as the next argument",
        task_definition(container(command=["app", "--password", "hunter2"])),
        "'--password'",
    ),
    (
        "a health check that passes a token flag",
        task_definition(container(healthCheck={"command": ["CMD", "probe", "--token", "abc123def456"]})),
        "healthCheck.command",
    ),
    (
        "red team: a Splunk HEC token in logConfiguration.options (the ECS guide passes it in secretOptions)",
        task_definition(
            container(
                logConfiguration={
                    "logDriver": "splunk",
                    "options": {
                        "splunk-url": "https://splunk.example.com:8088",
                        "splunk-token": "8d1f0e5c-42",
                    },
                }
            )
        ),
        "logConfiguration.options 'splunk-token'",
    ),
    (
        "red team: a FireLens output password in firelensConfiguration.options",
        task_definition(
            container(
                firelensConfiguration={"type": "fluentbit", "options": {"HTTP_Passwd": "S3cr3tPassw0rd!"}}
            )
        ),
        "firelensConfiguration.options 'HTTP_Passwd'",
    ),
    (
        "AWS ECS guide awslogs example: group, region, stream prefix are not secrets",
        task_definition(
            container(
                logConfiguration={
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/container-platform/prod/hello-world",
                        "awslogs-region": "eu-west-1",
                        "awslogs-stream-prefix": "hello-world",
                        "awslogs-create-group": "true",
                    },
                }
            )
        ),
        None,
    ),
    (
        "a command with no secret",
        task_definition(container(command=["java", "-jar", "/opt/app/app.jar", "--server.port=8080"])),
        None,
    ),
    (
        "detect-secrets StripeDetector fixture shape",
        task_definition(container(entryPoint=["run", "--api-key=sk_live_4eC39HqLyjWDarjtT1zdp7dc"])),
        "entryPoint",
    ),
]


@pytest.mark.parametrize(("source", "res", "expected"), CASES, ids=[c[0] for c in CASES])
def test_plaintext_secrets(pack, source, res, expected):
    assert source
    assert_verdict(pack, res, POLICY, expected)


def test_unknown_values_are_unchecked(pack):
    res = env(("DB_PASSWORD", UNKNOWN))
    assert pack.violations(res, POLICY) == []
    assert pack.unchecked(res, POLICY)
