"""A stack's configuration as the Pulumi CLI hands it to the program, read from `Pulumi.<stack>.yaml`.

The CLI namespaces bare keys with the project name, passes every value to the program as a string
(objects and lists JSON-encoded), and marks `secure:` values as secret. We do the same, offline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from container_platform.stack_file_yaml import StackFileYamlError, load_stack_yaml


class StackConfigError(Exception):
    """The project or stack file is missing or malformed; the message says which file and how to fix it."""


@dataclass(frozen=True)
class StackConfig:
    """Config values keyed `namespace:key`, in the string form the program's `pulumi.Config` reads."""

    values: dict[str, str]
    secret_keys: frozenset[str] = field(default_factory=frozenset)

    def get(self, key: str) -> str | None:
        return self.values.get(key)


def _load_yaml(path: Path) -> Any:
    """The parsed file as the CLI reads it; anything it would refuse names the file, the line and the fix."""
    try:
        return load_stack_yaml(path.read_bytes(), str(path))
    except OSError as error:
        raise StackConfigError(f"{path} cannot be read ({error.strerror})") from None
    except StackFileYamlError as error:
        raise StackConfigError(str(error)) from None


def project_name(project_dir: Path) -> str:
    """The `name:` of `Pulumi.yaml`: the project part of every URN."""
    project_file = project_dir / "Pulumi.yaml"
    if not project_file.is_file():
        raise StackConfigError(
            f"no Pulumi.yaml in {project_dir}: run from the project root or pass project_dir"
        )
    document = _load_yaml(project_file) or {}
    name = document.get("name") if isinstance(document, dict) else None
    if not isinstance(name, str) or not name:
        raise StackConfigError(
            f"{project_file} has no `name:`; add the project name, e.g. `name: container-platform`"
        )
    return name


def stack_file(project_dir: Path, stack: str) -> Path:
    return project_dir / f"Pulumi.{stack}.yaml"


def known_stacks(project_dir: Path) -> list[str]:
    """Every stack with a `Pulumi.<stack>.yaml` in the project, sorted."""
    return sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in project_dir.glob("Pulumi.*.yaml"))


def read_stack_config(project_dir: Path, stack: str, project: str) -> StackConfig:
    """The `config:` section of `Pulumi.<stack>.yaml`; a missing file names the stacks that do exist."""
    path = stack_file(project_dir, stack)
    if not path.is_file():
        known = known_stacks(project_dir)
        raise StackConfigError(
            f"stack {stack!r} has no stack file {path.name} in {project_dir}; "
            f"known stacks: {', '.join(known) or 'none'} (create {path.name} with a `config:` section)"
        )
    document = _load_yaml(path) or {}
    if not isinstance(document, dict):
        raise StackConfigError(
            f"{path} must be a YAML mapping with a `config:` section, got {type(document).__name__}"
        )
    section = document.get("config") or {}
    if not isinstance(section, dict):
        raise StackConfigError(f"{path}: `config:` must be a mapping of `namespace:key` to value")
    return config_from_mapping(section, project)


def config_from_mapping(section: Mapping[str, Any], project: str) -> StackConfig:
    """Shape a `config:` mapping (as written in a stack file) the way the CLI passes it to the program."""
    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    for key, value in section.items():
        full_key = key if ":" in key else f"{project}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            # Ciphertext cannot be decrypted offline; the program sees it as an opaque secret string.
            values[full_key] = str(value["secure"])
            secret_keys.add(full_key)
        else:
            values[full_key] = config_string(value)
    return StackConfig(values=values, secret_keys=frozenset(secret_keys))


def config_string(value: Any) -> str:
    """Strings as they are, booleans as `true`/`false`, everything else as JSON, as the CLI encodes it."""
    if isinstance(value, str):
        return value
    return json.dumps(value)
