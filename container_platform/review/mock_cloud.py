"""The AWS account and region an offline evaluation pretends to run in, taken from the stack's config.

Every mocked ARN, registry host and invoke answer is built from this one identity, so the values a
policy sees line up with each other the way they would in a real account.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from container_platform.stack_config import StackConfig
from image_references.digest_reference import ecr_registry

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class CloudIdentity:
    account: str
    region: str
    partition: str = "aws"

    @property
    def registry_host(self) -> str:
        return ecr_registry(self.account, self.region)

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account}:{resource}"


def identity_from_config(config: StackConfig) -> CloudIdentity:
    """`aws:region` and the first of `aws:allowedAccountIds`, else a documented placeholder account."""
    account = DEFAULT_ACCOUNT
    allowed = config.get("aws:allowedAccountIds")
    if allowed:
        accounts = json.loads(allowed) if allowed.startswith("[") else [allowed]
        if accounts:
            account = str(accounts[0])
    return CloudIdentity(account=account, region=config.get("aws:region") or DEFAULT_REGION)


def stable_hex(*parts: object, length: int = 64) -> str:
    """A deterministic hex string derived from its inputs: the same program gives the same ids every run."""
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return (digest * (length // 64 + 1))[:length]
