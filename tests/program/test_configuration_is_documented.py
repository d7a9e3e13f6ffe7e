"""docs/configuration.md describes every key the settings accept, so the page cannot drift from the code."""

from __future__ import annotations

import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from components.settings import RegistryStackSettings, Settings
from tests.program.stack_configs import PROJECT_ROOT

DOCUMENT = PROJECT_ROOT / "docs" / "configuration.md"


def nested_models(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if isinstance(annotation, (types.UnionType, types.GenericAlias)) or typing.get_origin(annotation):
        return [model for argument in typing.get_args(annotation) for model in nested_models(argument)]
    return []


def keys(model: type[BaseModel]) -> set[str]:
    found: set[str] = set()
    for name, field in model.model_fields.items():
        found.add(field.alias or name)
        for nested in nested_models(field.annotation):
            found |= keys(nested)
    return found


@pytest.mark.parametrize("settings", [Settings, RegistryStackSettings], ids=["environment", "registry"])
def test_every_setting_appears_in_the_configuration_page(settings: type[BaseModel]):
    page = Path(DOCUMENT).read_text()
    undocumented = sorted(key for key in keys(settings) if f"`{key}`" not in page and f".{key}`" not in page)
    assert undocumented == []


def test_the_walk_finds_nested_keys():
    assert {"containerPort", "targetCapacity", "stackReference", "host", "actions"} <= keys(Settings)
