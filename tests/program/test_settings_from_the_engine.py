"""Under `pulumi up` the language host hands the program its config as PULUMI_CONFIG, a JSON bag whose
structured values are JSON text; the settings read that form as well as the mock runtime's."""

from __future__ import annotations

import json

import pulumi.runtime.config
import pytest

from components.settings import ConfigError, load_settings
from tests.program.stack_configs import stack_config


def engine_environment(config: dict) -> str:
    return json.dumps(
        {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}
    )


@pytest.fixture
def no_explicit_config():
    previous = dict(pulumi.runtime.config.CONFIG.get())
    pulumi.runtime.config.set_all_config({})
    yield
    pulumi.runtime.config.set_all_config(previous)


def test_settings_read_the_engines_config_bag(monkeypatch, no_explicit_config):
    config = {**stack_config("prod"), "container-platform:environment": "prod"}
    monkeypatch.setenv("PULUMI_CONFIG", engine_environment(config))
    settings = load_settings()
    assert settings.region == "eu-west-1"
    assert settings.images.pinned == config["container-platform:images"]["pinned"]
    assert settings.cluster.ec2_capacity is not None and settings.cluster.ec2_capacity.target_capacity == 80
    assert [s.desired_count for s in settings.services] == [2]


def test_bad_values_in_the_engines_config_bag_name_their_key(monkeypatch, no_explicit_config):
    config = {
        **stack_config("dev"),
        "container-platform:environment": "dev",
        "container-platform:logRetentionDays": 8,
    }
    monkeypatch.setenv("PULUMI_CONFIG", engine_environment(config))
    with pytest.raises(ConfigError, match="container-platform:logRetentionDays = 8 is not allowed"):
        load_settings()
