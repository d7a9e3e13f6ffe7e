"""A hardened ECR repository: the only place an image of the chain may live."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.promoted_tag import PROMOTED_TAG_PREFIX

# AWS documents countNumber as a positive integer (0 is not accepted) with no upper bound; 9999 is the
# count AWS CDK's own example uses to keep `prod` images, far more promotions than a repository will see.
KEEP_PROMOTED_IMAGES = 9999


@dataclass(frozen=True)
class EcrRepositoryArgs:
    """`repository_name` is `<prefix>/<image name>`: the repository is named after the image it holds."""

    repository_name: str
    kms_key_arn: pulumi.Input[str]
    untagged_expiry_days: int = 7
    keep_releases: int = 30
    image_tag_mutability: str = "IMMUTABLE"
    scan_on_push: bool = True
    encryption_type: str = "KMS"
    policy: pulumi.Input[str] | None = None  # a repository policy (the central registry's), else none
    tags: Mapping[str, str] = field(default_factory=dict)


def lifecycle_policy(untagged_expiry_days: int, keep_releases: int) -> str:
    """Expire untagged layers after a few days; keep the newest releases, so rollbacks stay possible; and
    never expire an image another stack deploys (tagged by `promote --tag-ecr`).

    The promoted rule comes first: ECR never lets a lower-priority rule expire an image that matches the
    tags of a higher-priority one, so keepReleases cannot expire what prod still runs.
    """
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": "keep every image a later stack deploys (tagged by promote)",
                    "selection": {
                        "tagStatus": "tagged",
                        "tagPrefixList": [PROMOTED_TAG_PREFIX],
                        "countType": "imageCountMoreThan",
                        "countNumber": KEEP_PROMOTED_IMAGES,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 2,
                    "description": f"expire untagged images after {untagged_expiry_days} days",
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": untagged_expiry_days,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 3,
                    "description": f"keep the last {keep_releases} releases",
                    "selection": {
                        "tagStatus": "tagged",
                        "tagPatternList": ["*"],
                        "countType": "imageCountMoreThan",
                        "countNumber": keep_releases,
                    },
                    "action": {"type": "expire"},
                },
            ]
        },
        sort_keys=True,
    )


class EcrRepository(pulumi.ComponentResource):
    """Immutable tags, scan on push, KMS encryption and a lifecycle policy, declared in the args."""

    def __init__(
        self, name: str, args: EcrRepositoryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-platform:index:EcrRepository", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.repository = aws.ecr.Repository(
            name,
            name=args.repository_name,
            image_tag_mutability=args.image_tag_mutability,
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
                scan_on_push=args.scan_on_push
            ),
            encryption_configurations=[
                aws.ecr.RepositoryEncryptionConfigurationArgs(
                    encryption_type=args.encryption_type, kms_key=args.kms_key_arn
                )
            ],
            tags=dict(args.tags),
            opts=child,
        )
        self.lifecycle_policy = aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=self.repository.name,
            policy=lifecycle_policy(args.untagged_expiry_days, args.keep_releases),
            opts=child,
        )
        if args.policy is not None:
            aws.ecr.RepositoryPolicy(
                f"{name}-policy", repository=self.repository.name, policy=args.policy, opts=child
            )
        self.url = self.repository.repository_url
        self.arn = self.repository.arn
        self.register_outputs({"url": self.url, "arn": self.arn})
