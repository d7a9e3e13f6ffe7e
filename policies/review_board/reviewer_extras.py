"""What a security reviewer also expects: hardened ECR repositories, distinct roles, logs, IMDSv2."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from review_board.containers import TASK_DEFINITION
from review_board.framework import Finding, Resource, Unchecked, Violation, resource_policy
from review_board.network_exposure import INSTANCE, LAUNCH_CONFIGURATION, LAUNCH_TEMPLATE
from review_board.wire import as_int, as_list, is_unknown, shown

REPOSITORY = "aws:ecr/repository:Repository"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SERVICE = "aws:ecs/service:Service"
# ECR's encryption types that use a KMS key (EncryptionConfiguration, ECR API reference): KMS, and KMS_DSSE
# (two layers, GovCloud). AES256 is S3-managed keys, the default.
KMS_ENCRYPTION_TYPES = ("KMS", "KMS_DSSE")


def _scan_on_push(resource: Resource, _config: Mapping[str, Any]) -> Iterator[Finding]:
    scanning = resource.props.get("imageScanningConfiguration") or {}
    scan = scanning.get("scanOnPush") if isinstance(scanning, dict) else scanning
    if is_unknown(scan):
        yield Unchecked("imageScanningConfiguration.scanOnPush")
    elif scan is not True:
        yield Violation(
            f"{resource.label} has imageScanningConfiguration.scanOnPush={scan!r}. "
            "Fix: set image_scanning_configuration={'scan_on_push': True}."
        )


def _immutable_tags(resource: Resource, _config: Mapping[str, Any]) -> Iterator[Finding]:
    mutability = resource.props.get("imageTagMutability", "MUTABLE")
    if is_unknown(mutability):
        yield Unchecked("imageTagMutability")
    elif mutability != "IMMUTABLE":
        yield Violation(
            f"{resource.label} has imageTagMutability={mutability!r}, so a pushed tag can be overwritten. "
            "Fix: set image_tag_mutability='IMMUTABLE'."
        )


def _encrypted(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    settings = as_list(resource.props.get("encryptionConfigurations"))
    if any(is_unknown(s) or is_unknown(s.get("encryptionType")) for s in settings):
        yield Unchecked("encryptionConfigurations")
        return
    kinds = [s.get("encryptionType", "AES256") for s in settings] or ["AES256 (default)"]
    if config["requireKms"] and not set(kinds) & set(KMS_ENCRYPTION_TYPES):
        yield Violation(
            f"{resource.label} is encrypted with {kinds[0]!r}, not a KMS key. "
            "Fix: set encryption_configurations=[{'encryption_type': 'KMS', 'kms_key': <key ARN>}]."
        )


def _roles_distinct(resource: Resource, _config: Mapping[str, Any]) -> Iterator[Finding]:
    execution = resource.props.get("executionRoleArn")
    task = resource.props.get("taskRoleArn")
    if is_unknown(execution) or is_unknown(task):
        yield Unchecked("executionRoleArn and taskRoleArn")
    elif execution and task and execution == task:
        yield Violation(
            f"{resource.label} uses {task!r} as both execution role and task role, so the application gets "
            "the image-pull and secret-read rights. Fix: give the task its own role with only what the app "
            "needs."
        )


def _log_retention(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    retention = resource.props.get("retentionInDays")
    days = as_int(retention)
    minimum = int(config["minimumDays"])
    if is_unknown(retention):
        yield Unchecked("retentionInDays")
    elif days is None or days <= 0:
        yield Violation(
            f"{resource.label} keeps logs forever (retentionInDays={retention!r}). "
            f"Fix: set retention_in_days to at least {minimum}."
        )
    elif days < minimum:
        yield Violation(
            f"{resource.label} keeps logs {days} days, less than the required {minimum}. "
            f"Fix: set retention_in_days >= {minimum}."
        )


def _imdsv2(resource: Resource, _config: Mapping[str, Any]) -> Iterator[Finding]:
    options = resource.props.get("metadataOptions")
    if is_unknown(options):
        yield Unchecked("metadataOptions")
        return
    options = options or {}
    if options.get("httpEndpoint") == "disabled":
        return
    tokens, hops = options.get("httpTokens"), options.get("httpPutResponseHopLimit")
    if is_unknown(tokens) or is_unknown(hops):
        yield Unchecked("metadataOptions.httpTokens / httpPutResponseHopLimit")
        return
    if tokens != "required":
        yield Violation(
            f"{resource.label} has metadataOptions.httpTokens={tokens!r}, so IMDSv1 is reachable. "
            "Fix: set metadata_options={'http_tokens': 'required', 'http_put_response_hop_limit': 1}."
        )
    if as_int(hops) != 1:
        yield Violation(
            f"{resource.label} has metadataOptions.httpPutResponseHopLimit={shown(hops)!r}; containers can "
            "reach the instance's credentials. Fix: set http_put_response_hop_limit to 1."
        )


def _circuit_breaker(resource: Resource, _config: Mapping[str, Any]) -> Iterator[Finding]:
    controller = (resource.props.get("deploymentController") or {}).get("type", "ECS")
    if is_unknown(controller):
        yield Unchecked("deploymentController.type")
        return
    if controller != "ECS":
        return
    breaker = resource.props.get("deploymentCircuitBreaker")
    if is_unknown(breaker) or any(is_unknown(value) for value in (breaker or {}).values()):
        yield Unchecked("deploymentCircuitBreaker")
    elif not breaker or breaker.get("enable") is not True or breaker.get("rollback") is not True:
        yield Violation(
            f"{resource.label} has deploymentCircuitBreaker={breaker!r}, so a failed deployment does not "
            "roll back by itself. Fix: set deployment_circuit_breaker={'enable': True, 'rollback': True}."
        )


POLICIES = [
    resource_policy(
        name="ecr-scan-on-push",
        question="extras",
        description="ECR repositories scan every pushed image",
        types=[REPOSITORY],
        check=_scan_on_push,
    ),
    resource_policy(
        name="ecr-immutable-tags",
        question="extras",
        description="ECR repositories have immutable tags, so nobody overwrites an image",
        types=[REPOSITORY],
        check=_immutable_tags,
    ),
    resource_policy(
        name="ecr-encryption",
        question="extras",
        description="ECR repositories are encrypted with a KMS key",
        types=[REPOSITORY],
        check=_encrypted,
        config={"requireKms": {"type": "boolean", "default": True}},
    ),
    resource_policy(
        name="task-roles-distinct",
        question="extras",
        description="A task's execution role and task role are different roles",
        types=[TASK_DEFINITION],
        check=_roles_distinct,
    ),
    resource_policy(
        name="log-group-retention",
        question="extras",
        description="Log groups have a retention period",
        types=[LOG_GROUP],
        check=_log_retention,
        severity=Severity.MEDIUM,
        config={"minimumDays": {"type": "integer", "minimum": 1, "default": 7}},
    ),
    resource_policy(
        name="launch-template-imdsv2",
        question="extras",
        description="Instances and templates require IMDSv2, hop limit 1: tasks cannot reach credentials",
        types=[LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION, INSTANCE],
        check=_imdsv2,
    ),
    resource_policy(
        name="service-circuit-breaker",
        question="extras",
        description="ECS services roll a failed deployment back by themselves (circuit breaker, rollback)",
        types=[SERVICE],
        check=_circuit_breaker,
        severity=Severity.MEDIUM,
    ),
]
