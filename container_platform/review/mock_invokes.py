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


InvokeAnswer = Callable[[CloudIdentity, Mapping[str, Any]], dict[str, Any]]

INVOKE_ANSWERS: dict[str, InvokeAnswer] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": availability_zones,
    "aws:index/getCallerIdentity:getCallerIdentity": caller_identity,
    "aws:index/getRegion:getRegion": region,
    "aws:index/getPartition:getPartition": partition,
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": ecr_authorization_token,
    "aws:ssm/getParameter:getParameter": ssm_parameter,
    "aws:ec2/getAmi:getAmi": ami,
}


def answer_invoke(cloud: CloudIdentity, token: str, args: Mapping[str, Any]) -> dict[str, Any]:
    answer = INVOKE_ANSWERS.get(token)
    if answer is None:
        raise UnknownInvokeError(token)
    return answer(cloud, args)
