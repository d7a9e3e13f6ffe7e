"""The web service's posture: digest-pinned, locked-down containers, scoped roles and security groups,
safe deployments, bounded autoscaling and alarms."""

from __future__ import annotations

import json

import pytest

from container_platform.review.offline_runtime import StackRecording, evaluate_stack
from tests.program.recorded import (
    ECS_SERVICE,
    EGRESS_RULE,
    INGRESS_RULE,
    LISTENER,
    LISTENER_RULE,
    ROLE,
    ROLE_POLICY,
    SECURITY_GROUP,
    TASK_DEFINITION,
    container_definitions,
    inputs,
    json_input,
    outputs_of,
)
from tests.program.stack_configs import stack_config


@pytest.fixture(params=["dev", "prod"])
def stack(request, dev: StackRecording, prod: StackRecording) -> StackRecording:
    return {"dev": dev, "prod": prod}[request.param]


def _security_group_id(recording: StackRecording, name: str) -> str:
    return outputs_of(recording, recording.named(SECURITY_GROUP, name).urn)["id"]


def _policies_attached_to(recording: StackRecording, role_name: str) -> list[str]:
    """Every IAM resource (inline policy or attachment) that names the role as its `role`."""
    role = outputs_of(recording, recording.named(ROLE, role_name).urn)["id"]
    iam = (r for r in recording.resources if r.type.startswith("aws:iam/"))
    return [r.name for r in iam if inputs(r).get("role") == role]


def test_containers_run_their_image_by_digest(stack: StackRecording):
    (definition,) = container_definitions(stack)
    assert definition["image"] == stack.outputs["imageDigests"]["hello-world"]
    assert "@sha256:" in definition["image"]


def test_containers_are_non_root_read_only_unprivileged_without_capabilities(stack: StackRecording):
    (definition,) = container_definitions(stack)
    assert definition["user"] == "10001:10001"
    assert definition["readonlyRootFilesystem"] is True
    assert definition["privileged"] is False
    assert definition["linuxParameters"]["capabilities"] == {"drop": ["ALL"], "add": []}


def test_containers_check_health_and_log_to_their_own_group(stack: StackRecording):
    (definition,) = container_definitions(stack)
    assert definition["healthCheck"]["command"][0] == "CMD"
    assert "/health" in " ".join(definition["healthCheck"]["command"])
    options = definition["logConfiguration"]["options"]
    assert definition["logConfiguration"]["logDriver"] == "awslogs"
    assert options["awslogs-group"] == f"/ecs/{stack.stack}/hello-world"


def test_log_group_has_retention_and_kms(stack: StackRecording):
    log_group = inputs(stack.named("aws:cloudwatch/logGroup:LogGroup", "hello-world-logs"))
    assert log_group["retentionInDays"] == {"dev": 30, "prod": 365}[stack.stack]
    assert log_group["kmsKeyId"].startswith("arn:aws:kms:eu-west-1:123456789012:key/")


def test_task_definition_uses_awsvpc_and_distinct_roles(stack: StackRecording):
    (task,) = stack.of_type(TASK_DEFINITION)
    settings = inputs(task)
    assert settings["networkMode"] == "awsvpc"
    assert settings["executionRoleArn"] != settings["taskRoleArn"]
    assert settings["requiresCompatibilities"] == {"dev": ["FARGATE"], "prod": ["EC2"]}[stack.stack]


def test_execution_role_pulls_only_its_repository_and_writes_only_its_log_group(stack: StackRecording):
    policy = json_input(stack.named(ROLE_POLICY, "hello-world-execution"), "policy")
    repository = stack.outputs["imageDigests"]["hello-world"].split("@")[0].split("/", 1)[1]
    log_group = f"/ecs/{stack.stack}/hello-world"
    assert policy["Statement"] == [
        {
            "Sid": "PullOwnImages",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": [f"arn:aws:ecr:eu-west-1:123456789012:repository/{repository}"],
        },
        {
            "Sid": "RegistryLogin",
            "Effect": "Allow",
            "Action": ["ecr:GetAuthorizationToken"],
            "Resource": ["*"],
        },
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"arn:aws:logs:eu-west-1:123456789012:log-group:{log_group}:log-stream:*"],
        },
    ]
    assert _policies_attached_to(stack, "hello-world-execution") == ["hello-world-execution"]


def test_task_role_holds_nothing_without_grants(stack: StackRecording):
    task_role = stack.named(ROLE, "hello-world-task")
    assert _policies_attached_to(stack, "hello-world-task") == []
    assert not inputs(task_role).get("managedPolicyArns")
    assert not inputs(task_role).get("inlinePolicies")


def test_roles_trust_only_ecs_tasks_of_this_account(stack: StackRecording):
    for name in ("hello-world-execution", "hello-world-task"):
        (statement,) = json_input(stack.named(ROLE, name), "assumeRolePolicy")["Statement"]
        assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_tasks_admit_the_container_port_only_from_the_load_balancer(stack: StackRecording):
    tasks_sg = _security_group_id(stack, "hello-world-tasks")
    alb_sg = _security_group_id(stack, f"{stack.stack}-sg")
    ingress = [inputs(r) for r in stack.of_type(INGRESS_RULE) if inputs(r)["securityGroupId"] == tasks_sg]
    assert ingress == [
        {
            **ingress[0],
            "ipProtocol": "tcp",
            "fromPort": 8080,
            "toPort": 8080,
            "referencedSecurityGroupId": alb_sg,
        }
    ]
    assert "cidrIpv4" not in ingress[0]


def test_load_balancer_sends_only_to_the_task_port(stack: StackRecording):
    tasks_sg = _security_group_id(stack, "hello-world-tasks")
    alb_sg = _security_group_id(stack, f"{stack.stack}-sg")
    egress = [inputs(r) for r in stack.of_type(EGRESS_RULE) if inputs(r)["securityGroupId"] == alb_sg]
    assert [(e["fromPort"], e["toPort"], e["referencedSecurityGroupId"]) for e in egress] == [
        (8080, 8080, tasks_sg)
    ]


def test_service_rolls_back_failed_deployments_and_has_no_public_ip(stack: StackRecording):
    (service,) = stack.of_type(ECS_SERVICE)
    settings = inputs(service)
    assert settings["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert (settings["deploymentMinimumHealthyPercent"], settings["deploymentMaximumPercent"]) == (100, 200)
    assert settings["networkConfiguration"]["assignPublicIp"] is False
    resources = stack.by_urn()
    private = {
        outputs_of(stack, r.urn)["id"]
        for r in resources.values()
        if r.type == "aws:ec2/subnet:Subnet" and "private" in r.name
    }
    assert set(settings["networkConfiguration"]["subnets"]) == private


def test_prod_service_runs_on_ec2_capacity_spread_across_zones(prod: StackRecording):
    (service,) = prod.of_type(ECS_SERVICE)
    settings = inputs(service)
    provider = outputs_of(prod, prod.named("aws:ecs/capacityProvider:CapacityProvider", "prod-ec2").urn)[
        "name"
    ]
    assert settings["capacityProviderStrategies"] == [{"capacityProvider": provider, "weight": 1, "base": 2}]
    assert settings["orderedPlacementStrategies"] == [
        {"type": "spread", "field": "attribute:ecs.availability-zone"}
    ]


def test_autoscaling_tracks_cpu_and_memory_between_min_and_max(prod: StackRecording):
    (target,) = prod.of_type("aws:appautoscaling/target:Target")
    assert (inputs(target)["minCapacity"], inputs(target)["maxCapacity"]) == (2, 6)
    policies = {
        inputs(p)["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"][
            "predefinedMetricType"
        ]: inputs(p)["targetTrackingScalingPolicyConfiguration"]["targetValue"]
        for p in prod.of_type("aws:appautoscaling/policy:Policy")
    }
    assert policies == {"ECSServiceAverageCPUUtilization": 70, "ECSServiceAverageMemoryUtilization": 75}


def test_alarms_watch_5xx_and_unhealthy_hosts_and_notify(prod: StackRecording):
    alarms = {
        inputs(a)["metricName"]: inputs(a) for a in prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    assert {metric: set(alarm["dimensions"]) for metric, alarm in alarms.items()} == {
        "HTTPCode_Target_5XX_Count": {"TargetGroup", "LoadBalancer"},
        "UnHealthyHostCount": {"TargetGroup", "LoadBalancer"},
        "HTTPCode_ELB_5XX_Count": {"LoadBalancer"},
    }
    for alarm in alarms.values():
        assert alarm["namespace"] == "AWS/ApplicationELB"
        assert alarm["comparisonOperator"] == "GreaterThanThreshold"
        assert alarm["alarmActions"] == ["arn:aws:sns:eu-west-1:123456789012:PLACEHOLDER-prod-alarms"]
        assert alarm["okActions"] == alarm["alarmActions"]


def test_task_role_grants_become_one_scoped_statement_each(prod: StackRecording):
    config = stack_config("prod")
    bucket = "arn:aws:s3:::bank-statements/*"
    config["container-platform:services"][0]["taskRoleGrants"] = [
        {"actions": ["s3:GetObject"], "resources": [bucket]}
    ]
    recording = evaluate_stack("prod", config=config)
    policy = json.loads(inputs(recording.named(ROLE_POLICY, "hello-world-task-grants"))["policy"])
    assert policy["Statement"] == [
        {"Sid": "Grant1", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [bucket]}
    ]


def test_service_waits_for_its_route_and_the_clusters_capacity_providers(stack: StackRecording):
    (service,) = stack.of_type(ECS_SERVICE)
    (association,) = stack.of_type("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    routing = {r.urn for r in stack.resources if r.type in (LISTENER, LISTENER_RULE)}
    assert association.urn in service.dependencies
    assert routing & set(service.dependencies)
