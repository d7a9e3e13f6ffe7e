"""Both stacks evaluate under the mock runtime and export what promotion and the review read."""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

from container_platform.review.offline_runtime import UNKNOWN, StackRecording
from tests.program.recorded import DOCKER_IMAGE, ECR_REPOSITORY, ECS_SERVICE, inputs, is_custom_resource
from tests.program.stack_configs import stack_config

DIGEST_REFERENCE = re.compile(
    r"^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com/container-platform/(?P<name>[a-z-]+)@sha256:[0-9a-f]{64}$"
)
CHAIN = {"base", "java-runtime", "hello-world"}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_exports_a_digest_reference_per_image(stack: str, dev: StackRecording, prod: StackRecording):
    recording = {"dev": dev, "prod": prod}[stack]
    digests = recording.outputs["imageDigests"]
    assert set(digests) == CHAIN
    for name, reference in digests.items():
        match = DIGEST_REFERENCE.match(reference)
        assert match and match["name"] == name, reference


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_exports_url_cluster_and_service_names(stack: str, dev: StackRecording, prod: StackRecording):
    recording = {"dev": dev, "prod": prod}[stack]
    scheme = "http" if stack == "dev" else "https"
    assert recording.outputs["url"].startswith(f"{scheme}://")
    assert recording.outputs["clusterName"].startswith(f"{stack}-")
    assert set(recording.outputs["serviceNames"]) == {"hello-world"}


def test_dev_builds_the_chain_and_prod_builds_nothing(dev: StackRecording, prod: StackRecording):
    assert {r.name for r in dev.of_type(DOCKER_IMAGE)} == CHAIN
    assert not [r for r in prod.resources if r.type.startswith("docker:")]
    assert not prod.of_type(ECR_REPOSITORY)


def test_prod_deploys_the_pinned_digests(prod: StackRecording):
    pinned = stack_config("prod")["container-platform:images"]["pinned"]
    assert prod.outputs["imageDigests"] == pinned


def test_dev_preview_evaluates_with_unknown_digests(dev_preview: StackRecording):
    assert dev_preview.preview
    assert set(dev_preview.outputs["imageDigests"]) == CHAIN
    assert set(dev_preview.outputs["imageDigests"].values()) == {UNKNOWN}


def test_prod_runs_at_least_two_tasks(prod: StackRecording):
    (service,) = prod.of_type(ECS_SERVICE)
    assert inputs(service)["desiredCount"] >= 2


def test_every_aws_resource_has_a_parent_component(
    dev: StackRecording, prod: StackRecording, founding: StackRecording
):
    for recording in (dev, prod, founding):
        components = {
            r.urn for r in recording.resources if not r.custom and r.type.startswith("container-platform:")
        }
        orphans = [
            r.name for r in recording.resources if is_custom_resource(r) and r.parent not in components
        ]
        assert not orphans


def accepts_tags(type_token: str) -> bool:
    """Whether the provider's resource takes `tags`, read from pulumi-aws's own args class."""
    package, module_path, class_name = re.split(r"[:]", type_token)
    module = importlib.import_module(f"pulumi_{package}.{module_path.split('/')[0]}")
    return "tags" in inspect.signature(getattr(module, f"{class_name}Args").__init__).parameters


@pytest.mark.parametrize("stack", ["dev", "prod", "founding"])
def test_every_taggable_resource_carries_environment_application_and_managed_by(
    stack: str, dev: StackRecording, prod: StackRecording, founding: StackRecording
):
    recording = {"dev": dev, "prod": prod, "founding": founding}[stack]
    taggable = [r for r in recording.resources if r.type.startswith("aws:") and accepts_tags(r.type)]
    assert len(taggable) > 20
    for resource in taggable:
        tags = inputs(resource).get("tags", {})
        if isinstance(tags, list):  # an Auto Scaling group's tags are key/value records
            tags = {tag["key"]: tag["value"] for tag in tags}
        assert {"environment", "application", "managed-by"} <= set(tags), resource.name
        assert tags["environment"] == stack


@pytest.mark.slow
def test_forty_services_over_eight_applications_evaluate(forty: StackRecording):
    recording = forty
    assert len(recording.of_type(ECS_SERVICE)) == 40
    assert len(recording.outputs["imageDigests"]) == 10
    assert len(recording.outputs["serviceNames"]) == 40
