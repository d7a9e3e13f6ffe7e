"""The invoke answers are realistic for the stack's account and region, and an unanswered one is refused."""

from __future__ import annotations

import base64
import json
import re

import pytest

from container_platform.review.mock_cloud import CloudIdentity
from container_platform.review.mock_invokes import INVOKE_ANSWERS, UnknownInvokeError, answer_invoke

CLOUD = CloudIdentity(account="210987654321", region="eu-west-1")
AMI_PARAMETER = "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended"


def test_availability_zones_are_the_regions_own():
    token = "aws:index/getAvailabilityZones:getAvailabilityZones"
    answer = answer_invoke(CLOUD, token, {"state": "available"})
    assert answer["names"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert answer["zoneIds"] == ["eu-west-1-az1", "eu-west-1-az2", "eu-west-1-az3"]


def test_ecr_token_is_a_basic_auth_pair_for_the_accounts_registry():
    answer = answer_invoke(CLOUD, "aws:ecr/getAuthorizationToken:getAuthorizationToken", {})
    assert answer["proxyEndpoint"] == "https://210987654321.dkr.ecr.eu-west-1.amazonaws.com"
    user, password = base64.b64decode(answer["authorizationToken"]).decode().split(":", 1)
    assert user == answer["userName"] == "AWS"
    assert password == answer["password"]


@pytest.mark.parametrize(
    ("name", "read"),
    [
        (f"{AMI_PARAMETER}/image_id", lambda value: value),
        (AMI_PARAMETER, lambda value: json.loads(value)["image_id"]),
    ],
    ids=["image_id parameter", "recommended JSON parameter"],
)
def test_the_ecs_optimized_ami_parameters_name_an_ami_that_get_ami_describes(name, read):
    parameter = answer_invoke(CLOUD, "aws:ssm/getParameter:getParameter", {"name": name})
    ami_id = read(parameter["value"])
    assert re.fullmatch(r"ami-[0-9a-f]{17}", ami_id)
    ami = answer_invoke(CLOUD, "aws:ec2/getAmi:getAmi", {"owners": ["amazon"], "mostRecent": True})
    assert ami["imageId"] == ami_id
    assert ami["arn"] == f"arn:aws:ec2:eu-west-1::image/{ami_id}"


@pytest.mark.parametrize(
    ("token", "args", "named"),
    [
        ("aws:ec2/getVpc:getVpc", {}, "'aws:ec2/getVpc:getVpc'"),
        ("aws:ssm/getParameter:getParameter", {"name": "/app/db-password"}, "'/app/db-password'"),
    ],
    ids=["unlisted invoke", "ssm parameter outside the ECS AMI namespace"],
)
def test_an_unanswered_invoke_is_refused_naming_it_and_the_answered_ones(token, args, named):
    with pytest.raises(UnknownInvokeError) as refused:
        answer_invoke(CLOUD, token, args)
    assert named in str(refused.value)
    assert all(answered in str(refused.value) for answered in INVOKE_ANSWERS)
