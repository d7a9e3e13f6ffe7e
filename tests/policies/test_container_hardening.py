"""Containers as terraform-provider-aws decodes them, and the runtime confinement rules that read them.

The provider decodes `containerDefinitions` with Go's encoding/json into the AWS SDK's ContainerDefinition
(terraform-provider-aws internal/service/ecs/container_definitions.go, expandContainerDefinitions): keys
match case-insensitively, a repeated key decodes again over the first, unknown keys are dropped. Each case
cites the public source of the behaviour or the benchmark item it encodes.
"""

from __future__ import annotations

import json

import pytest

from tests.policies.helpers import (
    UNKNOWN,
    assert_verdict,
    container,
    resource,
    task_definition,
)

TASK = "aws:ecs/taskDefinition:TaskDefinition"
GO_JSON = "Go encoding/json Unmarshal: case-insensitive keys, repeated keys decode again (pkg.go.dev)"
CIS_DOCKER = "CIS Docker Benchmark v1.6"


def local_volume(name, driver_opts):
    """A task whose one volume uses Docker's local driver with these options."""
    return task_definition(
        volumes=[{"name": name, "dockerVolumeConfiguration": {"driver": "local", "driverOpts": driver_opts}}]
    )


def raw_task(name: str, definitions: str, **props) -> object:
    """A task definition whose containerDefinitions is exactly this JSON text (duplicate keys kept)."""
    return resource(TASK, name, {"family": name, "containerDefinitions": definitions, **props})


def spliced(extra: str) -> str:
    """The compliant helper container with raw JSON members appended after its own keys."""
    text = json.dumps(container())
    return "[" + text[:-1] + ", " + extra + "}]"


CKV = "checkov tests/terraform/checks/resource/aws/"
SECOND = "second"

CASES = [
    # checkov's ECS fixtures, translated (container_definitions = jsonencode([...]) as the JSON string)
    (
        CKV + "example_ECSContainerReadOnlyRoot/main.tf: aws_ecs_task_definition.pass",
        "container-read-only-root",
        task_definition(container(), container(name=SECOND)),
        None,
    ),
    (
        CKV + "example_ECSContainerReadOnlyRoot/main.tf: aws_ecs_task_definition.fail (second omits it)",
        "container-read-only-root",
        task_definition(container(), container(name=SECOND, readonlyRootFilesystem=None)),
        "container 'second' has readonlyRootFilesystem=None",
    ),
    (
        CKV + "example_ECSContainerReadOnlyRoot/main.tf: aws_ecs_task_definition.fail2",
        "container-read-only-root",
        task_definition(
            container(readonlyRootFilesystem=False), container(name=SECOND, readonlyRootFilesystem=False)
        ),
        "readonlyRootFilesystem=False",
    ),
    (
        CKV
        + "example_ECSContainerPrivilege/main.tf: aws_ecs_task_definition.fail spells it 'privilege', a key "
        "the provider drops: the container is not privileged",
        "container-not-privileged",
        task_definition(container(), container(name=SECOND, privilege=True)),
        None,
    ),
    (
        CKV + "example_ECSContainerPrivilege/main.tf: aws_ecs_task_definition.fail, the dropped key reported",
        "container-definitions-valid",
        task_definition(container(), container(name=SECOND, privilege=True)),
        "[1].privilege",
    ),
    (
        CKV + "example_ECSContainerPrivilege/main.tf: aws_ecs_task_definition.pass",
        "container-not-privileged",
        task_definition(container(), container(name=SECOND)),
        None,
    ),
    (
        CKV
        + "example_ECSContainerHostProcess/main.tf: fail puts pidMode in a container, where ECS has no such "
        "key; the task's pidMode is what shares the host's namespace",
        "container-definitions-valid",
        task_definition(container(), container(name=SECOND, pidMode="host")),
        "[1].pidMode",
    ),
    (
        CKV + "example_ECSContainerHostProcess (CKV_AWS_335), as the task input pid_mode = host",
        "task-no-host-namespaces",
        task_definition(container(), pidMode="host"),
        "pidMode='host'",
    ),
    (
        CKV + "example_ECSContainerHostProcess (CKV_AWS_335), pid_mode = task",
        "task-no-host-namespaces",
        task_definition(container(), pidMode="task"),
        None,
    ),
    (
        CKV + "example_ECSTaskDefinitionRoleCheck/main.tf: aws_ecs_task_definition.fail (CKV_AWS_249)",
        "task-roles-distinct",
        task_definition(
            container(),
            executionRoleArn="arn:aws:iam::123456789012:role/example",
            taskRoleArn="arn:aws:iam::123456789012:role/example",
        ),
        "as both execution role and task role",
    ),
    (
        CKV + "example_ECSTaskDefinitionRoleCheck/main.tf: aws_ecs_task_definition.pass",
        "task-roles-distinct",
        task_definition(container()),
        None,
    ),
    (
        CKV + "example_ECSContainerReadOnlyRoot/main.tf: host_path /ecs/service-storage is no sensitive path",
        "task-no-sensitive-host-mounts",
        task_definition(
            container(), volumes=[{"name": "service-storage", "hostPath": "/ecs/service-storage"}]
        ),
        None,
    ),
    (
        'ECS ContainerDefinition (API reference): readonlyRootFilesystem is a Boolean; the string "true" '
        "fails the provider's decoding, so nothing is registered",
        "container-read-only-root",
        raw_task("string-true", '[{"name": "app", "image": "x", "readonlyRootFilesystem": "true"}]'),
        "cannot decode string into boolean",
    ),
    # The decoder: the provider's reading, not the author's spelling.
    (
        "terraform-provider-aws internal/json DecodeFromReader: it decodes every JSON value of the string "
        "into the same definitions, so a second array overrides the first",
        "container-not-privileged",
        raw_task("two-values", json.dumps([container()]) + "\n" + '[{"privileged": true}]'),
        "is privileged",
    ),
    (
        "terraform-provider-aws internal/json DecodeFromReader: null clears the definitions, and ECS rejects "
        "a task definition without containers",
        "container-not-privileged",
        raw_task("null", "null"),
        "no container definition at all",
    ),
    (
        "terraform-provider-aws internal/json DecodeFromReader: text after the JSON that is no JSON fails",
        "container-not-root",
        raw_task("trailing", json.dumps([container()]) + " trailing"),
        "not valid JSON",
    ),
    (
        GO_JSON,
        "container-not-privileged",
        raw_task("dup-priv", spliced('"Privileged": true')),
        "is privileged",
    ),
    (
        GO_JSON,
        "container-not-privileged",
        raw_task("upper-priv", spliced('"PRIVILEGED": true')),
        "is privileged",
    ),
    (
        "Go encoding/json folds keys with unicode.ToUpper: the dotless i is I",
        "container-not-privileged",
        raw_task("dotless", spliced('"pr\\u0131vileged": true')),
        "is privileged",
    ),
    (GO_JSON, "container-not-root", raw_task("dup-user", spliced('"User": "0"')), "runs as user '0'"),
    (
        GO_JSON,
        "approved-container-images",
        raw_task("dup-image", spliced('"Image": "docker.io/library/nginx:latest"')),
        "registry 'docker.io'",
    ),
    (
        "Go encoding/json decodes a repeated object into the struct already there",
        "container-not-privileged",
        raw_task(
            "merged",
            spliced('"linuxParameters": {"capabilities": {"add": ["SYS_ADMIN"]}}, "LinuxParameters": {}'),
        ),
        "adds Linux capabilities ['SYS_ADMIN']",
    ),
    (
        "Go encoding/json: the last of two values wins",
        "container-not-privileged",
        raw_task("last-wins", spliced('"Privileged": true, "privileged": false')),
        None,
    ),
    (
        "Go encoding/json decodes list elements into those already at their index",
        "container-ports-allowed",
        raw_task(
            "port-merge",
            spliced(
                '"PortMappings": [{"containerPort": 22, "hostPort": 22}], '
                '"portMappings": [{"containerPort": 8080}]'
            ),
        ),
        "hostPort 22",
    ),
    (
        "botocore ecs service-2 ContainerDefinition has no runAsUser (Kubernetes spells it so)",
        "container-definitions-valid",
        raw_task("typo", spliced('"runAsUser": 0')),
        "runAsUser",
    ),
    (
        "botocore ecs service-2 ContainerDefinition: every key of the helper is a member",
        "container-definitions-valid",
        task_definition(container()),
        None,
    ),
    (
        "AWS ECS developer guide example task definition (nested keys are members too)",
        "container-definitions-valid",
        task_definition(
            container(
                logConfiguration={"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app"}},
                healthCheck={"command": ["CMD-SHELL", "true"], "interval": 30},
            )
        ),
        None,
    ),
    (
        "Go encoding/json UnmarshalTypeError: a string where ECS has a boolean",
        "container-not-privileged",
        task_definition(container(privileged="false")),
        "would reject it",
    ),
    (
        "terraform-provider-aws: an empty container definition is rejected",
        "container-not-root",
        raw_task("empty", "[{}]"),
        "empty container definition",
    ),
    (
        "Go encoding/json: an object is not a []ContainerDefinition",
        "container-read-only-root",
        raw_task("object", json.dumps(container())),
        "not an array",
    ),
    # Root in every spelling: runc reads a numeric user with strconv.Atoi.
    (
        CIS_DOCKER + " 4.1; runc user lookup (strconv.Atoi)",
        "container-not-root",
        task_definition(container(user="00")),
        "'00'",
    ),
    (CIS_DOCKER + " 4.1", "container-not-root", task_definition(container(user="0000:0000")), "'0000:0000'"),
    (
        CIS_DOCKER + " 4.1; Go strconv.Atoi accepts a sign",
        "container-not-root",
        task_definition(container(user="+0")),
        "'+0'",
    ),
    (
        CIS_DOCKER + " 4.1",
        "container-not-root",
        task_definition(container(user="root:10001")),
        "'root:10001'",
    ),
    (
        CIS_DOCKER + " 4.1: uid 10001 with gid 0 is not the root user",
        "container-not-root",
        task_definition(container(user="10001:0")),
        None,
    ),
    (CIS_DOCKER + " 4.1: a named user", "container-not-root", task_definition(container(user="app")), None),
    (
        CIS_DOCKER + " 4.1: uid 100 is not root",
        "container-not-root",
        task_definition(container(user="100")),
        None,
    ),
    # Host namespaces (task-level inputs).
    (
        CIS_DOCKER + " 5.9",
        "task-no-host-namespaces",
        task_definition(networkMode="host"),
        "host's network namespace",
    ),
    (
        CIS_DOCKER + " 5.15",
        "task-no-host-namespaces",
        task_definition(pidMode="host"),
        "host's process namespace",
    ),
    (
        CIS_DOCKER + " 5.16",
        "task-no-host-namespaces",
        task_definition(ipcMode="host"),
        "host's IPC namespace",
    ),
    (
        CIS_DOCKER + " 5.9: awsvpc is the task's own",
        "task-no-host-namespaces",
        task_definition(networkMode="awsvpc", pidMode="task", ipcMode="none"),
        None,
    ),
    # Host mounts.
    (
        CIS_DOCKER + " 5.31",
        "task-no-sensitive-host-mounts",
        task_definition(volumes=[{"name": "sock", "hostPath": "/var/run/docker.sock"}]),
        "/var/run",
    ),
    (
        CIS_DOCKER + " 5.5",
        "task-no-sensitive-host-mounts",
        task_definition(volumes=[{"name": "root", "hostPath": "/"}]),
        "host path '/'",
    ),
    (
        CIS_DOCKER + " 5.5: a parent of a sensitive path",
        "task-no-sensitive-host-mounts",
        task_definition(volumes=[{"name": "var", "hostPath": "/var/"}]),
        "'/var/'",
    ),
    (
        CIS_DOCKER + " 5.5: dot segments resolve",
        "task-no-sensitive-host-mounts",
        task_definition(volumes=[{"name": "etc", "hostPath": "/srv/../etc/shadow"}]),
        "/etc",
    ),
    (
        "Docker local volume driver: type=none,o=bind binds a host directory (docs.docker.com volume create)",
        "task-no-sensitive-host-mounts",
        task_definition(
            volumes=[
                {
                    "name": "bound",
                    "dockerVolumeConfiguration": {
                        "driver": "local",
                        "driverOpts": {"type": "none", "o": "bind", "device": "/proc"},
                    },
                }
            ]
        ),
        "device",
    ),
    (
        "red team: o=rbind (moby/sys/mount: MS_BIND|MS_REC) binds the host directory recursively",
        "task-no-sensitive-host-mounts",
        task_definition(
            volumes=[
                {
                    "name": "bound",
                    "dockerVolumeConfiguration": {
                        "driver": "local",
                        "driverOpts": {"type": "none", "o": "rbind,ro", "device": "/etc"},
                    },
                }
            ]
        ),
        "device",
    ),
    (
        "red team: the local driver mounts the host's root disk (type=ext4, device=/dev/xvda1; mount(8))",
        "task-no-sensitive-host-mounts",
        local_volume("disk", {"type": "ext4", "device": "/dev/xvda1"}),
        "/dev",
    ),
    (
        "red team: an overlay whose lower directory is the host's / (kernel overlayfs docs: lowerdir)",
        "task-no-sensitive-host-mounts",
        local_volume("overlay", {"type": "overlay", "o": "lowerdir=/,upperdir=/srv/u,workdir=/srv/w"}),
        "lowerdir",
    ),
    (
        "Docker volume create docs: an NFS export is remote, not a host path",
        "task-no-sensitive-host-mounts",
        local_volume("nfs", {"type": "nfs", "o": "addr=10.0.0.10,nfsvers=4", "device": ":/etc"}),
        None,
    ),
    (
        CIS_DOCKER + " 5.5: an application data directory",
        "task-no-sensitive-host-mounts",
        task_definition(volumes=[{"name": "data", "hostPath": "/srv/app-data"}]),
        None,
    ),
    (
        "ECS task-scoped volume (no hostPath)",
        "task-no-sensitive-host-mounts",
        task_definition(volumes=[{"name": "tmp"}]),
        None,
    ),
    # Security options.
    (
        CIS_DOCKER + " 5.1",
        "container-security-options",
        task_definition(container(dockerSecurityOptions=["apparmor:unconfined"])),
        "apparmor:unconfined",
    ),
    (
        CIS_DOCKER + " 5.21",
        "container-security-options",
        task_definition(container(dockerSecurityOptions=["seccomp=unconfined"])),
        "seccomp=unconfined",
    ),
    (
        CIS_DOCKER + " 5.2",
        "container-security-options",
        task_definition(container(dockerSecurityOptions=["label:disable"])),
        "label:disable",
    ),
    (
        CIS_DOCKER + " 5.2: the super-privileged SELinux type",
        "container-security-options",
        task_definition(container(dockerSecurityOptions=["LABEL:type:spc_t"])),
        "spc_t",
    ),
    (
        CIS_DOCKER + " 5.25",
        "container-security-options",
        task_definition(container(dockerSecurityOptions=["no-new-privileges"])),
        None,
    ),
    (
        "ECS ContainerDefinition docs: a named AppArmor profile",
        "container-security-options",
        task_definition(container(dockerSecurityOptions=["apparmor:docker-default"])),
        None,
    ),
    # Capabilities as the decoder reads them.
    (
        CIS_DOCKER + " 5.3, capabilities spelled as Go decodes them",
        "container-not-privileged",
        raw_task("caps", spliced('"linuxParameters": {"Capabilities": {"ADD": ["NET_ADMIN"]}}')),
        "NET_ADMIN",
    ),
    (
        CIS_DOCKER + " 5.3: dropping is fine",
        "container-not-privileged",
        task_definition(container(linuxParameters={"capabilities": {"drop": ["ALL"]}})),
        None,
    ),
]


@pytest.mark.parametrize(
    ("source", "policy", "res", "expected"), CASES, ids=lambda value: getattr(value, "name", None)
)
def test_container_rules(pack, source, policy, res, expected):
    assert source
    assert_verdict(pack, res, policy, expected)


UNKNOWN_CASES = [
    ("task-no-host-namespaces", task_definition(pidMode=UNKNOWN), "pidMode"),
    (
        "task-no-sensitive-host-mounts",
        task_definition(volumes=[{"name": "v", "hostPath": UNKNOWN}]),
        "hostPath",
    ),
    (
        "container-security-options",
        task_definition(container(dockerSecurityOptions=UNKNOWN)),
        "dockerSecurityOptions",
    ),
    ("container-definitions-valid", task_definition(containerDefinitions=UNKNOWN), "containerDefinitions"),
]


@pytest.mark.parametrize(("policy", "res", "what"), UNKNOWN_CASES, ids=[case[0] for case in UNKNOWN_CASES])
def test_unknowns_are_unchecked_not_passed(pack, policy, res, what):
    assert pack.violations(res, policy) == []
    assert any(what in reason for reason in pack.unchecked(res, policy))
