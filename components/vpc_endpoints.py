"""VPC endpoints: tasks reach ECR, CloudWatch Logs and the secret stores without leaving the AWS network.

Interface endpoints (private DNS on, in the private subnets, behind a security group that takes 443 only
from the client groups: tasks and container instances) for each service in `network.endpoints`, and the S3
gateway endpoint on the private route tables for image layers. Each endpoint's policy lets this account's
principals reach only this stack's repositories, log groups, secrets and parameters
(iam_documents.endpoint_policy); none is AWS's full-access default. Clients are admitted by security group
(https_egress.EndpointAccess); with `privateEgress`, tasks' HTTPS goes only to these endpoints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components import iam_documents
from components.https_egress import EndpointAccess
from components.settings import NAMESPACE, ConfigError, NetworkSettings

S3 = "s3"


def endpoint_service_name(region: str, service: str) -> str:
    return f"com.amazonaws.{region}.{service}"


def check_endpoint_services(settings: NetworkSettings, region: str) -> None:
    """Ask the region for each configured endpoint service before any resource is registered, so a service
    the region does not offer is a config error naming the key, not a failed `pulumi up` halfway through."""
    wanted = [
        (f"endpoints[{index}]", service, "Interface") for index, service in enumerate(settings.endpoints)
    ]
    if settings.endpoints:
        wanted.append(("endpoints", S3, "Gateway"))
    for key, service, kind in wanted:
        name = endpoint_service_name(region, service)
        try:
            aws.ec2.get_vpc_endpoint_service(service_name=name, service_type=kind)
        except Exception as error:  # the provider reports a missing service as a failed invoke
            raise ConfigError(
                f"{NAMESPACE}:network.{key} = {service!r} is not allowed: region {region} offers no {kind} "
                f"endpoint service {name} ({error}); remove it or deploy to a region that has it"
            ) from None


@dataclass(frozen=True)
class VpcEndpointsArgs:
    services: Sequence[str]
    environment: str
    region: str
    partition: pulumi.Input[str]
    account_id: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    private_subnet_ids: Sequence[pulumi.Input[str]]
    private_route_table_ids: Sequence[pulumi.Input[str]]
    repository_arns: pulumi.Input[Sequence[str]]
    log_group_arns: pulumi.Input[Sequence[str]]
    tags: Mapping[str, str] = field(default_factory=dict)
    private_dns_enabled: bool = True


class VpcEndpoints(pulumi.ComponentResource):
    """`security_group_id` of the interface endpoints and `s3_prefix_list_id`; `access()` for a client."""

    def __init__(self, name: str, args: VpcEndpointsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:index:VpcEndpoints", name, None, opts)
        tags = dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-endpoints",
            description=f"{name} VPC interface endpoints: 443 from tasks and container instances only",
            vpc_id=args.vpc_id,
            tags=tags,
            opts=child,
        )
        self.endpoints: dict[str, aws.ec2.VpcEndpoint] = {}
        for service in (*args.services, S3):
            gateway = service == S3
            self.endpoints[service] = aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}",
                vpc_id=args.vpc_id,
                service_name=endpoint_service_name(args.region, service),
                vpc_endpoint_type="Gateway" if gateway else "Interface",
                route_table_ids=list(args.private_route_table_ids) if gateway else None,
                subnet_ids=None if gateway else list(args.private_subnet_ids),
                security_group_ids=None if gateway else [self.security_group.id],
                private_dns_enabled=None if gateway else args.private_dns_enabled,
                policy=self._policy(service, args),
                tags={**tags, "Name": f"{name}-{service}"},
                opts=child,
            )
        self.security_group_id = self.security_group.id
        self.s3_prefix_list_id = self.endpoints[S3].prefix_list_id
        self.register_outputs(
            {"securityGroupId": self.security_group_id, "s3PrefixListId": self.s3_prefix_list_id}
        )

    def access(self, *, only: bool) -> EndpointAccess:
        """How a client group reaches the endpoints; `only`: and HTTPS nowhere else."""
        return EndpointAccess(self.security_group_id, self.s3_prefix_list_id, only=only)

    @staticmethod
    def _policy(service: str, args: VpcEndpointsArgs) -> pulumi.Output[str]:
        return pulumi.Output.all(
            args.partition, args.account_id, args.repository_arns, args.log_group_arns
        ).apply(
            lambda values: iam_documents.endpoint_policy(
                service,
                partition=values[0],
                region=args.region,
                account_id=values[1],
                environment=args.environment,
                repository_arns=values[2],
                log_group_arns=values[3],
            )
        )
