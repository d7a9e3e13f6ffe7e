"""Malformed stack configs stop the program with a message naming the key, the value and what is allowed,
before a single resource is registered."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from container_platform.review.offline_runtime import ProgramError, evaluate_stack
from tests.program.stack_configs import stack_config

Config = dict[str, Any]
SERVICES = "container-platform:services"
IMAGES = "container-platform:images"
LOAD_BALANCER = "container-platform:loadBalancer"


def service(**changes: Any) -> Callable[[Config], None]:
    def change(config: Config) -> None:
        config[SERVICES][0].update(changes)

    return change


def second_service(**settings: Any) -> Callable[[Config], None]:
    def change(config: Config) -> None:
        config[SERVICES].append({"name": "payments", "image": "hello-world", **settings})

    return change


def setting(key: str, value: Any) -> Callable[[Config], None]:
    def change(config: Config) -> None:
        if value is None:
            del config[key]
        else:
            config[key] = value

    return change


def nested(key: str, **changes: Any) -> Callable[[Config], None]:
    def change(config: Config) -> None:
        config[key] = {**config.get(key, {}), **changes}

    return change


def pinned(name: str, reference: str | None) -> Callable[[Config], None]:
    def change(config: Config) -> None:
        if reference is None:
            del config[IMAGES]["pinned"][name]
        else:
            config[IMAGES]["pinned"][name] = reference

    return change


ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
DIGEST = "sha256:" + "ab" * 32

# (stack the config starts from, the change, fragments the one-line message must contain)
MALFORMED = {
    "port out of range": (
        "dev",
        second_service(containerPort=70000, route={"path": "/pay/*"}),
        ["container-platform:services[1].containerPort = 70000", "less than or equal to 65535"],
    ),
    "port the policy pack would block": (
        "dev",
        service(containerPort=9090),
        ["container-platform:services[0].containerPort = 9090", "set containerPort: 8080"],
    ),
    "cpu not a task size": (
        "dev",
        service(cpu=300),
        ["container-platform:services[0].cpu = 300", "allowed: 256, 512"],
    ),
    "memory does not fit cpu": (
        "dev",
        service(memory=4096),
        ["container-platform:services[0].memory = 4096", "allowed: 512, 1024, 2048"],
    ),
    "root user": ("dev", service(user="0:0"), ["container-platform:services[0].user = '0:0'", "non-root"]),
    "misspelled key": (
        "dev",
        setting("container-platform:servics", [{"name": "x"}]),
        ["container-platform:servics is not a known setting"],
    ),
    "unknown service key": (
        "dev",
        service(readOnly=False),
        ["container-platform:services[0].readOnly is not a known setting"],
    ),
    "no region": ("dev", setting("aws:region", None), ["aws:region is required"]),
    "object given as a string": (
        "dev",
        setting(IMAGES, "build"),
        ["container-platform:images = 'build' is not allowed: expected a mapping of this setting's keys"],
    ),
    "list given as a string": (
        "dev",
        nested(LOAD_BALANCER, allowedCidrs="10.0.0.0/8"),
        ["container-platform:loadBalancer.allowedCidrs = '10.0.0.0/8' is not allowed: expected a list"],
    ),
    "unknown image source": (
        "dev",
        nested(IMAGES, source="latest"),
        ["container-platform:images.source = 'latest'", "'build', 'pinned' or 'stackReference'"],
    ),
    "upstream not pinned": (
        "dev",
        nested(IMAGES, upstream="quay.io/centos/centos:stream9"),
        ["container-platform:images.upstream = 'quay.io/centos/centos:stream9'", "sha256"],
    ),
    "pinned by tag": (
        "prod",
        pinned("hello-world", f"{ECR}/container-platform/hello-world:1.0"),
        ["container-platform:images.pinned.hello-world", "names the tag '1.0'"],
    ),
    "pinned outside its repository": (
        "prod",
        pinned("base", f"{ECR}/other/base@{DIGEST}"),
        ["container-platform:images.pinned.base", "must match the image name"],
    ),
    "pinned digest missing": (
        "prod",
        pinned("java-runtime", None),
        ["container-platform:images.pinned.java-runtime", "needs a digest reference"],
    ),
    "https without certificate": (
        "prod",
        setting(LOAD_BALANCER, {"protocol": "HTTPS"}),
        ["container-platform:loadBalancer.certificateArn", "ACM certificate"],
    ),
    "outdated tls policy": (
        "prod",
        nested(LOAD_BALANCER, sslPolicy="ELBSecurityPolicy-2016-08"),
        [
            "container-platform:loadBalancer.sslPolicy = 'ELBSecurityPolicy-2016-08'",
            "ELBSecurityPolicy-TLS13-1-2-2021-06",
        ],
    ),
    "cidr with host bits": (
        "dev",
        nested(LOAD_BALANCER, allowedCidrs=["10.0.0.1/8"]),
        ["container-platform:loadBalancer.allowedCidrs[0] = '10.0.0.1/8'", "host bits"],
    ),
    "grant on star": (
        "dev",
        service(taskRoleGrants=[{"actions": ["s3:GetObject"], "resources": ["*"]}]),
        ["container-platform:services[0].taskRoleGrants[0].resources[0] = '*'", "never '*'"],
    ),
    "service wildcard grant": (
        "dev",
        service(taskRoleGrants=[{"actions": ["s3:*"], "resources": ["arn:aws:s3:::b/*"]}]),
        ["container-platform:services[0].taskRoleGrants[0].actions[0] = 's3:*'", "service:Action"],
    ),
    "half an existing network": (
        "dev",
        setting("container-platform:network", {"vpcId": "vpc-0123456789abcdef0"}),
        ["container-platform:network.privateSubnetIds", "existing network needs"],
    ),
    "duplicate service": (
        "dev",
        second_service(name="hello-world", route={"path": "/x"}),
        ["container-platform:services[1].name = 'hello-world'", "unique"],
    ),
    "second service without route": (
        "dev",
        second_service(),
        ["container-platform:services[1].route", "needs host and/or path"],
    ),
    "ec2 without ec2 capacity": (
        "dev",
        service(capacityProviders=[{"provider": "EC2"}]),
        ["container-platform:services[0].capacityProviders", "no EC2 capacity"],
    ),
    "counts out of order": (
        "dev",
        service(minCount=2, desiredCount=1),
        ["container-platform:services[0].desiredCount = 1", "minCount <= desiredCount"],
    ),
    "log retention not offered": (
        "dev",
        setting("container-platform:logRetentionDays", 10),
        ["container-platform:logRetentionDays = 10", "30, 60, 90"],
    ),
    "build without a dockerfile": (
        "dev",
        service(image="payments"),
        ["container-platform:services", "images/payments/Dockerfile"],
    ),
    "region misspelled": (
        "dev",
        setting("aws:region", "eu-west"),
        ["aws:region = 'eu-west'", "e.g. eu-west-1"],
    ),
    "environment in capitals": (
        "dev",
        setting("container-platform:environment", "Dev"),
        ["container-platform:environment = 'Dev'", "lowercase letters, digits and hyphens"],
    ),
    "stack reference without a stack": (
        "prod",
        setting(IMAGES, {"source": "stackReference"}),
        ["container-platform:images.stackReference", "<org>/container-platform/<stack>"],
    ),
    "existing vpc with a new vpc's block": (
        "dev",
        setting(
            "container-platform:network",
            {
                "vpcId": "vpc-0123456789abcdef0",
                "publicSubnetIds": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
                "privateSubnetIds": ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"],
                "cidrBlock": "10.1.0.0/16",
            },
        ),
        ["container-platform:network.cidrBlock = '10.1.0.0/16'", "cannot be combined with vpcId"],
    ),
    "port set by hand": (
        "dev",
        service(environment={"PORT": "9090"}),
        ["container-platform:services[0].environment.PORT = '9090'", "set containerPort instead"],
    ),
}


@pytest.mark.parametrize(("base", "change", "expected"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_config_fails_with_its_own_message_and_registers_nothing(
    base, change, expected, monkeypatch
):
    config = copy.deepcopy(stack_config(base))
    change(config)
    constructed: list[str] = []
    construct = pulumi.Resource.__init__

    def spy(resource: pulumi.Resource, t: str, name: str, *args, **kwargs) -> None:
        constructed.append(t)
        construct(resource, t, name, *args, **kwargs)

    # Every resource, component or custom, is constructed through the SDK's Resource.__init__.
    monkeypatch.setattr(pulumi.Resource, "__init__", spy)
    with pytest.raises(ProgramError) as raised:
        evaluate_stack(base, config=config)
    message = str(raised.value)
    for fragment in expected:
        assert fragment in message
    assert "Traceback" not in message and "pydantic" not in message
    assert constructed == ["pulumi:pulumi:Stack"]
