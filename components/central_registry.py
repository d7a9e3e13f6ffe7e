"""The central registry (the `registry` stack): one ECR repository per image of the chain, for every
environment.

Each repository is hardened as in a single-account stack (immutable tags, scan on push, KMS, lifecycle) and
carries a repository policy: the environments' accounts may pull and nothing else, the build identity
alone pushes, promotion may only read and tag, and nobody deletes an image. Pull-through cache rules and
replication are created where the stack asks for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components import iam_documents
from components.ecr_repository import EcrRepository, EcrRepositoryArgs
from components.settings import RegistrySettings, RepositoriesSettings


@dataclass(frozen=True)
class CentralRegistryArgs:
    settings: RegistrySettings
    repositories: RepositoriesSettings
    partition: pulumi.Input[str]
    account_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    tags: Mapping[str, str] = field(default_factory=dict)


class CentralRegistry(pulumi.ComponentResource):
    """`repository_urls`: image name -> repository URL, where dev pushes and every environment pulls."""

    def __init__(
        self, name: str, args: CentralRegistryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-platform:index:CentralRegistry", name, None, opts)
        settings, tags = args.settings, dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        policy = pulumi.Output.from_input(args.partition).apply(
            lambda partition: iam_documents.repository_policy(
                partition, settings.pull_accounts, settings.push_role_arn, settings.promote_role_arn
            )
        )
        self.repository_urls: dict[str, pulumi.Output[str]] = {}
        for image in settings.image_names:
            repository = EcrRepository(
                image,
                EcrRepositoryArgs(
                    repository_name=f"{settings.repository_prefix}/{image}",
                    kms_key_arn=args.kms_key_arn,
                    untagged_expiry_days=args.repositories.untagged_expiry_days,
                    keep_releases=args.repositories.keep_releases,
                    policy=policy,
                    tags=tags,
                ),
                opts=child,
            )
            self.repository_urls[image] = repository.url
        for rule in settings.pull_through_cache:
            aws.ecr.PullThroughCacheRule(
                f"{name}-cache-{rule.ecr_repository_prefix}",
                ecr_repository_prefix=rule.ecr_repository_prefix,
                upstream_registry_url=rule.upstream_registry_url,
                credential_arn=rule.credential_arn,
                opts=child,
            )
        if settings.replication:
            aws.ecr.ReplicationConfiguration(
                f"{name}-replication",
                replication_configuration=aws.ecr.ReplicationConfigurationReplicationConfigurationArgs(
                    rules=[
                        aws.ecr.ReplicationConfigurationReplicationConfigurationRuleArgs(
                            destinations=[
                                aws.ecr.ReplicationConfigurationReplicationConfigurationRuleDestinationArgs(
                                    region=destination.region,
                                    registry_id=destination.account or args.account_id,
                                )
                                for destination in settings.replication
                            ],
                            repository_filters=[
                                aws.ecr.ReplicationConfigurationReplicationConfigurationRuleRepositoryFilterArgs(
                                    filter=f"{settings.repository_prefix}/", filter_type="PREFIX_MATCH"
                                )
                            ],
                        )
                    ]
                ),
                opts=child,
            )
        self.register_outputs({"repositoryUrls": self.repository_urls})
