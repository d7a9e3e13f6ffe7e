"""Containers run confined: the rules a reviewer applies to every container of a task definition.

Each rule reads the containers as the provider decodes them (containers.py), so a second `"Privileged"`
key or a `"User"` spelled in capitals is judged as ECS will see it. The baseline is the CIS Docker
Benchmark's section 5 (runtime): not privileged, no added capabilities or devices (5.3, 5.4, 5.17), not
root (4.1), a read-only root filesystem (5.12), no host namespaces (5.9, 5.15, 5.16), no sensitive host
directory or the Docker socket mounted (5.5, 5.31), and no confinement profile switched off (5.1, 5.2, 5.21).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from typing import Any

from review_board.containers import TASK_DEFINITION, container_name, containers, decoded
from review_board.framework import Finding, Resource, Unchecked, Violation, for_each, resource_policy
from review_board.wire import UNKNOWN, as_list, is_unknown

# Go's strconv.Atoi, which runc uses for a numeric user: an optional sign, then ASCII digits.
_GO_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
ROOT_NAMES = ("root",)
HOST = "host"
# CIS Docker 5.5's sensitive host directories, plus where the container runtimes keep their sockets and
# state: mounting any of these, or a directory that contains one (`/` itself), hands over the host.
SENSITIVE_HOST_PATHS = (
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/proc",
    "/sys",
    "/usr",
    "/root",
    "/run",
    "/var/run",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/ecs",
)
# dockerSecurityOptions that switch a confinement off (Docker's --security-opt, `:` or `=` between).
UNCONFINED_OPTIONS = {
    ("apparmor", "unconfined"),
    ("seccomp", "unconfined"),
    ("systempaths", "unconfined"),
    ("label", "disable"),
    ("label", "type:spc_t"),
    ("label", "type:unconfined_t"),
}


def is_root_user(user: str) -> bool:
    """Whether `user` (ECS `user`: name, uid, name:group or uid:gid) runs as uid 0 in every spelling."""
    uid = user.split(":", 1)[0]
    if _GO_INTEGER.fullmatch(uid):
        return int(uid) == 0
    return uid.lower() in ROOT_NAMES


def _subject(resource: Resource, container: Mapping[str, Any]) -> str:
    return f"{resource.label} container {container_name(container)!r}"


@for_each(containers)
def _not_privileged(
    resource: Resource, container: dict[str, Any], _config: Mapping[str, Any]
) -> Iterator[Finding]:
    subject = _subject(resource, container)
    privileged = container.get("privileged")
    if is_unknown(privileged):
        yield Unchecked(f"privileged of container {container_name(container)!r}")
    elif privileged is True:
        yield Violation(f"{subject} is privileged. Fix: remove 'privileged' or set it false.")
    linux = container.get("linuxParameters")
    if is_unknown(linux):
        yield Unchecked(f"linuxParameters of container {container_name(container)!r}")
        return
    linux = linux or {}
    capabilities = linux.get("capabilities")
    added = UNKNOWN if is_unknown(capabilities) else (capabilities or {}).get("add")
    if is_unknown(added):
        yield Unchecked(f"linuxParameters.capabilities.add of container {container_name(container)!r}")
    elif added:
        yield Violation(
            f"{subject} adds Linux capabilities {added}. "
            "Fix: remove linuxParameters.capabilities.add (and drop ALL)."
        )
    devices = linux.get("devices")
    if is_unknown(devices):
        yield Unchecked(f"linuxParameters.devices of container {container_name(container)!r}")
    elif devices:
        yield Violation(
            f"{subject} maps host devices {devices}. "
            "Fix: remove linuxParameters.devices; containers get no device access."
        )


@for_each(containers)
def _not_root(resource: Resource, container: dict[str, Any], _config: Mapping[str, Any]) -> Iterator[Finding]:
    user = container.get("user")
    if is_unknown(user):
        yield Unchecked(f"user of container {container_name(container)!r}")
    elif not user or is_root_user(str(user)):
        yield Violation(
            f"{_subject(resource, container)} runs as user {user!r} (root: uid 0, or the image's default). "
            "Fix: set 'user' to a non-root UID:GID, e.g. '10001:10001', created in the image."
        )


@for_each(containers)
def _read_only_root(
    resource: Resource, container: dict[str, Any], _config: Mapping[str, Any]
) -> Iterator[Finding]:
    read_only = container.get("readonlyRootFilesystem")
    if is_unknown(read_only):
        yield Unchecked(f"readonlyRootFilesystem of container {container_name(container)!r}")
    elif read_only is not True:
        yield Violation(
            f"{_subject(resource, container)} has readonlyRootFilesystem={read_only!r}. Fix: set "
            "readonlyRootFilesystem true and mount a volume for any path the app writes."
        )


@for_each(containers)
def _security_options(
    resource: Resource, container: dict[str, Any], _config: Mapping[str, Any]
) -> Iterator[Finding]:
    options = container.get("dockerSecurityOptions")
    if is_unknown(options):
        yield Unchecked(f"dockerSecurityOptions of container {container_name(container)!r}")
        return
    for option in as_list(options):
        if is_unknown(option):
            yield Unchecked(f"a dockerSecurityOption of container {container_name(container)!r}")
            continue
        key, _, value = str(option).strip().replace("=", ":", 1).partition(":")
        if (key.strip().lower(), value.strip().lower()) in UNCONFINED_OPTIONS:
            yield Violation(
                f"{_subject(resource, container)} sets dockerSecurityOptions {option!r}, which switches "
                "off the kernel's confinement of the container. Fix: remove it (the runtime's default "
                "profile applies)."
            )


def _host_namespaces(resource: Resource, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for key, what in (("networkMode", "network"), ("pidMode", "process"), ("ipcMode", "IPC")):
        value = resource.props.get(key)
        if is_unknown(value):
            yield Unchecked(key)
        elif isinstance(value, str) and value.strip().lower() == HOST:
            yield Violation(
                f"{resource.label} has {key}={value!r}: its containers share the host's {what} namespace. "
                f"Fix: remove {key} ('awsvpc' networking and the task's own namespaces)."
            )


# Mount options that make the local driver bind `device`, a host path (moby/sys/mount's flag table: `bind`
# is MS_BIND, `rbind` MS_BIND|MS_REC, the same bind with the mounts below it).
BIND_OPTIONS = {"bind", "rbind"}
# The local driver mounts whatever `type` names, as root on the host: a `device` that is a path is a host
# directory (bound) or a host block device (`type=ext4,device=/dev/xvda1` is the host's disk); an overlay's
# directories (`type=overlay,o=lowerdir=/,upperdir=...`) are host directories too. NFS (`:/export`) and
# CIFS (`//server/share`) devices are remote.
OVERLAY_DIRECTORIES = ("lowerdir", "upperdir", "workdir")


def _sensitive(host_path: str) -> str | None:
    """The sensitive host path that `host_path` is, lies in, or contains; None when it is none of them."""
    path = "/" + posixpath.normpath("/" + host_path.strip()).lstrip("/")
    for sensitive in SENSITIVE_HOST_PATHS:
        if _within(path, sensitive) or _within(sensitive, path):
            return sensitive
    return None


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def _volume_host_paths(volume: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(input, host path) pairs a task volume binds: hostPath, or the local driver's bind `device`."""
    yield "hostPath", volume.get("hostPath")
    docker = volume.get("dockerVolumeConfiguration")
    if is_unknown(docker):
        yield "dockerVolumeConfiguration", docker
        return
    docker = docker or {}
    options = docker.get("driverOpts") or {}
    if is_unknown(options) or is_unknown(docker.get("driver")):
        yield "dockerVolumeConfiguration.driverOpts", UNKNOWN
        return
    if (docker.get("driver") or "local") != "local":
        return
    mount_options, device = options.get("o"), options.get("device")
    if is_unknown(mount_options) or is_unknown(device):
        yield "dockerVolumeConfiguration.driverOpts", UNKNOWN
        return
    listed = [option.strip() for option in str(mount_options or "").split(",")]
    if BIND_OPTIONS & set(listed) or str(device or "").startswith("/"):
        yield "dockerVolumeConfiguration.driverOpts.device", device
    for option in listed:
        key, _, directories = option.partition("=")
        if key.strip() in OVERLAY_DIRECTORIES:
            for directory in directories.split(":"):
                yield f"dockerVolumeConfiguration.driverOpts.o {key.strip()}", directory


def _host_mounts(resource: Resource, _config: Mapping[str, Any]) -> Iterator[Finding]:
    volumes = resource.props.get("volumes")
    if is_unknown(volumes):
        yield Unchecked("volumes")
        return
    for volume in as_list(volumes):
        if is_unknown(volume):
            yield Unchecked("a volume")
            continue
        for key, host_path in _volume_host_paths(volume):
            if is_unknown(host_path):
                yield Unchecked(f"{key} of volume {volume.get('name')!r}")
                continue
            sensitive = _sensitive(str(host_path)) if host_path else None
            if sensitive:
                yield Violation(
                    f"{resource.label} volume {volume.get('name')!r} binds host path {host_path!r} ({key}), "
                    f"which exposes the host's {sensitive} (the Docker socket, credentials or kernel "
                    "interfaces). Fix: use a task-scoped volume (no hostPath) or EFS."
                )


def _definitions_valid(resource: Resource, _config: Mapping[str, Any]) -> Iterator[Finding]:
    result = decoded(resource)
    if isinstance(result, Unchecked | Violation):
        yield result
    elif result.ignored_keys:
        yield Violation(
            f"{resource.label} containerDefinitions has keys that are not in ECS's ContainerDefinition "
            f"model: {result.ignored_keys}. The provider silently drops them, so the task would not be what "
            "it reads as. Fix: remove them or spell them as the ECS API does (e.g. 'readonlyRootFilesystem')."
        )


POLICIES = [
    resource_policy(
        name="container-definitions-valid",
        question="extras",
        description="Container definitions use only the keys of ECS's ContainerDefinition model",
        types=[TASK_DEFINITION],
        check=_definitions_valid,
    ),
    resource_policy(
        name="container-not-privileged",
        question="extras",
        description="Containers are not privileged, add no Linux capabilities and map no devices",
        types=[TASK_DEFINITION],
        check=_not_privileged,
    ),
    resource_policy(
        name="container-not-root",
        question="extras",
        description="Containers run as a non-root user",
        types=[TASK_DEFINITION],
        check=_not_root,
    ),
    resource_policy(
        name="container-read-only-root",
        question="extras",
        description="Containers have a read-only root filesystem",
        types=[TASK_DEFINITION],
        check=_read_only_root,
    ),
    resource_policy(
        name="container-security-options",
        question="extras",
        description="No container switches off AppArmor, seccomp or SELinux confinement",
        types=[TASK_DEFINITION],
        check=_security_options,
    ),
    resource_policy(
        name="task-no-host-namespaces",
        question="extras",
        description="Tasks share no host namespace (network, PID, IPC)",
        types=[TASK_DEFINITION],
        check=_host_namespaces,
    ),
    resource_policy(
        name="task-no-sensitive-host-mounts",
        question="extras",
        description="Tasks mount no sensitive host directory and not the Docker socket",
        types=[TASK_DEFINITION],
        check=_host_mounts,
    ),
]
