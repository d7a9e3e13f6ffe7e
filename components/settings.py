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
from typing import Annotated, Any, Literal

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

NAMESPACE = "container-platform"
DEFAULT_REPOSITORY_PREFIX = "container-platform"
DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
MODERN_SSL_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
)
ECS_OPTIMIZED_AMI_PARAMETER = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
HEALTH_PATH = "/health"
# The project's images listen on $PORT; the platform sets it to the service's containerPort.
PORT_VARIABLE = "PORT"
# The values CloudWatch Logs accepts for retentionInDays.
# fmt: off
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                      2922, 3288, 3653)
# fmt: on
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
ROOT_USERS = {"0", "root"}

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


def _network(value: str) -> str:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as error:
        raise ValueError(f"not a CIDR block ({error}); write e.g. 10.0.0.0/16 or 203.0.113.0/24") from error
    return value


Cidr = Annotated[str, AfterValidator(_network)]


class ImagesSettings(_Settings):
    """Where the stack's images come from: built here (dev), pinned digests, or another stack's outputs."""

    source: Literal["build", "pinned", "stackReference"]
    repository_prefix: str = Field(DEFAULT_REPOSITORY_PREFIX, pattern=_REPOSITORY_PREFIX)
    upstream: str | None = Field(None, pattern=_UPSTREAM)
    pinned: dict[str, str] = Field(default_factory=dict)
    stack_reference: str | None = Field(None, pattern=_STACK_REFERENCE)

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
        return self

    def _check_pinned(self, name: str, reference: str) -> None:
        setting = f"{NAMESPACE}:images.pinned.{name}"
        try:
            check_image_reference(name, reference, self.repository_prefix, setting=setting)
        except DigestReferenceError as error:
            raise InvalidSetting(
                f"pinned.{name}", reference, str(error).removeprefix(f"{setting}: ")
            ) from error


class RepositoriesSettings(_Settings):
    """ECR lifecycle: how long untagged layers live and how many releases each repository keeps."""

    untagged_expiry_days: int = Field(7, ge=1, le=365)
    keep_releases: int = Field(30, ge=1, le=1000)


class NetworkSettings(_Settings):
    """A new VPC (cidrBlock, zone count, NAT layout), or the security team's existing VPC and subnets."""

    cidr_block: Cidr = "10.0.0.0/16"
    availability_zones: int = Field(2, ge=2, le=6)
    nat_gateways: Literal["single", "perZone"] = "perZone"
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

    @model_validator(mode="after")
    def _bounds(self) -> Ec2CapacitySettings:
        if self.min_size > self.max_size:
            raise InvalidSetting("minSize", self.min_size, f"must not exceed maxSize ({self.max_size})")
        return self


class ClusterSettings(_Settings):
    """The ECS cluster: Container Insights always on; Fargate always; EC2 capacity when configured."""

    container_insights: Literal["enabled", "enhanced"] = "enabled"
    ec2_capacity: Ec2CapacitySettings | None = None


class LoadBalancerSettings(_Settings):
    """The environment's one ALB: HTTPS with a modern TLS policy, or plain HTTP where a stack allows it."""

    protocol: Literal["HTTPS", "HTTP"] = "HTTPS"
    certificate_arn: str | None = Field(None, pattern=_ACM_CERTIFICATE_ARN)
    ssl_policy: Literal[MODERN_SSL_POLICIES] = DEFAULT_SSL_POLICY  # type: ignore[valid-type]
    allowed_cidrs: tuple[Cidr, ...] = Field(("0.0.0.0/0",), min_length=1)
    internal: bool = False

    @model_validator(mode="after")
    def _https_has_certificate(self) -> LoadBalancerSettings:
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
    """One entry of a service's capacity provider strategy; EC2 means the cluster's own EC2 provider."""

    provider: Literal["FARGATE", "FARGATE_SPOT", "EC2"]
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


def _not_root(value: str) -> str:
    if value.split(":", 1)[0] in ROOT_USERS or (":" in value and value.split(":", 1)[1] in ROOT_USERS):
        raise ValueError(f"{value!r} runs the container as root; use a non-root uid:gid such as 10001:10001")
    return value


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

    @model_validator(mode="after")
    def _consistent(self) -> ServiceSettings:
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
        providers = [entry.provider for entry in self.capacity_providers]
        if len(set(providers)) != len(providers):
            raise InvalidSetting("capacityProviders", providers, "lists a provider twice")
        if "EC2" in providers and len(providers) > 1:
            raise InvalidSetting(
                "capacityProviders",
                providers,
                "mixes EC2 with Fargate; a service's strategy takes either "
                "Fargate providers or the one EC2 provider",
            )
        if sum(1 for entry in self.capacity_providers if entry.base) > 1:
            raise InvalidSetting("capacityProviders", providers, "only one provider may set base")
        return self

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
        return ("EC2",) if self.capacity_providers[0].provider == "EC2" else ("FARGATE",)


class Settings(_Settings):
    """Everything one stack (one environment) is configured with."""

    region: str = Field(alias="aws:region", pattern=_REGION)
    environment: str = Field(pattern=_NAME, min_length=2, max_length=12)
    images: ImagesSettings
    repositories: RepositoriesSettings = RepositoriesSettings()
    network: NetworkSettings = NetworkSettings()
    cluster: ClusterSettings = ClusterSettings()
    load_balancer: LoadBalancerSettings
    log_retention_days: Literal[LOG_RETENTION_DAYS] = 90  # type: ignore[valid-type]
    alarm_topic_arns: tuple[Annotated[str, Field(pattern=_SNS_TOPIC_ARN)], ...] = ()
    services: tuple[ServiceSettings, ...] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _services_fit_the_stack(self) -> Settings:
        seen_names: set[str] = set()
        seen_routes: set[tuple[str | None, str | None]] = set()
        for index, service in enumerate(self.services):
            if service.name in seen_names:
                raise InvalidSetting(f"services[{index}].name", service.name, "service names must be unique")
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
            if service.launch_types == ("EC2",) and self.cluster.ec2_capacity is None:
                raise InvalidSetting(
                    f"services[{index}].capacityProviders",
                    "EC2",
                    "the cluster has no EC2 capacity; add cluster.ec2Capacity or use FARGATE",
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
    key = str(head) if head == "aws:region" else f"{NAMESPACE}:{head}"
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
        return f"{key} = {cause.value!r} is not allowed: {cause.message}"
    key = _key(location)
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "string_pattern_mismatch":
        message = f"expected {_PATTERN_HINTS.get(error['ctx']['pattern'], error['ctx']['pattern'])}"
    message = _TYPE_HINTS.get(error["type"], message)
    if error["type"] == "missing":
        return f"{key} is required but not set"
    if error["type"] == "extra_forbidden":
        return f"{key} is not a known setting (value {error['input']!r}); docs/configuration.md lists them"
    return f"{key} = {error['input']!r} is not allowed: {message}"


def _is_echo(error: Mapping[str, Any], errors: Sequence[Mapping[str, Any]]) -> bool:
    """pydantic repeats a failed item as 'too short' on its list; the item's own error says it better."""
    location = tuple(error["loc"])
    return error["type"] == "too_short" and any(
        len(other["loc"]) > len(location) and tuple(other["loc"])[: len(location)] == location
        for other in errors
    )


def parse_settings(raw: Mapping[str, Any]) -> Settings:
    """Validate `raw` (the stack file's `container-platform:` keys plus `aws:region`) or raise ConfigError."""
    try:
        return Settings.model_validate(raw)
    except ValidationError as error:
        details = error.errors(include_url=False)
        problems = [_describe(detail) for detail in details if not _is_echo(detail, details)]
        raise ConfigError("invalid stack configuration:\n  " + "\n  ".join(problems)) from None


def load_settings() -> Settings:
    """Read this stack's config; the stack name is the environment unless `environment` is set."""
    raw: dict[str, Any] = {"environment": pulumi.get_stack(), **_namespace_config()}
    region = pulumi.Config("aws").get("region")
    if region is not None:
        raw["aws:region"] = region
    return parse_settings(raw)
