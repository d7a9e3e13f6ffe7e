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
SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-Ab12Cd"
CLUSTER = "container-platform:cluster"
BLUE_GREEN = {"route": {"path": "/pay/*"}, "deployment": "blueGreen"}


def secret(arn: str, **more: str) -> Callable[[Config], None]:
    return service(secrets={"DB_PASSWORD": {"arn": arn, **more}})


def subnet_sets(*blocks: list[str]) -> Callable[[Config], None]:
    """The first service and one more per extra entry, each with its own subnet blocks."""

    def change(config: Config) -> None:
        config[SERVICES][0]["subnets"] = {"cidrBlocks": blocks[0]}
        for index, cidrs in enumerate(blocks[1:]):
            config[SERVICES].append(
                {
                    "name": f"app-{index}",
                    "image": "hello-world",
                    "route": {"path": f"/app-{index}/*"},
                    "subnets": {"cidrBlocks": cidrs},
                }
            )

    return change


PROD_HELLO_WORLD = (  # Pulumi.prod.yaml's pin, whose lineage leads back to base
    f"{ECR}/container-platform/hello-world@sha256:4b8cf279aeecb0cf2c8db2a3fff05814677059f67734c45ae894a2417af50cd2"
)


def lineage(name: str, field: str, value: object) -> Callable[[Config], None]:
    def change(config: Config) -> None:
        config[IMAGES]["lineage"][name][field] = value

    return change


def lineage_on_a_build(config: Config) -> None:
    config[IMAGES]["lineage"] = {"base": {}}


OTHER_REGION_CERTIFICATE = (
    "arn:aws:acm:us-east-1:123456789012:certificate/0f6c7d5e-3b2a-4c1d-9e8f-7a6b5c4d3e2f"
)

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
    # The policy pack's container-not-root reads the uid as runc does (Go's Atoi) and the name in any case.
    "root uid with leading zeros": (
        "dev",
        service(user="00:10001"),
        ["container-platform:services[0].user = '00:10001'", "runs the container as root"],
    ),
    "root by name in capitals": (
        "dev",
        service(user="ROOT"),
        ["container-platform:services[0].user = 'ROOT'", "runs the container as root"],
    ),
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
    "lineage upstream by tag": (
        "prod",
        lineage("base", "upstream", "quay.io/centos/centos:stream9"),
        ["container-platform:images.lineage", "lineage.base.upstream", "is given by the tag 'stream9'"],
    ),
    "lineage of the wrong shape": (
        "prod",
        lineage("java-runtime", "parent", 7),
        ["container-platform:images.lineage", "lineage.java-runtime.parent: expected a reference"],
    ),
    "lineage cycle": (
        "prod",
        lineage("base", "parent", PROD_HELLO_WORLD),
        ["container-platform:images.lineage", "parent", "leads back to", "is a cycle"],
    ),
    "lineage on a stack that builds": (
        "dev",
        lineage_on_a_build,
        ["container-platform:images.lineage", "source 'build' records no lineage here"],
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
    # TLS 1.2 without forward secrecy in every cipher: the pack's listener-https-only blocks it.
    "tls policy the pack blocks": (
        "prod",
        nested(LOAD_BALANCER, sslPolicy="ELBSecurityPolicy-TLS-1-2-Ext-2018-06"),
        [
            "container-platform:loadBalancer.sslPolicy = 'ELBSecurityPolicy-TLS-1-2-Ext-2018-06'",
            "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
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
    "log retention under the pack's floor": (
        "dev",
        setting("container-platform:logRetentionDays", 3),
        ["container-platform:logRetentionDays = 3", "at least 7 (log-group-retention)", "allowed: 7, 14"],
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
    # Issue 16: secrets, EFS, subnet sets, capacity providers, scaling and blue/green.
    "secret arn without its suffix": (
        "dev",
        secret("arn:aws:secretsmanager:eu-west-1:123456789012:secret:db"),
        ["container-platform:services[0].secrets.DB_PASSWORD.arn", "6-character suffix"],
    ),
    "secret of an unlisted account": (
        "dev",
        secret(SECRET.replace("123456789012", "999999999999")),
        [
            "container-platform:services[0].secrets.DB_PASSWORD.arn",
            "account 999999999999",
            "secretAccountIds",
        ],
    ),
    "json key of a parameter": (
        "dev",
        secret("arn:aws:ssm:eu-west-1:123456789012:parameter/db", jsonKey="password"),
        ["container-platform:services[0].secrets.DB_PASSWORD.jsonKey", "only a Secrets Manager secret"],
    ),
    "secret key of another region": (
        "dev",
        secret(
            SECRET, kmsKeyArn="arn:aws:kms:us-east-1:123456789012:key/1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"
        ),
        ["container-platform:services[0].secrets.DB_PASSWORD.kmsKeyArn", "another region"],
    ),
    "secret that is also plain": (
        "dev",
        service(environment={"DB_PASSWORD": "x"}, secrets={"DB_PASSWORD": {"arn": SECRET}}),
        ["container-platform:services[0].secrets.DB_PASSWORD", "also a plain environment variable"],
    ),
    "efs id that is not one": (
        "dev",
        setting(
            "container-platform:fileSystems",
            {
                "docs": {
                    "fileSystemId": "fsx-0123456789abcdef0",
                    "mountTargetSecurityGroupId": "sg-0123456789abcdef0",
                }
            },
        ),
        ["container-platform:fileSystems.docs.fileSystemId = 'fsx-0123456789abcdef0'", "EFS file system id"],
    ),
    "existing efs without its mount target group": (
        "dev",
        setting("container-platform:fileSystems", {"docs": {"fileSystemId": "fs-0123456789abcdef0"}}),
        ["container-platform:fileSystems.docs.mountTargetSecurityGroupId", "needs both"],
    ),
    "volume on an undeclared file system": (
        "dev",
        service(efsVolumes=[{"fileSystem": "docs", "containerPath": "/data"}]),
        ["container-platform:services[0].efsVolumes[0].fileSystem = 'docs'", "fileSystems"],
    ),
    "subnets outside the vpc": (
        "dev",
        subnet_sets(["10.99.0.0/24", "10.99.1.0/24"]),
        ["container-platform:services[0].subnets.cidrBlocks[0] = '10.99.0.0/24'", "outside the VPC"],
    ),
    "subnets over the platform's": (
        "dev",
        subnet_sets(["10.10.0.0/24", "10.10.64.0/24"]),
        ["container-platform:services[0].subnets.cidrBlocks[0] = '10.10.0.0/24'", "the platform's subnets"],
    ),
    "subnets over another application's": (
        "dev",
        subnet_sets(["10.10.64.0/24", "10.10.65.0/24"], ["10.10.66.0/24", "10.10.65.128/25"]),
        [
            "container-platform:services[1].subnets.cidrBlocks[1] = '10.10.65.128/25'",
            "overlaps 10.10.65.0/24",
        ],
    ),
    "one subnet for two zones": (
        "dev",
        service(subnets={"cidrBlocks": ["10.10.64.0/24"]}),
        ["container-platform:services[0].subnets.cidrBlocks", "at least two distinct subnets"],
    ),
    "capacity provider the cluster lacks": (
        "prod",
        service(capacityProviders=[{"provider": "memory"}]),
        ["container-platform:services[0].capacityProviders = 'memory'", "no capacity provider 'memory'"],
    ),
    "ec2 pool mixed with fargate": (
        "prod",
        service(capacityProviders=[{"provider": "EC2"}, {"provider": "FARGATE"}]),
        ["container-platform:services[0].capacityProviders", "mixes EC2 with Fargate"],
    ),
    "graviton type as x86_64": (
        "prod",
        nested(CLUSTER, capacityProviders={"graviton": {"instanceType": "m7g.large"}}),
        ["container-platform:cluster.capacityProviders.graviton.instanceType = 'm7g.large'", "arm64"],
    ),
    "task larger than its instance": (
        "prod",
        service(cpu=4096, memory=8192),
        ["container-platform:services[0].cpu = 4096", "does not fit one m6i.large"],
    ),
    "ec2 task below ec2's sizes": (
        "prod",
        service(cpu=64),
        ["container-platform:services[0].cpu = 64", "not an EC2 task size"],
    ),
    "blue/green without a test listener port": (
        "dev",
        second_service(**BLUE_GREEN),
        ["container-platform:loadBalancer.testListenerPort", "services[1] (payments) deploys blueGreen"],
    ),
    "blue/green without a route": (
        "dev",
        service(deployment="blueGreen"),
        ["container-platform:services[0].deployment = 'blueGreen'", "needs a route"],
    ),
    "request count with blue/green": (
        "dev",
        second_service(**BLUE_GREEN, requestsPerTarget=100),
        ["container-platform:services[1].requestsPerTarget = 100", "moves traffic to the other"],
    ),
    "schedule that is not one": (
        "dev",
        service(scheduledScaling=[{"name": "day", "schedule": "0 7 * * 1-5", "minCount": 1, "maxCount": 2}]),
        ["container-platform:services[0].scheduledScaling[0].schedule = '0 7 * * 1-5'", "cron("],
    ),
    "schedule bounds out of order": (
        "dev",
        service(scheduledScaling=[{"name": "day", "schedule": "rate(1 hour)", "minCount": 3, "maxCount": 2}]),
        ["container-platform:services[0].scheduledScaling[0].minCount = 3", "must not exceed maxCount"],
    ),
    "port set by hand": (
        "dev",
        service(environment={"PORT": "9090"}),
        ["container-platform:services[0].environment.PORT = '9090'", "set containerPort instead"],
    ),
    # Network, registry and audit trail (issue 17).
    "registry account not twelve digits": (
        "dev",
        nested(IMAGES, registryAccount="44445555666"),
        ["container-platform:images.registryAccount = '44445555666'", "twelve digits"],
    ),
    "pinned digest outside the central registry": (
        "prod",
        nested(IMAGES, registryAccount="444455556666"),
        ["container-platform:images.pinned.base", "central registry in 444455556666"],
    ),
    "pull account not twelve digits": (
        "registry",
        nested("container-platform:registry", pullAccounts=["123456789012", "12345678901a"]),
        ["container-platform:registry.pullAccounts[1] = '12345678901a'", "twelve digits"],
    ),
    "push identity not a role": (
        "registry",
        nested("container-platform:registry", pushRoleArn="arn:aws:iam::444455556666:user/ci"),
        ["container-platform:registry.pushRoleArn", "an IAM role ARN"],
    ),
    "docker hub cache without a credential": (
        "registry",
        nested(
            "container-platform:registry",
            pullThroughCache=[
                {"ecrRepositoryPrefix": "docker-hub", "upstreamRegistryUrl": "registry-1.docker.io"}
            ],
        ),
        ["container-platform:registry.pullThroughCache[0].credentialArn", "ecr-pullthroughcache/"],
    ),
    "replication onto itself": (
        "registry",
        nested("container-platform:registry", replication=[{"region": "eu-west-1"}]),
        ["container-platform:registry.replication[0].region = 'eu-west-1'", "onto itself"],
    ),
    "classic waf web acl": (
        "prod",
        nested(LOAD_BALANCER, webAclArn="arn:aws:waf-regional:eu-west-1:123456789012:webacl/0f6c7d5e"),
        ["container-platform:loadBalancer.webAclArn", "an ARN of service 'waf-regional'", "WAFv2 regional"],
    ),
    "cloudfront web acl": (
        "prod",
        nested(
            LOAD_BALANCER,
            webAclArn="arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/0f6c7d5e-3b2a-4c1d-9e8f-7a6b5c4d3e2f",
        ),
        ["container-platform:loadBalancer.webAclArn", "CloudFront (global) web ACL"],
    ),
    "web acl of another region": (
        "prod",
        nested(
            LOAD_BALANCER,
            webAclArn="arn:aws:wafv2:eu-central-1:123456789012:regional/webacl/app/0f6c7d5e-3b2a-4c1d-9e8f-7a6b5c4d3e2f",
        ),
        ["container-platform:loadBalancer.webAclArn", "in eu-central-1, the stack in eu-west-1"],
    ),
    "private egress without the endpoints it needs": (
        "dev",
        nested("container-platform:network", endpoints=["ecr.api"], privateEgress=True),
        ["container-platform:network.privateEgress = True", "add ecr.dkr, logs to network.endpoints"],
    ),
    "an endpoint service the platform does not scope": (
        "dev",
        nested("container-platform:network", endpoints=["ec2"]),
        ["container-platform:network.endpoints[0] = 'ec2'", "'ecr.api'"],
    ),
    # CreateVpc: "The CIDR block size must be between /16 and /28"; the primary block is IPv4.
    "vpc block larger than AWS allows": (
        "dev",
        nested("container-platform:network", cidrBlock="10.0.0.0/8"),
        ["container-platform:network.cidrBlock = '10.0.0.0/8'", "from /16 to /28, not /8"],
    ),
    "ipv6 vpc block": (
        "dev",
        nested("container-platform:network", cidrBlock="2001:db8::/56"),
        ["container-platform:network.cidrBlock = '2001:db8::/56'", "is IPv4"],
    ),
    # `keepReleases: true` (or YAML 1.1's `yes`) would keep one release: a boolean is not a count.
    "boolean as a number": (
        "dev",
        nested("container-platform:repositories", keepReleases=True),
        ["container-platform:repositories.keepReleases = True", "expected a number, got a boolean"],
    ),
    # ELB: "Certificate ARN ... is not valid" for an ACM certificate of another region.
    "certificate from another region": (
        "prod",
        nested(LOAD_BALANCER, certificateArn=OTHER_REGION_CERTIFICATE),
        ["container-platform:loadBalancer.certificateArn", "is in region us-east-1, but the stack deploys"],
    ),
    "service named like a chain image": (
        "dev",
        second_service(name="base", route={"path": "/base/*"}),
        ["container-platform:services[1].name = 'base'", "duplicate URNs"],
    ),
    # EC2: InvalidPermission.Duplicate, "the specified rule ... already exists".
    "identical security group rules": (
        "prod",
        nested(LOAD_BALANCER, allowedCidrs=["10.20.0.0/16", "10.20.0.0/16"]),
        ["container-platform:loadBalancer.allowedCidrs[1] = '10.20.0.0/16'", "identical security group"],
    ),
    "account id as a number": (
        "dev",
        setting("aws:allowedAccountIds", [12345678901]),
        ["aws:allowedAccountIds[0] = 12345678901", "valid string"],
    ),
    "stack reference to itself": (
        "prod",
        setting(IMAGES, {"source": "stackReference", "stackReference": "bank/container-platform/prod"}),
        ["container-platform:images.stackReference = 'bank/container-platform/prod' is this stack itself"],
    ),
    "container definition over 64 KiB": (
        "dev",
        service(environment={f"SETTING_{index}": "x" * 1000 for index in range(70)}),
        ["container-platform:services[0].environment", "ECS refuses a task definition over 64 KiB"],
    ),
    "a huge value is echoed as a prefix": (
        "dev",
        setting("container-platform:environment", "X" * 1_000_000),
        ["container-platform:environment = 'XXXX", "... (1000002 characters) is not allowed"],
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
    assert len(message) < 2000
    assert constructed == ["pulumi:pulumi:Stack"]


def test_a_service_just_under_the_container_definition_budget_deploys_within_ecs_limit():
    """The budget leaves room for what the platform writes: the task definition stays under 64 KiB."""
    config = copy.deepcopy(stack_config("dev"))
    config[SERVICES][0]["environment"] = {f"SETTING_{index}": "x" * 990 for index in range(60)}
    recording = evaluate_stack("dev", config=config)
    [definition] = [r for r in recording.resources if r.type == "aws:ecs/taskDefinition:TaskDefinition"]
    assert 60_000 < len(definition.inputs["containerDefinitions"].encode()) < 64 * 1024
