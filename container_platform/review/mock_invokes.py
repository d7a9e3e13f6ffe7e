"""Realistic answers to the provider functions (invokes) the program calls, with no AWS account.

Only the functions a container platform needs are answered; anything else is an error naming the
token, so a new data source never silently evaluates against an empty answer.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any

from container_platform.review.mock_cloud import CloudIdentity, stable_hex

# The ECS-optimized AMI as published under /aws/service/ecs/optimized-ami/...; fixed so runs are repeatable.
ECS_OPTIMIZED_AMI_ID = "ami-0f7c2e8d9a1b3c4d5"
ECS_OPTIMIZED_AMI_NAME = "al2023-ami-ecs-hvm-2023.0.20261101-kernel-6.1-x86_64"
TOKEN_EXPIRY = "2026-11-24T00:00:00Z"


class ProviderFailure(Exception):
    """The provider would fail this invoke (e.g. a data source that matches nothing); str() is its reason."""


class UnknownInvokeError(Exception):
    """The program called a provider function the offline runtime does not answer."""

    def __init__(self, token: str) -> None:
        super().__init__(
            f"the offline runtime has no answer for invoke {token!r}; answered invokes: "
            + ", ".join(sorted(INVOKE_ANSWERS))
        )
        self.token = token


def availability_zones(cloud: CloudIdentity, args: Mapping[str, Any]) -> dict[str, Any]:
    region = args.get("region") or cloud.region
    suffixes = ("a", "b", "c")
    return {
        "id": region,
        "region": region,
        "names": [f"{region}{s}" for s in suffixes],
        "zoneIds": [f"{region}-az{i}" for i in range(1, len(suffixes) + 1)],
        "groupNames": [region],
        "state": args.get("state") or "available",
    }


def caller_identity(cloud: CloudIdentity, _args: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": cloud.account,
        "accountId": cloud.account,
        "arn": f"arn:{cloud.partition}:sts::{cloud.account}:assumed-role/platform-deployer/offline-review",
        "userId": "AROAOFFLINEREVIEW:offline-review",
    }


def region(cloud: CloudIdentity, args: Mapping[str, Any]) -> dict[str, Any]:
    name = args.get("region") or args.get("name") or cloud.region
    return {
        "id": name,
        "name": name,
        "region": name,
        "description": f"AWS region {name}",
        "endpoint": f"ec2.{name}.amazonaws.com",
    }


def partition(cloud: CloudIdentity, _args: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": cloud.partition,
        "partition": cloud.partition,
        "dnsSuffix": "amazonaws.com",
        "reverseDnsPrefix": "com.amazonaws",
    }


def ecr_authorization_token(cloud: CloudIdentity, args: Mapping[str, Any]) -> dict[str, Any]:
    registry = args.get("registryId") or cloud.account
    password = "offline-" + stable_hex("ecr-token", registry, length=32)
    return {
        "id": cloud.region,
        "region": cloud.region,
        "registryId": registry,
        "userName": "AWS",
        "password": password,
        "authorizationToken": base64.b64encode(f"AWS:{password}".encode()).decode(),
        "proxyEndpoint": f"https://{registry}.dkr.ecr.{cloud.region}.amazonaws.com",
        "expiresAt": TOKEN_EXPIRY,
    }


def ssm_parameter(cloud: CloudIdentity, args: Mapping[str, Any]) -> dict[str, Any]:
    """The ECS-optimized AMI parameters: `.../recommended/image_id` is the id, `.../recommended` is JSON."""
    name = str(args.get("name", ""))
    if not name.startswith("/aws/service/ecs/optimized-ami/"):
        raise UnknownInvokeError(f"aws:ssm/getParameter:getParameter (parameter {name!r})")
    if name.endswith("/image_id"):
        value = ECS_OPTIMIZED_AMI_ID
    else:
        value = json.dumps(
            {
                "image_id": ECS_OPTIMIZED_AMI_ID,
                "image_name": ECS_OPTIMIZED_AMI_NAME,
                "ecs_agent_version": "1.90.0",
                "os": "Amazon Linux 2023",
            }
        )
    return {
        "id": name,
        "name": name,
        "arn": f"arn:{cloud.partition}:ssm:{cloud.region}::parameter{name}",
        "type": "String",
        "value": value,
        "insecureValue": value,
        "version": 1,
        "withDecryption": bool(args.get("withDecryption", True)),
        "region": cloud.region,
    }


def ami(cloud: CloudIdentity, args: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": ECS_OPTIMIZED_AMI_ID,
        "imageId": ECS_OPTIMIZED_AMI_ID,
        "arn": f"arn:{cloud.partition}:ec2:{cloud.region}::image/{ECS_OPTIMIZED_AMI_ID}",
        "name": ECS_OPTIMIZED_AMI_NAME,
        "architecture": "x86_64",
        "ownerId": "591542846629",
        "imageOwnerAlias": "amazon",
        "owners": list(args.get("owners") or ["amazon"]),
        "mostRecent": bool(args.get("mostRecent", False)),
        "rootDeviceName": "/dev/xvda",
        "rootDeviceType": "ebs",
        "virtualizationType": "hvm",
        "imdsSupport": "v2.0",
        "state": "available",
        "public": True,
        "region": cloud.region,
        "tags": {},
    }


# Regional ELB accounts that deliver ALB access logs, as AWS's ALB access-log documentation lists them (the
# provider's aws.elb.get_service_account table); regions opened since August 2022 have none.
ELB_ACCOUNTS = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-southeast-3": "589379963580",
    "ap-south-1": "718504428378",
    "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-south-1": "635631232127",
    "eu-west-3": "009996457667",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
}
# The endpoint services every commercial region offers, by type (ECR, CloudWatch Logs, Secrets Manager, SSM
# and STS interface endpoints; S3 as a gateway). Tests remove one to stand for a region that lacks it.
ENDPOINT_SERVICES = {
    "Interface": {"ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "sts", "s3"},
    "Gateway": {"s3", "dynamodb"},
}


def elb_service_account(cloud: CloudIdentity, args: Mapping[str, Any]) -> dict[str, Any]:
    name = args.get("region") or cloud.region
    account = ELB_ACCOUNTS.get(name)
    if account is None:
        raise ProviderFailure(f"unknown region ({name!r}): it has no Elastic Load Balancing account")
    return {"id": account, "arn": f"arn:{cloud.partition}:iam::{account}:root", "region": name}


def vpc_endpoint_service(cloud: CloudIdentity, args: Mapping[str, Any]) -> dict[str, Any]:
    """`com.amazonaws.<region>.<service>` of the asked type, in the stack's region only."""
    name = str(args.get("serviceName") or f"com.amazonaws.{cloud.region}.{args.get('service')}")
    kind = str(args.get("serviceType") or "Interface")
    prefix = f"com.amazonaws.{cloud.region}."
    service = name.removeprefix(prefix)
    if not name.startswith(prefix) or service not in ENDPOINT_SERVICES.get(kind, set()):
        raise ProviderFailure(f"no matching EC2 VPC Endpoint Service found ({name}, {kind})")
    return {
        "id": stable_hex("vpce-svc", name, kind, length=17),
        "serviceName": name,
        "service": service,
        "serviceType": kind,
        "serviceId": "vpce-svc-" + stable_hex("vpce-svc", name, kind, length=17),
        "owner": "amazon",
        "acceptanceRequired": False,
        "availabilityZones": [f"{cloud.region}{zone}" for zone in "abc"],
        "baseEndpointDnsNames": [f"{service}.{cloud.region}.amazonaws.com"],
        "managesVpcEndpoints": False,
        "privateDnsName": f"{service}.{cloud.region}.amazonaws.com" if kind == "Interface" else "",
        "vpcEndpointPolicySupported": True,
        "supportedIpAddressTypes": ["ipv4"],
        "region": cloud.region,
        "tags": {},
    }


InvokeAnswer = Callable[[CloudIdentity, Mapping[str, Any]], dict[str, Any]]

INVOKE_ANSWERS: dict[str, InvokeAnswer] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": availability_zones,
    "aws:index/getCallerIdentity:getCallerIdentity": caller_identity,
    "aws:index/getRegion:getRegion": region,
    "aws:index/getPartition:getPartition": partition,
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": ecr_authorization_token,
    "aws:ssm/getParameter:getParameter": ssm_parameter,
    "aws:ec2/getAmi:getAmi": ami,
    "aws:elb/getServiceAccount:getServiceAccount": elb_service_account,
    "aws:ec2/getVpcEndpointService:getVpcEndpointService": vpc_endpoint_service,
}


def answer_invoke(cloud: CloudIdentity, token: str, args: Mapping[str, Any]) -> dict[str, Any]:
    answer = INVOKE_ANSWERS.get(token)
    if answer is None:
        raise UnknownInvokeError(token)
    return answer(cloud, args)
