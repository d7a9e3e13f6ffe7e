"""The containers of an ECS task definition, read as terraform-provider-aws reads `containerDefinitions`.

The provider decodes the JSON with Go's `encoding/json` into the AWS SDK's `[]ContainerDefinition`
(internal/service/ecs, expandContainerDefinitions), so a rule that reads the JSON any other way can be
fooled. This module decodes it the same way, guided by ECS's ContainerDefinition shape from the service
model botocore ships:
- a key matches a member exactly or case-insensitively (Go folds each rune to upper case): `"Image"`,
  `"IMAGE"` and `"\u0131mage"` (dotless i) all set `image`;
- a repeated key decodes again into what is there: scalars and lists of scalars are replaced (the last
  duplicate wins), objects and maps are merged into, list elements are decoded into the elements already
  at their index;
- `null` clears pointers (strings, boxed numbers, structures, lists, maps) and leaves value types (plain
  integers and booleans, enums) as they were;
- a value of the wrong JSON type, or a number outside int32, fails the whole decode: the provider rejects
  the resource, and so does every container rule;
- a key no member matches is ignored by Go; it is reported here (container-definitions-valid) because
  the board cannot review a setting that does nothing or that a reader misreads.
Rules see each container as a dict keyed by the model's member names (`image`, `linuxParameters`, ...).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, Shape, StructureShape

from review_board.framework import Finding, Resource, Unchecked, Violation
from review_board.remember import RememberLast
from review_board.wire import UNKNOWN, is_unknown, plain

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
INT32 = (-(2**31), 2**31 - 1)


class DecodeError(ValueError):
    """The provider's decoder would reject the document (Go's UnmarshalTypeError and friends)."""


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its key/value pairs in document order, duplicates kept."""


@dataclass
class Decoded:
    """The containers the provider would register, and the keys it would silently ignore."""

    containers: list[dict[str, Any]]
    ignored_keys: list[str] = field(default_factory=list)


@cache
def container_shape() -> StructureShape:
    """ECS's ContainerDefinition, from botocore's bundled service model (no network, no credentials)."""
    shape = botocore.session.get_session().get_service_model("ecs").shape_for("ContainerDefinition")
    assert isinstance(shape, StructureShape)
    return shape


def go_fold(key: str) -> str:
    """Go's encoding/json key folding: every rune to its single upper-case rune where it has one."""
    return "".join(upper if len(upper := char.upper()) == 1 else char for char in key)


@cache
def _members_by_fold(shape: StructureShape) -> dict[str, str]:
    return {go_fold(name): name for name in shape.members}


def _is_pointer(shape: Shape) -> bool:
    """The SDK's Go type is a pointer (null clears it) unless it is a plain integer, boolean or enum."""
    if shape.type_name in ("integer", "long", "boolean", "double", "float"):
        # botocore's Shape.metadata drops `box`; the parsed model it keeps still has it.
        return bool(shape._shape_model.get("box"))
    if shape.type_name == "string":
        return not shape.enum
    return True


def _describe(value: Any) -> str:
    if isinstance(value, _Pairs | dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return f"number {value}"
    return "string"


def _decode(shape: Shape, value: Any, existing: Any, path: str, ignored: list[str]) -> Any:
    if isinstance(value, str):
        value = plain(value)  # the engine's unknown sentinel, as inputs given as a list carry it
    if is_unknown(value):
        return UNKNOWN
    if value is None:
        return None if _is_pointer(shape) else existing
    mismatch = DecodeError(f"{path}: cannot decode {_describe(value)} into {shape.type_name} {shape.name}")
    if isinstance(shape, StructureShape):
        if not isinstance(value, _Pairs | dict):
            raise mismatch
        result = dict(existing) if isinstance(existing, dict) else {}
        members = _members_by_fold(shape)
        for key, item in value.items() if isinstance(value, dict) else value:
            member = key if key in shape.members else members.get(go_fold(key))
            if member is None:
                ignored.append(f"{path}.{key}")
                continue
            where = f"{path}.{key}"
            result[member] = _decode(shape.members[member], item, result.get(member), where, ignored)
        return result
    if isinstance(shape, ListShape):
        if not isinstance(value, list) or isinstance(value, _Pairs):
            raise mismatch
        # Go decodes each element into the one already at its index, then cuts the slice to length.
        old = existing if isinstance(existing, list) else []
        return [
            _decode(shape.member, item, old[index] if index < len(old) else None, f"{path}[{index}]", ignored)
            for index, item in enumerate(value)
        ]
    if isinstance(shape, MapShape):
        if not isinstance(value, _Pairs | dict):
            raise mismatch
        result = dict(existing) if isinstance(existing, dict) else {}
        for key, item in value.items() if isinstance(value, dict) else value:
            result[key] = _decode(shape.value, item, None, f"{path}.{key}", ignored)
        return result
    return _scalar(shape, value, mismatch)


def _scalar(shape: Shape, value: Any, mismatch: DecodeError) -> Any:
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            raise mismatch
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise mismatch
        return value
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise mismatch
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            raise mismatch
        if kind == "integer" and not INT32[0] <= value <= INT32[1]:
            raise mismatch
        return int(value)
    if kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise mismatch
        return value
    raise mismatch


def _reject_constant(name: str) -> Any:
    raise DecodeError(f"{name} is not JSON")


def decode(raw: Any) -> Decoded:
    """containerDefinitions (the JSON string, or already a list) as the provider would register it.

    Raises DecodeError with the reason when the provider would reject it.
    """
    documents = _json_stream(raw) if isinstance(raw, str) else [raw]
    shape = container_shape()
    ignored: list[str] = []
    definitions: list[Any] = []
    for document in documents:
        if document is None:
            definitions = []  # null clears the slice
            continue
        if not isinstance(document, list) or isinstance(document, _Pairs):
            raise DecodeError(f"a JSON {_describe(document)}, not an array of container definitions")
        # Go decodes each element into the one already at its index, then cuts the slice to length.
        definitions = [
            _decode(
                shape, item, definitions[index] if index < len(definitions) else None, f"[{index}]", ignored
            )
            for index, item in enumerate(document)
        ]
    if not definitions:
        raise DecodeError("no container definition at all, which ECS rejects")
    for index, definition in enumerate(definitions):
        if definition is None or definition == {}:
            raise DecodeError(f"[{index}] is an empty container definition, which the provider rejects")
    return Decoded(definitions, ignored)


def _json_stream(text: str) -> list[Any]:
    """Every JSON value of the text: the provider's decoder (internal/json DecodeFromReader) reads values
    until the end of the stream, each into the same definitions, so `[...] [...]` is two passes."""
    decoder = json.JSONDecoder(object_pairs_hook=_Pairs, parse_constant=_reject_constant)
    values, at = [], 0
    try:
        while (at := len(text) - len(text[at:].lstrip(" \t\n\r"))) < len(text):
            value, at = decoder.raw_decode(text, at)
            values.append(value)
    except json.JSONDecodeError as error:
        raise DecodeError(f"not valid JSON ({error})") from error
    if not values:
        raise DecodeError("not valid JSON (no value)")
    return values


# The nine container rules of one Analyze call read the same inputs object (decode_once.py), so the same
# containerDefinitions value: decode it once for all of them. Rules only read what it returns.
_decode_once = RememberLast(decode, 16)


def decoded(resource: Resource) -> Decoded | Finding:
    """The decoded definitions, Unchecked while unknown, or the Violation that stops every container rule."""
    raw = resource.props.get("containerDefinitions")
    if is_unknown(raw):
        return Unchecked("containerDefinitions")
    if raw is None:
        return Violation(
            f"{resource.label} has no containerDefinitions, so its containers cannot be reviewed. "
            "Fix: pass the definitions as a JSON array (pulumi.Output.json_dumps)."
        )
    try:
        return _decode_once(raw)
    except (DecodeError, RecursionError) as error:
        return Violation(
            f"{resource.label} containerDefinitions is {error}; terraform-provider-aws would reject it, and "
            "its containers cannot be reviewed. Fix: pass the definitions as a JSON array of ECS "
            "ContainerDefinition objects (pulumi.Output.json_dumps)."
        )


def containers(resource: Resource) -> Iterator[dict[str, Any] | Unchecked | Violation]:
    """Each container definition; Unchecked while unknown, one Violation when the provider rejects them."""
    result = decoded(resource)
    if isinstance(result, Unchecked | Violation):
        yield result
        return
    for definition in result.containers:
        if is_unknown(definition):
            yield Unchecked("a container definition")
        else:
            yield definition


def container_name(container: Mapping[str, Any]) -> str:
    """How messages name a container: its `name`, or '?' while it has none or preview lacks it."""
    name = container.get("name")
    return name if isinstance(name, str) else "?"
