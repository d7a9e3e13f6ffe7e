"""What the offline review cannot know: whether the account holds what the stack file names.

Each check asks the AWS API with read-only calls (Describe, Get, List) and returns one line per problem,
starting with the setting to change and ending with the fix. Clients come from boto3's usual chain
(environment, profile, SSO, role; `AWS_ENDPOINT_URL` for a local API) in the stack's region.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from components.settings import NAMESPACE
from container_platform.environments.host_coverage import covers
from container_platform.environments.resource_scope import CERTIFICATE, TOPICS, misplaced_arns
from container_platform.environments.stack_settings import ACCOUNTS_KEY, REGION_KEY, StackSettings
from container_platform.promotion.ecr_verification import verify_in_ecr
from image_references.digest_reference import parse_digest_reference

NETWORK = f"{NAMESPACE}:network"
AMI_PARAMETER = f"{NAMESPACE}:cluster.ec2Capacity.amiParameter"
PINNED = f"{NAMESPACE}:images.pinned"
_AMI_ID = re.compile(r"^ami-[0-9a-f]{8,17}$")


@dataclass(frozen=True)
class Account:
    """The stack under check, the caller's account and boto3 clients: in the stack's region, and in the
    partition's home region for what must be asked before the stack's region is known to exist."""

    stack: StackSettings
    caller_account: str
    clients: Callable[[str, str], Any]  # (service, region) -> boto3 client

    def client(self, service: str) -> Any:
        return self.clients(service, self.region)

    def home_client(self, service: str) -> Any:
        return self.clients(service, home_region(self.region))

    @property
    def region(self) -> str:
        return self.stack.settings.region


def home_region(region: str) -> str:
    """A region every account of `region`'s partition can call (the stack's own may not exist)."""
    if region.startswith("cn-"):
        return "cn-north-1"
    if "-gov-" in region:
        return "us-gov-west-1"
    return "us-east-1"


class ApiProblem(Exception):
    """An API call failed for a reason other than the answer the check looks for."""


def call(client: Any, operation: str, setting: str, **parameters: Any) -> dict[str, Any]:
    """`client.<operation>(**parameters)`; AccessDenied and transport errors become ApiProblem naming the IAM
    action and the setting being checked. Other ClientErrors propagate for the check to judge."""
    try:
        return getattr(client, operation)(**parameters)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if "AccessDenied" in code or code in ("UnauthorizedOperation", "AuthorizationError"):
            raise ApiProblem(
                f"{setting}: cannot check: {_action(client, operation)} was denied ({code}); "
                "run preflight with credentials allowed to read it"
            ) from error
        raise
    except BotoCoreError as error:
        raise ApiProblem(f"{setting}: cannot check: {_action(client, operation)} failed ({error})") from error


def _action(client: Any, operation: str) -> str:
    prefix = client.meta.service_model.signing_name
    return f"{prefix}:{client.meta.method_to_api_mapping.get(operation, operation)}"


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def caller_in_allowed_accounts(account: Account) -> list[str]:
    allowed = account.stack.allowed_account_ids
    if not allowed:
        return [
            f'{ACCOUNTS_KEY} is not set; set it to ["{account.caller_account}"] so Pulumi refuses to '
            "deploy this stack to any other account"
        ]
    if account.caller_account not in allowed:
        return [
            f"{ACCOUNTS_KEY} = {list(allowed)} does not hold the account your credentials are in "
            f"({account.caller_account}); Pulumi would refuse to deploy. Use credentials for "
            f'{" or ".join(allowed)}, or set {ACCOUNTS_KEY} to ["{account.caller_account}"] if this '
            "is the stack's account"
        ]
    return []


def region_has_the_zones(account: Account) -> list[str]:
    regions = call(account.home_client("ec2"), "describe_regions", REGION_KEY, AllRegions=True)["Regions"]
    status = {region["RegionName"]: region.get("OptInStatus", "opt-in-not-required") for region in regions}
    if account.region not in status:
        return [
            f"{REGION_KEY} = {account.region!r} is not an AWS region; use one of {', '.join(sorted(status))}"
        ]
    if status[account.region] == "not-opted-in":
        return [
            f"{REGION_KEY} = {account.region!r} is not enabled in account {account.caller_account}; "
            "enable it (Account settings > AWS Regions) or choose an enabled region"
        ]
    network = account.stack.settings.network
    if network.existing:
        return []
    zones = call(
        account.client("ec2"),
        "describe_availability_zones",
        f"{NETWORK}.availabilityZones",
        Filters=[
            {"Name": "state", "Values": ["available"]},
            {"Name": "zone-type", "Values": ["availability-zone"]},
        ],
    )["AvailabilityZones"]
    if len(zones) < network.availability_zones:
        names = ", ".join(sorted(zone["ZoneName"] for zone in zones))
        return [
            f"{NETWORK}.availabilityZones = {network.availability_zones} is more than {account.region} "
            f"offers ({len(zones)} available: {names}); configure at most {len(zones)}"
        ]
    return []


def certificate_is_issued_and_covers_hosts(account: Account) -> list[str]:
    # HTTPS requires the ARN (components/settings.py), and the check applies to HTTPS only.
    arn = str(account.stack.settings.load_balancer.certificate_arn)
    try:
        certificate = call(account.client("acm"), "describe_certificate", CERTIFICATE, CertificateArn=arn)
    except ClientError as error:
        if _code(error) == "ResourceNotFoundException":
            return [
                f"{CERTIFICATE} = {arn!r} does not exist in {account.region}; request or import the "
                "certificate in ACM and set its ARN"
            ]
        raise
    details = certificate["Certificate"]
    if details.get("Status") != "ISSUED":
        return [
            f"{CERTIFICATE}: the certificate is {details.get('Status')}, not ISSUED; complete its "
            "validation (ACM shows the DNS records to create) or renew it, then run preflight again"
        ]
    names = [details.get("DomainName", ""), *details.get("SubjectAlternativeNames", [])]
    problems = []
    for index, service in enumerate(account.stack.settings.services):
        host = service.route.host if service.route else None
        if host is not None and not covers(names, host):
            problems.append(
                f"{NAMESPACE}:services[{index}].route.host = {host!r} is not covered by {CERTIFICATE} (its "
                f"names: {', '.join(dict.fromkeys(names))}); add the name to the certificate or use a host "
                "it covers"
            )
    return problems


def alarm_topics_exist(account: Account) -> list[str]:
    problems = []
    for index, arn in enumerate(account.stack.settings.alarm_topic_arns):
        setting = f"{TOPICS}[{index}]"
        try:
            call(account.client("sns"), "get_topic_attributes", setting, TopicArn=arn)
        except ClientError as error:
            if _code(error) not in ("NotFound", "NotFoundException", "InvalidParameter"):
                raise
            problems.append(
                f"{setting} = {arn!r} does not exist; create the topic (`aws sns create-topic "
                f"--name {arn.rsplit(':', 1)[-1]}`) or set the ARN of one that does"
            )
    return problems


def existing_network_fits(account: Account) -> list[str]:
    network = account.stack.settings.network
    ec2 = account.client("ec2")
    try:
        call(ec2, "describe_vpcs", f"{NETWORK}.vpcId", VpcIds=[network.vpc_id])
    except ClientError as error:
        if _code(error) != "InvalidVpcID.NotFound":
            raise
        return [
            f"{NETWORK}.vpcId = {network.vpc_id!r} does not exist in {account.region}; set the ID of the "
            "VPC the security team provides"
        ]
    problems = []
    for key, subnet_ids in (
        ("publicSubnetIds", network.public_subnet_ids),
        ("privateSubnetIds", network.private_subnet_ids),
    ):
        problems.extend(
            _subnets_fit(
                ec2,
                f"{NETWORK}.{key}",
                subnet_ids,
                str(network.vpc_id),
                public=key == "publicSubnetIds",
                internal=account.stack.settings.load_balancer.internal,
            )
        )
    return problems


def _subnets_fit(
    ec2: Any, setting: str, subnet_ids: Sequence[str], vpc_id: str, *, public: bool, internal: bool
) -> list[str]:
    found = []
    for subnet_id in subnet_ids:
        try:
            found.extend(call(ec2, "describe_subnets", setting, SubnetIds=[subnet_id])["Subnets"])
        except ClientError as error:
            if _code(error) != "InvalidSubnetID.NotFound":
                raise
            return [f"{setting}: {subnet_id} does not exist in this region; list subnets of {vpc_id}"]
    problems = [
        f"{setting}: {subnet['SubnetId']} is in {subnet['VpcId']}, not in vpcId {vpc_id}; list "
        f"subnets of {vpc_id}"
        for subnet in found
        if subnet["VpcId"] != vpc_id
    ]
    zones = [subnet["AvailabilityZone"] for subnet in found]
    if len(set(zones)) < len(zones):
        problems.append(
            f"{setting}: {', '.join(subnet_ids)} share availability zones ({', '.join(zones)}); "
            "list subnets in distinct zones, so a zone outage leaves the others serving"
        )
    if problems:
        return problems
    for subnet in found:
        gateway = _internet_gateway_route(ec2, setting, subnet["SubnetId"], vpc_id)
        if not public and gateway is not None:
            problems.append(
                f"{setting}: {subnet['SubnetId']} routes to internet gateway {gateway}, so it is "
                "public; tasks and instances must run in private subnets (routes through NAT)"
            )
        if public and not internal and gateway is None:
            problems.append(
                f"{setting}: {subnet['SubnetId']} has no route to an internet gateway, so an "
                "internet-facing load balancer there is unreachable; list public subnets or set "
                f"{NAMESPACE}:loadBalancer.internal: true"
            )
    return problems


def _internet_gateway_route(ec2: Any, setting: str, subnet_id: str, vpc_id: str) -> str | None:
    """The internet gateway the subnet's route table (its own, else the VPC's main one) sends traffic to."""
    tables = call(
        ec2,
        "describe_route_tables",
        setting,
        Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}],
    )["RouteTables"]
    if not tables:
        tables = call(
            ec2,
            "describe_route_tables",
            setting,
            Filters=[
                {"Name": "vpc-id", "Values": [vpc_id]},
                {"Name": "association.main", "Values": ["true"]},
            ],
        )["RouteTables"]
    for table in tables:
        for route in table.get("Routes", []):
            if str(route.get("GatewayId", "")).startswith("igw-"):
                return str(route["GatewayId"])
    return None


def ami_parameter_resolves(account: Account) -> list[str]:
    capacity = account.stack.settings.cluster.ec2_capacity
    assert capacity is not None, "applies only with EC2 capacity"
    try:
        parameter = call(account.client("ssm"), "get_parameter", AMI_PARAMETER, Name=capacity.ami_parameter)
    except ClientError as error:
        if _code(error) != "ParameterNotFound":
            raise
        return [
            f"{AMI_PARAMETER} = {capacity.ami_parameter!r} does not exist in {account.region}; use "
            "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id (the default)"
        ]
    value = str(parameter["Parameter"].get("Value", ""))
    if not _AMI_ID.match(value):
        return [
            f"{AMI_PARAMETER} = {capacity.ami_parameter!r} holds {value[:60]!r}, not an AMI ID; use a "
            "parameter ending in /image_id"
        ]
    return []


def pinned_digests_in_ecr(account: Account) -> list[str]:
    images = account.stack.settings.images
    references = {name: parse_digest_reference(reference) for name, reference in images.pinned.items()}
    return [f"{PINNED}.{problem}" for problem in verify_in_ecr(references)]


@dataclass(frozen=True)
class Check:
    """One question for the account; `applies` says whether the stack asks it (no EC2: no AMI to resolve);
    when a `gate` fails, the later checks cannot be asked (no region: nothing to call)."""

    name: str
    applies: Callable[[StackSettings], bool]
    run: Callable[[Account], list[str]]
    gate: bool = False


def _always(_: StackSettings) -> bool:
    return True


def arns_in_region_and_account(account: Account) -> list[str]:
    return misplaced_arns(account.stack.settings, account.caller_account)


CHECKS = (
    Check("the region exists and has the zones asked for", _always, region_has_the_zones, gate=True),
    Check("the caller's account is in aws:allowedAccountIds", _always, caller_in_allowed_accounts),
    Check(
        "the certificate and alarm topics are in the stack's region and account",
        _always,
        arns_in_region_and_account,
    ),
    Check(
        "the certificate exists in the region, is ISSUED and covers the listener's hosts",
        lambda stack: stack.settings.load_balancer.protocol == "HTTPS",
        certificate_is_issued_and_covers_hosts,
    ),
    Check("the alarm topics exist", lambda stack: bool(stack.settings.alarm_topic_arns), alarm_topics_exist),
    Check(
        "the existing VPC and subnets exist and fit",
        lambda stack: stack.settings.network.existing,
        existing_network_fits,
    ),
    Check(
        "the ECS-optimized AMI parameter resolves",
        lambda stack: stack.settings.uses_ec2,
        ami_parameter_resolves,
    ),
    Check(
        "every pinned digest is in ECR with a finished scan",
        lambda stack: stack.settings.images.source == "pinned",
        pinned_digests_in_ecr,
    ),
)
