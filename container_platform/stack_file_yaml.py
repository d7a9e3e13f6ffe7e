"""Stack files read as configuration, the way the Pulumi CLI reads them, within limits no hostile file passes.

The CLI (Go, yaml.v3) refuses a key defined twice, reads `yes`/`on` as text and hands the program strings,
booleans, numbers, lists and maps; PyYAML's YAML 1.1 loader instead keeps the last of two keys, turns
`keepReleases: yes` into 1, builds dates, bytes and sets, and will expand an alias bomb into gigabytes or
recurse until the C loader segfaults. This module builds the document from the parser's event stream
itself (never recursively), resolving plain scalars with the YAML 1.2 core schema and merge keys
(`<<`) as yaml.v3 does, and refuses, naming the line: a file over MAX_BYTES, nesting over MAX_DEPTH, more
than MAX_NODES values once aliases are expanded, a recursive alias, a duplicate or non-string key, a date
or timestamp, a tag other than the core ones (`!!binary`, `!!set`, `!!python/...`), NaN or infinity, a
YAML 1.1 boolean (`yes`, `off`) and a second document.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from container_platform.strict_json import short

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 100_000

_MERGE = "<<"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_STR = "tag:yaml.org,2002:str"
# The core schema's scalar tags, and the Python type each one means.
_SCALAR_TAGS: dict[str, type] = {
    _STR: str,
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:bool": bool,
    "tag:yaml.org,2002:null": type(None),
}
# The YAML 1.2 core schema (yaml.v3 resolves plain scalars this way).
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = re.compile(r"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
# What YAML 1.1 (PyYAML, many editors) reads as a date or timestamp, or as a boolean, but 1.2 as text.
_TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}.*)?$")
_YAML11_BOOL = re.compile(r"^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$")

# libyaml's parser when PyYAML was built with it (its wheels are): ten times faster on a big stack file.
_PARSER = getattr(getattr(yaml, "cyaml", None), "CParser", None)


class StackFileYamlError(ValueError):
    """The file is not configuration the CLI would take; the message says where, what and how to fix it."""


@dataclass
class _Open:
    """A mapping or list being built, with the key waiting for its value and the expanded size so far."""

    value: dict[str, Any] | list[Any]
    anchor: str | None
    line: int
    size: int = 1
    key: str | None = None
    key_pending: bool = True
    keys: set[str] = field(default_factory=set)
    merged: dict[str, Any] = field(default_factory=dict)


def load_stack_yaml(data: bytes | str, source: str) -> Any:
    """The single document of `data`, as plain str/int/float/bool/None/list/dict; else StackFileYamlError."""
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > MAX_BYTES:
        raise StackFileYamlError(
            f"{source} is {size} bytes, more than a stack file needs (at most {MAX_BYTES}); "
            "it is probably not a stack file"
        )
    try:
        return _Builder(source).build(_events(data))
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        position = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        problem = getattr(error, "problem", None) or str(error)
        raise StackFileYamlError(
            f"{source} is not valid YAML{position}: {problem}; fix the file's syntax"
        ) from None


def _events(data: bytes | str) -> Any:
    if _PARSER is not None:
        parser = _PARSER(data)
        try:
            while parser.check_event():
                yield parser.get_event()
        finally:
            parser.dispose()
    else:
        yield from yaml.parse(data, Loader=yaml.SafeLoader)


class _Builder:
    def __init__(self, source: str) -> None:
        self.source = source
        self.stack: list[_Open] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.nodes = 0
        self.documents = 0
        self.result: Any = None

    def build(self, events: Any) -> Any:
        for event in events:
            self._handle(event)
        return self.result

    def _fail(self, event: Any, message: str) -> None:
        line = getattr(getattr(event, "start_mark", None), "line", None)
        where = f" line {line + 1}" if line is not None else ""
        raise StackFileYamlError(f"{self.source}{where}: {message}")

    def _handle(self, event: Any) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self._fail(event, "a second YAML document (`---`); a stack file is one document")
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            self._check_tag(event, {_MAP if isinstance(event, yaml.MappingStartEvent) else _SEQ})
            if isinstance(event, yaml.MappingStartEvent) and self._expects_key():
                self._fail(event, "a mapping used as a key; keys are plain strings such as `aws:region`")
            if isinstance(event, yaml.SequenceStartEvent) and self._expects_key():
                self._fail(event, "a list used as a key; keys are plain strings such as `aws:region`")
            if len(self.stack) >= MAX_DEPTH:
                self._fail(event, f"nested deeper than {MAX_DEPTH} levels; no setting is that deep")
            value: dict[str, Any] | list[Any] = {} if isinstance(event, yaml.MappingStartEvent) else []
            if event.anchor is not None:
                self.open_anchors.add(event.anchor)
            self._count(event, 1)
            self.stack.append(_Open(value, event.anchor, event.start_mark.line))
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            finished = self.stack.pop()
            if isinstance(finished.value, dict):
                # Merged keys (`<<: *defaults`) never override the mapping's own, wherever those stand.
                for key, merged in finished.merged.items():
                    finished.value.setdefault(key, merged)
            if finished.anchor is not None:
                self.open_anchors.discard(finished.anchor)
                self.anchors[finished.anchor] = (finished.value, finished.size)
            self._add(event, finished.value, finished.size)
        elif isinstance(event, yaml.ScalarEvent):
            value = self._scalar(event)
            if event.anchor is not None:
                self.anchors[event.anchor] = (value, 1)
            self._count(event, 1)
            self._add(event, value, 1)
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor in self.open_anchors:
                self._fail(event, f"the alias *{event.anchor} refers to a value that contains it (recursive)")
            if event.anchor not in self.anchors:
                self._fail(event, f"the alias *{event.anchor} names no anchor defined before it")
            value, size = self.anchors[event.anchor]
            self._count(event, size)
            self._add(event, value, size)

    def _expects_key(self) -> bool:
        return bool(self.stack) and isinstance(self.stack[-1].value, dict) and self.stack[-1].key_pending

    def _count(self, event: Any, size: int) -> None:
        self.nodes += size
        if self.nodes > MAX_NODES:
            self._fail(event, f"more than {MAX_NODES} values once its aliases are expanded (an alias bomb?)")

    def _add(self, event: Any, value: Any, size: int) -> None:
        if not self.stack:
            self.result = value
            return
        parent = self.stack[-1]
        parent.size += size
        if isinstance(parent.value, list):
            parent.value.append(value)
        elif parent.key_pending:
            if not isinstance(value, str):
                self._fail(event, f"the key {short(value)} is not a string; quote it or use a name")
            if value in parent.keys:
                self._fail(event, f"the key {short(value)} is defined twice in one mapping; keep one")
            parent.keys.add(value)
            parent.key = value
            parent.key_pending = False
        elif parent.key == _MERGE:
            sources = value if isinstance(value, list) else [value]
            if not all(isinstance(source, dict) for source in sources):
                self._fail(event, "a merge key (`<<`) takes a mapping or a list of mappings")
            for source in sources:
                for key, merged in source.items():
                    parent.merged.setdefault(key, merged)
            parent.key_pending = True
        else:
            parent.value[str(parent.key)] = value
            parent.key_pending = True

    def _check_tag(self, event: Any, allowed: set[str]) -> None:
        if event.tag not in (None, "!") and event.tag not in allowed:
            self._fail(
                event,
                f"the tag {short(event.tag.replace('tag:yaml.org,2002:', '!!'))} is not configuration (stack "
                "settings are strings, numbers, booleans, lists and mappings); remove the tag",
            )

    def _scalar(self, event: yaml.ScalarEvent) -> Any:
        text = event.value
        if event.tag not in (None, "!"):
            self._check_tag(event, set(_SCALAR_TAGS))
            return self._tagged(event, event.tag, text)
        if not event.implicit[0] or event.tag == "!":  # quoted, or the non-specific tag `!`: text
            return text
        if _NULL.match(text):
            return None
        if text in _BOOL:
            return _BOOL[text]
        if _INT.match(text):
            return int(text, 0) if text[:2] in ("0o", "0x") else int(text)
        if _FLOAT.match(text):
            number = float(text)
            if not math.isfinite(number):
                self._fail(event, f"{short(text)} is too large for a number; quote it for the text")
            return number
        if _SPECIAL_FLOAT.match(text):
            self._fail(event, f"{text} is not a number JSON or the program can take; quote it for the text")
        if _TIMESTAMP.match(text):
            self._fail(event, f"{short(text)} reads as a date or timestamp; quote it if you mean the text")
        if _YAML11_BOOL.match(text):
            self._fail(
                event,
                f"{text!r} is a boolean in YAML 1.1 but text to the Pulumi CLI; write true or false, or "
                "quote it",
            )
        return text

    def _tagged(self, event: yaml.ScalarEvent, tag: str, text: str) -> Any:
        if tag == _STR:
            return text
        plain = yaml.ScalarEvent(None, None, (True, False), text, event.start_mark, event.end_mark)
        resolved = self._scalar(plain)
        expected = _SCALAR_TAGS[tag]
        if expected is float and type(resolved) is int:
            resolved = float(resolved)
        if type(resolved) is not expected:
            self._fail(event, f"{short(text)} is not a {tag.rsplit(':', 1)[-1]}")
        return resolved
