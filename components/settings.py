"""The stack's settings, read from `container-platform:*` config and validated before any resource exists.

Every key is declared here once, with its type, default and allowed values, so the secure posture and the
knobs a stack may turn are visible in one place. A bad value raises ConfigError naming the key
(`container-platform:services[1].containerPort`), the value and what is allowed; the program registers no
resource until the whole configuration has passed.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, TypeVar

import pulumi
import pulumi.runtime.config
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel, to_snake

from components.image_specs import PLATFORM_IMAGES, application_image
from image_references.digest_reference import EXPECTED_FORM, DigestReferenceError, parse_digest_reference
from image_references.lineage import LineageError, ancestry, parse_lineage

NAMESPACE = "container-platform"
DEFAULT_REPOSITORY_PREFIX = "container-platform"
DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
# TLS 1.2+ policies with forward secrecy that the policy pack's `listener-https-only` also allows by default:
# a policy the pack would block is refused here first (tests/review keeps the two in step).
MODERN_SSL_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
)
ECS_OPTIMIZED_AMI_PARAMETER = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
ECS_OPTIMIZED_ARM64_AMI_PARAMETER = (
    "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
)
# EC2 task sizes (task-level cpu and memory on the EC2 launch type), and instance sizes by name.
EC2_TASK_CPU = (128, 196608)
EC2_TASK_MEMORY = (128, 1572864)
INSTANCE_SIZE_VCPUS = {"medium": 1, "large": 2, "xlarge": 4}
MEMORY_GIB_PER_VCPU = {"c": 2, "m": 4, "r": 8}
FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")
HEALTH_PATH = "/health"
# The project's images listen on $PORT; the platform sets it to the service's containerPort.
PORT_VARIABLE = "PORT"
# The values CloudWatch Logs accepts for retentionInDays.
# fmt: off
CLOUDWATCH_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                             2557, 2922, 3288, 3653)
# fmt: on
# The policy pack's `log-group-retention` floor (its minimumDays default): shorter retention is refused here.
MINIMUM_LOG_RETENTION_DAYS = 7
LOG_RETENTION_DAYS = tuple(days for days in CLOUDWATCH_RETENTION_DAYS if days >= MINIMUM_LOG_RETENTION_DAYS)
# Fargate's valid task sizes: CPU units -> allowed memory in MiB.
FARGATE_MEMORY_BY_CPU: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}
# Go's strconv.Atoi, which runc uses for a numeric user: an optional sign, then ASCII digits ("00", "+0").
_NUMERIC_ID = re.compile(r"[+-]?[0-9]+", re.ASCII)
# ECS refuses a task definition over 64 KiB (RegisterTaskDefinition: "Container definitions exceed the
# maximum size"). What the platform itself writes around the service's settings (names, an image
# reference of up to 600 characters, ports, log options) stays under 4 KiB; the settings get the rest.
CONTAINER_DEFINITION_SETTINGS_BYTES = 60 * 1024
_ECHOED_CHARS = 80

_NAME = r"^[a-z][a-z0-9-]*[a-z0-9]$"
_IMAGE_NAME = r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$"
_REPOSITORY_PREFIX = r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$"
_STACK_REFERENCE = rf"^[A-Za-z0-9_.-]+/{NAMESPACE}/[A-Za-z0-9_.-]+$"
_ARN = r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:\S+$"
_ACM_CERTIFICATE_ARN = r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$"
_SNS_TOPIC_ARN = r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$"
_UPSTREAM = r"^[a-z0-9.-]+(?::\d+)?/[a-z0-9._/-]+(?::[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}$"
_USER = r"^[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)?$"
_ENVIRONMENT_VARIABLE = r"^[A-Za-z_][A-Za-z0-9_]*$"
_IAM_ACTION = r"^[a-z0-9-]+:[A-Za-z0-9]+\*?$"
_VPC_ID = r"^vpc-[0-9a-f]{8,17}$"
_SUBNET_ID = r"^subnet-[0-9a-f]{8,17}$"
_INSTANCE_TYPE = r"^[a-z][a-z0-9-]*\.[a-z0-9]+$"
_AMI_PARAMETER = r"^/aws/service/ecs/optimized-ami/\S+$"
_HOST = r"^[A-Za-z0-9*?.-]{1,128}$"
_PATH = r"^/[A-Za-z0-9_\-.$/~\"'@:+*?&]{0,127}$"
_REGION = r"^[a-z]{2}(-gov)?-[a-z]+-\d$"
# Issue 16: what services run with (secrets, EFS, subnets, capacity providers, scaling, blue/green).
_SECRETS_MANAGER_ARN = (
    r"^arn:aws[a-z-]*:secretsmanager:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):secret:[A-Za-z0-9/_+=.@-]+"
    r"-[A-Za-z0-9]{6}$"
)
_SSM_PARAMETER_ARN = (
    r"^arn:aws[a-z-]*:ssm:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):parameter/"
    r"[A-Za-z0-9_.-][A-Za-z0-9/_.-]*$"
)
_KMS_KEY_ARN = r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})$"
_ACCOUNT_ID = r"^\d{12}$"
_EFS_ID = r"^fs-[0-9a-f]{8,17}$"
_SECURITY_GROUP_ID = r"^sg-[0-9a-f]{8,17}$"
_JSON_KEY = r"^[A-Za-z0-9_.+=@-]{1,128}$"
_CONTAINER_PATH = r"^/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$"
_METRIC_NAMESPACE = r"^[A-Za-z0-9_./#:-]{1,255}$"
_METRIC_NAME = r"^[A-Za-z0-9_./#:-]{1,255}$"
_SCHEDULE = (
    r"^(cron\([0-9*?/,LW# A-Z-]+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\)"
    r"|at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\))$"
)
_TIMEZONE = r"^[A-Za-z]+(/[A-Za-z0-9_+-]+){0,2}$|^UTC$"
_CAPACITY_PROVIDER = r"^(FARGATE|FARGATE_SPOT|EC2|[a-z][a-z0-9-]{0,18}[a-z0-9])$"
_IAM_ROLE_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]+$"
_SECRET_ARN = r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:ecr-pullthroughcache/\S+$"
# What each pattern means, for error messages a person can act on.
_PATTERN_HINTS = {
    _NAME: "lowercase letters, digits and hyphens, starting with a letter (e.g. hello-world)",
    _IMAGE_NAME: "an image name in lowercase (e.g. hello-world)",
    _REPOSITORY_PREFIX: "an ECR namespace in lowercase (e.g. container-platform)",
    _STACK_REFERENCE: f"<org>/{NAMESPACE}/<stack> (e.g. bank/{NAMESPACE}/dev)",
    _ACM_CERTIFICATE_ARN: "an ACM certificate ARN: arn:aws:acm:<region>:<account>:certificate/<uuid>",
    _SNS_TOPIC_ARN: "an SNS topic ARN: arn:aws:sns:<region>:<account>:<topic>",
    _UPSTREAM: "an image pinned by digest: <registry>/<repository>[:<tag>]@sha256:<64 hex>",
    _USER: "uid[:gid] or user[:group] (e.g. 10001:10001)",
    _ENVIRONMENT_VARIABLE: "a variable name: letters, digits and underscores, not starting with a digit",
    _VPC_ID: "a VPC id (vpc-0123456789abcdef0)",
    _SUBNET_ID: "a subnet id (subnet-0123456789abcdef0)",
    _INSTANCE_TYPE: "an EC2 instance type (e.g. m6i.large)",
    _AMI_PARAMETER: "an ECS-optimized AMI parameter under /aws/service/ecs/optimized-ami/",
    _HOST: "a host header pattern (e.g. api.bank.example or *.bank.example)",
    _PATH: "a path pattern starting with / (e.g. /payments/*)",
    _REGION: "an AWS region (e.g. eu-west-1)",
    _KMS_KEY_ARN: "a KMS key ARN: arn:aws:kms:<region>:<account>:key/<key id>",
    _ACCOUNT_ID: "a 12-digit AWS account id in quotes (a YAML number loses its leading zeros)",
    _EFS_ID: "an EFS file system id (fs-0123456789abcdef0)",
    _SECURITY_GROUP_ID: "a security group id (sg-0123456789abcdef0)",
    _JSON_KEY: "a key of the secret's JSON (letters, digits, _.+=@-)",
    _CONTAINER_PATH: "an absolute path inside the container (e.g. /data)",
    _METRIC_NAMESPACE: "a CloudWatch namespace (e.g. Bank/Payments)",
    _METRIC_NAME: "a CloudWatch metric name (e.g. QueueDepth)",
    _SCHEDULE: "an Application Auto Scaling schedule: cron(0 7 ? * MON-FRI *), rate(1 hour) or at(...)",
    _TIMEZONE: "an IANA time zone (e.g. Europe/London) or UTC",
    _CAPACITY_PROVIDER: "FARGATE, FARGATE_SPOT, EC2 or a key of cluster.capacityProviders",
    _IAM_ROLE_ARN: "an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>",
    _SECRET_ARN: "a Secrets Manager secret ARN named ecr-pullthroughcache/<name> (ECR requires it)",
}
# pydantic's wrong-type messages name Python types and model classes; these say it in YAML's words.
_TYPE_HINTS = {
    "tuple_type": "expected a list (YAML `- item` lines or [a, b])",
    "list_type": "expected a list (YAML `- item` lines or [a, b])",
    "dict_type": "expected a mapping (YAML `key: value` lines)",
    "model_type": "expected a mapping of this setting's keys (YAML `key: value` lines); "
    "docs/configuration.md lists them",
}


# images/hello-world's HEALTHCHECK in ECS's form (a test keeps the two equal): bash's /dev/tcp asks /health
# on $PORT without curl in the image and without starting a second JVM per check.
DEFAULT_HEALTH_CHECK_COMMAND = (
    "CMD",
    "bash",
    "-c",
    f"exec 3<>/dev/tcp/127.0.0.1/${{{PORT_VARIABLE}:-8080}} "
    f"&& printf 'GET {HEALTH_PATH} HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '",
)


class ConfigError(pulumi.RunError):
    """Stops the program with a clean message; Pulumi prints a RunError's message without a traceback."""


def check_image_reference(name: str, reference: object, repository_prefix: str, *, setting: str) -> str:
    """`reference` if image `name` may be deployed from it: pinned by digest, in ECR, in the repository named
    after the image; else DigestReferenceError naming `setting`."""
    parsed = parse_digest_reference(reference, setting=setting)
    if parsed.ecr_account is None:
        raise DigestReferenceError(f"{setting}: {reference!r} is not in ECR; use {EXPECTED_FORM}")
    expected = f"{repository_prefix}/{name}"
    if parsed.repository != expected:
        raise DigestReferenceError(
            f"{setting}: {reference!r} is in repository {parsed.repository!r}; the repository must match the "
            f"image name: {expected!r} (repositoryPrefix/{name})"
        )
    return str(parsed)


class InvalidSetting(ValueError):
    """A rule spanning several keys failed; `key` is relative to the model that checked it."""

    def __init__(self, key: str, value: Any, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.value = value
        self.message = message


class _Settings(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", frozen=True, validate_by_name=False)

    @model_validator(mode="before")
    @classmethod
    def _no_booleans_as_numbers(cls, data: Any) -> Any:
        """pydantic reads true as 1, so `keepReleases: yes` (a YAML 1.1 boolean) would keep one release."""
        if isinstance(data, Mapping):
            for name, field in cls.model_fields.items():
                key = field.alias or name
                if isinstance(data.get(key), bool) and field.annotation in (int, int | None, float):
                    raise InvalidSetting(key, data[key], "expected a number, got a boolean")
        return data


def _network(value: str) -> str:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as error:
        raise ValueError(f"not a CIDR block ({error}); write e.g. 10.0.0.0/16 or 203.0.113.0/24") from error
    return value


Cidr = Annotated[str, AfterValidator(_network)]


def _account_id(value: str) -> str:
    if not re.fullmatch(r"\d{12}", value):
        raise ValueError(
            f"{value!r} is not an AWS account ID: twelve digits, quoted in YAML "
            '("012345678901") so leading zeros survive'
        )
    return value


AccountId = Annotated[str, AfterValidator(_account_id)]

_WEB_ACL_ARN = re.compile(
    r"arn:aws[a-z-]*:wafv2:(?P<region>[a-z0-9-]+):\d{12}:(?P<scope>regional|global)/webacl/[\w-]{1,128}/[0-9a-f-]{36}"
)


def _web_acl_arn(value: str) -> str:
    """A WAFv2 web ACL of REGIONAL scope: the only kind an ALB can be associated with."""
    match = _WEB_ACL_ARN.fullmatch(value)
    if match is None:
        parts = value.split(":")
        found = f"an ARN of service {parts[2]!r}" if len(parts) > 5 and parts[0] == "arn" else "not an ARN"
        raise ValueError(
            f"{found}; expected a WAFv2 regional web ACL ARN "
            "(arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>); classic WAF (waf, waf-regional) "
            "web ACLs cannot be associated with an ALB by this setting"
        )
    if match["scope"] != "regional":
        raise ValueError(
            "a CloudFront (global) web ACL; an ALB takes a web ACL of REGIONAL scope in its own region"
        )
    return value


def _vpc_block(value: str) -> str:
    """A VPC's primary block is IPv4, /16 to /28 (AWS refuses CreateVpc with any other)."""
    network = ipaddress.ip_network(value)
    if network.version != 4:
        raise ValueError("a VPC's primary CIDR block is IPv4 (AWS assigns IPv6 blocks itself)")
    if not 16 <= network.prefixlen <= 28:
        raise ValueError(f"AWS allows a VPC block from /16 to /28, not /{network.prefixlen}")
    return value


VpcCidr = Annotated[str, AfterValidator(_network), AfterValidator(_vpc_block)]


class ImagesSettings(_Settings):
    """Where the stack's images come from: built here (dev), pinned digests, or another stack's outputs."""

    source: Literal["build", "pinned", "stackReference"]
    repository_prefix: str = Field(DEFAULT_REPOSITORY_PREFIX, pattern=_REPOSITORY_PREFIX)
    upstream: str | None = Field(None, pattern=_UPSTREAM)
    pinned: dict[str, str] = Field(default_factory=dict)
    # What each pinned image was built FROM, as promotion recorded it (image_references/lineage.py).
    lineage: dict[str, Any] = Field(default_factory=dict)
    stack_reference: str | None = Field(None, pattern=_STACK_REFERENCE)
    registry_account: AccountId | None = None

    @model_validator(mode="after")
    def _source_has_its_inputs(self) -> ImagesSettings:
        if self.source == "build" and self.upstream is None:
            raise InvalidSetting(
                "upstream",
                None,
                "source 'build' needs the upstream base image pinned by digest, "
                "e.g. quay.io/centos/centos@sha256:<64 hex>",
            )
        if self.source == "stackReference" and self.stack_reference is None:
            raise InvalidSetting(
                "stackReference", None, f"source 'stackReference' needs <org>/{NAMESPACE}/<stack>"
            )
        if self.source == "pinned":
            for name, reference in self.pinned.items():
                self._check_pinned(name, reference)
        if self.lineage:
            self._check_lineage()
        return self

    def _check_lineage(self) -> None:
        """Recorded lineage is evidence only when it describes exactly the pinned images, as one chain."""
        if self.source != "pinned":
            raise InvalidSetting(
                "lineage",
                self.lineage,
                f"source {self.source!r} records no lineage here (a build records its own; a stack reference "
                "reads the source's imageLineage output); remove images.lineage or use source 'pinned'",
            )
        try:
            lineage = parse_lineage(self.lineage, where="lineage")
            for name in lineage:
                ancestry(name, lineage, where="lineage")
        except LineageError as error:
            raise InvalidSetting("lineage", self.lineage, "; ".join(error.reasons)) from None

    def lineage_of_pins(self) -> dict[str, dict[str, str]]:
        """The recorded lineage of each pinned image; an entry describing another digest than the pin (the
        pin edited by hand) is no evidence for it, so the image has none and prod's review says so."""
        lineage = parse_lineage(self.lineage, where="lineage")  # validated with the settings
        pins = {name: str(parse_digest_reference(pin)) for name, pin in self.pinned.items()}
        return {name: e.to_json() for name, e in lineage.items() if pins.get(name) == e.reference.identity}

    def _check_pinned(self, name: str, reference: str) -> None:
        setting = f"{NAMESPACE}:images.pinned.{name}"
        try:
            check_image_reference(name, reference, self.repository_prefix, setting=setting)
        except DigestReferenceError as error:
            raise InvalidSetting(
                f"pinned.{name}", reference, str(error).removeprefix(f"{setting}: ")
            ) from error
        account = parse_digest_reference(reference, setting=setting).ecr_account
        if self.registry_account is not None and account != self.registry_account:
            raise InvalidSetting(
                f"pinned.{name}",
                reference,
                f"is in account {account}'s registry; images.registryAccount says every image comes from "
                f"the central registry in {self.registry_account}",
            )

    @property
    def central_registry(self) -> bool:
        """Images live in the registry stack's repositories (another account), not in this stack's."""
        return self.registry_account is not None


class RepositoriesSettings(_Settings):
    """ECR lifecycle: how long untagged layers live and how many releases each repository keeps."""

    untagged_expiry_days: int = Field(7, ge=1, le=365)
    keep_releases: int = Field(30, ge=1, le=1000)


# Interface endpoints the platform knows how to scope to one stack (components/endpoint_policies.py).
INTERFACE_ENDPOINT_SERVICES = ("ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "sts")
# What a task needs with no NAT egress: pull its image (ECR API, registry, and S3 for layers) and write logs.
PRIVATE_EGRESS_ENDPOINTS = ("ecr.api", "ecr.dkr", "logs")


class FlowLogsSettings(_Settings):
    """VPC flow logs, on in every VPC the stack creates: to a KMS-encrypted log group or the audit bucket."""

    destination: Literal["cloudWatchLogs", "s3"] = "cloudWatchLogs"
    traffic_type: Literal["ALL", "ACCEPT", "REJECT"] = "ALL"
    max_aggregation_interval: Literal[60, 600] = 600


class NetworkSettings(_Settings):
    """A new VPC (block, zones, NAT, flow logs, endpoints), or the security team's existing VPC."""

    cidr_block: VpcCidr = "10.0.0.0/16"
    availability_zones: int = Field(2, ge=2, le=6)
    nat_gateways: Literal["single", "perZone"] = "perZone"
    flow_logs: FlowLogsSettings = FlowLogsSettings()
    endpoints: tuple[Literal[INTERFACE_ENDPOINT_SERVICES], ...] = ()  # type: ignore[valid-type]
    private_egress: bool = False
    vpc_id: str | None = Field(None, pattern=_VPC_ID)
    public_subnet_ids: tuple[Annotated[str, Field(pattern=_SUBNET_ID)], ...] = ()
    private_subnet_ids: tuple[Annotated[str, Field(pattern=_SUBNET_ID)], ...] = ()

    @model_validator(mode="after")
    def _existing_or_new(self) -> NetworkSettings:
        existing = {"vpcId", "publicSubnetIds", "privateSubnetIds"}
        given = {to_camel(name) for name in self.model_fields_set} & existing
        if given and given != existing:
            missing = sorted(existing - given)
            raise InvalidSetting(
                missing[0], None, "an existing network needs vpcId, publicSubnetIds and privateSubnetIds"
            )
        if given:
            new_vpc = sorted({to_camel(name) for name in self.model_fields_set} - existing)
            if new_vpc:
                raise InvalidSetting(
                    new_vpc[0],
                    getattr(self, to_snake(new_vpc[0])),
                    "describes a new VPC and cannot be combined with vpcId; remove it or remove vpcId",
                )
            for key, subnets in (
                ("publicSubnetIds", self.public_subnet_ids),
                ("privateSubnetIds", self.private_subnet_ids),
            ):
                if len(set(subnets)) < 2:
                    raise InvalidSetting(
                        key, list(subnets), "needs at least two distinct subnets, in two availability zones"
                    )
        elif ipaddress.ip_network(self.cidr_block).prefixlen > 20:
            raise InvalidSetting(
                "cidrBlock",
                self.cidr_block,
                "too small; use a /20 or larger so each zone gets a public and a private subnet",
            )
        if len(set(self.endpoints)) != len(self.endpoints):
            raise InvalidSetting("endpoints", list(self.endpoints), "lists a service twice")
        missing = [service for service in PRIVATE_EGRESS_ENDPOINTS if service not in self.endpoints]
        if self.private_egress and missing:
            raise InvalidSetting(
                "privateEgress",
                True,
                f"tasks without NAT egress need the endpoints {', '.join(PRIVATE_EGRESS_ENDPOINTS)}; add "
                f"{', '.join(missing)} to network.endpoints",
            )
        return self

    @property
    def existing(self) -> bool:
        return self.vpc_id is not None


class Ec2CapacitySettings(_Settings):
    """EC2 container instances in an Auto Scaling group, scaled by an ECS capacity provider."""

    instance_type: str = Field("m6i.large", pattern=_INSTANCE_TYPE)
    min_size: int = Field(0, ge=0, le=100)
    max_size: int = Field(4, ge=1, le=100)
    target_capacity: int = Field(80, ge=1, le=100)
    ami_parameter: str = Field(ECS_OPTIMIZED_AMI_PARAMETER, pattern=_AMI_PARAMETER)
    root_volume_gib: int = Field(30, ge=30, le=1024)
    architecture: Literal["x86_64", "arm64"] = "x86_64"

    @model_validator(mode="after")
    def _bounds(self) -> Ec2CapacitySettings:
        if self.min_size > self.max_size:
            raise InvalidSetting("minSize", self.min_size, f"must not exceed maxSize ({self.max_size})")
        if instance_architecture(self.instance_type) != self.architecture:
            raise InvalidSetting(
                "instanceType",
                self.instance_type,
                f"is an {instance_architecture(self.instance_type)} instance type but architecture is "
                f"{self.architecture!r}; set architecture: {instance_architecture(self.instance_type)} or "
                "pick a type of that architecture (Graviton families carry a g: m7g, c7g, r7g)",
            )
        if (
            self.architecture == "arm64"
            and "ami_parameter" in self.model_fields_set
            and ("arm64" not in self.ami_parameter)
        ):
            raise InvalidSetting(
                "amiParameter", self.ami_parameter, "is not an arm64 ECS-optimized AMI; leave it unset"
            )
        return self

    @property
    def image_parameter(self) -> str:
        """The SSM parameter of the ECS-optimized AMI for this architecture, unless one is configured."""
        if "ami_parameter" in self.model_fields_set or self.architecture == "x86_64":
            return self.ami_parameter
        return ECS_OPTIMIZED_ARM64_AMI_PARAMETER

    @property
    def size(self) -> tuple[int, int] | None:
        """(vCPUs, MiB) of the instance type where its name says so: c, m and r families of generation 5
        on (2, 4, 8 GiB per vCPU), except c5n, which has more memory. None: no bound is checked."""
        family, _, size = self.instance_type.partition(".")
        vcpus = INSTANCE_SIZE_VCPUS.get(size)
        if vcpus is None and size.endswith("xlarge") and size[: -len("xlarge")].isdigit():
            vcpus = 4 * int(size[: -len("xlarge")])
        category = re.match(r"^([a-z]+)(\d+)", family)
        if vcpus is None or category is None or int(category[2]) < 5 or family == "c5n":
            return None
        gib_per_vcpu = MEMORY_GIB_PER_VCPU.get(category[1])
        if gib_per_vcpu is None:
            return None
        return vcpus, vcpus * gib_per_vcpu * 1024


def instance_architecture(instance_type: str) -> str:
    """arm64 for Graviton types: a1, and a `g` among the attributes after the generation (m7g, c6gn, x2gd,
    g5g); x86_64 for everything else (g4dn, m7i-flex)."""
    family = instance_type.split(".", 1)[0]
    match = re.match(r"^[a-z]+\d+([a-z-]*)$", family)
    graviton = family == "a1" or (match is not None and "g" in match.group(1).split("-")[0])
    return "arm64" if graviton else "x86_64"


class ClusterSettings(_Settings):
    """The ECS cluster: Container Insights always on; Fargate always; EC2 capacity when configured."""

    container_insights: Literal["enabled", "enhanced"] = "enabled"
    ec2_capacity: Ec2CapacitySettings | None = None
    capacity_providers: dict[Annotated[str, Field(pattern=_NAME, max_length=20)], Ec2CapacitySettings] = (
        Field(default_factory=dict, max_length=8)
    )
    awsvpc_trunking: bool = False

    def ec2_pool(self, provider: str) -> Ec2CapacitySettings | None:
        """The EC2 capacity behind a service's provider name: EC2 is ec2Capacity, a name is its pool."""
        return self.ec2_capacity if provider == "EC2" else self.capacity_providers.get(provider)


class LoadBalancerSettings(_Settings):
    """The environment's one ALB: HTTPS with a modern TLS policy, or plain HTTP where a stack allows it."""

    protocol: Literal["HTTPS", "HTTP"] = "HTTPS"
    certificate_arn: str | None = Field(None, pattern=_ACM_CERTIFICATE_ARN)
    ssl_policy: Literal[MODERN_SSL_POLICIES] = DEFAULT_SSL_POLICY  # type: ignore[valid-type]
    allowed_cidrs: tuple[Cidr, ...] = Field(("0.0.0.0/0",), min_length=1)
    internal: bool = False
    test_listener_port: int | None = Field(None, ge=1024, le=65535)
    test_allowed_cidrs: tuple[Cidr, ...] = ()
    access_logs: bool = True
    deletion_protection: bool = True
    web_acl_arn: Annotated[str, AfterValidator(_web_acl_arn)] | None = None

    @model_validator(mode="after")
    def _https_has_certificate(self) -> LoadBalancerSettings:
        networks = [ipaddress.ip_network(cidr) for cidr in self.allowed_cidrs]
        for index, network in enumerate(networks):
            if network in networks[:index]:
                raise InvalidSetting(
                    f"allowedCidrs[{index}]",
                    self.allowed_cidrs[index],
                    "is listed twice; AWS refuses identical security group rules, remove one",
                )
        if self.protocol == "HTTPS" and self.certificate_arn is None:
            raise InvalidSetting(
                "certificateArn",
                None,
                "protocol HTTPS needs an ACM certificate "
                "(arn:aws:acm:<region>:<account>:certificate/<id>); set it, or set protocol: HTTP in a stack "
                "that may serve plain HTTP",
            )
        return self


class RouteSettings(_Settings):
    """How the ALB sends requests to a service: by host header, by path pattern, or both."""

    host: str | None = Field(None, pattern=_HOST)
    path: str | None = Field(None, pattern=_PATH)

    @model_validator(mode="after")
    def _one_condition(self) -> RouteSettings:
        if self.host is None and self.path is None:
            raise InvalidSetting("host", None, "a route needs host, path or both")
        return self


class CapacityProviderSettings(_Settings):
    """One entry of a service's capacity provider strategy: FARGATE, FARGATE_SPOT, EC2 (the cluster's
    ec2Capacity) or the name of one of the cluster's capacityProviders."""

    provider: str = Field(pattern=_CAPACITY_PROVIDER)
    weight: int = Field(1, ge=0, le=1000)
    base: int = Field(0, ge=0, le=100000)


def _scoped_resource(value: str) -> str:
    if value == "*" or not re.match(_ARN, value):
        raise ValueError(
            f"{value!r} is not a resource ARN; grants are scoped to ARNs "
            "(arn:aws:<service>:<region>:<account>:...), never '*'"
        )
    return value


def _specific_action(value: str) -> str:
    if not re.match(_IAM_ACTION, value) or value.endswith(":*"):
        raise ValueError(
            f"{value!r} is not a specific IAM action; write service:Action (e.g. s3:GetObject), never '*' or "
            "service:*"
        )
    return value


class TaskRoleGrant(_Settings):
    """One statement for the task role: named actions on named resources, nothing else."""

    actions: tuple[Annotated[str, AfterValidator(_specific_action)], ...] = Field(min_length=1)
    resources: tuple[Annotated[str, AfterValidator(_scoped_resource)], ...] = Field(min_length=1)


# The ports the policy pack's `container-ports-allowed` allows by default: the settings refuse any other, so a
# stack the settings accept is never blocked by the pack for its port (tests/review keeps the two equal).
CONTAINER_PORTS = (8080, 8443)


def _allowed_container_port(value: int) -> int:
    if value not in CONTAINER_PORTS:
        allowed = " or ".join(str(port) for port in CONTAINER_PORTS)
        raise ValueError(
            f"the policy pack allows containers to listen on {allowed} only (container-ports-allowed); "
            f"set containerPort: {CONTAINER_PORTS[0]} and let the load balancer's listener face clients"
        )
    return value


def _is_root(name_or_id: str) -> bool:
    """uid or gid 0 in any spelling the runtime reads as 0 ("0", "00", "-0"), or root in any case."""
    if _NUMERIC_ID.fullmatch(name_or_id):
        return int(name_or_id) == 0
    return name_or_id.lower() == "root"


def _not_root(value: str) -> str:
    if any(_is_root(part) for part in value.split(":", 1)):
        raise ValueError(f"{value!r} runs the container as root; use a non-root uid:gid such as 10001:10001")
    return value


def _retained_long_enough(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(
            f"CloudWatch Logs keeps logs {', '.join(map(str, CLOUDWATCH_RETENTION_DAYS))} days, and the "
            f"policy pack requires at least {MINIMUM_LOG_RETENTION_DAYS} (log-group-retention); allowed: "
            f"{', '.join(map(str, LOG_RETENTION_DAYS))}"
        )
    return value


class SecretSettings(_Settings):
    """An environment variable ECS reads at task start from Secrets Manager or SSM Parameter Store."""

    arn: str
    json_key: str | None = Field(None, pattern=_JSON_KEY)
    kms_key_arn: str | None = Field(None, pattern=_KMS_KEY_ARN)

    @model_validator(mode="after")
    def _one_of_the_stores(self) -> SecretSettings:
        if self._match() is None:
            raise InvalidSetting(
                "arn",
                self.arn,
                "expected a Secrets Manager secret ARN with its 6-character suffix "
                "(arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf) or an SSM parameter ARN "
                "(arn:aws:ssm:<region>:<account>:parameter/<name>)",
            )
        if self.json_key is not None and self.store != "secretsmanager":
            raise InvalidSetting("jsonKey", self.json_key, "only a Secrets Manager secret has JSON keys")
        if self.kms_key_arn is not None and self.kms_key_arn.split(":")[3] != self.region:
            raise InvalidSetting(
                "kmsKeyArn",
                self.kms_key_arn,
                f"is a key of another region than the secret's ({self.region}); a secret is encrypted with "
                "a key of its own region",
            )
        return self

    def _match(self) -> re.Match[str] | None:
        return re.match(_SECRETS_MANAGER_ARN, self.arn) or re.match(_SSM_PARAMETER_ARN, self.arn)

    @property
    def store(self) -> Literal["secretsmanager", "ssm"]:
        return "secretsmanager" if ":secretsmanager:" in self.arn else "ssm"

    @property
    def account(self) -> str:
        match = self._match()
        assert match is not None  # validated
        return match["account"]

    @property
    def region(self) -> str:
        match = self._match()
        assert match is not None  # validated
        return match["region"]

    @property
    def value_from(self) -> str:
        """ECS's valueFrom: the ARN, or `<secret ARN>:<json key>::` for one key of a JSON secret."""
        return self.arn if self.json_key is None else f"{self.arn}:{self.json_key}::"


class FileSystemSettings(_Settings):
    """An EFS file system services share: created by the stack (no keys), or an existing one by id with the
    security group of its mount targets, which the stack opens to the services that mount it."""

    file_system_id: str | None = Field(None, pattern=_EFS_ID)
    mount_target_security_group_id: str | None = Field(None, pattern=_SECURITY_GROUP_ID)

    @model_validator(mode="after")
    def _existing_needs_its_group(self) -> FileSystemSettings:
        if (self.file_system_id is None) != (self.mount_target_security_group_id is None):
            raise InvalidSetting(
                "mountTargetSecurityGroupId" if self.file_system_id else "fileSystemId",
                None,
                "an existing file system needs both fileSystemId and mountTargetSecurityGroupId; "
                "leave both out to have the stack create the file system",
            )
        return self


class EfsVolumeSettings(_Settings):
    """One EFS mount: through an access point of its own, as the service's user, over TLS with IAM."""

    file_system: str = Field(pattern=_NAME)
    container_path: str = Field(pattern=_CONTAINER_PATH)
    root_directory: str | None = Field(None, pattern=_CONTAINER_PATH)
    read_only: bool = False


class ServiceSubnetSettings(_Settings):
    """The service's own subnet set: blocks the stack creates in its VPC, one per zone, or existing ids."""

    cidr_blocks: tuple[Cidr, ...] = ()
    subnet_ids: tuple[Annotated[str, Field(pattern=_SUBNET_ID)], ...] = ()

    @model_validator(mode="after")
    def _one_kind(self) -> ServiceSubnetSettings:
        if bool(self.cidr_blocks) == bool(self.subnet_ids):
            raise InvalidSetting(
                "cidrBlocks", None, "give either cidrBlocks or subnetIds, not both or neither"
            )
        given = self.cidr_blocks or self.subnet_ids
        if len(set(given)) < 2:
            raise InvalidSetting(
                "cidrBlocks" if self.cidr_blocks else "subnetIds",
                list(given),
                "needs at least two distinct subnets, in two availability zones",
            )
        return self


class CustomMetricTarget(_Settings):
    """Target tracking on one CloudWatch metric the application (or another service) publishes."""

    namespace: str = Field(pattern=_METRIC_NAMESPACE)
    metric_name: str = Field(pattern=_METRIC_NAME)
    dimensions: dict[Annotated[str, Field(pattern=_METRIC_NAME)], str] = Field(
        default_factory=dict, max_length=30
    )
    statistic: Literal["Average", "Sum", "Maximum", "Minimum", "SampleCount"] = "Average"
    target_value: float = Field(gt=0)


class ScheduledScaling(_Settings):
    """A time window (e.g. business hours) in which the service's task count has its own bounds."""

    name: str = Field(pattern=_NAME, max_length=40)
    schedule: str = Field(pattern=_SCHEDULE)
    timezone: str = Field("UTC", pattern=_TIMEZONE)
    min_count: int = Field(ge=1, le=1000)
    max_count: int = Field(ge=1, le=1000)

    @model_validator(mode="after")
    def _bounds(self) -> ScheduledScaling:
        if self.min_count > self.max_count:
            raise InvalidSetting("minCount", self.min_count, f"must not exceed maxCount ({self.max_count})")
        return self


class ServiceSettings(_Settings):
    """One application behind the ALB. Secure defaults live here; config may only tighten or size them."""

    name: str = Field(pattern=_NAME, min_length=2, max_length=20)
    image: str | None = Field(None, pattern=_IMAGE_NAME, max_length=64)
    container_port: Annotated[int, AfterValidator(_allowed_container_port)] = Field(8080, ge=1024, le=65535)
    cpu: int = 256
    memory: int = 512
    user: Annotated[str, AfterValidator(_not_root)] = Field("10001:10001", pattern=_USER)
    desired_count: int = Field(1, ge=1, le=1000)
    min_count: int = Field(1, ge=1, le=1000)
    max_count: int = Field(4, ge=1, le=1000)
    cpu_target_percent: int = Field(70, ge=10, le=90)
    memory_target_percent: int = Field(75, ge=10, le=90)
    health_check_command: tuple[str, ...] | None = Field(None, min_length=2)
    route: RouteSettings | None = None
    capacity_providers: tuple[CapacityProviderSettings, ...] = Field(
        (CapacityProviderSettings(provider="FARGATE"),), min_length=1, max_length=6
    )
    task_role_grants: tuple[TaskRoleGrant, ...] = ()
    environment: dict[Annotated[str, Field(pattern=_ENVIRONMENT_VARIABLE)], str] = Field(default_factory=dict)
    # What the service runs with beyond the defaults (docs/configuration.md, "secrets" to "deployment").
    secrets: dict[Annotated[str, Field(pattern=_ENVIRONMENT_VARIABLE)], SecretSettings] = Field(
        default_factory=dict, max_length=50
    )
    efs_volumes: tuple[EfsVolumeSettings, ...] = Field((), max_length=4)
    subnets: ServiceSubnetSettings | None = None
    requests_per_target: int | None = Field(None, ge=1, le=100000)
    custom_metric_targets: tuple[CustomMetricTarget, ...] = Field((), max_length=5)
    scheduled_scaling: tuple[ScheduledScaling, ...] = Field((), max_length=10)
    deployment: Literal["rolling", "blueGreen"] = "rolling"
    bake_time_minutes: int = Field(10, ge=0, le=1440)

    @model_validator(mode="after")
    def _consistent(self) -> ServiceSettings:
        if self.launch_types == ("FARGATE",):
            self._fits_fargate()
        elif not (EC2_TASK_CPU[0] <= self.cpu <= EC2_TASK_CPU[1]):
            raise InvalidSetting(
                "cpu",
                self.cpu,
                f"not an EC2 task size; allowed: {EC2_TASK_CPU[0]}-{EC2_TASK_CPU[1]} CPU units",
            )
        elif not (EC2_TASK_MEMORY[0] <= self.memory <= EC2_TASK_MEMORY[1]):
            raise InvalidSetting(
                "memory",
                self.memory,
                f"not an EC2 task size; allowed: {EC2_TASK_MEMORY[0]}-{EC2_TASK_MEMORY[1]} MiB",
            )
        if not self.min_count <= self.desired_count <= self.max_count:
            raise InvalidSetting(
                "desiredCount",
                self.desired_count,
                "counts must satisfy minCount <= desiredCount <= "
                f"maxCount (minCount {self.min_count}, maxCount {self.max_count})",
            )
        if self.health_check_command is not None and self.health_check_command[0] not in ("CMD", "CMD-SHELL"):
            raise InvalidSetting(
                "healthCheckCommand", list(self.health_check_command), "must start with CMD or CMD-SHELL"
            )
        if PORT_VARIABLE in self.environment:
            raise InvalidSetting(
                f"environment.{PORT_VARIABLE}",
                self.environment[PORT_VARIABLE],
                "the platform sets PORT to containerPort; set containerPort instead",
            )
        written = len(json.dumps([self.environment, self.container_health_check]).encode())
        if written > CONTAINER_DEFINITION_SETTINGS_BYTES:
            raise InvalidSetting(
                "environment",
                f"{written} bytes with healthCheckCommand",
                "too large: ECS refuses a task definition over 64 KiB, and the platform's own part needs "
                "the rest; keep environment and healthCheckCommand under "
                f"{CONTAINER_DEFINITION_SETTINGS_BYTES} bytes (put large configuration in a file in the "
                "image or in Parameter Store)",
            )
        providers = [entry.provider for entry in self.capacity_providers]
        if len(set(providers)) != len(providers):
            raise InvalidSetting("capacityProviders", providers, "lists a provider twice")
        if len({provider in FARGATE_PROVIDERS for provider in providers}) > 1:
            raise InvalidSetting(
                "capacityProviders",
                providers,
                "mixes EC2 with Fargate; a service's strategy takes either "
                "Fargate providers or EC2 providers (EC2 and the cluster's capacityProviders)",
            )
        if sum(1 for entry in self.capacity_providers if entry.base) > 1:
            raise InvalidSetting("capacityProviders", providers, "only one provider may set base")
        self._runs_with()
        return self

    def _fits_fargate(self) -> None:
        allowed_memory = FARGATE_MEMORY_BY_CPU.get(self.cpu)
        if allowed_memory is None:
            raise InvalidSetting(
                "cpu", self.cpu, f"not a task size; allowed: {', '.join(map(str, FARGATE_MEMORY_BY_CPU))}"
            )
        if self.memory not in allowed_memory:
            raise InvalidSetting(
                "memory",
                self.memory,
                f"does not fit cpu {self.cpu}; allowed: {', '.join(map(str, allowed_memory))} MiB",
            )

    def _runs_with(self) -> None:
        """Secrets, volumes and scaling that fit the service's own variables, paths and deployment."""
        for name in self.secrets:
            if name in self.environment or name == PORT_VARIABLE:
                raise InvalidSetting(
                    f"secrets.{name}", None, "is also a plain environment variable (or PORT); keep one"
                )
        paths = [volume.container_path for volume in self.efs_volumes]
        for index, path in enumerate(paths):
            if path == "/tmp" or paths.index(path) != index:
                raise InvalidSetting(
                    f"efsVolumes[{index}].containerPath", path, "is /tmp or another volume's path"
                )
        if self.efs_volumes and not re.match(r"^\d+(:\d+)?$", self.user):
            raise InvalidSetting(
                "user", self.user, "an EFS access point enforces a numeric uid:gid; write e.g. 10001:10001"
            )
        if self.deployment == "blueGreen" and self.requests_per_target is not None:
            raise InvalidSetting(
                "requestsPerTarget",
                self.requests_per_target,
                "tracks one target group, and a blue/green deployment moves traffic to the other; scale a "
                "blueGreen service on cpu, memory or a customMetricTargets entry",
            )

    @property
    def container_health_check(self) -> tuple[str, ...]:
        """The configured command, or the one the project's images declare in their HEALTHCHECK."""
        return self.health_check_command or DEFAULT_HEALTH_CHECK_COMMAND

    @property
    def image_name(self) -> str:
        """The application image (and ECR repository) this service runs; defaults to the service name."""
        return self.image or self.name

    @property
    def launch_types(self) -> tuple[str, ...]:
        return ("FARGATE",) if self.capacity_providers[0].provider in FARGATE_PROVIDERS else ("EC2",)

    @property
    def blue_green(self) -> bool:
        return self.deployment == "blueGreen"

    @property
    def runs_as(self) -> tuple[int, int]:
        """The numeric uid and gid an EFS access point enforces (the gid defaults to the uid)."""
        uid, _, gid = self.user.partition(":")
        return int(uid), int(gid or uid)


# Upstreams an ECR pull-through cache rule can name -> whether ECR needs a Secrets Manager credential for it.
PULL_THROUGH_UPSTREAMS = {
    "public.ecr.aws": False,
    "registry.k8s.io": False,
    "quay.io": False,
    "registry-1.docker.io": True,
    "ghcr.io": True,
    "registry.gitlab.com": True,
}


class PullThroughCacheSettings(_Settings):
    """One pull-through cache rule: `<prefix>/<upstream repository>` in ECR mirrors the upstream registry."""

    ecr_repository_prefix: str = Field(pattern=_IMAGE_NAME, min_length=2, max_length=30)
    upstream_registry_url: Literal[tuple(PULL_THROUGH_UPSTREAMS)]  # type: ignore[valid-type]
    credential_arn: str | None = Field(None, pattern=_SECRET_ARN)

    @model_validator(mode="after")
    def _credential_where_needed(self) -> PullThroughCacheSettings:
        if PULL_THROUGH_UPSTREAMS[self.upstream_registry_url] and self.credential_arn is None:
            raise InvalidSetting(
                "credentialArn",
                None,
                f"ECR pulls from {self.upstream_registry_url} only with credentials; store them in Secrets "
                "Manager under ecr-pullthroughcache/<name> and set its ARN",
            )
        if not PULL_THROUGH_UPSTREAMS[self.upstream_registry_url] and self.credential_arn is not None:
            raise InvalidSetting(
                "credentialArn", self.credential_arn, f"{self.upstream_registry_url} takes no credential"
            )
        return self


class ReplicationSettings(_Settings):
    """One replication destination: a region, in this registry's account or another one."""

    region: str = Field(pattern=_REGION)
    account: AccountId | None = None


class RegistrySettings(_Settings):
    """The central registry: its repositories, who pushes (the build identity alone), who only pulls."""

    repository_prefix: str = Field(DEFAULT_REPOSITORY_PREFIX, pattern=_REPOSITORY_PREFIX)
    application_images: tuple[Annotated[str, Field(pattern=_IMAGE_NAME, max_length=64)], ...] = Field(
        min_length=1, max_length=50
    )
    push_role_arn: str = Field(pattern=_IAM_ROLE_ARN)
    promote_role_arn: str | None = Field(None, pattern=_IAM_ROLE_ARN)
    pull_accounts: tuple[AccountId, ...] = Field(min_length=1, max_length=50)
    pull_through_cache: tuple[PullThroughCacheSettings, ...] = Field((), max_length=10)
    replication: tuple[ReplicationSettings, ...] = Field((), max_length=25)

    @model_validator(mode="after")
    def _distinct(self) -> RegistrySettings:
        for key, values in (
            ("applicationImages", list(self.application_images)),
            ("pullAccounts", list(self.pull_accounts)),
            ("pullThroughCache", [rule.ecr_repository_prefix for rule in self.pull_through_cache]),
            ("replication", [(r.region, r.account) for r in self.replication]),
        ):
            if len(set(values)) != len(values):
                raise InvalidSetting(key, values, "lists an entry twice")
        platform = {spec.name for spec in PLATFORM_IMAGES} & set(self.application_images)
        if platform:
            raise InvalidSetting(
                "applicationImages", sorted(platform), "base and java-runtime are always in the registry"
            )
        chain_namespace = self.repository_prefix.split("/", 1)[0]
        taken = {chain_namespace} & {rule.ecr_repository_prefix for rule in self.pull_through_cache}
        if taken:
            raise InvalidSetting(
                "pullThroughCache",
                sorted(taken),
                "a cache prefix may not be the repositoryPrefix: ECR would mirror into the chain's namespace",
            )
        return self

    @property
    def image_names(self) -> tuple[str, ...]:
        return (*(spec.name for spec in PLATFORM_IMAGES), *self.application_images)


class RegistryStackSettings(_Settings):
    """The `registry` stack (stackRole: registry): owns the ECR repositories every environment pulls from."""

    stack_role: Literal["registry"]
    region: str = Field(alias="aws:region", pattern=_REGION)
    allowed_account_ids: tuple[Annotated[str, Field(pattern=_ACCOUNT_ID)], ...] = Field(
        (), alias="aws:allowedAccountIds"
    )
    environment: str = Field(pattern=_NAME, min_length=2, max_length=12)
    registry: RegistrySettings
    repositories: RepositoriesSettings = RepositoriesSettings()

    @model_validator(mode="after")
    def _replication_leaves_the_region(self) -> RegistryStackSettings:
        for index, destination in enumerate(self.registry.replication):
            if destination.account is None and destination.region == self.region:
                raise InvalidSetting(
                    f"registry.replication[{index}].region",
                    destination.region,
                    "replicates the registry onto itself; name another region or another account",
                )
        return self


class Settings(_Settings):
    """Everything one stack (one environment) is configured with."""

    stack_role: Literal["environment"] = "environment"
    region: str = Field(alias="aws:region", pattern=_REGION)
    environment: str = Field(pattern=_NAME, min_length=2, max_length=12)
    images: ImagesSettings
    repositories: RepositoriesSettings = RepositoriesSettings()
    network: NetworkSettings = NetworkSettings()
    cluster: ClusterSettings = ClusterSettings()
    load_balancer: LoadBalancerSettings
    log_retention_days: Annotated[int, AfterValidator(_retained_long_enough)] = 90
    alarm_topic_arns: tuple[Annotated[str, Field(pattern=_SNS_TOPIC_ARN)], ...] = ()
    services: tuple[ServiceSettings, ...] = Field(min_length=1, max_length=50)
    allowed_account_ids: tuple[Annotated[str, Field(pattern=_ACCOUNT_ID)], ...] = Field(
        (), alias="aws:allowedAccountIds", min_length=1
    )
    secret_account_ids: tuple[Annotated[str, Field(pattern=_ACCOUNT_ID)], ...] = ()
    file_systems: dict[Annotated[str, Field(pattern=_NAME, max_length=20)], FileSystemSettings] = Field(
        default_factory=dict, max_length=10
    )

    @model_validator(mode="after")
    def _services_fit_the_stack(self) -> Settings:
        web_acl = self.load_balancer.web_acl_arn
        if web_acl is not None and web_acl.split(":")[3] != self.region:
            raise InvalidSetting(
                "loadBalancer.webAclArn",
                web_acl,
                f"the web ACL is in {web_acl.split(':')[3]}, the stack in {self.region}; an ALB takes a web "
                "ACL from its own region",
            )
        seen_names: set[str] = set()
        seen_routes: set[tuple[str | None, str | None]] = set()
        chain = {spec.name for spec in PLATFORM_IMAGES}
        for index, service in enumerate(self.services):
            if service.name in seen_names:
                raise InvalidSetting(f"services[{index}].name", service.name, "service names must be unique")
            if service.name in chain:
                raise InvalidSetting(
                    f"services[{index}].name",
                    service.name,
                    f"is the name of an image of the chain ({', '.join(sorted(chain))}); its resources would "
                    "share their names (duplicate URNs); name the service after what it does",
                )
            seen_names.add(service.name)
            if service.route is None:
                if index > 0:
                    raise InvalidSetting(
                        f"services[{index}].route",
                        None,
                        "needs host and/or path; only the first service is the listener's default",
                    )
            elif (service.route.host, service.route.path) in seen_routes:
                raise InvalidSetting(
                    f"services[{index}].route",
                    service.route.model_dump(by_alias=True, exclude_none=True),
                    "another service already has this route; each route must be unique",
                )
            else:
                seen_routes.add((service.route.host, service.route.path))
            self._has_capacity(index, service)
        certificate = self.load_balancer.certificate_arn
        if certificate is not None and certificate.split(":")[3] != self.region:
            raise InvalidSetting(
                "loadBalancer.certificateArn",
                certificate,
                f"is in region {certificate.split(':')[3]}, but the stack deploys to {self.region}; an ALB "
                "takes only certificates of its own region: request or import one there",
            )
        if self.images.source == "pinned":
            missing = [name for name in self.image_names if name not in self.images.pinned]
            if missing:
                raise InvalidSetting(
                    f"images.pinned.{missing[0]}",
                    None,
                    "source 'pinned' needs a digest reference for base, "
                    "java-runtime and every service's image (`python -m container_platform promote` writes "
                    "them)",
                )
        if self.images.source == "build":
            for name in self.application_images:
                spec = application_image(name)
                if not (spec.context_path() / "Dockerfile").is_file():
                    raise InvalidSetting(
                        "services",
                        name,
                        f"source 'build' needs {spec.dockerfile} for image {name!r}; add "
                        "it or deploy this image from pinned digests",
                    )
        return self

    def _has_capacity(self, index: int, service: ServiceSettings) -> None:
        """Each EC2 provider a service names exists, the pools share an architecture, the task fits."""
        pools = [
            entry.provider for entry in service.capacity_providers if entry.provider not in FARGATE_PROVIDERS
        ]
        for provider in pools:
            pool = self.cluster.ec2_pool(provider)
            if pool is None and provider == "EC2":
                raise InvalidSetting(
                    f"services[{index}].capacityProviders",
                    "EC2",
                    "the cluster has no EC2 capacity; add cluster.ec2Capacity or use FARGATE",
                )
            if pool is None:
                known = ", ".join(sorted(self.cluster.capacity_providers)) or "none"
                raise InvalidSetting(
                    f"services[{index}].capacityProviders",
                    provider,
                    f"the cluster has no capacity provider {provider!r} (cluster.capacityProviders: "
                    f"{known}); add it there or name one the cluster has",
                )
            size = pool.size
            if size is not None and (service.cpu > size[0] * 1024 or service.memory > size[1]):
                raise InvalidSetting(
                    f"services[{index}].cpu",
                    service.cpu,
                    f"with memory {service.memory} MiB the task does not fit one {pool.instance_type} "
                    f"({size[0]} vCPUs = {size[0] * 1024} units, {size[1]} MiB); size the task or the "
                    "instance",
                )
        architectures = {pool.architecture for pool in map(self.cluster.ec2_pool, pools) if pool is not None}
        if len(architectures) > 1:
            raise InvalidSetting(
                f"services[{index}].capacityProviders",
                pools,
                "mixes x86_64 and arm64 capacity; a task definition runs on one architecture",
            )

    def service_architecture(self, service: ServiceSettings) -> str:
        """X86_64 or ARM64, as the task definition's runtimePlatform names it."""
        pool = self.cluster.ec2_pool(service.capacity_providers[0].provider)
        return "ARM64" if pool is not None and pool.architecture == "arm64" else "X86_64"

    @model_validator(mode="after")
    def _capabilities_fit_the_stack(self) -> Settings:
        """Secrets from known accounts, volumes on declared file systems, subnet sets apart, blue/green
        with a test listener."""
        secret_accounts = set(self.allowed_account_ids) | set(self.secret_account_ids)
        for index, service in enumerate(self.services):
            key = f"services[{index}]"
            for name, secret in service.secrets.items():
                if secret.account not in secret_accounts:
                    raise InvalidSetting(
                        f"{key}.secrets.{name}.arn",
                        secret.arn,
                        f"account {secret.account} is neither the stack's (aws:allowedAccountIds) nor listed "
                        "in secretAccountIds; list it there if that account's secrets are meant",
                    )
            for volume_index, volume in enumerate(service.efs_volumes):
                if volume.file_system not in self.file_systems:
                    known = ", ".join(sorted(self.file_systems)) or "none"
                    raise InvalidSetting(
                        f"{key}.efsVolumes[{volume_index}].fileSystem",
                        volume.file_system,
                        f"is not one of fileSystems ({known}); declare it under "
                        "container-platform:fileSystems",
                    )
            if service.blue_green:
                if service.route is None:
                    raise InvalidSetting(
                        f"{key}.deployment",
                        "blueGreen",
                        "needs a route: ECS switches the service's listener rule, and a service without "
                        "route is the listener's default action",
                    )
                if self.load_balancer.test_listener_port is None:
                    raise InvalidSetting(
                        "loadBalancer.testListenerPort",
                        None,
                        f"{key} ({service.name}) deploys blueGreen, which tests the new tasks through a "
                        "test listener; set a port such as 8443",
                    )
        self._subnet_sets_apart()
        return self

    def _subnet_sets_apart(self) -> None:
        """Each service's subnets inside the VPC, clear of the platform's subnets and of each other."""
        from components.network import subnet_blocks  # network.py imports this module; import at use

        taken: list[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
        if not self.network.existing:
            public, private = subnet_blocks(self.network.cidr_block, self.network.availability_zones)
            taken = [("the platform's subnets", ipaddress.ip_network(block)) for block in (*public, *private)]
        seen_ids: dict[str, str] = {
            subnet: "network.publicSubnetIds" for subnet in self.network.public_subnet_ids
        }
        vpc = ipaddress.ip_network(self.network.cidr_block)
        for index, service in enumerate(self.services):
            if service.subnets is None:
                continue
            key = f"services[{index}].subnets"
            for block_index, block in enumerate(service.subnets.cidr_blocks):
                here = f"{key}.cidrBlocks[{block_index}]"
                if self.network.existing:
                    raise InvalidSetting(
                        here, block, "the stack creates subnets only in a VPC it creates; give subnetIds"
                    )
                network = ipaddress.ip_network(block)
                if network.version != vpc.version or not network.subnet_of(vpc):  # type: ignore[arg-type]
                    raise InvalidSetting(here, block, f"lies outside the VPC's cidrBlock {vpc}")
                for owner, other in taken:
                    if network.overlaps(other):
                        raise InvalidSetting(here, block, f"overlaps {other} of {owner}")
                taken.append((f"services[{index}] ({service.name})", network))
            if (
                service.subnets.cidr_blocks
                and len(service.subnets.cidr_blocks) != self.network.availability_zones
            ):
                raise InvalidSetting(
                    f"{key}.cidrBlocks",
                    list(service.subnets.cidr_blocks),
                    f"needs one block per availability zone ({self.network.availability_zones})",
                )
            for subnet_index, subnet in enumerate(service.subnets.subnet_ids):
                if subnet in seen_ids:
                    raise InvalidSetting(
                        f"{key}.subnetIds[{subnet_index}]", subnet, f"is already used by {seen_ids[subnet]}"
                    )
                seen_ids[subnet] = f"services[{index}] ({service.name})"

    @property
    def application_images(self) -> tuple[str, ...]:
        """Each distinct application image, in the order services first name them."""
        return application_images_of(self.services)

    @property
    def image_names(self) -> tuple[str, ...]:
        return image_names_of(self.services)

    @property
    def uses_ec2(self) -> bool:
        return self.cluster.ec2_capacity is not None


def application_images_of(services: Sequence[ServiceSettings]) -> tuple[str, ...]:
    """Each distinct application image, in the order services first name them."""
    return tuple(dict.fromkeys(service.image_name for service in services))


def image_names_of(services: Sequence[ServiceSettings]) -> tuple[str, ...]:
    """Every image a stack running `services` deploys or records: the platform chain, then the apps."""
    return (*(spec.name for spec in PLATFORM_IMAGES), *application_images_of(services))


def _parse_value(raw: str) -> Any:
    """Structured config reaches the program as JSON text; plain strings stay strings."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw
    except RecursionError:
        raise ConfigError(f"a stack setting is nested too deeply to be configuration: {_echo(raw)}") from None


def _namespace_config() -> dict[str, Any]:
    """Every `container-platform:*` key the stack sets, so unknown (misspelled) keys are caught too."""
    values: dict[str, Any] = dict(pulumi.runtime.config.get_config_env() or {})
    values.update(pulumi.runtime.config.CONFIG.get())
    prefix = f"{NAMESPACE}:"
    return {
        key.removeprefix(prefix): _parse_value(value) if isinstance(value, str) else value
        for key, value in values.items()
        if key.startswith(prefix)
    }


def _key(location: Sequence[int | str]) -> str:
    """`container-platform:services[1].containerPort` from pydantic's location tuple."""
    parts = list(location)
    if not parts:
        return f"{NAMESPACE}:"
    head, *rest = parts
    key = str(head) if str(head).startswith("aws:") else f"{NAMESPACE}:{head}"
    for part in rest:
        key += f"[{part}]" if isinstance(part, int) else f".{part}"
    return key


def _describe(error: Mapping[str, Any]) -> str:
    location = [part for part in error["loc"] if not (isinstance(part, str) and "[" in part)]
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, InvalidSetting):
        prefix = _key(location)
        key = f"{prefix}{'' if prefix.endswith(':') else '.'}{cause.key}"
        if cause.value is None:
            return f"{key}: {cause.message}"
        return f"{key} = {_echo(cause.value)} is not allowed: {cause.message}"
    key = _key(location)
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "string_pattern_mismatch":
        message = f"expected {_PATTERN_HINTS.get(error['ctx']['pattern'], error['ctx']['pattern'])}"
    message = _TYPE_HINTS.get(error["type"], message)
    if error["type"] == "missing":
        return f"{key} is required but not set"
    if error["type"] == "extra_forbidden":
        value = _echo(error["input"])
        return f"{key} is not a known setting (value {value}); docs/configuration.md lists them"
    return f"{key} = {_echo(error['input'])} is not allowed: {message}"


def _echo(value: object) -> str:
    """The bad value for a message: at most a short prefix, so a 10 MB value is never printed whole."""
    text = repr(value)
    return text if len(text) <= _ECHOED_CHARS else f"{text[:_ECHOED_CHARS]}... ({len(text)} characters)"


def _is_echo(error: Mapping[str, Any], errors: Sequence[Mapping[str, Any]]) -> bool:
    """pydantic repeats a failed item as 'too short' on its list; the item's own error says it better."""
    location = tuple(error["loc"])
    return error["type"] == "too_short" and any(
        len(other["loc"]) > len(location) and tuple(other["loc"])[: len(location)] == location
        for other in errors
    )


def parse_settings(raw: Mapping[str, Any]) -> Settings:
    """Validate `raw` (the stack file's `container-platform:` keys plus `aws:region`) or raise ConfigError."""
    return _validated(Settings, raw)


def parse_registry_settings(raw: Mapping[str, Any]) -> RegistryStackSettings:
    """Validate a `stackRole: registry` stack's config or raise ConfigError."""
    return _validated(RegistryStackSettings, raw)


def is_registry_stack(raw: Mapping[str, Any]) -> bool:
    return raw.get("stackRole") == "registry"


Model = TypeVar("Model", bound=_Settings)


def _validated(model: type[Model], raw: Mapping[str, Any]) -> Model:
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        details = error.errors(include_url=False)
        problems = [_describe(detail) for detail in details if not _is_echo(detail, details)]
        raise ConfigError("invalid stack configuration:\n  " + "\n  ".join(problems)) from None


def _raw_config() -> dict[str, Any]:
    raw: dict[str, Any] = {"environment": pulumi.get_stack(), **_namespace_config()}
    aws = pulumi.Config("aws")
    for key in ("region", "allowedAccountIds"):
        value = aws.get(key)
        if value is not None:
            raw[f"aws:{key}"] = _parse_value(value) if key == "allowedAccountIds" else value
    return raw


def load_settings() -> Settings | RegistryStackSettings:
    """Read this stack's config; the stack name is the environment unless `environment` is set.

    `stackRole: registry` makes the stack the central registry; every other stack is an environment."""
    raw = _raw_config()
    if is_registry_stack(raw):
        return parse_registry_settings(raw)
    settings = parse_settings(raw)
    reference = settings.images.stack_reference
    if settings.images.source == "stackReference" and str(reference).rsplit("/", 1)[-1] == pulumi.get_stack():
        raise ConfigError(
            f"invalid stack configuration:\n  {NAMESPACE}:images.stackReference = {reference!r} is this "
            "stack itself; take the images from the stack promoted from (e.g. dev), or use source: pinned"
        )
    return settings
