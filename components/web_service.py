"""One application on ECS behind the shared ALB, with the posture the review board asks for by default.

The task runs its image by digest as a non-root user on a read-only root filesystem, unprivileged, with
every Linux capability dropped. Its execution role may pull only its own repository and write only its own
log group; its task role holds nothing unless config grants named actions on named ARNs. Only the load
balancer's security group reaches the container port. Deployments roll forward with the circuit breaker
and roll back by themselves; autoscaling tracks CPU and memory; alarms watch 5xx and unhealthy targets.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components import blue_green, iam_documents
from components.alarms import AlbAlarm, alb_alarms
from components.blue_green import BlueGreenRouting
from components.efs_volume import NFS_PORT, SharedFileSystem
from components.https_egress import EndpointAccess, https_egress_rules
from components.service_scaling import scale_service
from components.settings import FARGATE_PROVIDERS, PORT_VARIABLE, ServiceSettings

TMP_VOLUME = "tmp"


def efs_volume_name(index: int) -> str:
    return f"efs-{index}"


@dataclass(frozen=True)
class WebServiceArgs:
    service: ServiceSettings
    environment: str
    region: str
    partition: pulumi.Input[str]
    account_id: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    cluster_capacity_providers: pulumi.Resource
    image_reference: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    private_subnet_ids: Sequence[pulumi.Input[str]]
    load_balancer_security_group_id: pulumi.Input[str]
    load_balancer_arn_suffix: pulumi.Input[str]
    target_group: aws.lb.TargetGroup
    routing: pulumi.Resource
    kms_key_arn: pulumi.Input[str]
    ec2_capacity_provider: pulumi.Input[str] | None = None
    endpoints: EndpointAccess | None = None  # None: no VPC endpoints, HTTPS out through NAT
    log_retention_days: int = 90
    alarm_topic_arns: Sequence[str] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    readonly_root_filesystem: bool = True
    privileged: bool = False
    dropped_capabilities: tuple[str, ...] = ("ALL",)
    assign_public_ip: bool = False
    deployment_minimum_healthy_percent: int = 100
    deployment_maximum_percent: int = 200
    health_check_grace_period_seconds: int = 60
    unhealthy_hosts_threshold: int = 0
    target_5xx_threshold: int = 10
    # Issue 16: named EC2 pools, shared file systems, blue/green routing, the task's architecture.
    named_capacity_providers: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    file_systems: Mapping[str, SharedFileSystem] = field(default_factory=dict)
    blue_green: BlueGreenRouting | None = None
    cpu_architecture: str = "X86_64"


def log_group_name(environment: str, service: str) -> str:
    return f"/ecs/{environment}/{service}"


def container_definitions(args: WebServiceArgs, image: str, log_group: str) -> list[dict[str, Any]]:
    """The container definition in ECS's RegisterTaskDefinition shape, as the provider sends it."""
    service = args.service
    command = list(service.container_health_check)
    return [
        {
            "name": service.name,
            "image": image,
            "essential": True,
            "portMappings": [
                {
                    "containerPort": service.container_port,
                    "hostPort": service.container_port,
                    "protocol": "tcp",
                    "name": "http",
                    "appProtocol": "http",
                }
            ],
            "user": service.user,
            "readonlyRootFilesystem": args.readonly_root_filesystem,
            "privileged": args.privileged,
            "linuxParameters": {
                "capabilities": {"drop": list(args.dropped_capabilities), "add": []},
                "initProcessEnabled": True,
            },
            "mountPoints": [
                {"sourceVolume": TMP_VOLUME, "containerPath": "/tmp", "readOnly": False},
                *(
                    {
                        "sourceVolume": efs_volume_name(index),
                        "containerPath": volume.container_path,
                        "readOnly": volume.read_only,
                    }
                    for index, volume in enumerate(service.efs_volumes)
                ),
            ],
            "environment": [
                {"name": k, "value": v}
                for k, v in sorted(
                    {**service.environment, PORT_VARIABLE: str(service.container_port)}.items()
                )
            ],
            "healthCheck": {
                "command": command,
                "interval": 15,
                "timeout": 5,
                "retries": 3,
                "startPeriod": 30,
            },
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": log_group,
                    "awslogs-region": args.region,
                    "awslogs-stream-prefix": service.name,
                },
            },
            "stopTimeout": 30,
            # Only when there are secrets: an empty list would register a new revision of every task.
            **(
                {
                    "secrets": [
                        {"name": name, "valueFrom": secret.value_from}
                        for name, secret in sorted(service.secrets.items())
                    ]
                }
                if service.secrets
                else {}
            ),
        }
    ]


class WebService(pulumi.ComponentResource):
    """`service_name` and `task_definition_arn` of one application."""

    def __init__(self, name: str, args: WebServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:index:WebService", name, None, opts)
        self._args = args
        self._tags = dict(args.tags)
        service = args.service
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=log_group_name(args.environment, service.name),
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn,
            tags=self._tags,
            opts=self._child(),
        )
        task_security_group = self._security_groups(name)
        access_points = self._access_points(name, task_security_group)
        execution_role, task_role = self._roles(name, log_group, access_points)
        task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=f"{args.environment}-{service.name}",
            network_mode="awsvpc",
            requires_compatibilities=list(service.launch_types),
            cpu=str(service.cpu),
            memory=str(service.memory),
            execution_role_arn=execution_role.arn,
            task_role_arn=task_role.arn,
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture=args.cpu_architecture
            ),
            volumes=[
                aws.ecs.TaskDefinitionVolumeArgs(name=TMP_VOLUME),
                *(
                    aws.ecs.TaskDefinitionVolumeArgs(
                        name=efs_volume_name(index),
                        efs_volume_configuration=aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationArgs(
                            file_system_id=args.file_systems[volume.file_system].id,
                            transit_encryption="ENABLED",
                            authorization_config=(
                                aws.ecs.TaskDefinitionVolumeEfsVolumeConfigurationAuthorizationConfigArgs(
                                    access_point_id=access_points[index].id, iam="ENABLED"
                                )
                            ),
                        ),
                    )
                    for index, volume in enumerate(service.efs_volumes)
                ),
            ],
            container_definitions=pulumi.Output.all(args.image_reference, log_group.name).apply(
                lambda values: json.dumps(container_definitions(args, values[0], values[1]))
            ),
            tags=self._tags,
            opts=self._child(),
        )
        deployment_alarms = self._alarms(name)
        ecs_service = aws.ecs.Service(
            f"{name}-service",
            cluster=args.cluster_arn,
            task_definition=task_definition.arn,
            desired_count=service.desired_count,
            capacity_provider_strategies=[
                aws.ecs.ServiceCapacityProviderStrategyArgs(
                    capacity_provider=self._capacity_provider(entry.provider),
                    weight=entry.weight,
                    base=entry.base,
                )
                for entry in service.capacity_providers
            ],
            deployment_minimum_healthy_percent=args.deployment_minimum_healthy_percent,
            deployment_maximum_percent=args.deployment_maximum_percent,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            ),
            alarms=aws.ecs.ServiceAlarmsArgs(
                alarm_names=[alarm.name for alarm in deployment_alarms], enable=True, rollback=True
            ),
            deployment_configuration=(
                blue_green.deployment_configuration(service.bake_time_minutes)
                if args.blue_green is not None
                else None
            ),
            availability_zone_rebalancing="ENABLED",
            ordered_placement_strategies=(
                [
                    aws.ecs.ServiceOrderedPlacementStrategyArgs(
                        type="spread", field="attribute:ecs.availability-zone"
                    )
                ]
                if service.launch_types == ("EC2",)
                else []
            ),
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=list(args.private_subnet_ids),
                security_groups=[task_security_group.id],
                assign_public_ip=args.assign_public_ip,
            ),
            load_balancers=[self._load_balancer(name)],
            health_check_grace_period_seconds=args.health_check_grace_period_seconds,
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            tags=self._tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[args.routing, args.cluster_capacity_providers],
                ignore_changes=["desiredCount"],
            ),
        )
        self._autoscaling(name, ecs_service)
        self.service_name = ecs_service.name
        self.task_definition_arn = task_definition.arn
        self.register_outputs(
            {"serviceName": self.service_name, "taskDefinitionArn": self.task_definition_arn}
        )

    def _child(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self)

    def _capacity_provider(self, provider: str) -> pulumi.Input[str]:
        """The provider's name in ECS: Fargate's own, the cluster's EC2 provider, or one of its pools."""
        if provider in FARGATE_PROVIDERS:
            return provider
        if provider == "EC2" and self._args.ec2_capacity_provider is not None:
            return self._args.ec2_capacity_provider
        return self._args.named_capacity_providers[provider]

    def _load_balancer(self, name: str) -> aws.ecs.ServiceLoadBalancerArgs:
        """The service's target group; with blue/green also the green group, its rules and ECS's role."""
        args, service = self._args, self._args.service
        if args.blue_green is None:
            return aws.ecs.ServiceLoadBalancerArgs(
                target_group_arn=args.target_group.arn,
                container_name=service.name,
                container_port=service.container_port,
            )
        role = blue_green.infrastructure_role(
            name, service.name, args.account_id, args.target_group, args.blue_green, self._tags, self
        )
        return blue_green.load_balancer_inputs(
            args.target_group, args.blue_green, role, service.name, service.container_port
        )

    def _access_points(
        self, name: str, task_security_group: aws.ec2.SecurityGroup
    ) -> list[aws.efs.AccessPoint]:
        """One access point per EFS volume, as the service's uid:gid, in its own root directory; NFS between
        the tasks and the file system's mount targets, in both security groups, and nowhere else."""
        args, service = self._args, self._args.service
        if not service.efs_volumes:
            return []  # a named user (`user: app`) has no numeric uid:gid, and needs none without a volume
        uid, gid = service.runs_as
        access_points = []
        for index, volume in enumerate(service.efs_volumes):
            file_system = args.file_systems[volume.file_system]
            access_points.append(
                aws.efs.AccessPoint(
                    f"{name}-{efs_volume_name(index)}",
                    file_system_id=file_system.id,
                    posix_user=aws.efs.AccessPointPosixUserArgs(uid=uid, gid=gid),
                    root_directory=aws.efs.AccessPointRootDirectoryArgs(
                        path=volume.root_directory or f"/{service.name}",
                        creation_info=aws.efs.AccessPointRootDirectoryCreationInfoArgs(
                            owner_uid=uid, owner_gid=gid, permissions="750"
                        ),
                    ),
                    tags=self._tags,
                    opts=self._child(),
                )
            )
        for file_system_name in dict.fromkeys(volume.file_system for volume in service.efs_volumes):
            file_system = args.file_systems[file_system_name]
            self._port_between(
                (
                    f"{name}-nfs-out-{file_system_name}",
                    f"NFS to the {file_system_name} file system's mount targets",
                ),
                (f"{name}-nfs-from-tasks-{file_system_name}", f"NFS from {service.name} tasks"),
                NFS_PORT,
                task_security_group.id,
                file_system.security_group_id,
            )
        return access_points

    def _roles(
        self, name: str, log_group: aws.cloudwatch.LogGroup, access_points: Sequence[aws.efs.AccessPoint]
    ) -> tuple[aws.iam.Role, aws.iam.Role]:
        args = self._args
        trust = pulumi.Output.from_input(args.account_id).apply(
            lambda account: iam_documents.service_trust_policy("ecs-tasks.amazonaws.com", account)
        )
        execution_role = aws.iam.Role(
            f"{name}-execution",
            description=f"ECS starts {args.service.name}: pull its image, write its logs",
            assume_role_policy=trust,
            tags=self._tags,
            opts=self._child(),
        )
        aws.iam.RolePolicy(
            f"{name}-execution",
            role=execution_role.id,
            policy=pulumi.Output.all(args.image_reference, args.partition, log_group.arn).apply(
                lambda values: iam_documents.execution_role_policy(
                    [iam_documents.repository_arn(values[0], values[1])],
                    values[2],
                    [
                        iam_documents.SecretRead(secret.store, secret.arn, secret.region, secret.kms_key_arn)
                        for secret in args.service.secrets.values()
                    ],
                )
            ),
            opts=self._child(),
        )
        task_role = aws.iam.Role(
            f"{name}-task",
            description=f"{args.service.name} itself: only what the stack config grants",
            assume_role_policy=trust,
            tags=self._tags,
            opts=self._child(),
        )
        if args.service.task_role_grants or access_points:
            grants = [(grant.actions, grant.resources) for grant in args.service.task_role_grants]
            volumes = args.service.efs_volumes
            mounts = pulumi.Output.all(
                [args.file_systems[volume.file_system].arn for volume in volumes],
                [access_point.arn for access_point in access_points],
            ).apply(
                lambda arns: [
                    iam_documents.EfsMount(file_system, access_point, volume.read_only)
                    for file_system, access_point, volume in zip(arns[0], arns[1], volumes, strict=True)
                ]
            )
            aws.iam.RolePolicy(
                f"{name}-task-grants",
                role=task_role.id,
                policy=mounts.apply(lambda efs: iam_documents.task_role_policy(grants, efs)),
                opts=self._child(),
            )
        return execution_role, task_role

    def _security_groups(self, name: str) -> aws.ec2.SecurityGroup:
        """Tasks take the container port from the ALB only; the ALB may send only to that port."""
        args, port = self._args, self._args.service.container_port
        group = aws.ec2.SecurityGroup(
            f"{name}-tasks",
            description=f"{args.service.name} tasks: {port} from the load balancer only",
            vpc_id=args.vpc_id,
            tags=self._tags,
            opts=self._child(),
        )
        self._port_between(
            (f"{name}-alb-to-tasks", f"load balancer to {args.service.name} tasks"),
            (f"{name}-from-alb", "traffic and health checks from the load balancer"),
            port,
            args.load_balancer_security_group_id,
            group.id,
        )
        https_egress_rules(
            f"{name}-https-out",
            group.id,
            "ECR, CloudWatch Logs and the AWS APIs the task calls",
            args.endpoints,
            self._tags,
            self._child(),
        )
        return group

    def _port_between(
        self,
        egress: tuple[str, str],
        ingress: tuple[str, str],
        port: int,
        source: pulumi.Input[str],
        target: pulumi.Input[str],
    ) -> None:
        """One TCP port from one security group to another and nothing else: the source's egress rule and
        the target's ingress rule, each (resource name, description), each naming the other group."""
        for rule, (rule_name, description), group, other in (
            (aws.vpc.SecurityGroupEgressRule, egress, source, target),
            (aws.vpc.SecurityGroupIngressRule, ingress, target, source),
        ):
            rule(
                rule_name,
                security_group_id=group,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                referenced_security_group_id=other,
                description=description,
                tags=self._tags,
                opts=self._child(),
            )

    def _autoscaling(self, name: str, ecs_service: aws.ecs.Service) -> None:
        service = self._args.service
        target = aws.appautoscaling.Target(
            f"{name}-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", self._args.cluster_name, "/", ecs_service.name),
            min_capacity=service.min_count,
            max_capacity=service.max_count,
            tags=self._tags,
            opts=self._child(),
        )
        scale_service(
            name,
            service,
            target,
            pulumi.Output.concat(
                self._args.load_balancer_arn_suffix, "/", self._args.target_group.arn_suffix
            ),
            self,
        )

    def _alarms(self, name: str) -> list[aws.cloudwatch.MetricAlarm]:
        """5xx and unhealthy hosts on the service's target group (both groups with blue/green): they
        notify the alarm topics and, as deployment alarms, roll a deployment back when they fire."""
        args = self._args
        groups = [("", args.target_group)]
        if args.blue_green is not None:
            groups.append(("-green", args.blue_green.alternate_target_group))
        alarms = []
        for suffix, group in groups:
            alarms += alb_alarms(
                f"{name}{suffix}",
                f"{args.environment}/{args.service.name}{suffix}",
                [
                    AlbAlarm(
                        "5xx", "HTTPCode_Target_5XX_Count", "Sum", args.target_5xx_threshold, "5xx responses"
                    ),
                    AlbAlarm(
                        "unhealthy",
                        "UnHealthyHostCount",
                        "Maximum",
                        args.unhealthy_hosts_threshold,
                        "unhealthy targets",
                    ),
                ],
                {"TargetGroup": group.arn_suffix, "LoadBalancer": args.load_balancer_arn_suffix},
                args.alarm_topic_arns,
                self._tags,
                self,
            )
        return alarms
