"""`preflight` against a seeded account on moto (server mode, loopback): every check passing, and each one
failing with the setting it names and its fix."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.client
import pytest
from environment_helpers import ACCOUNT, DEV_LIKE, REGION, edit_stack, run_init, run_preflight
from moto_ecr import moto_api, push_image, seed_scan
from ruamel.yaml.comments import CommentedMap
from seeded_account import client, existing_network, issued_certificate, pushed_and_scanned

from container_platform.environments.preflight_command import NO_CREDENTIALS

HOSTS = ("bank.example", "*.bank.example")


@pytest.fixture
def aws(local_aws: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The emptied local server (tests/conftest.py), answering as the seeded account ACCOUNT."""
    monkeypatch.setenv("MOTO_ACCOUNT_ID", ACCOUNT)
    return local_aws


@pytest.fixture
def prod_like(project: Path, aws: str) -> Path:
    """A prod-like stack from `init`, its certificate, topic and pinned images in the seeded account."""
    topic = client("sns").create_topic(Name="prodeu-alarms")["TopicArn"]
    options = ("--from", "prod", "--account-id", ACCOUNT, "--region", REGION, "--cidr-block", "10.40.0.0/16")
    assert run_init(project, "prodeu", *options, "--certificate-arn", issued_certificate(*HOSTS),
                    "--alarm-topic-arn", topic) == 0
    pinned = pushed_and_scanned(aws)
    edit_stack(project, "prodeu", lambda config: config["container-platform:images"]["pinned"].update(pinned))
    return project


@pytest.fixture
def dev_like(project: Path, aws: str) -> Path:
    assert run_init(project, "uat", *DEV_LIKE) == 0
    return project


def preflight(project: Path, stack: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = run_preflight(project, stack)
    return code, capsys.readouterr().out


def test_a_prod_like_stack_passes_every_check(prod_like: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = preflight(prod_like, "prodeu", capsys)
    assert code == 0, output
    assert "FAIL" not in output
    passed = [line for line in output.splitlines() if line.startswith("  ok")]
    for check in ("no placeholders", "region exists", "caller's account", "region and account", "ISSUED",
                  "alarm topics exist", "AMI parameter", "pinned digest"):
        assert any(check in line for line in passed), check
    assert "prodeu is ready for `pulumi up`" in output


def test_a_dev_like_stack_passes_and_skips_what_it_does_not_ask(
    dev_like: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = preflight(dev_like, "uat", capsys)
    assert code == 0, output
    assert "the ECS-optimized AMI parameter resolves: not asked by this stack" in output


def with_service_host(host: str) -> Callable[[CommentedMap], None]:
    def change(config: CommentedMap) -> None:
        config["container-platform:services"].append({"name": "api", "image": "hello-world",
                                                      "route": {"host": host}})
    return change


def pinned(name: str, reference: Callable[[str], str]) -> Callable[[CommentedMap], None]:
    def change(config: CommentedMap) -> None:
        pins = config["container-platform:images"]["pinned"]
        pins[name] = reference(pins[name])
    return change


def unscanned(_: str) -> str:
    return push_image(client("ecr"), "base", "never-scanned", scanned=False)


def pending_certificate() -> str:
    requested = client("acm").request_certificate(DomainName="bank.example", ValidationMethod="DNS")
    return requested["CertificateArn"]


MISSING_CERTIFICATE = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/00000000-1111-2222-3333-444444444444"
AMIS = "/aws/service/ecs/optimized-ami/amazon-linux-2023"
# Each: how the stack differs from the passing one, and the words of the failure (setting and fix).
def in_region(config: dict, region: str) -> None:
    """Move the stack to `region`, its certificate too: the settings refuse one of another region offline
    (tests/program/test_bad_config.py), before preflight asks AWS."""
    balancer = config["container-platform:loadBalancer"]
    balancer["certificateArn"] = balancer["certificateArn"].replace(f":{REGION}:", f":{region}:")
    config["aws:region"] = region


FAILURES = [
    pytest.param(lambda config: config.update({"aws:allowedAccountIds": ["111111111111"]}),
                 "aws:allowedAccountIds = ['111111111111'] does not hold the account your credentials are in "
                 f"({ACCOUNT})", id="caller-not-allowed"),
    pytest.param(lambda config: config.update({"aws:allowedAccountIds": ["123456789012"]}),
                 "AWS's documentation account",
                 id="documentation-account"),
    pytest.param(lambda config: config.pop("aws:allowedAccountIds"), "aws:allowedAccountIds is not set",
                 id="no-allowed-accounts"),
    pytest.param(lambda config: config["container-platform:network"].update(availabilityZones=6),
                 "availabilityZones = 6 is more than eu-west-1 offers (3 available", id="too-many-zones"),
    pytest.param(lambda config: in_region(config, "aq-south-9"),
                 "aws:region = 'aq-south-9' is not an AWS region", id="no-such-region"),
    pytest.param(lambda config: config["container-platform:loadBalancer"].update(
                     certificateArn=MISSING_CERTIFICATE),
                 f"certificateArn = '{MISSING_CERTIFICATE}' does not exist in eu-west-1",
                 id="no-certificate"),
    pytest.param(lambda config: config["container-platform:loadBalancer"].update(
                     certificateArn=pending_certificate()),
                 "the certificate is PENDING_VALIDATION, not ISSUED; complete its validation",
                 id="certificate-pending"),
    pytest.param(with_service_host("api.other.example"),
                 "services[1].route.host = 'api.other.example' is not covered by", id="host-not-covered"),
    pytest.param(lambda config: config.update({"container-platform:alarmTopicArns": [
                     f"arn:aws:sns:{REGION}:{ACCOUNT}:no-such-topic"]}),
                 "alarmTopicArns[0] = 'arn:aws:sns:eu-west-1:210987654321:no-such-topic' does not exist; "
                 "create the topic", id="no-topic"),
    pytest.param(lambda config: config["container-platform:cluster"]["ec2Capacity"].update(
                     amiParameter=f"{AMIS}/no-such/image_id"),
                 f"ec2Capacity.amiParameter = '{AMIS}/no-such/image_id' does not exist in eu-west-1",
                 id="no-ami-parameter"),
    pytest.param(lambda config: config["container-platform:cluster"]["ec2Capacity"].update(
                     amiParameter=f"{AMIS}/recommended"),
                 "not an AMI ID; use a parameter ending in /image_id", id="ami-parameter-not-an-image"),
    pytest.param(pinned("base", lambda reference: reference.rsplit(":", 1)[0] + ":" + "f" * 64),
                 "container-platform:images.pinned.base: sha256:ffff", id="digest-not-in-ecr"),
    pytest.param(pinned("base", unscanned), "has never been scanned", id="digest-never-scanned"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "words"), FAILURES)
def test_each_check_fails_with_the_setting_and_the_fix(
    prod_like: Path, capsys: pytest.CaptureFixture[str], change: Callable[[CommentedMap], None], words: str
) -> None:
    edit_stack(prod_like, "prodeu", change)
    code, output = preflight(prod_like, "prodeu", capsys)
    assert code == 1, output
    assert words in output
    assert "prodeu is not ready for `pulumi up`" in output


def test_a_certificate_covering_the_routes_host_passes(
    prod_like: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_stack(prod_like, "prodeu", with_service_host("api.bank.example"))
    code, output = preflight(prod_like, "prodeu", capsys)
    assert code == 0, output


def test_scan_findings_at_the_blocking_severity_fail(
    prod_like: Path, aws: str, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = push_image(client("ecr"), "base", "vulnerable")
    seed_scan(aws, reference, {"CRITICAL": 1})
    edit_stack(prod_like, "prodeu", pinned("base", lambda _: reference))
    code, output = preflight(prod_like, "prodeu", capsys)
    assert code == 1
    assert "found 1 CRITICAL finding(s)" in output


def test_a_region_that_does_not_exist_stops_the_checks_that_need_it(
    prod_like: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_stack(prod_like, "prodeu", lambda config: in_region(config, "aq-south-9"))
    _, output = preflight(prod_like, "prodeu", capsys)
    assert "the alarm topics exist: not checked until the problem above is fixed" in output


def test_placeholders_are_refused_before_the_account_is_asked(
    prod_like: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = prod_like / "Pulumi.prodeu.yaml"
    lines = path.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if "certificateArn:" in line)
    lines[index] += "  # PLACEHOLDER: your ACM certificate"
    path.write_text("\n".join(lines) + "\n")
    code, output = preflight(prod_like, "prodeu", capsys)
    assert code == 1
    assert "container-platform:loadBalancer.certificateArn = " in output
    assert "is marked as a placeholder; set your own value and delete the `# PLACEHOLDER` comment" in output


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_repositorys_own_stacks_are_refused_for_their_placeholders(
    project: Path, aws: str, capsys: pytest.CaptureFixture[str], stack: str
) -> None:
    code, output = preflight(project, stack, capsys)
    assert code == 1
    assert "aws:allowedAccountIds[0] = '123456789012' is marked as a placeholder" in output
    if stack == "prod":
        assert "certificateArn = " in output and "alarmTopicArns[0] = " in output


def with_network(change: Callable[[Any], dict[str, Any]]) -> Callable[[CommentedMap], None]:
    """The stack on the seeded existing network, as `change(network)` lists it."""
    def edit(config: CommentedMap) -> None:
        config["container-platform:network"] = change(existing_network())
    return edit


def listed(vpc: Any, public: list[str] | None = None, private: list[str] | None = None) -> dict[str, Any]:
    return {"vpcId": vpc.vpc_id, "publicSubnetIds": public or vpc.public_subnet_ids,
            "privateSubnetIds": private or vpc.private_subnet_ids}


def other_vpc_subnet() -> str:
    other = client("ec2").create_vpc(CidrBlock="10.80.0.0/16")["Vpc"]["VpcId"]
    return client("ec2").create_subnet(VpcId=other, CidrBlock="10.80.0.0/20", AvailabilityZone=f"{REGION}c")[
        "Subnet"]["SubnetId"]


def same_zone_subnet(vpc: Any) -> str:
    return client("ec2").create_subnet(VpcId=vpc.vpc_id, CidrBlock="10.70.160.0/20",
                                       AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]


NETWORK_FAILURES = [
    pytest.param(lambda vpc: {**listed(vpc), "vpcId": "vpc-0123456789abcdef0"},
                 "network.vpcId = 'vpc-0123456789abcdef0' does not exist in eu-west-1", id="no-vpc"),
    pytest.param(lambda vpc: listed(vpc, private=[vpc.private_subnet_ids[0], "subnet-0123456789abcdef0"]),
                 "network.privateSubnetIds: subnet-0123456789abcdef0 does not exist", id="no-subnet"),
    pytest.param(lambda vpc: listed(vpc, private=[vpc.private_subnet_ids[0], other_vpc_subnet()]),
                 "not in vpcId", id="subnet-in-another-vpc"),
    pytest.param(lambda vpc: listed(vpc, private=[vpc.private_subnet_ids[0], same_zone_subnet(vpc)]),
                 "share availability zones", id="same-zone"),
    pytest.param(lambda vpc: listed(vpc, private=vpc.public_subnet_ids),
                 "routes to internet gateway igw-", id="private-subnet-is-public"),
    pytest.param(lambda vpc: listed(vpc, public=vpc.private_subnet_ids),
                 "has no route to an internet gateway", id="public-subnet-is-private"),
]  # fmt: skip


def test_an_existing_network_that_fits_passes(dev_like: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit_stack(dev_like, "uat", with_network(listed))
    code, output = preflight(dev_like, "uat", capsys)
    assert code == 0, output
    assert "ok    the existing VPC and subnets exist and fit" in output


@pytest.mark.parametrize(("change", "words"), NETWORK_FAILURES)
def test_an_existing_network_that_does_not_fit_fails(
    dev_like: Path, capsys: pytest.CaptureFixture[str], change: Callable[[Any], dict[str, Any]], words: str
) -> None:
    edit_stack(dev_like, "uat", with_network(change))
    code, output = preflight(dev_like, "uat", capsys)
    assert code == 1, output
    assert words in output


@pytest.fixture
def api_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every AWS API operation any botocore client makes while the test runs."""
    calls: list[str] = []
    real = botocore.client.BaseClient._make_api_call

    def recorded(self: Any, operation_name: str, api_params: Any) -> Any:
        calls.append(f"{self.meta.service_model.service_name}:{operation_name}")
        return real(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recorded)
    yield calls


def test_preflight_makes_read_only_calls_only(
    prod_like: Path, capsys: pytest.CaptureFixture[str], api_calls: list[str]
) -> None:
    edit_stack(prod_like, "prodeu", with_service_host("api.bank.example"))
    assert preflight(prod_like, "prodeu", capsys)[0] == 0
    assert api_calls
    assert all(call.split(":")[1].startswith(("Describe", "Get", "List")) for call in api_calls), api_calls


def test_without_credentials_it_says_so_and_checks_nothing(
    dev_like: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code, output = preflight(dev_like, "uat", capsys)
    assert code == 2
    assert NO_CREDENTIALS in output
    assert "ok    the region" not in output


# What docs/environments.md tells a reader to grant preflight: reads only.
READ_ONLY_ACTIONS = [
    "sts:GetCallerIdentity", "ec2:DescribeRegions", "ec2:DescribeAvailabilityZones", "ec2:DescribeVpcs",
    "ec2:DescribeSubnets", "ec2:DescribeRouteTables", "acm:DescribeCertificate", "sns:GetTopicAttributes",
    "ssm:GetParameter", "ecr:DescribeImages", "ecr:DescribeImageScanFindings",
]  # fmt: skip


@pytest.fixture
def run_as(aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[list[str]], None]]:
    """Run the code under test as a user allowed only `actions`, with moto enforcing IAM."""

    def as_user(actions: list[str]) -> None:
        iam = client("iam")
        iam.create_user(UserName="preflight")
        iam.put_user_policy(UserName="preflight", PolicyName="read", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
        }))  # fmt: skip
        key = iam.create_access_key(UserName="preflight")["AccessKey"]
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        monkeypatch.delenv("AWS_SESSION_TOKEN")
        # boto3's default session (promotion's ECR clients use it) keeps the credentials it first resolved;
        # start a fresh one, as a new preflight process would.
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
        moto_api(aws, "reset-auth", b"0")  # from now on every call is checked against IAM

    try:
        yield as_user
    finally:
        moto_api(aws, "reset-auth", b"inf")


def test_read_only_permissions_are_enough(
    prod_like: Path, capsys: pytest.CaptureFixture[str], run_as: Callable[[list[str]], None]
) -> None:
    run_as(READ_ONLY_ACTIONS)
    code, output = preflight(prod_like, "prodeu", capsys)
    assert code == 0, output


def test_a_denied_call_names_the_action_and_fails(
    prod_like: Path, capsys: pytest.CaptureFixture[str], run_as: Callable[[list[str]], None]
) -> None:
    run_as([action for action in READ_ONLY_ACTIONS if action != "sns:GetTopicAttributes"])
    code, output = preflight(prod_like, "prodeu", capsys)
    assert code == 1
    assert "container-platform:alarmTopicArns[0]: cannot check: sns:GetTopicAttributes was denied" in output
