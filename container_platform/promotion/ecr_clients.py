"""The ECR API clients promotion uses, one per region, found from the image reference itself.

Credentials and endpoint come from boto3's usual chain (environment, profile, role,
`AWS_ENDPOINT_URL_ECR`); the region and account come from the reference's registry host, so an image is
always asked about in the registry that holds it, whatever region the caller's profile names.
"""

from __future__ import annotations

from typing import Any

from image_references.digest_reference import DigestReference

ECR_HOST_FORM = "<account>.dkr.ecr.<region>.amazonaws.com"


def not_in_ecr(name: str, reference: DigestReference, option: str, verb: str) -> str | None:
    """Why `option` cannot `verb` this image (it is not in an ECR registry), or None when it can."""
    if reference.ecr_account is not None and reference.ecr_region is not None:
        return None
    return f"{name}: {reference} is not in an ECR registry ({ECR_HOST_FORM}), so {option} cannot {verb} it"


class EcrClients:
    """One boto3 ECR client per region, created on first use.

    boto3 is imported here, not at module level: every CLI command loads the modules that use this, and
    few of them talk to AWS.
    """

    def __init__(self) -> None:
        self._by_region: dict[str, Any] = {}

    def for_reference(self, reference: DigestReference) -> Any:
        """The client for the registry holding `reference`; check it with not_in_ecr first."""
        region = reference.ecr_region
        if region is None:
            raise ValueError(f"{reference} is not in an ECR registry ({ECR_HOST_FORM})")
        if region not in self._by_region:
            import boto3

            self._by_region[region] = boto3.client("ecr", region_name=region)
        return self._by_region[region]
