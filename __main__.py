"""container-platform: one environment's image chain, ECS cluster and services behind one ALB, or (with
`stackRole: registry`) the central registry every environment pulls from.

All logic lives in components/; all settings in Pulumi.<stack>.yaml, validated before anything is created.
"""

import pulumi
import pulumi_aws as aws

from components.audit_log_bucket import AuditLogBucket, AuditLogBucketArgs
from components.central_registry import CentralRegistry, CentralRegistryArgs
from components.cluster import Cluster, ClusterArgs
from components.efs_volume import SharedFileSystem, SharedFileSystemArgs
from components.encryption_key import EncryptionKey, EncryptionKeyArgs
from components.flow_logs import FlowLogsArgs
from components.iam_documents import log_group_arn, repository_arn
from components.image_chain import DIGESTS_OUTPUT, ImageChain, ImageChainArgs
from components.load_balancer import LoadBalancer, LoadBalancerArgs, ServiceRoute
from components.network import Network, NetworkArgs, available_zones
from components.service_subnets import ServiceSubnets, ServiceSubnetsArgs
from components.settings import RegistryStackSettings, Settings, load_settings
from components.tagging import resource_tags
from components.vpc_endpoints import VpcEndpoints, VpcEndpointsArgs, check_endpoint_services
from components.web_service import WebService, WebServiceArgs, log_group_name
from image_references.lineage import LINEAGE_OUTPUT


def account_and_key(
    env: str, region: str, tags: dict[str, str]
) -> tuple[pulumi.Output[str], pulumi.Output[str], EncryptionKey]:
    """The account, its partition and the stack's rotating KMS key: what every stack starts from."""
    account_id = aws.get_caller_identity_output().account_id
    partition = aws.get_partition_output().partition
    key = EncryptionKey(
        env, EncryptionKeyArgs(partition=partition, region=region, account_id=account_id, tags=tags)
    )
    return account_id, partition, key


def registry_stack(settings: RegistryStackSettings) -> None:
    env = settings.environment
    tags = resource_tags(env)
    account_id, partition, key = account_and_key(env, settings.region, tags)
    registry = CentralRegistry(
        env,
        CentralRegistryArgs(
            settings=settings.registry,
            repositories=settings.repositories,
            partition=partition,
            account_id=account_id,
            kms_key_arn=key.arn,
            tags=tags,
        ),
    )
    pulumi.export("repositoryUrls", registry.repository_urls)


def environment_stack(settings: Settings) -> None:
    zones = available_zones(settings.network)
    check_endpoint_services(settings.network, settings.region)  # none for an existing VPC
    env = settings.environment
    tags = resource_tags(env)
    account_id, partition, key = account_and_key(env, settings.region, tags)
    images = ImageChain(
        env,
        ImageChainArgs(
            images=settings.images,
            application_images=settings.application_images,
            repositories=settings.repositories,
            kms_key_arn=key.arn,
            tags=tags,
            region=settings.region,
        ),
    )
    flow_logs_to_s3 = not settings.network.existing and settings.network.flow_logs.destination == "s3"
    audit = (
        AuditLogBucket(
            env,
            AuditLogBucketArgs(
                partition=partition,
                region=settings.region,
                account_id=account_id,
                retention_days=settings.log_retention_days,
                access_logs=settings.load_balancer.access_logs,
                flow_logs=flow_logs_to_s3,
                tags=tags,
            ),
        )
        if settings.load_balancer.access_logs or flow_logs_to_s3
        else None
    )
    network = Network(
        env,
        NetworkArgs(
            settings=settings.network,
            flow_logs=FlowLogsArgs(
                settings=settings.network.flow_logs,
                environment=env,
                account_id=account_id,
                kms_key_arn=key.arn,
                retention_days=settings.log_retention_days,
                audit_bucket_arn=audit.arn if audit else None,
                tags=tags,
            ),
            zones=zones,
            tags=tags,
        ),
    )
    endpoints = (
        VpcEndpoints(
            env,
            VpcEndpointsArgs(
                services=settings.network.endpoints,
                environment=env,
                region=settings.region,
                partition=partition,
                account_id=account_id,
                vpc_id=network.vpc_id,
                private_subnet_ids=network.private_subnet_ids,
                private_route_table_ids=network.private_route_table_ids,
                repository_arns=pulumi.Output.all(partition, *images.digests.values()).apply(
                    lambda values: sorted({repository_arn(ref, values[0]) for ref in values[1:]})
                ),
                log_group_arns=pulumi.Output.all(partition, account_id).apply(
                    lambda values: [
                        log_group_arn(values[0], settings.region, values[1], log_group_name(env, s.name))
                        for s in settings.services
                    ]
                ),
                tags=tags,
            ),
        )
        if settings.network.endpoints and not settings.network.existing
        else None
    )
    cluster = Cluster(
        env,
        ClusterArgs(
            settings=settings.cluster,
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            endpoints=endpoints.access(only=False) if endpoints else None,
            tags=tags,
        ),
    )
    alb = LoadBalancer(
        env,
        LoadBalancerArgs(
            settings=settings.load_balancer,
            vpc_id=network.vpc_id,
            public_subnet_ids=network.public_subnet_ids,
            services=[
                ServiceRoute(s.name, s.container_port, s.route, s.blue_green) for s in settings.services
            ],
            alarm_topic_arns=settings.alarm_topic_arns,
            access_logs_bucket=audit.bucket if audit else None,
            access_logs_depend_on=[audit.policy] if audit else [],
            tags=tags,
        ),
    )
    file_systems = {
        name: SharedFileSystem(
            f"{env}-{name}",
            SharedFileSystemArgs(
                settings=file_system,
                vpc_id=network.vpc_id,
                private_subnet_ids=network.private_subnet_ids,
                kms_key_arn=key.arn,
                partition=partition,
                region=settings.region,
                account_id=account_id,
                tags=tags,
            ),
        )
        for name, file_system in settings.file_systems.items()
    }
    service_subnets = {
        service.name: ServiceSubnets(
            f"{service.name}-subnets",
            ServiceSubnetsArgs(
                settings=service.subnets,
                vpc_id=network.vpc_id,
                zones=zones,
                private_route_table_ids=network.private_route_table_ids,
                tags=resource_tags(env, service.name),
            ),
        ).ids
        for service in settings.services
        if service.subnets is not None
    }
    services = [
        WebService(
            service.name,
            WebServiceArgs(
                service=service,
                environment=env,
                region=settings.region,
                partition=partition,
                account_id=account_id,
                cluster_arn=cluster.arn,
                cluster_name=cluster.name,
                cluster_capacity_providers=cluster.capacity_providers,
                image_reference=images.digests[service.image_name],
                vpc_id=network.vpc_id,
                private_subnet_ids=service_subnets.get(service.name, network.private_subnet_ids),
                load_balancer_security_group_id=alb.security_group_id,
                load_balancer_arn_suffix=alb.arn_suffix,
                target_group=alb.target_groups[service.name],
                routing=alb.routing[service.name],
                kms_key_arn=key.arn,
                ec2_capacity_provider=cluster.ec2_capacity_provider,
                endpoints=endpoints.access(only=settings.network.private_egress) if endpoints else None,
                log_retention_days=settings.log_retention_days,
                alarm_topic_arns=settings.alarm_topic_arns,
                tags=resource_tags(env, service.name),
                named_capacity_providers=cluster.named_capacity_providers,
                file_systems=file_systems,
                blue_green=alb.blue_green.get(service.name),
                cpu_architecture=settings.service_architecture(service),
            ),
        )
        for service in settings.services
    ]

    pulumi.export(DIGESTS_OUTPUT, images.digests)
    pulumi.export(LINEAGE_OUTPUT, images.lineage)
    pulumi.export("url", alb.url)
    pulumi.export("clusterName", cluster.name)
    pulumi.export(
        "serviceNames",
        {service.name: web.service_name for service, web in zip(settings.services, services, strict=True)},
    )


stack_settings = load_settings()
if isinstance(stack_settings, RegistryStackSettings):
    registry_stack(stack_settings)
else:
    environment_stack(stack_settings)
