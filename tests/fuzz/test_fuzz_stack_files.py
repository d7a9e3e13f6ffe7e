"""Mutated stack files: a clean error naming the file or setting, or settings that stand; never a traceback
or a hang. Seeded from the repository's own dev and prod stack files."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pulumi.runtime.config
from hypothesis import given
from hypothesis import strategies as st

from components.settings import ConfigError, Settings, load_settings
from container_platform.stack_config import StackConfigError, read_stack_config
from container_platform.stack_file_yaml import load_stack_yaml
from tests.fuzz.mutations import HOSTILE_YAML, JSON_VALUES, mutated_text

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ORIGINALS = {stack: (PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text() for stack in ("dev", "prod")}
SECONDS = 2.0


def settings_of(project: Path, stack: str) -> Settings:
    """The stack file read as the offline review reads it, then the program's own settings path."""
    config = read_stack_config(project, stack, "container-platform")
    pulumi.runtime.config.set_all_config(config.values, list(config.secret_keys))
    try:
        return load_settings()
    finally:
        pulumi.runtime.config.set_all_config({})


def assert_clean(project: Path, stack: str) -> None:
    started = time.monotonic()
    try:
        settings = settings_of(project, stack)
    except (StackConfigError, ConfigError) as error:
        message = str(error)
        assert message and "Traceback" not in message and len(message) < 4000, message[:500]
    else:
        # Settings that stand are ones AWS takes: the checks the fuzz found missing stay in place.
        assert 16 <= int(settings.network.cidr_block.rsplit("/", 1)[1]) <= 20
        assert type(settings.repositories.keep_releases) is int
        assert not {service.name for service in settings.services} & {"base", "java-runtime"}
    assert time.monotonic() - started < SECONDS


@given(stack=st.sampled_from(sorted(ORIGINALS)), data=st.data())
def test_a_mutated_stack_file_is_a_clean_error_or_settings_that_stand(tmp_path_factory, stack, data):
    project = tmp_path_factory.mktemp("project")
    text = data.draw(mutated_text(ORIGINALS[stack]))
    (project / f"Pulumi.{stack}.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    assert_clean(project, stack)


@given(stack=st.sampled_from(sorted(ORIGINALS)), key=st.sampled_from(
    ["network", "repositories", "loadBalancer", "services", "images", "cluster", "logRetentionDays"]
), value=JSON_VALUES | st.sampled_from(HOSTILE_YAML))
def test_a_setting_replaced_by_any_value_is_a_clean_error_or_settings_that_stand(
    tmp_path_factory, stack, key, value
):
    project = tmp_path_factory.mktemp("project")
    document = load_stack_yaml(ORIGINALS[stack], stack)
    document["config"][f"container-platform:{key}"] = value
    (project / f"Pulumi.{stack}.yaml").write_text(json.dumps(document))  # JSON is YAML
    assert_clean(project, stack)


@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_are_a_clean_error(tmp_path_factory, data):
    project = tmp_path_factory.mktemp("project")
    (project / "Pulumi.dev.yaml").write_bytes(data)
    assert_clean(project, "dev")
