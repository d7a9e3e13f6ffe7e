"""Who promoted which digests from which stack, and when: kept in `promotions/<stack>.log` and the stack file.

The log (one JSON object per line, appended, committed with the stack file) is the history the review
report shows; the comment block at the top of `Pulumi.<stack>.yaml` repeats the latest entry so that the
diff a reviewer approves says where the new digests came from.
"""

from __future__ import annotations

import getpass
import json
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from container_platform.strict_json import StrictJsonError, loads_strict

PROMOTIONS_DIR = "promotions"
COMMENT_HEADER = "# Last promotion, written by `python -m container_platform promote`"
COMMENT_FOOTER = "# End of promotion record."


class PromotionLogError(Exception):
    """The promotions log has a line that is not a whole record; the message names the file and line."""


@dataclass(frozen=True)
class ImageChange:
    """One image's digest reference before (None when the stack did not pin it yet) and after promotion."""

    image: str
    old: str | None
    new: str


@dataclass(frozen=True)
class PromotionRecord:
    promoted_by: str
    promoted_at: datetime
    from_stack: str
    to_stack: str
    changes: tuple[ImageChange, ...]
    verified_with_ecr: bool
    tagged_in_ecr: bool = False  # records written before --tag-ecr existed have no such key
    # Image name -> {reference, parent, upstream, sourceRevision} (image_references/lineage.py) of every
    # promoted image; records written before lineage existed have none.
    lineage: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def ecr_checks(self) -> str:
        """What ECR confirmed for this promotion, as the record and the review report word it."""
        if self.verified_with_ecr and self.tagged_in_ecr:
            return "verified and tagged in ECR"
        if self.verified_with_ecr:
            return "verified in ECR, not tagged"
        if self.tagged_in_ecr:
            return "tagged in ECR, not verified"
        return "not verified in ECR"

    def to_json(self) -> dict[str, object]:
        return {
            "promotedAt": self.promoted_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "promotedBy": self.promoted_by,
            "fromStack": self.from_stack,
            "toStack": self.to_stack,
            "verifiedWithEcr": self.verified_with_ecr,
            "taggedInEcr": self.tagged_in_ecr,
            "images": {change.image: {"old": change.old, "new": change.new} for change in self.changes},
            "lineage": {image: dict(entry) for image, entry in self.lineage.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PromotionRecord:
        images: dict[str, dict[str, str | None]] = data["images"]
        return cls(
            promoted_by=str(data["promotedBy"]),
            promoted_at=datetime.strptime(str(data["promotedAt"]), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
            from_stack=str(data["fromStack"]),
            to_stack=str(data["toStack"]),
            changes=tuple(ImageChange(image, pair["old"], pair["new"]) for image, pair in images.items()),
            verified_with_ecr=bool(data["verifiedWithEcr"]),
            tagged_in_ecr=bool(data.get("taggedInEcr", False)),
            lineage=data.get("lineage", {}),
        )

    def comment_block(self) -> str:
        """The lines written above the stack file's YAML, between COMMENT_HEADER and COMMENT_FOOTER."""
        lines = [
            COMMENT_HEADER,
            f"# (history: {PROMOTIONS_DIR}/{self.to_stack}.log).",
            f"#   {self.to_json()['promotedAt']} by {self.promoted_by}, "
            f"from stack {self.from_stack}, {self.ecr_checks}:",
        ]
        for change in self.changes:
            old = change.old.rsplit("@", 1)[-1] if change.old else "(not pinned before)"
            lines.append(f"#   {change.image}: {old}")
            lines.append(f"#   {' ' * len(change.image)}  -> {change.new.rsplit('@', 1)[-1]}")
        lines.append(COMMENT_FOOTER)
        return "\n".join(lines) + "\n"


def current_user(project_dir: Path) -> str:
    """The git identity committing the promotion, else the login name: the person a reviewer asks."""
    identity: list[str] = []
    git = shutil.which("git")
    if git is not None:
        for key in ("user.name", "user.email"):
            result = subprocess.run(
                [git, "-C", str(project_dir), "config", key], capture_output=True, text=True, check=False
            )
            if result.returncode == 0 and result.stdout.strip():
                identity.append(result.stdout.strip())
    if len(identity) == 2:
        return f"{identity[0]} <{identity[1]}>"
    if identity:
        return identity[0]
    return getpass.getuser()


def strip_comment_block(text: str) -> str:
    """`text` without the previous promotion's comment block (the log keeps the history)."""
    if not text.startswith(COMMENT_HEADER):
        return text
    end = text.find(COMMENT_FOOTER)
    if end < 0:
        return text
    return text[end + len(COMMENT_FOOTER) :].lstrip("\n")


def log_path(project_dir: Path, stack: str) -> Path:
    return project_dir / PROMOTIONS_DIR / f"{stack}.log"


def log_with(project_dir: Path, record: PromotionRecord) -> tuple[Path, str | None, str]:
    """The log's path, its text now (None: no log yet) and its text with `record` appended as one line.

    The existing records are checked first (a corrupt log is refused, never extended) and kept byte for
    byte; a last line missing its newline gets one, so the new record never glues onto it.
    """
    path = log_path(project_dir, record.to_stack)
    old_text = _log_text(path)
    if old_text is not None:
        parse_log(path, old_text)
    kept = old_text or ""
    if kept and not kept.endswith("\n"):
        kept += "\n"
    return path, old_text, kept + json.dumps(record.to_json(), sort_keys=False) + "\n"


def read_log(project_dir: Path, stack: str) -> list[PromotionRecord]:
    """Every promotion into `stack`, oldest first; empty when the stack was never promoted into."""
    path = log_path(project_dir, stack)
    text = _log_text(path)
    return [] if text is None else parse_log(path, text)


def _log_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise PromotionLogError(f"{path} cannot be read ({error}); restore it from git") from None


def parse_log(path: Path, text: str) -> list[PromotionRecord]:
    """The records of a JSON Lines log; a line that is not a whole record raises naming its number."""
    records = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            data = loads_strict(line)
            if not isinstance(data, dict):
                raise StrictJsonError("is not a JSON object")
            records.append(PromotionRecord.from_json(data))
        except (StrictJsonError, KeyError, TypeError, ValueError, AttributeError) as error:
            problem = f"no key {error}" if isinstance(error, KeyError) else str(error)
            raise PromotionLogError(
                f"{path} line {number} is not a promotion record ({problem}); restore the line from git "
                "(each line is one JSON object that `promote` wrote)"
            ) from None
    return records
