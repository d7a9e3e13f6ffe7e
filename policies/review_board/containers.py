"""The containers of an ECS task definition, read from `containerDefinitions` (a JSON string or a list)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from review_board.framework import Resource, Unchecked, Violation
from review_board.wire import document, is_unknown

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"


def containers(resource: Resource) -> Iterator[dict[str, Any] | Unchecked | Violation]:
    """Each container definition; Unchecked while the list is unknown, a Violation if it is not JSON."""
    raw = resource.props.get("containerDefinitions")
    if is_unknown(raw):
        yield Unchecked("containerDefinitions")
        return
    try:
        definitions = document(raw) or []
    except ValueError as error:
        yield Violation(
            f"{resource.label} containerDefinitions is {error}, so its containers cannot be reviewed. "
            "Fix: pass the definitions as a JSON array (pulumi.Output.json_dumps)."
        )
        return
    if is_unknown(definitions):
        yield Unchecked("containerDefinitions")
        return
    for definition in definitions:
        if is_unknown(definition) or not isinstance(definition, dict):
            yield Unchecked("a container definition")
        else:
            yield definition
