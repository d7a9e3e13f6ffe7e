"""The ECS cluster: Container Insights, capacity providers, and hardened EC2 container instances."""

from __future__ import annotations

import base64
import json

from container_platform.review.offline_runtime import StackRecording
from tests.program.recorded import LAUNCH_TEMPLATE, ROLE, ROLE_POLICY, inputs, outputs_of


def test_container_insights_is_on(dev: StackRecording, prod: StackRecording):
    for recording, level in ((dev, "enabled"), (prod, "enhanced")):
        (cluster,) = recording.of_type("aws:ecs/cluster:Cluster")
        assert inputs(cluster)["settings"] == [{"name": "containerInsights", "value": level}]


def test_dev_has_fargate_only_and_prod_adds_its_ec2_provider(dev: StackRecording, prod: StackRecording):
    (dev_providers,) = dev.of_type("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    assert inputs(dev_providers)["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    assert not dev.of_type(LAUNCH_TEMPLATE)
    (prod_providers,) = prod.of_type("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    ec2 = outputs_of(prod, prod.named("aws:ecs/capacityProvider:CapacityProvider", "prod-ec2").urn)["name"]
    assert inputs(prod_providers)["capacityProviders"] == ["FARGATE", "FARGATE_SPOT", ec2]


def test_instances_require_imdsv2_with_hop_limit_one(prod: StackRecording):
    (template,) = prod.of_type(LAUNCH_TEMPLATE)
    assert inputs(template)["metadataOptions"] == {
        "httpEndpoint": "enabled",
        "httpTokens": "required",
        "httpPutResponseHopLimit": 1,
    }


def test_instances_boot_the_ecs_optimized_ami_into_this_cluster(prod: StackRecording):
    (template,) = prod.of_type(LAUNCH_TEMPLATE)
    settings = inputs(template)
    assert settings["imageId"].startswith("ami-")
    cluster = prod.outputs["clusterName"]
    user_data = base64.b64decode(settings["userData"]).decode()
    assert f"ECS_CLUSTER={cluster}" in user_data
    assert "ECS_AWSVPC_BLOCK_IMDS=true" in user_data
    assert settings["blockDeviceMappings"][0]["ebs"]["encrypted"] == "true"


def test_auto_scaling_group_spans_private_subnets_and_protects_busy_instances(prod: StackRecording):
    (group,) = prod.of_type("aws:autoscaling/group:Group")
    settings = inputs(group)
    private = {
        outputs_of(prod, r.urn)["id"] for r in prod.of_type("aws:ec2/subnet:Subnet") if "private" in r.name
    }
    assert set(settings["vpcZoneIdentifiers"]) == private and len(private) == 2
    assert settings["protectFromScaleIn"] is True
    assert (settings["minSize"], settings["maxSize"]) == (2, 6)


def test_capacity_provider_scales_to_the_configured_target(prod: StackRecording):
    provider = inputs(prod.named("aws:ecs/capacityProvider:CapacityProvider", "prod-ec2"))
    group = provider["autoScalingGroupProvider"]
    assert group["managedTerminationProtection"] == "ENABLED"
    assert group["managedScaling"] == {"status": "ENABLED", "targetCapacity": 80}


def test_instance_role_reaches_only_its_own_cluster(prod: StackRecording):
    (statement,) = json.loads(inputs(prod.named(ROLE, "prod-instance"))["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "ec2.amazonaws.com"}
    policy = json.loads(inputs(prod.named(ROLE_POLICY, "prod-instance-agent"))["policy"])
    cluster_arn = outputs_of(prod, prod.of_type("aws:ecs/cluster:Cluster")[0].urn)["arn"]
    resources = {s["Sid"]: s["Resource"] for s in policy["Statement"]}
    assert resources == {
        "DiscoverEndpoint": ["*"],
        "OwnCluster": [cluster_arn],
        "OwnInstances": [cluster_arn.replace(":cluster/", ":container-instance/") + "/*"],
    }
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert not any(a.startswith(("ecr:", "logs:", "iam:")) for a in actions)


def test_instances_volumes_and_interfaces_are_tagged_at_launch(prod: StackRecording):
    (template,) = prod.of_type(LAUNCH_TEMPLATE)
    specifications = {s["resourceType"]: s["tags"] for s in inputs(template)["tagSpecifications"]}
    assert set(specifications) == {"instance", "volume", "network-interface"}
    assert all(tags["environment"] == "prod" for tags in specifications.values())
