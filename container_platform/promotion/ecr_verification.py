"""Ask ECR itself whether each promoted digest exists and passed its vulnerability scan.

A digest in a file only says what someone wrote; the registry says whether those bytes are there and what
the scanner found in them. The clients come from ecr_clients.py (boto3's usual credential chain, the
registry account and region from the reference itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from container_platform.promotion.ecr_clients import EcrClients, not_in_ecr
from image_references.digest_reference import DigestReference

# Amazon Inspector / basic scanning severities, least to most severe.
SEVERITIES = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
DEFAULT_BLOCKING_SEVERITY = "CRITICAL"


def blocking_severities(threshold: str) -> tuple[str, ...]:
    """`threshold` and every severity above it."""
    if threshold not in SEVERITIES:
        raise ValueError(
            f"--block-severity {threshold!r} is not a scan severity; use one of {', '.join(SEVERITIES)}"
        )
    return SEVERITIES[SEVERITIES.index(threshold) :]


def verify_in_ecr(
    images: Mapping[str, DigestReference], *, block_at: str = DEFAULT_BLOCKING_SEVERITY
) -> list[str]:
    """One refusal message per image that ECR does not hold, has not scanned, or found too severe."""
    refusals: list[str] = []
    clients = EcrClients()
    for name, reference in images.items():
        problem = not_in_ecr(name, reference, "--verify-ecr", "check")
        if problem is not None:
            refusals.append(problem)
            continue
        refusals.extend(_refusals_for(clients.for_reference(reference), name, reference, block_at))
    return refusals


def _refusals_for(client: Any, name: str, reference: DigestReference, block_at: str) -> list[str]:
    from botocore.exceptions import BotoCoreError, ClientError

    target = dict(registryId=reference.ecr_account, repositoryName=reference.repository)
    image_id = {"imageDigest": reference.digest}
    try:
        client.describe_images(**target, imageIds=[image_id])
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code == "ImageNotFoundException":
            return [f"{name}: {reference.digest} does not exist in ECR repository {reference.repository} "
                    f"(account {reference.ecr_account}); promote only digests the source stack pushed"]
        if code == "RepositoryNotFoundException":
            return [f"{name}: ECR repository {reference.repository} does not exist in account "
                    f"{reference.ecr_account} ({reference.ecr_region})"]
        return [_access_problem(name, "ecr:DescribeImages", error)]
    except BotoCoreError as error:
        return [_access_problem(name, "ecr:DescribeImages", error)]
    try:
        scan = client.describe_image_scan_findings(**target, imageId=image_id)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ScanNotFoundException":
            return [f"{name}: {reference} has never been scanned; enable scan on push for "
                    f"{reference.repository} or run `aws ecr start-image-scan --repository-name "
                    f"{reference.repository} --image-id imageDigest={reference.digest}`, then promote again"]
        return [_access_problem(name, "ecr:DescribeImageScanFindings", error)]
    except BotoCoreError as error:
        return [_access_problem(name, "ecr:DescribeImageScanFindings", error)]
    status = scan.get("imageScanStatus", {}).get("status")
    if status not in ("COMPLETE", "ACTIVE"):
        return [f"{name}: the scan of {reference} is {status} "
                f"({scan.get('imageScanStatus', {}).get('description', 'no description')}); "
                "wait for it to complete, then promote again"]
    counts = scan.get("imageScanFindings", {}).get("findingSeverityCounts", {})
    blocking = reversed(blocking_severities(block_at))
    found = {severity: counts[severity] for severity in blocking if counts.get(severity)}
    if found:
        summary = ", ".join(f"{count} {severity}" for severity, count in found.items())
        return [f"{name}: the scan of {reference} found {summary} finding(s), and promotion blocks at "
                f"{block_at} and above; rebuild on a patched base and promote the new digest"]
    return []


def _access_problem(name: str, action: str, error: Exception) -> str:
    return (f"{name}: {action} failed ({error}); --verify-ecr needs AWS credentials allowed to call "
            f"{action} on the repository")
