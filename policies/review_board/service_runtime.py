"""What a service runs with: its shared storage, its secrets and the alarms that roll its deployments back.

EFS reached from a task must be encrypted in transit and authorized by the task's IAM role; an NFS mount
through a Docker volume would bypass both, so it is refused too. Secrets may come only from the ARN prefixes
the board approved (the secret store is where the review of what a task may read happens); a bare SSM
parameter name is refused because its account and region cannot be judged. Every ECS service must wire
CloudWatch alarms into its deployments with rollback, so a release that starts failing undoes itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from review_board.containers import TASK_DEFINITION, containers
from review_board.framework import Finding, Resource, Unchecked, Violation, for_each, resource_policy
from review_board.wire import as_list, is_unknown

SERVICE = "aws:ecs/service:Service"
FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
NFS_TYPES = ("nfs", "nfs4")


def _volumes(resource: Resource) -> Iterator[dict[str, Any] | Finding]:
    volumes = resource.props.get("volumes")
    if is_unknown(volumes):
        yield Unchecked("volumes")
        return
    for volume in as_list(volumes):
        if is_unknown(volume) or not isinstance(volume, dict):
            yield Unchecked("a volume")
        else:
            yield volume


@for_each(_volumes)
def _efs_in_transit_with_iam(
    resource: Resource, volume: dict[str, Any], _config: Mapping[str, Any]
) -> Iterator[Finding]:
    name = volume.get("name", "?")
    efs = volume.get("efsVolumeConfiguration")
    docker = volume.get("dockerVolumeConfiguration")
    if is_unknown(efs) or is_unknown(docker):
        yield Unchecked(f"the configuration of volume {name!r}")
        return
    if isinstance(docker, dict):
        options = docker.get("driverOpts") or {}
        kind = options.get("type") if isinstance(options, dict) else None
        if is_unknown(kind):
            yield Unchecked(f"driverOpts.type of volume {name!r}")
        elif isinstance(kind, str) and kind.lower() in NFS_TYPES:
            yield Violation(
                f"{resource.label} volume {name!r} mounts NFS through a Docker volume (driverOpts type "
                f"{kind!r}), without TLS or IAM authorization. Fix: mount EFS with efsVolumeConfiguration "
                "(the service setting efsVolumes does)."
            )
    if not isinstance(efs, dict):
        return
    transit = efs.get("transitEncryption", "DISABLED")
    authorization = efs.get("authorizationConfig") or {}
    iam = authorization.get("iam", "DISABLED") if isinstance(authorization, dict) else authorization
    if is_unknown(transit) or is_unknown(iam):
        yield Unchecked(f"transitEncryption / authorizationConfig.iam of volume {name!r}")
        return
    if transit != "ENABLED":
        yield Violation(
            f"{resource.label} EFS volume {name!r} has transitEncryption={transit!r}, so file data crosses "
            "the network in clear. Fix: set transit_encryption='ENABLED' (services[].efsVolumes does)."
        )
    if iam != "ENABLED":
        yield Violation(
            f"{resource.label} EFS volume {name!r} has authorizationConfig.iam={iam!r}, so any task that "
            "reaches the mount target mounts it, whatever its role. Fix: set authorization_config="
            "{'iam': 'ENABLED', 'access_point_id': ...} (the service setting efsVolumes does)."
        )


def _efs_encrypted_at_rest(resource: Resource, _config: Mapping[str, Any]) -> Iterator[Finding]:
    encrypted = resource.props.get("encrypted")
    if is_unknown(encrypted):
        yield Unchecked("encrypted")
    elif encrypted is not True:
        yield Violation(
            f"{resource.label} has encrypted={encrypted!r}. Fix: set encrypted=True with kms_key_id the "
            "stack's key (fileSystems created by the program are)."
        )


def _secret_references(container: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(where, valueFrom) for every secret ECS fetches for the container."""
    name = container.get("name", "?")
    for secret in as_list(container.get("secrets")):
        if isinstance(secret, dict):
            yield f"container {name!r} secret {secret.get('name', '?')!r}", secret.get("valueFrom")
        else:
            yield f"container {name!r} secrets", secret
    logging = container.get("logConfiguration") or {}
    for option in as_list(logging.get("secretOptions") if isinstance(logging, dict) else None):
        if isinstance(option, dict):
            yield f"container {name!r} log secret {option.get('name', '?')!r}", option.get("valueFrom")
    credentials = container.get("repositoryCredentials") or {}
    if isinstance(credentials, dict) and "credentialsParameter" in credentials:
        yield f"container {name!r} repositoryCredentials", credentials.get("credentialsParameter")


@for_each(containers)
def _secrets_from_approved_arns(
    resource: Resource, container: dict[str, Any], config: Mapping[str, Any]
) -> Iterator[Finding]:
    prefixes = [str(prefix) for prefix in config["approvedSecretArnPrefixes"]]
    for where, value_from in _secret_references(container):
        if is_unknown(value_from):
            yield Unchecked(f"valueFrom of {where}")
        elif not isinstance(value_from, str) or not value_from.startswith("arn:"):
            yield Violation(
                f"{resource.label} {where} reads {value_from!r}, not an ARN, so its account and region "
                "cannot be judged. Fix: give the full Secrets Manager or SSM parameter ARN."
            )
        elif not any(value_from.startswith(prefix) for prefix in prefixes):
            yield Violation(
                f"{resource.label} {where} reads {value_from!r}, outside the approved prefixes "
                f"{prefixes or '(none configured)'}. Fix: store the secret under an approved prefix, or have "
                "the board add its prefix to approvedSecretArnPrefixes."
            )


def _deployment_alarms(resource: Resource, _config: Mapping[str, Any]) -> Iterator[Finding]:
    controller = (resource.props.get("deploymentController") or {}).get("type", "ECS")
    alarms = resource.props.get("alarms")
    if is_unknown(controller) or is_unknown(alarms):
        yield Unchecked("deploymentController.type and alarms")
        return
    if controller != "ECS":
        yield Violation(
            f"{resource.label} is deployed by {controller!r}, whose rollback the pack cannot see. Fix: use "
            "the ECS deployment controller (rolling or deployment: blueGreen) with deployment alarms."
        )
        return
    alarms = alarms if isinstance(alarms, dict) else {}
    names, enable, rollback = alarms.get("alarmNames"), alarms.get("enable"), alarms.get("rollback")
    if any(is_unknown(value) for value in (enable, rollback)):
        yield Unchecked("alarms.enable / alarms.rollback")
        return
    if not names or enable is not True or rollback is not True:
        yield Violation(
            f"{resource.label} has alarms={alarms or None!r}, so a deployment that starts failing is not "
            "rolled back by its alarms. Fix: set alarms={'alarm_names': [<5xx and unhealthy-host alarms>], "
            "'enable': True, 'rollback': True} (the program wires every service's)."
        )


POLICIES = [
    resource_policy(
        name="efs-transit-encryption-and-iam",
        question="extras",
        description="Tasks mount EFS encrypted in transit and authorized by their IAM role, never plain NFS",
        types=[TASK_DEFINITION],
        check=_efs_in_transit_with_iam,
    ),
    resource_policy(
        name="efs-encrypted-at-rest",
        question="extras",
        description="EFS file systems are encrypted at rest",
        types=[FILE_SYSTEM],
        check=_efs_encrypted_at_rest,
    ),
    resource_policy(
        name="secrets-from-approved-arns",
        question="3",
        description="Containers read secrets only from approved Secrets Manager / SSM ARN prefixes",
        types=[TASK_DEFINITION],
        check=_secrets_from_approved_arns,
        config={
            "approvedSecretArnPrefixes": {
                "type": "array",
                "items": {"type": "string", "pattern": "^arn:"},
                "default": [],
                "description": "ARN prefixes secrets may come from, e.g. "
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:container-platform/",
            }
        },
    ),
    resource_policy(
        name="deployment-alarms-wired",
        question="extras",
        description="ECS services roll a deployment back when its CloudWatch alarms fire",
        types=[SERVICE],
        check=_deployment_alarms,
    ),
]
