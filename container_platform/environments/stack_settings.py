"""One stack file read for the environment commands: its comments and lines kept, its settings validated.

The settings are validated by components/settings.py itself (the same code the program runs at `pulumi up`),
so `init` and `preflight` can never accept what the program would refuse, nor word the refusal differently.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from components.settings import NAMESPACE, ConfigError, Settings, parse_settings
from container_platform.stack_config import known_stacks, stack_file

REGION_KEY = "aws:region"
ACCOUNTS_KEY = "aws:allowedAccountIds"


class StackSettingsError(Exception):
    """The stack file is missing, malformed or invalid; the message names the file or setting and the fix."""


def round_trip_yaml() -> YAML:
    """ruamel's round-trip mode: comments, order and quoting survive a load and dump."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # a digest reference or an ARN is long; never fold it
    return yaml


@dataclass(frozen=True)
class StackSettings:
    """A stack file as written (text and round-trip document) and as the program would read it."""

    stack: str
    path: Path
    text: str
    config: CommentedMap
    settings: Settings

    @property
    def allowed_account_ids(self) -> tuple[str, ...]:
        accounts = self.config.get(ACCOUNTS_KEY)
        if accounts is None:
            return ()
        return tuple(str(account) for account in accounts) if isinstance(accounts, list) else (str(accounts),)

    @property
    def prod_like(self) -> bool:
        """Deploys what another stack built (pinned digests or a stack reference) instead of building."""
        return self.settings.images.source != "build"


def load_stack(project_dir: Path, stack: str) -> StackSettings:
    path = stack_file(project_dir, stack)
    if not path.is_file():
        known = known_stacks(project_dir)
        raise StackSettingsError(
            f"stack {stack!r} has no stack file {path.name} in {project_dir}; known stacks: "
            f"{', '.join(known) or 'none'} (`make init STACK={stack}` creates one)"
        )
    text = path.read_text(encoding="utf-8")
    try:
        document = round_trip_yaml().load(text)
    except YAMLError as error:
        raise StackSettingsError(f"{path} is not valid YAML: {error}; fix the file's syntax") from error
    config = document.get("config") if isinstance(document, CommentedMap) else None
    if not isinstance(config, CommentedMap):
        raise StackSettingsError(
            f"{path} has no `config:` mapping; a stack file starts `config:\\n  aws:region: ...`"
        )
    try:
        settings = settings_of(config, stack)
    except ConfigError as error:
        raise StackSettingsError(f"{path}: {error}") from None
    return StackSettings(stack=stack, path=path, text=text, config=config, settings=settings)


def settings_of(config: Mapping[str, Any], stack: str) -> Settings:
    """The program's settings for a `config:` section, or ConfigError naming every bad key."""
    raw: dict[str, Any] = {"environment": stack}
    prefix = f"{NAMESPACE}:"
    for key, value in config.items():
        plain = _plain(value)
        if key == REGION_KEY:
            raw[REGION_KEY] = plain
        elif key.startswith(prefix) or ":" not in key:
            raw[key.removeprefix(prefix)] = plain
    return parse_settings(raw)


def _plain(value: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists, as the engine's JSON hands them over."""
    return json.loads(json.dumps(value))
