"""Stack settings the program accepts, generated: prod's stack file with its services, images and load
balancer varied over what docs/configuration.md allows, so the review's setting fixes are tried on each.

Every value drawn here is one the settings accept (`parse_settings` is the judge, and a drawn config it
refuses is discarded); the generator leans on values the prod pack may block (plain HTTP, a test listener
on a private port, a plaintext password, a grant on every secret) as much as on compliant ones.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from components.settings import LOG_RETENTION_DAYS, MODERN_SSL_POLICIES
from tests.program.stack_configs import stack_config

ACCOUNT = "123456789012"
REGISTRY = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com"
DIGEST = "sha256:" + "cd" * 32
SERVICES = "container-platform:services"
IMAGES = "container-platform:images"
LOAD_BALANCER = "container-platform:loadBalancer"
NETWORK = "container-platform:network"
RETENTION = "container-platform:logRetentionDays"

# (cpu, memory) pairs Fargate takes (components/settings.py FARGATE_MEMORY_BY_CPU).
TASK_SIZES = [(256, 512), (512, 1024), (1024, 2048), (2048, 4096)]
USERS = ["10001:10001", "app", "1000", "appuser:appgroup"]
HEALTH_CHECKS = [
    None,
    ["CMD-SHELL", "curl -fsS http://127.0.0.1:8080/health || exit 1"],
    ["CMD-SHELL", "curl -fsS -u admin:Tr0ub4dor-and-3 http://127.0.0.1:8080/health || exit 1"],
]
ENVIRONMENTS = [
    {},
    {"LOG_LEVEL": "info", "JAVA_OPTS": "-XX:MaxRAMPercentage=75"},
    {"DB_PASSWORD": "hunter2-but-longer"},
    {"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
    {"CONFIG_URL": "https://deploy:s3cr3t-Pa55@config.bank.example/app"},
]
APPROVED_SECRET = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:container-platform/db-Ab12Cd"
SECRETS = [
    {},
    {"DB_PASSWORD": {"arn": APPROVED_SECRET}},
    {"DB_PASSWORD": {"arn": f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:payments/db-Ab12Cd"}},
    {"API_TOKEN": {"arn": f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/team/api-token"}},
]
GRANTS = [
    [],
    [{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::bank-payments-data/*"]}],
    [{"actions": ["sqs:SendMessage"], "resources": [f"arn:aws:sqs:eu-west-1:{ACCOUNT}:*"]}],
    [
        {
            "actions": ["secretsmanager:GetSecretValue"],
            "resources": [f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:*"],
        }
    ],
    [{"actions": ["iam:PassRole"], "resources": [f"arn:aws:iam::{ACCOUNT}:role/*"]}],
    [{"actions": ["ssm:SendCommand"], "resources": [f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/*"]}],
    [{"actions": ["s3:Get*"], "resources": ["arn:aws:s3:::*"]}],
]


@st.composite
def services(draw: st.DrawFn, count: int, images: list[str]) -> list[dict[str, Any]]:
    drawn = []
    for index in range(count):
        cpu, memory = draw(st.sampled_from(TASK_SIZES))
        minimum = draw(st.integers(1, 3))
        service: dict[str, Any] = {
            "name": "hello-world" if index == 0 else f"app{index}",
            "image": draw(st.sampled_from(images)),
            "containerPort": draw(st.sampled_from([8080, 8443])),
            "cpu": cpu,
            "memory": memory,
            "user": draw(st.sampled_from(USERS)),
            "minCount": minimum,
            "desiredCount": minimum,
            "maxCount": minimum + draw(st.integers(0, 4)),
            "environment": draw(st.sampled_from(ENVIRONMENTS)),
            "secrets": draw(st.sampled_from(SECRETS)),
            "taskRoleGrants": draw(st.sampled_from(GRANTS)),
            "deployment": draw(st.sampled_from(["rolling", "blueGreen"])),
        }
        if (command := draw(st.sampled_from(HEALTH_CHECKS))) is not None:
            service["healthCheckCommand"] = command
        if draw(st.booleans()) and service["deployment"] == "rolling":
            service["requestsPerTarget"] = draw(st.sampled_from([100, 1000]))
        if index or service["deployment"] == "blueGreen":
            service["route"] = {"path": f"/app{index}/*"}
        if set(service["secrets"]) & set(service["environment"]):
            service["secrets"] = {}
        if draw(st.booleans()):
            service["user"] = "10001:10001"
            service["efsVolumes"] = [{"fileSystem": "shared", "containerPath": "/data"}]
        if index == 0 and draw(st.booleans()):
            service["capacityProviders"] = [{"provider": "EC2", "base": 1}]
        if draw(st.booleans()):
            service["scheduledScaling"] = [
                {
                    "name": "business-hours",
                    "schedule": "cron(0 7 ? * MON-FRI *)",
                    "minCount": 2,
                    "maxCount": 6,
                }
            ]
        if draw(st.booleans()):
            service["customMetricTargets"] = [
                {"namespace": "Bank/Payments", "metricName": "QueueDepth", "targetValue": 100}
            ]
        drawn.append(service)
    return drawn


@st.composite
def prod_like_settings(draw: st.DrawFn) -> dict[str, Any]:
    """A `config:` section for a prod-like stack: prod's stack file with its settings varied."""
    config = copy.deepcopy(stack_config("prod"))
    images = ["hello-world"]
    source = draw(st.sampled_from(["pinned", "pinned", "build"]))
    if source == "build":
        config[IMAGES] = copy.deepcopy(stack_config("dev")[IMAGES])
        config[IMAGES]["repositoryPrefix"] = draw(st.sampled_from(["container-platform", "bank"]))
        if draw(st.booleans()):
            config[IMAGES]["upstream"] = f"quay.io/centos/centos:stream9@{DIGEST}"
    elif draw(st.booleans()):
        config[IMAGES]["pinned"]["payments"] = f"{REGISTRY}/container-platform/payments@{DIGEST}"
        images.append("payments")
    config[SERVICES] = draw(services(draw(st.integers(1, 3)), images))
    config["container-platform:fileSystems"] = {"shared": {}}
    balancer = config[LOAD_BALANCER]
    balancer["protocol"] = draw(st.sampled_from(["HTTPS", "HTTPS", "HTTP"]))
    balancer["accessLogs"] = draw(st.sampled_from([True, True, False]))
    balancer["deletionProtection"] = draw(st.sampled_from([True, True, False]))
    balancer["sslPolicy"] = draw(st.sampled_from(MODERN_SSL_POLICIES))
    if any(service["deployment"] == "blueGreen" for service in config[SERVICES]):
        balancer["testListenerPort"] = draw(st.sampled_from([8443, 9443]))
        balancer["testAllowedCidrs"] = draw(st.sampled_from([[], ["10.0.0.0/8"], ["0.0.0.0/0"]]))
    if draw(st.booleans()):
        balancer["webAclArn"] = (
            f"arn:aws:wafv2:eu-west-1:{ACCOUNT}:regional/webacl/bank/{'0' * 8}-0000-0000-0000-{'0' * 12}"
        )
    balancer["internal"] = draw(st.sampled_from([False, False, True]))
    network = config[NETWORK]
    if draw(st.booleans()):
        network["privateEgress"] = False
    network["endpoints"] = draw(
        st.sampled_from([network["endpoints"], [*network["endpoints"], "secretsmanager", "ssm", "sts"]])
    )
    network["flowLogs"] = {"destination": draw(st.sampled_from(["cloudWatchLogs", "s3"]))}
    config[RETENTION] = draw(st.sampled_from([365, 30, LOG_RETENTION_DAYS[0]]))
    return config


def blocked_in_prod() -> dict[str, Any]:
    """Prod's stack file with every value the settings accept and prod's pack blocks, at once."""
    config = copy.deepcopy(stack_config("prod"))
    config[IMAGES]["pinned"]["payments"] = f"{REGISTRY}/container-platform/payments@{DIGEST}"
    config[SERVICES] = [
        {
            **config[SERVICES][0],
            "environment": {"DB_PASSWORD": "hunter2-but-longer"},
            "healthCheckCommand": [
                "CMD-SHELL",
                "curl -fsS http://127.0.0.1:8080/health --password=s3cr3tPa55",
            ],
            "secrets": {"API_TOKEN": {"arn": f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/team/api-token"}},
            "taskRoleGrants": GRANTS[3] + GRANTS[4] + GRANTS[5],
            "user": "app",
        },
        {
            "name": "payments",
            "image": "payments",
            "route": {"path": "/payments/*"},
            "deployment": "blueGreen",
            "secrets": {"DB_PASSWORD": SECRETS[2]["DB_PASSWORD"]},
        },
    ]
    config[LOAD_BALANCER].update(
        protocol="HTTP",
        accessLogs=False,
        deletionProtection=False,
        testListenerPort=9443,
        testAllowedCidrs=["10.0.0.0/8"],
    )
    return config
