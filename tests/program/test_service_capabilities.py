"""What the founding case's applications run with, as the program registers it: secrets, EFS, subnet
sets, EC2 pools, scaling, blue/green and deployment alarms (tests/program/fixtures/founding_case.yaml)."""

from __future__ import annotations

from typing import Any

import pytest

from components.settings import ECS_OPTIMIZED_ARM64_AMI_PARAMETER, Ec2CapacitySettings, instance_architecture
from container_platform.review.offline_runtime import RecordedResource, StackRecording, evaluate_stack
from tests.program.recorded import (
    ECS_SERVICE,
    EGRESS_RULE,
    INGRESS_RULE,
    LAUNCH_TEMPLATE,
    LISTENER,
    LISTENER_RULE,
    ROLE,
    ROLE_POLICY,
    SECURITY_GROUP,
    TARGET_GROUP,
    TASK_DEFINITION,
    inputs,
    json_input,
    outputs_of,
)
from tests.program.stack_configs import founding_case_config

SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:container-platform/accounts/db-Ab12Cd"
SECRET_KEY = "arn:aws:kms:eu-west-1:123456789012:key/1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"
PARAMETER = "arn:aws:ssm:eu-west-1:123456789012:parameter/container-platform/payments/api-token"
BASE_EXECUTION_STATEMENTS = ["PullOwnImages", "RegistryLogin", "WriteOwnLogs"]
SCALING_POLICY = "aws:appautoscaling/policy:Policy"


def output(recording: StackRecording, resource: RecordedResource, key: str) -> Any:
    return outputs_of(recording, resource.urn)[key]


def named_output(recording: StackRecording, type_token: str, name: str, key: str) -> Any:
    return output(recording, recording.named(type_token, name), key)


def container(recording: StackRecording, service: str) -> dict[str, Any]:
    (definition,) = json_input(recording.named(TASK_DEFINITION, f"{service}-task"), "containerDefinitions")
    return definition


def statements(recording: StackRecording, policy: str) -> dict[str, dict[str, Any]]:
    document = json_input(recording.named(ROLE_POLICY, policy), "policy")
    return {statement["Sid"]: statement for statement in document["Statement"]}


def service_inputs(recording: StackRecording, service: str) -> dict[str, Any]:
    return inputs(recording.named(ECS_SERVICE, f"{service}-service"))


def test_secrets_reach_the_container_by_arn_and_json_key(founding: StackRecording):
    assert container(founding, "accounts")["secrets"] == [
        {"name": "DB_PASSWORD", "valueFrom": f"{SECRET}:password::"}
    ]
    assert container(founding, "payments")["secrets"] == [{"name": "API_TOKEN", "valueFrom": PARAMETER}]
    assert "secrets" not in container(founding, "hello-world")


def test_execution_role_reads_exactly_its_secrets_and_decrypts_only_through_their_store(
    founding: StackRecording,
):
    granted = statements(founding, "accounts-execution")
    assert sorted(granted) == sorted([*BASE_EXECUTION_STATEMENTS, "DecryptOwnSecrets1", "ReadOwnSecrets"])
    assert granted["ReadOwnSecrets"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert granted["ReadOwnSecrets"]["Resource"] == [SECRET]
    assert granted["DecryptOwnSecrets1"] == {
        "Sid": "DecryptOwnSecrets1",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": [SECRET_KEY],
        "Condition": {"StringEquals": {"kms:ViaService": ["secretsmanager.eu-west-1.amazonaws.com"]}},
    }
    parameters = statements(founding, "payments-execution")
    assert sorted(parameters) == sorted([*BASE_EXECUTION_STATEMENTS, "ReadOwnParameters"])
    assert parameters["ReadOwnParameters"]["Action"] == ["ssm:GetParameters"]
    assert parameters["ReadOwnParameters"]["Resource"] == [PARAMETER]
    assert sorted(statements(founding, "hello-world-execution")) == BASE_EXECUTION_STATEMENTS


def test_the_stack_creates_an_encrypted_file_system_that_refuses_clients_without_tls(
    founding: StackRecording,
):
    file_system = inputs(founding.named("aws:efs/fileSystem:FileSystem", "founding-documents"))
    key_arn = named_output(founding, "aws:kms/key:Key", "founding-key", "arn")
    assert (file_system["encrypted"], file_system["kmsKeyId"]) == (True, key_arn)
    policy = json_input(
        founding.named("aws:efs/fileSystemPolicy:FileSystemPolicy", "founding-documents"), "policy"
    )
    (deny,) = policy["Statement"]
    assert (deny["Effect"], deny["Action"], deny["Condition"]) == (
        "Deny",
        "*",
        {"Bool": {"aws:SecureTransport": "false"}},
    )
    backups = inputs(founding.named("aws:efs/backupPolicy:BackupPolicy", "founding-documents"))
    assert backups["backupPolicy"] == {"status": "ENABLED"}


def test_mount_targets_take_nfs_only_from_the_tasks_that_mount_the_file_system(founding: StackRecording):
    group = named_output(founding, SECURITY_GROUP, "founding-documents-mount-targets", "id")
    targets = founding.of_type("aws:efs/mountTarget:MountTarget")
    private = {
        output(founding, subnet, "id")
        for subnet in founding.of_type("aws:ec2/subnet:Subnet")
        if subnet.name.startswith("founding-private-")
    }
    assert {inputs(t)["subnetId"] for t in targets} == private
    assert all(inputs(t)["securityGroups"] == [group] for t in targets)
    ingress = [inputs(r) for r in founding.of_type(INGRESS_RULE) if inputs(r)["securityGroupId"] == group]
    mounting = {named_output(founding, SECURITY_GROUP, f"{s}-tasks", "id") for s in ("ledger", "statements")}
    assert {rule["referencedSecurityGroupId"] for rule in ingress} == mounting
    assert {(rule["fromPort"], rule["toPort"], rule["ipProtocol"]) for rule in ingress} == {
        (2049, 2049, "tcp")
    }
    assert not any("cidrIpv4" in rule for rule in ingress)
    egress = [
        inputs(r)
        for r in founding.of_type(EGRESS_RULE)
        if inputs(r).get("referencedSecurityGroupId") == group
    ]
    assert {rule["securityGroupId"] for rule in egress} == mounting


@pytest.mark.parametrize(("service", "read_only"), [("ledger", False), ("statements", True)])
def test_efs_volumes_mount_through_their_access_point_over_tls_with_iam(
    founding: StackRecording, service: str, read_only: bool
):
    access_point = founding.named("aws:efs/accessPoint:AccessPoint", f"{service}-efs-0")
    assert inputs(access_point)["posixUser"] == {"uid": 10001, "gid": 10001}
    assert inputs(access_point)["rootDirectory"]["path"] == "/shared"
    volumes = {v["name"]: v for v in inputs(founding.named(TASK_DEFINITION, f"{service}-task"))["volumes"]}
    assert volumes["efs-0"]["efsVolumeConfiguration"] == {
        "fileSystemId": named_output(founding, "aws:efs/fileSystem:FileSystem", "founding-documents", "id"),
        "transitEncryption": "ENABLED",
        "authorizationConfig": {"accessPointId": output(founding, access_point, "id"), "iam": "ENABLED"},
    }
    assert {"sourceVolume": "efs-0", "containerPath": "/data", "readOnly": read_only} in container(
        founding, service
    )["mountPoints"]
    (mount,) = statements(founding, f"{service}-task-grants").values()
    expected = ["elasticfilesystem:ClientMount"] + ([] if read_only else ["elasticfilesystem:ClientWrite"])
    assert mount["Action"] == expected
    assert mount["Resource"] == [
        named_output(founding, "aws:efs/fileSystem:FileSystem", "founding-documents", "arn")
    ]
    assert mount["Condition"] == {
        "StringEquals": {"elasticfilesystem:AccessPointArn": output(founding, access_point, "arn")}
    }


def test_a_service_runs_in_its_own_subnets_routed_like_the_private_ones(founding: StackRecording):
    subnets = [founding.named("aws:ec2/subnet:Subnet", f"payments-subnets-{index}") for index in range(3)]
    assert [inputs(s)["cidrBlock"] for s in subnets] == ["10.40.48.0/24", "10.40.49.0/24", "10.40.50.0/24"]
    assert all(inputs(s)["mapPublicIpOnLaunch"] is False for s in subnets)
    network = service_inputs(founding, "payments")["networkConfiguration"]
    assert network["subnets"] == [output(founding, s, "id") for s in subnets]
    routes = {
        inputs(a)["subnetId"]: inputs(a)["routeTableId"]
        for a in founding.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
    }
    for index, subnet in enumerate(subnets):
        table = named_output(founding, "aws:ec2/routeTable:RouteTable", f"founding-private-{index}", "id")
        assert routes[output(founding, subnet, "id")] == table


def test_each_ec2_pool_is_its_own_capacity_provider_with_its_instance_type(founding: StackRecording):
    templates = {t.name: inputs(t)["instanceType"] for t in founding.of_type(LAUNCH_TEMPLATE)}
    assert templates == {
        "founding-compute-instances": "c6i.2xlarge",
        "founding-memory-instances": "r6i.xlarge",
    }
    providers = {
        p.name: output(founding, p, "name")
        for p in founding.of_type("aws:ecs/capacityProvider:CapacityProvider")
    }
    (association,) = founding.of_type("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    assert set(providers.values()) <= set(inputs(association)["capacityProviders"])
    for service, pool in (("accounts", "compute"), ("ledger", "memory"), ("statements", "memory")):
        strategy = service_inputs(founding, service)["capacityProviderStrategies"]
        assert [entry["capacityProvider"] for entry in strategy] == [providers[f"founding-{pool}-ec2"]]
        task = inputs(founding.named(TASK_DEFINITION, f"{service}-task"))
        assert task["requiresCompatibilities"] == ["EC2"]
    ledger = inputs(founding.named(TASK_DEFINITION, "ledger-task"))
    assert (ledger["cpu"], ledger["memory"]) == ("1536", "12288")  # an EC2 size Fargate does not offer


def test_an_arm64_pool_boots_the_arm64_ami_and_its_tasks_declare_arm64():
    assert Ec2CapacitySettings(instanceType="m7g.large", architecture="arm64").image_parameter == (
        ECS_OPTIMIZED_ARM64_AMI_PARAMETER
    )
    config = founding_case_config()
    config["container-platform:cluster"]["capacityProviders"]["graviton"] = {
        "instanceType": "m7g.xlarge",
        "architecture": "arm64",
    }
    config["container-platform:cluster"]["awsvpcTrunking"] = True
    config["container-platform:services"][1]["capacityProviders"] = [{"provider": "graviton"}]
    recording = evaluate_stack("founding", config=config)
    task = inputs(recording.named(TASK_DEFINITION, "accounts-task"))
    assert task["runtimePlatform"] == {"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"}
    assert (
        inputs(recording.named(LAUNCH_TEMPLATE, "founding-graviton-instances"))["instanceType"]
        == "m7g.xlarge"
    )
    trunking = inputs(
        recording.named("aws:ecs/accountSettingDefault:AccountSettingDefault", "founding-awsvpc-trunking")
    )
    assert (trunking["name"], trunking["value"]) == ("awsvpcTrunking", "enabled")


def scaling(recording: StackRecording, service: str) -> dict[str, dict[str, Any]]:
    return {
        p.name.removeprefix(f"{service}-"): inputs(p)["targetTrackingScalingPolicyConfiguration"]
        for p in recording.of_type(SCALING_POLICY)
        if p.name.startswith(f"{service}-")
    }


def test_request_count_scaling_tracks_the_services_target_group_on_its_load_balancer(
    founding: StackRecording,
):
    policies = scaling(founding, "accounts")
    assert set(policies) == {"cpu", "memory", "requests"}
    predefined = policies["requests"]["predefinedMetricSpecification"]
    lb = named_output(founding, "aws:lb/loadBalancer:LoadBalancer", "founding", "arnSuffix")
    group = named_output(founding, TARGET_GROUP, "accounts-tg", "arnSuffix")
    assert predefined == {
        "predefinedMetricType": "ALBRequestCountPerTarget",
        "resourceLabel": f"{lb}/{group}",
    }
    assert policies["requests"]["targetValue"] == 500


def test_custom_metric_scaling_tracks_the_named_metric(founding: StackRecording):
    metric = scaling(founding, "ledger")["metric-0"]
    assert metric["targetValue"] == 100
    assert metric["customizedMetricSpecification"] == {
        "namespace": "Bank/Ledger",
        "metricName": "PostingBacklog",
        "statistic": "Average",
        "dimensions": [{"name": "environment", "value": "founding"}],
    }


def test_business_hours_set_their_own_bounds_in_their_time_zone(founding: StackRecording):
    actions = {
        a.name: inputs(a)
        for a in founding.of_type("aws:appautoscaling/scheduledAction:ScheduledAction")
        if a.name.startswith("statements-")
    }
    morning = actions["statements-business-hours"]
    assert (morning["schedule"], morning["timezone"]) == ("cron(0 7 ? * MON-FRI *)", "Europe/London")
    assert morning["scalableTargetAction"] == {"minCapacity": 4, "maxCapacity": 6}
    assert actions["statements-after-hours"]["scalableTargetAction"] == {"minCapacity": 2, "maxCapacity": 6}


def test_blue_green_uses_ecs_native_deployments_with_both_target_groups_and_rules(founding: StackRecording):
    settings = service_inputs(founding, "payments")
    assert settings["deploymentConfiguration"] == {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": "15"}
    (balancer,) = settings["loadBalancers"]
    assert balancer["targetGroupArn"] == named_output(founding, TARGET_GROUP, "payments-tg", "arn")
    assert balancer["advancedConfiguration"] == {
        "alternateTargetGroupArn": named_output(founding, TARGET_GROUP, "payments-tg-green", "arn"),
        "productionListenerRule": named_output(founding, LISTENER_RULE, "payments-route", "arn"),
        "testListenerRule": named_output(founding, LISTENER_RULE, "payments-test-route", "arn"),
        "roleArn": named_output(founding, ROLE, "payments-blue-green", "arn"),
    }
    assert settings["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert "deploymentConfiguration" not in service_inputs(founding, "accounts")


def test_blue_green_rules_forward_by_weight_on_the_serving_and_the_test_listener(founding: StackRecording):
    test_listener = inputs(founding.named(LISTENER, "founding-test"))
    assert (test_listener["port"], test_listener["protocol"]) == (8443, "HTTPS")
    assert test_listener["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    blue = named_output(founding, TARGET_GROUP, "cards-tg", "arn")
    green = named_output(founding, TARGET_GROUP, "cards-tg-green", "arn")
    listeners = {}
    for kind in ("route", "test-route"):
        rule = inputs(founding.named(LISTENER_RULE, f"cards-{kind}"))
        (action,) = rule["actions"]
        assert action["forward"]["targetGroups"] == [
            {"arn": blue, "weight": 100},
            {"arn": green, "weight": 0},
        ]
        assert rule["conditions"] == [{"hostHeader": {"values": ["cards.bank.example"]}}]
        listeners[kind] = rule["listenerArn"]
    assert listeners == {
        "route": named_output(founding, LISTENER, "founding-https", "arn"),
        "test-route": named_output(founding, LISTENER, "founding-test", "arn"),
    }


def test_ecs_may_touch_only_the_services_own_groups_and_rules(founding: StackRecording):
    granted = statements(founding, "payments-blue-green")
    assert sorted(granted["RegisterOwnTargets"]["Resource"]) == sorted(
        named_output(founding, TARGET_GROUP, name, "arn") for name in ("payments-tg", "payments-tg-green")
    )
    assert sorted(granted["ShiftOwnRules"]["Resource"]) == sorted(
        named_output(founding, LISTENER_RULE, name, "arn")
        for name in ("payments-route", "payments-test-route")
    )
    assert granted["ShiftOwnRules"]["Action"] == ["elasticloadbalancing:ModifyRule"]
    trust = json_input(founding.named(ROLE, "payments-blue-green"), "assumeRolePolicy")
    assert trust["Statement"][0]["Principal"] == {"Service": "ecs.amazonaws.com"}


def test_every_service_rolls_back_on_its_deployment_alarms(founding: StackRecording):
    alarms = {
        a.name: output(founding, a, "name")
        for a in founding.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    for service in founding.of_type(ECS_SERVICE):
        name = service.name.removesuffix("-service")
        expected = [f"{name}-5xx", f"{name}-unhealthy"]
        if name in ("payments", "cards"):
            expected += [f"{name}-green-5xx", f"{name}-green-unhealthy"]
        wired = inputs(service)["alarms"]
        assert (wired["enable"], wired["rollback"]) == (True, True)
        assert sorted(wired["alarmNames"]) == sorted(alarms[alarm] for alarm in expected), name


def test_the_green_alarms_watch_the_green_target_group(founding: StackRecording):
    alarm = inputs(founding.named("aws:cloudwatch/metricAlarm:MetricAlarm", "payments-green-5xx"))
    assert alarm["dimensions"]["TargetGroup"] == named_output(
        founding, TARGET_GROUP, "payments-tg-green", "arnSuffix"
    )


# AWS's instance type pages (docs.aws.amazon.com/ec2/latest/instancetypes): Graviton types, and x86 ones
# whose names also carry a g (the GPU family) or a suffix after a hyphen.
ARCHITECTURES = {
    "a1.large": "arm64",
    "m7g.large": "arm64",
    "c6gn.xlarge": "arm64",
    "x2gd.large": "arm64",
    "g5g.xlarge": "arm64",
    "is4gen.large": "arm64",
    "g4dn.xlarge": "x86_64",
    "m7i-flex.large": "x86_64",
    "c6i.2xlarge": "x86_64",
}


@pytest.mark.parametrize(("instance_type", "architecture"), ARCHITECTURES.items())
def test_the_instance_type_names_its_architecture(instance_type: str, architecture: str):
    assert instance_architecture(instance_type) == architecture


@pytest.mark.parametrize(
    ("instance_type", "size"),
    [("m6i.large", (2, 8192)), ("r6i.xlarge", (4, 32768)), ("c7g.4xlarge", (16, 32768)), ("c5n.large", None)],
)
def test_task_bounds_come_from_the_instance_size_where_its_name_says_it(instance_type, size):
    settings = Ec2CapacitySettings(
        instanceType=instance_type, architecture=instance_architecture(instance_type)
    )
    assert settings.size == size


def test_efs_mounts_the_same_way_on_fargate():
    config = founding_case_config()
    notifications = config["container-platform:services"][7]
    assert notifications["name"] == "notifications" and "capacityProviders" not in notifications
    notifications["efsVolumes"] = [{"fileSystem": "documents", "containerPath": "/outbox"}]
    recording = evaluate_stack("founding", config=config)
    task = inputs(recording.named(TASK_DEFINITION, "notifications-task"))
    assert task["requiresCompatibilities"] == ["FARGATE"]
    (volume,) = [v for v in task["volumes"] if v["name"] == "efs-0"]
    assert volume["efsVolumeConfiguration"]["transitEncryption"] == "ENABLED"
    assert volume["efsVolumeConfiguration"]["authorizationConfig"]["iam"] == "ENABLED"
    access_point = recording.named("aws:efs/accessPoint:AccessPoint", "notifications-efs-0")
    assert inputs(access_point)["rootDirectory"]["path"] == "/notifications"
