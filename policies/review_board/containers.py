"""The containers of an ECS task definition, read from `containerDefinitions` (a JSON string or a list)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from review_board.framework import Resource, Unchecked
from review_board.wire import document, is_unknown

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"


def containers(resource: Resource) -> Iterator[dict[str, Any] | Unchecked]:
    """Each container definition, or one Unchecked when the whole list is not known yet.

    A definitions string that is not JSON is yielded as Unchecked too: ECS would reject it anyway, and the
    provider reports that error itself.
    """
    raw = resource.props.get("containerDefinitions")
    if is_unknown(raw):
        yield Unchecked("containerDefinitions")
        return
    try:
        definitions = document(raw) or []
    except ValueError as error:
        yield Unchecked(f"containerDefinitions, which is {error}")
        return
    if is_unknown(definitions):
        yield Unchecked("containerDefinitions")
        return
    for definition in definitions:
        if is_unknown(definition) or not isinstance(definition, dict):
            yield Unchecked("a container definition")
        else:
            yield definition
