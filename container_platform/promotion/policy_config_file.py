"""The target stack's policy config (`policies/config/<stack>.json`): the list of digests promotion recorded.

The stack policy `prod-images-promoted` blocks any image that is not in its `promotedImages`, so writing
that list is what makes "prod runs only what was promoted" enforceable at preview and update.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from container_platform.strict_json import StrictJsonError, loads_strict, short

POLICY_CONFIG_DIR = Path("policies") / "config"
PROMOTED_POLICY = "prod-images-promoted"
PROMOTED_IMAGES = "promotedImages"


class PolicyConfigError(Exception):
    """The policy config file is missing or malformed; the message says how to fix it."""


@dataclass(frozen=True)
class PolicyConfigFile:
    path: Path
    text: str
    document: dict[str, Any]

    @classmethod
    def load(cls, project_dir: Path, stack: str) -> PolicyConfigFile:
        path = project_dir / POLICY_CONFIG_DIR / f"{stack}.json"
        if not path.is_file():
            raise PolicyConfigError(
                f"policy config {path} does not exist: copy {POLICY_CONFIG_DIR / 'prod.json'} to "
                f"{POLICY_CONFIG_DIR / (stack + '.json')} (mandatory enforcement), adjust it for the stack "
                f"{stack!r}, then promote again"
            )
        try:
            text = path.read_text(encoding="utf-8")
            document = loads_strict(text)
        except (OSError, UnicodeDecodeError, StrictJsonError) as error:
            raise PolicyConfigError(f"{path} {error}; fix the file (it is JSON, in UTF-8)") from None
        if not isinstance(document, dict):
            raise PolicyConfigError(f"{path} must hold a JSON object (policy name -> settings)")
        return cls(path, text, document)

    def policy_settings(self, policy: str) -> Mapping[str, Any]:
        """A policy's settings; the shorthand `"policy": "<enforcement level>"` has none."""
        settings = self.document.get(policy, {})
        return settings if isinstance(settings, Mapping) else {}

    def promoted_images(self) -> list[str]:
        promoted = self.policy_settings(PROMOTED_POLICY).get(PROMOTED_IMAGES, [])
        if not isinstance(promoted, list):
            raise PolicyConfigError(
                f"{self.path}: `{PROMOTED_POLICY}.{PROMOTED_IMAGES}` is {short(promoted)}; "
                "it must be a list of digest references"
            )
        return [str(reference) for reference in promoted]

    def with_promoted_images(self, references: Sequence[str]) -> str:
        """The file's new text: only the list changes when it exists; otherwise the file is re-dumped."""
        document = json.loads(self.text)
        settings = document.get(PROMOTED_POLICY)
        if not isinstance(settings, dict):
            settings = {} if settings is None else {"enforcementLevel": settings}
            document[PROMOTED_POLICY] = settings
        settings[PROMOTED_IMAGES] = list(references)
        spliced = _splice_list(self.text, list(references))
        if spliced is not None and json.loads(spliced) == document:
            return spliced
        return json.dumps(document, indent=_indent_of(self.text), ensure_ascii=False) + "\n"


def _splice_list(text: str, references: list[str]) -> str | None:
    """`text` with the existing `promotedImages` array replaced in place, or None when there is none.

    The JSON module keeps no layout, and the policy config is hand-written (short lists on one line), so
    re-dumping it would put unrelated lines in the promotion's diff.
    """
    policy = text.find(f'"{PROMOTED_POLICY}"')
    key = text.find(f'"{PROMOTED_IMAGES}"', policy) if policy >= 0 else -1
    start = text.find("[", key) if key >= 0 else -1
    if start < 0:
        return None
    try:
        _, end = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError:
        return None
    line_start = text.rfind("\n", 0, key) + 1
    indent = " " * (key - line_start)
    step = " " * _indent_of(text)
    items = ",\n".join(f"{indent}{step}{json.dumps(reference)}" for reference in references)
    array = f"[\n{items}\n{indent}]" if references else "[]"
    return text[:start] + array + text[end:]


def _indent_of(text: str) -> int:
    """The file's own indentation step."""
    for line in text.splitlines()[1:]:
        stripped = line.lstrip(" ")
        if stripped and len(stripped) < len(line):
            return len(line) - len(stripped)
    return 2
