"""The offline recorder runs the unmodified program under the SDK mocks and records what the engine sees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from container_platform.review.offline_runtime import UNKNOWN, ProgramError, evaluate_stack, plain
from container_platform.review.urns import make_urn

FIXTURE = Path(__file__).parent / "fixtures" / "tiny_program"
SOURCE_STACK = "organization/tiny-platform/dev"
DEV_OUTPUTS = {"imageDigest": "210987654321.dkr.ecr.eu-west-1.amazonaws.com/hello@sha256:" + "a" * 64}
ECR = "aws:ecr/repository:Repository"
SG = "aws:ec2/securityGroup:SecurityGroup"


def evaluate(stack: str = "dev", **kwargs):
    kwargs.setdefault("stack_references", {SOURCE_STACK: DEV_OUTPUTS})
    return evaluate_stack(stack, project_dir=FIXTURE, **kwargs)


@pytest.fixture(scope="module")
def dev_update():
    return evaluate("dev")


@pytest.fixture(scope="module")
def dev_preview():
    return evaluate("dev", preview=True)


def test_urns_carry_the_whole_parent_type_chain_but_not_the_root_stack(dev_update):
    group = dev_update.named(SG, "hello-net-sg")
    assert group.urn == (
        "urn:pulumi:dev::tiny-platform::tiny:index:Service$tiny:index:Inner$aws:ec2/securityGroup:SecurityGroup"
        "::hello-net-sg"
    )
    assert group.parent == "urn:pulumi:dev::tiny-platform::tiny:index:Service$tiny:index:Inner::hello-net"
    service = dev_update.named("tiny:index:Service", "hello")
    assert service.urn == "urn:pulumi:dev::tiny-platform::tiny:index:Service::hello"
    assert service.parent == "urn:pulumi:dev::tiny-platform::pulumi:pulumi:Stack::tiny-platform-dev"


@pytest.mark.parametrize(
    ("parent", "expected_chain"),
    [
        (None, "aws:iam/role:Role"),
        ("urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", "aws:iam/role:Role"),
        ("urn:pulumi:s::p::a:b:C::c", "a:b:C$aws:iam/role:Role"),
        ("urn:pulumi:s::p::a:b:C$d:e:F::f", "a:b:C$d:e:F$aws:iam/role:Role"),
    ],
)
def test_make_urn_follows_the_engine(parent, expected_chain):
    assert make_urn("s", "p", parent, "aws:iam/role:Role", "r") == f"urn:pulumi:s::p::{expected_chain}::r"


def test_the_root_stack_and_default_providers_are_recorded_as_the_engine_registers_them(dev_update):
    assert dev_update.resources[0].type == "pulumi:pulumi:Stack"
    aws_provider = dev_update.named("pulumi:providers:aws", "default_7_51_1")
    assert aws_provider.inputs == {
        "region": "eu-west-1",
        "allowedAccountIds": '["210987654321"]',
        "version": "7.51.1",
    }
    repository = dev_update.named(ECR, "hello")
    assert repository.provider.startswith(aws_provider.urn + "::")
    assert dev_update.named("docker:index/image:Image", "hello-image").provider.startswith(
        "urn:pulumi:dev::tiny-platform::pulumi:providers:docker::default_5_2_0::"
    )


def test_update_mode_computes_realistic_outputs_from_the_configured_account_and_region(dev_update):
    repository = dev_update.named(ECR, "hello")
    assert re.fullmatch(
        r"210987654321\.dkr\.ecr\.eu-west-1\.amazonaws\.com/hello-[0-9a-f]{7}",
        repository.outputs["repositoryUrl"],
    )
    assert repository.outputs["arn"].startswith("arn:aws:ecr:eu-west-1:210987654321:repository/hello-")
    role = dev_update.named("aws:iam/role:Role", "hello-task")
    assert role.outputs["arn"].startswith("arn:aws:iam::210987654321:role/hello-task-")
    digest = dev_update.outputs["imageDigest"]
    assert re.fullmatch(re.escape(repository.outputs["repositoryUrl"]) + r"@sha256:[0-9a-f]{64}", digest)
    assert dev_update.named(SG, "hello-net-sg").outputs["id"].startswith("sg-")


def test_update_mode_inputs_hold_values_computed_from_other_resources(dev_update):
    policy = dev_update.named("aws:iam/rolePolicy:RolePolicy", "hello-pull")
    assert dev_update.named(ECR, "hello").outputs["arn"] in policy.inputs["policy"]
    assert policy.inputs["role"] == dev_update.named("aws:iam/role:Role", "hello-task").outputs["id"]


def test_preview_mode_leaves_computed_outputs_unknown_as_a_first_preview_does(dev_preview, dev_update):
    policy = dev_preview.named("aws:iam/rolePolicy:RolePolicy", "hello-pull")
    assert policy.inputs == {"policy": UNKNOWN, "role": UNKNOWN}
    assert dev_preview.outputs["imageDigest"] == UNKNOWN
    assert dev_preview.outputs["repositoryUrl"] == UNKNOWN
    assert "arn" not in dev_preview.named(ECR, "hello").outputs
    # Values known before deployment stay known in both modes.
    assert (
        dev_preview.outputs["zones"]
        == dev_update.outputs["zones"]
        == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    )
    assert dev_preview.named(SG, "hello-net-sg").inputs == dev_update.named(SG, "hello-net-sg").inputs


def test_inputs_are_the_wire_form_with_numbers_as_floats_and_secrets_wrapped(dev_update):
    ingress = dev_update.named(SG, "hello-net-sg").inputs["ingress"][0]
    assert ingress["fromPort"] == 8080.0 and isinstance(ingress["fromPort"], float)
    password = dev_update.named("docker:index/image:Image", "hello-image").inputs["registry"]["password"]
    assert password["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
    assert plain(password).startswith("offline-")


def test_dependencies_and_property_dependencies_are_recorded(dev_update):
    policy = dev_update.named("aws:iam/rolePolicy:RolePolicy", "hello-pull")
    repository = dev_update.named(ECR, "hello")
    role = dev_update.named("aws:iam/role:Role", "hello-task")
    assert set(policy.dependencies) == {repository.urn, role.urn}
    assert policy.property_dependencies["role"] == (role.urn,)
    assert policy.property_dependencies["policy"] == (repository.urn,)


def test_resources_come_after_their_parents_providers_and_dependencies(dev_update):
    position = {r.urn: i for i, r in enumerate(dev_update.resources)}
    for resource in dev_update.resources:
        before = [*resource.dependencies, *([resource.parent] if resource.parent else [])]
        if resource.provider:
            before.append(resource.provider.rsplit("::", 1)[0])
        assert all(position[urn] < position[resource.urn] for urn in before), resource.urn


def test_secure_config_values_reach_the_program_as_secrets(dev_update):
    assert dev_update.outputs["apiToken"] == "v1:c2VjcmV0LWNpcGhlcnRleHQ="


def test_stack_references_answer_from_the_given_outputs():
    prod = evaluate("prod")
    assert prod.outputs["sourceDigest"] == DEV_OUTPUTS["imageDigest"]
    reference = prod.named("pulumi:pulumi:StackReference", SOURCE_STACK)
    assert reference.external


def test_a_stack_reference_without_outputs_is_a_program_error_naming_it():
    with pytest.raises(ProgramError, match=f"StackReference '{SOURCE_STACK}' has no outputs offline"):
        evaluate("prod", stack_references={})


def test_evaluating_dev_prod_dev_leaks_no_state_between_stacks(dev_update):
    prod = evaluate("prod")
    again = evaluate("dev")
    assert again == dev_update
    assert {r.urn.split("::")[0] for r in prod.resources} == {"urn:pulumi:prod"}
    assert (
        prod.named(ECR, "hello-prod")
        .outputs["repositoryUrl"]
        .startswith("123456789012.dkr.ecr.us-west-2.amazonaws.com/")
    )
    assert "apiToken" not in prod.outputs


def test_config_argument_replaces_the_stack_file():
    recording = evaluate(
        "dev", config={"aws:region": "eu-central-1", "service": {"name": "other", "port": 9000}}
    )
    assert (
        recording.named(ECR, "other")
        .outputs["repositoryUrl"]
        .startswith("123456789012.dkr.ecr.eu-central-1.")
    )
    assert recording.named(SG, "other-net-sg").inputs["ingress"][0]["toPort"] == 9000.0


def test_a_program_that_raises_gives_its_own_message():
    with pytest.raises(ProgramError) as raised:
        evaluate("dev", config={"service": {"name": "x", "port": 70000}})
    assert str(raised.value) == "tiny-platform:service.port is 70000; use a port number 1-65535"


def test_an_unknown_invoke_is_a_program_error_naming_its_token():
    with pytest.raises(ProgramError, match=r"no answer for invoke 'aws:ec2/getVpc:getVpc'"):
        evaluate("dev", config={"service": {"name": "x", "port": 80}, "callUnknownInvoke": True})


def test_a_duplicate_urn_is_a_program_error_as_the_engine_makes_it():
    """The engine refuses a second registration of one URN (`Duplicate resource URN`); dropping it silently
    would review one resource where AWS would get two."""
    with pytest.raises(ProgramError, match=r"Duplicate resource URN '.*::twice'; try giving it a unique"):
        evaluate("dev", config={"service": {"name": "x", "port": 80}, "registerTwice": True})


def test_a_missing_stack_file_names_the_file_and_the_known_stacks():
    with pytest.raises(ProgramError, match=r"no stack file Pulumi\.qa\.yaml .*known stacks: dev, prod"):
        evaluate("qa")


def test_named_lists_the_names_it_has_when_one_is_missing(dev_update):
    with pytest.raises(KeyError, match="names: hello"):
        dev_update.named(ECR, "nope")


def test_the_real_program_evaluates_identically_after_another_stack():
    first = evaluate_stack("dev")
    prod = evaluate_stack("prod")
    again = evaluate_stack("dev")
    assert again == first
    assert {r.urn.split("::")[0] for r in prod.resources} == {"urn:pulumi:prod"}
    assert first.outputs["imageDigests"] != prod.outputs["imageDigests"]
