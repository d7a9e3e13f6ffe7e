"""Reading and rewriting `Pulumi.<stack>.yaml` the way a person would: only the pinned digests change.

ruamel.yaml's round-trip mode keeps every comment, key order, quoting and indentation, so the diff a
reviewer approves holds the promoted digests and nothing else.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from components.settings import ServiceSettings, image_names_of
from container_platform.promotion.record import strip_comment_block
from container_platform.stack_config import stack_file
from container_platform.stack_file_yaml import StackFileYamlError, load_stack_yaml
from container_platform.strict_json import short

PROJECT = "container-platform"
IMAGES_KEY = f"{PROJECT}:images"
SERVICES_KEY = f"{PROJECT}:services"
DEFAULT_REPOSITORY_PREFIX = "container-platform"
IMAGE_SOURCES = ("build", "pinned", "stackReference")
MAPPING_INDENT = 2  # what `pulumi config set` writes


class StackFileError(Exception):
    """The target stack's file is missing or cannot take a promotion; the message says how to fix it."""


@dataclass(frozen=True)
class StackFile:
    path: Path
    stack: str
    text: str
    document: CommentedMap
    sequence_indent: int
    sequence_offset: int

    @classmethod
    def load(cls, project_dir: Path, stack: str) -> StackFile:
        path = stack_file(project_dir, stack)
        if not path.is_file():
            raise StackFileError(
                f"stack file {path} does not exist: create the stack first, e.g. "
                f"`pulumi stack init {stack}` and `pulumi config cp --stack prod --dest {stack}` "
                f"(or copy Pulumi.prod.yaml to {path.name} and adjust its settings), then promote again"
            )
        try:
            text = path.read_text(encoding="utf-8")
            load_stack_yaml(text, str(path))
        except UnicodeDecodeError as error:
            raise StackFileError(f"{path} is not UTF-8 text ({error.reason} at byte {error.start})") from None
        except StackFileYamlError as error:
            raise StackFileError(f"{error}; fix it before promoting into the stack") from None
        try:
            document, sequence_indent, sequence_offset = load_yaml_guess_indent(text, yaml=_round_trip())
        except YAMLError as error:
            raise StackFileError(f"{path} is not valid YAML: {error}") from error
        if not isinstance(document, CommentedMap) or not isinstance(document.get("config"), CommentedMap):
            raise StackFileError(
                f"{path} has no `config:` mapping; a stack file looks like `config:\\n  aws:region: ...`"
            )
        loaded = cls(path, stack, text, document, sequence_indent or 4, sequence_offset or 2)
        loaded.image_source()
        return loaded

    @property
    def config(self) -> CommentedMap:
        return self.document["config"]

    def images(self) -> Mapping[str, Any]:
        images = self.config.get(IMAGES_KEY, {})
        if not isinstance(images, Mapping):
            raise StackFileError(
                f"{self.path}: `{IMAGES_KEY}` is {short(images)}; "
                "it must be an object with `source`, `pinned`, ..."
            )
        return images

    def image_source(self) -> str | None:
        source = self.images().get("source")
        if source is not None and source not in IMAGE_SOURCES:
            raise StackFileError(
                f"{self.path}: `{IMAGES_KEY}.source` is {short(source)}; allowed: {', '.join(IMAGE_SOURCES)}"
            )
        return source

    def pinned(self) -> dict[str, str]:
        pinned = self.images().get("pinned") or {}
        if not isinstance(pinned, Mapping):
            raise StackFileError(
                f"{self.path}: `{IMAGES_KEY}.pinned` is {short(pinned)}; "
                "it must map image names to digest references"
            )
        return {str(name): str(reference) for name, reference in pinned.items()}

    def stack_reference(self) -> str | None:
        reference = self.images().get("stackReference")
        return None if reference is None else str(reference)

    def image_names(self) -> tuple[str, ...]:
        """The images this stack deploys or records (chain, then its services' apps): what it must pin."""
        services = self.config.get(SERVICES_KEY)
        if not services or not isinstance(services, list):
            raise StackFileError(
                f"{self.path}: `{SERVICES_KEY}` is {short(services)}, so there is no telling which "
                "images the stack runs; list its services (docs/configuration.md), then promote"
            )
        parsed = []
        for index, entry in enumerate(services):
            try:
                parsed.append(ServiceSettings.model_validate(json.loads(json.dumps(entry))))
            except ValidationError as error:
                problems = "; ".join(
                    f"{'.'.join(map(str, detail['loc'])) or '(the entry)'}: {detail['msg']}"
                    for detail in error.errors(include_url=False)
                )
                raise StackFileError(
                    f"{self.path}: `{SERVICES_KEY}[{index}]` is invalid ({problems}); fix the stack file "
                    "before promoting into it (docs/configuration.md)"
                ) from None
        return image_names_of(parsed)

    def repository_prefix(self) -> str:
        return str(self.images().get("repositoryPrefix", DEFAULT_REPOSITORY_PREFIX))

    def with_pinned(
        self,
        pinned: Mapping[str, str],
        comment_block: str,
        lineage: Mapping[str, Mapping[str, str]] | None = None,
    ) -> str:
        """The file's new text: `pinned` merged in, `source: pinned` unless it reads a stack reference, and
        each pinned image's `lineage` beside the pins (a stack reference reads the source's own)."""
        document = _round_trip().load(strip_comment_block(self.text))
        config = document["config"]
        if not isinstance(config.get(IMAGES_KEY), CommentedMap):
            config[IMAGES_KEY] = CommentedMap()
        images = config[IMAGES_KEY]
        if images.get("source") != "stackReference":
            if "source" in images:
                images["source"] = "pinned"
            else:
                images.insert(0, "source", "pinned")
        if not isinstance(images.get("pinned"), CommentedMap):
            images["pinned"] = CommentedMap()
        for name, reference in pinned.items():
            images["pinned"][name] = reference
        if lineage and images.get("source") == "pinned":
            if not isinstance(images.get("lineage"), CommentedMap):
                images["lineage"] = CommentedMap()
            for name, entry in lineage.items():
                images["lineage"][name] = CommentedMap(entry)
        return comment_block + self._dump(document)

    def _dump(self, document: CommentedMap) -> str:
        yaml = _round_trip()
        yaml.indent(mapping=MAPPING_INDENT, sequence=self.sequence_indent, offset=self.sequence_offset)
        buffer = io.StringIO()
        yaml.dump(document, buffer)
        return buffer.getvalue()


def _round_trip() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # a digest reference is long; never fold it
    return yaml
