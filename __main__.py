"""container-platform: one environment's image chain, ECS cluster and services behind one ALB.

All logic lives in components/; all settings in Pulumi.<stack>.yaml, validated before anything is created.
"""

import pulumi
import pulumi_aws as aws

from components.cluster import Cluster, ClusterArgs
from components.encryption_key import EncryptionKey, EncryptionKeyArgs
from components.image_chain import DIGESTS_OUTPUT, ImageChain, ImageChainArgs
from components.load_balancer import LoadBalancer, LoadBalancerArgs, ServiceRoute
from components.network import Network, NetworkArgs, available_zones
from components.settings import load_settings
from components.tagging import resource_tags
from components.web_service import WebService, WebServiceArgs
from image_references.lineage import LINEAGE_OUTPUT

settings = load_settings()
zones = available_zones(settings.network)
env = settings.environment
tags = resource_tags(env)
account_id = aws.get_caller_identity_output().account_id
partition = aws.get_partition_output().partition

key = EncryptionKey(
    env, EncryptionKeyArgs(partition=partition, region=settings.region, account_id=account_id, tags=tags)
)
images = ImageChain(
    env,
    ImageChainArgs(
        images=settings.images,
        application_images=settings.application_images,
        repositories=settings.repositories,
        kms_key_arn=key.arn,
        tags=tags,
    ),
)
network = Network(env, NetworkArgs(settings=settings.network, zones=zones, tags=tags))
cluster = Cluster(
    env,
    ClusterArgs(
        settings=settings.cluster,
        vpc_id=network.vpc_id,
        private_subnet_ids=network.private_subnet_ids,
        tags=tags,
    ),
)
alb = LoadBalancer(
    env,
    LoadBalancerArgs(
        settings=settings.load_balancer,
        vpc_id=network.vpc_id,
        public_subnet_ids=network.public_subnet_ids,
        services=[ServiceRoute(s.name, s.container_port, s.route) for s in settings.services],
        alarm_topic_arns=settings.alarm_topic_arns,
        tags=tags,
    ),
)
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
            private_subnet_ids=network.private_subnet_ids,
            load_balancer_security_group_id=alb.security_group_id,
            load_balancer_arn_suffix=alb.arn_suffix,
            target_group=alb.target_groups[service.name],
            routing=alb.routing[service.name],
            kms_key_arn=key.arn,
            ec2_capacity_provider=cluster.ec2_capacity_provider,
            log_retention_days=settings.log_retention_days,
            alarm_topic_arns=settings.alarm_topic_arns,
            tags=resource_tags(env, service.name),
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
