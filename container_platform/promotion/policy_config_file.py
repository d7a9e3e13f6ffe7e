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
# The stack policy judging the recorded upstream of every promoted image (policies/review_board/lineage.py).
LINEAGE_POLICY = "promoted-lineage"
RECORDED_LINEAGE = "lineage"


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

    def recorded_lineage(self) -> Mapping[str, Any]:
        """The lineage the last promotion wrote for the `promoted-lineage` policy (image name -> entry)."""
        lineage = self.policy_settings(LINEAGE_POLICY).get(RECORDED_LINEAGE, {})
        return lineage if isinstance(lineage, Mapping) else {}

    def with_promoted_images(
        self, references: Sequence[str], lineage: Mapping[str, Mapping[str, str]] | None = None
    ) -> str:
        """The file's new text: the promoted digests, and with `lineage` the recorded lineage of each (the
        `promoted-lineage` policy's). Only those values change when they exist; otherwise the file is
        re-dumped."""
        document = json.loads(self.text)
        values: list[tuple[str, str, object]] = [(PROMOTED_POLICY, PROMOTED_IMAGES, list(references))]
        if lineage is not None:
            values.append((LINEAGE_POLICY, RECORDED_LINEAGE, {k: dict(v) for k, v in lineage.items()}))
        spliced: str | None = self.text
        for policy, key, value in values:
            settings = document.get(policy)
            if not isinstance(settings, dict):
                settings = {} if settings is None else {"enforcementLevel": settings}
                document[policy] = settings
            settings[key] = value
            spliced = None if spliced is None else _splice_value(spliced, policy, key, value)
        if spliced is not None and json.loads(spliced) == document:
            return spliced
        return json.dumps(document, indent=_indent_of(self.text), ensure_ascii=False) + "\n"


def _splice_value(text: str, policy: str, key: str, value: object) -> str | None:
    """`text` with the existing value of `policy.key` replaced in place, or None when there is none.

    The JSON module keeps no layout, and the policy config is hand-written (short lists on one line), so
    re-dumping it would put unrelated lines in the promotion's diff.
    """
    policy_at = text.find(f'"{policy}"')
    key_at = text.find(f'"{key}"', policy_at) if policy_at >= 0 else -1
    colon = text.find(":", key_at) if key_at >= 0 else -1
    start = colon + 1 + (len(text[colon + 1 :]) - len(text[colon + 1 :].lstrip())) if colon >= 0 else -1
    if start < 0:
        return None
    try:
        _, end = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError:
        return None
    line_start = text.rfind("\n", 0, key_at) + 1
    indent = " " * (key_at - line_start)
    step = _indent_of(text)
    if not value:
        dumped = json.dumps(value)
    else:
        dumped = json.dumps(value, indent=step, ensure_ascii=False).replace("\n", "\n" + indent)
    return text[:start] + dumped + text[end:]


def _indent_of(text: str) -> int:
    """The file's own indentation step."""
    for line in text.splitlines()[1:]:
        stripped = line.lstrip(" ")
        if stripped and len(stripped) < len(line):
            return len(line) - len(stripped)
    return 2
