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

from components import iam_documents
from components.alarms import AlbAlarm, alb_alarms
from components.https_egress import EndpointAccess, https_egress_rules
from components.settings import PORT_VARIABLE, ServiceSettings

TMP_VOLUME = "tmp"


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
            "mountPoints": [{"sourceVolume": TMP_VOLUME, "containerPath": "/tmp", "readOnly": False}],
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
        execution_role, task_role = self._roles(name, log_group)
        task_security_group = self._security_groups(name)
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
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=TMP_VOLUME)],
            container_definitions=pulumi.Output.all(args.image_reference, log_group.name).apply(
                lambda values: json.dumps(container_definitions(args, values[0], values[1]))
            ),
            tags=self._tags,
            opts=self._child(),
        )
        ecs_service = aws.ecs.Service(
            f"{name}-service",
            cluster=args.cluster_arn,
            task_definition=task_definition.arn,
            desired_count=service.desired_count,
            capacity_provider_strategies=[
                aws.ecs.ServiceCapacityProviderStrategyArgs(
                    capacity_provider=args.ec2_capacity_provider
                    if entry.provider == "EC2"
                    else entry.provider,
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
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=args.target_group.arn,
                    container_name=service.name,
                    container_port=service.container_port,
                )
            ],
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
        self._alarms(name)
        self.service_name = ecs_service.name
        self.task_definition_arn = task_definition.arn
        self.register_outputs(
            {"serviceName": self.service_name, "taskDefinitionArn": self.task_definition_arn}
        )

    def _child(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self)

    def _roles(self, name: str, log_group: aws.cloudwatch.LogGroup) -> tuple[aws.iam.Role, aws.iam.Role]:
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
                    [iam_documents.repository_arn(values[0], values[1])], values[2]
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
        if args.service.task_role_grants:
            grants = [(grant.actions, grant.resources) for grant in args.service.task_role_grants]
            aws.iam.RolePolicy(
                f"{name}-task-grants",
                role=task_role.id,
                policy=iam_documents.task_role_policy(grants),
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
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-alb",
            security_group_id=group.id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            referenced_security_group_id=args.load_balancer_security_group_id,
            description="traffic and health checks from the load balancer",
            tags=self._tags,
            opts=self._child(),
        )
        https_egress_rules(
            f"{name}-https-out",
            group.id,
            "ECR, CloudWatch Logs and the AWS APIs the task calls",
            args.endpoints,
            self._tags,
            self._child(),
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-alb-to-tasks",
            security_group_id=args.load_balancer_security_group_id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            referenced_security_group_id=group.id,
            description=f"load balancer to {args.service.name} tasks",
            tags=self._tags,
            opts=self._child(),
        )
        return group

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
        for metric, target_value in (
            ("ECSServiceAverageCPUUtilization", service.cpu_target_percent),
            ("ECSServiceAverageMemoryUtilization", service.memory_target_percent),
        ):
            aws.appautoscaling.Policy(
                f"{name}-{'cpu' if 'CPU' in metric else 'memory'}",
                policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                target_tracking_scaling_policy_configuration=(
                    aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                        target_value=target_value,
                        predefined_metric_specification=(
                            aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                                predefined_metric_type=metric
                            )
                        ),
                        scale_in_cooldown=300,
                        scale_out_cooldown=60,
                    )
                ),
                opts=self._child(),
            )

    def _alarms(self, name: str) -> None:
        args = self._args
        alb_alarms(
            name,
            f"{args.environment}/{args.service.name}",
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
            {"TargetGroup": args.target_group.arn_suffix, "LoadBalancer": args.load_balancer_arn_suffix},
            args.alarm_topic_arns,
            self._tags,
            self,
        )
