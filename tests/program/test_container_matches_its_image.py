"""The container definition agrees with what the image itself declares (parsed with Docker's own
Dockerfile parser), so ECS checks health, runs the user and opens the port the image was built for."""

from __future__ import annotations

import dockerfile

from components.image_specs import application_image
from container_platform.review.offline_runtime import StackRecording
from tests.program.recorded import container_definitions

HELLO_WORLD = application_image("hello-world")


def _final_stage(instruction: str) -> tuple[str, ...]:
    """The value of the last `instruction` in the Dockerfile: what the final stage ships with."""
    commands = [
        c
        for c in dockerfile.parse_file(str(HELLO_WORLD.context_path() / "Dockerfile"))
        if c.cmd == instruction
    ]
    return tuple(commands[-1].value)


def test_container_health_check_is_the_images_healthcheck(dev: StackRecording):
    (definition,) = container_definitions(dev)
    assert tuple(definition["healthCheck"]["command"]) == _final_stage("HEALTHCHECK")


def test_container_runs_as_the_images_user_on_its_exposed_port(dev: StackRecording):
    (definition,) = container_definitions(dev)
    assert (definition["user"],) == _final_stage("USER")
    assert (str(definition["portMappings"][0]["containerPort"]),) == _final_stage("EXPOSE")


def test_container_is_told_its_port(dev: StackRecording):
    (definition,) = container_definitions(dev)
    environment = {e["name"]: e["value"] for e in definition["environment"]}
    assert environment["PORT"] == str(definition["portMappings"][0]["containerPort"])
