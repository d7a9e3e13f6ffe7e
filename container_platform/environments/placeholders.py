"""Placeholders in a stack file: values that stand in for the reader's own and name nothing real.

The repository's stack files mark each one with a `# PLACEHOLDER` comment on its line, and AWS's
documentation account is a placeholder wherever it appears: the real provider refuses any other account, so
a stack that still names it cannot deploy anywhere but in AWS's own examples.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

MARK = "# PLACEHOLDER"
# The account ID AWS's documentation uses in its examples (docs.aws.amazon.com, "example account ID").
DOCUMENTATION_ACCOUNT = "123456789012"


def placeholders(config: CommentedMap, lines: list[str]) -> list[str]:
    """One refusal per placeholder in a stack's `config:` section (`lines`: the file's text, split)."""
    found = []
    for setting, value, line in _leaves(config, ""):
        if MARK in lines[line]:
            found.append(
                f"{setting} = {value!r} is marked as a placeholder; set your own value and delete "
                "the `# PLACEHOLDER` comment"
            )
        elif str(value) == DOCUMENTATION_ACCOUNT and setting.startswith("aws:allowedAccountIds"):
            found.append(
                f"{setting} = {value!r} is AWS's documentation account; set the ID of the account "
                "this stack deploys to"
            )
    return found


def _leaves(node: Any, path: str) -> Iterator[tuple[str, Any, int]]:
    """(setting, value, 0-based line) for every scalar under `node`; setting as the docs write it."""
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            setting = f"{path}.{key}" if path else str(key)
            if isinstance(value, CommentedMap | CommentedSeq):
                yield from _leaves(value, setting)
            else:
                yield setting, value, node.lc.key(key)[0]
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            setting = f"{path}[{index}]"
            if isinstance(value, CommentedMap | CommentedSeq):
                yield from _leaves(value, setting)
            else:
                yield setting, value, node.lc.item(index)[0]
